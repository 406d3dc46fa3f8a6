// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "log.h"
#include "token.h"

int token__make(const char *path, char out[TOKEN_HEX + 1])
{
	unsigned char raw[TOKEN_HEX / 2];
	char tmp[4096];
	int fd, err = 0;

	if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
		return -EIO;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(&out[2 * i], 3, "%02x", raw[i]);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	unlink(tmp);
	/* O_EXCL on a fresh name: no one else's file or link is written. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0 || write(fd, out, TOKEN_HEX) != TOKEN_HEX ||
	    write(fd, "\n", 1) != 1)
		err = -errno;
	if (fd >= 0 && close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		log__errno(err, "console token %s", path);
		unlink(tmp);
	}
	return err;
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
