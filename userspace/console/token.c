// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "replace.h"
#include "token.h"

int token__make(const char *path, char out[TOKEN_HEX + 1])
{
	unsigned char raw[TOKEN_HEX / 2];
	char line[TOKEN_HEX + 1];

	if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
		return -EIO;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(&out[2 * i], 3, "%02x", raw[i]);
	memcpy(line, out, TOKEN_HEX);
	line[TOKEN_HEX] = '\n';
	return file__replace(path, line, sizeof(line));
}

bool token__matches(const char *want, const char *given)
{
	unsigned char diff = 0;

	if (!given || strlen(given) != TOKEN_HEX)
		return false;
	for (size_t i = 0; i < TOKEN_HEX; i++)
		diff |= (unsigned char)(want[i] ^ given[i]);
	return diff == 0;
}
