// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: text__escape over any bytes (NUL included), with the
 * bound the header promises and with every shorter output. What comes
 * out must be well-formed UTF-8 holding nothing a terminal acts on (no
 * C0 control but tab, no DEL, no C1 control, no bidi control or Unicode
 * line break), NUL-terminated, and a truncated output must be a prefix
 * of the whole one.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, int line, const char *what)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_text: line %d: %s\n", line, what);
	abort();
}

#define CHECK(cond) check((cond), __LINE__, #cond)

static const char *const banned[] = {
	"\xd8\x9c", "\xe2\x80\x8e", "\xe2\x80\x8f", "\xe2\x80\xa8",
	"\xe2\x80\xa9", "\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac",
	"\xe2\x80\xad", "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x81\xa7",
	"\xe2\x81\xa8", "\xe2\x81\xa9",
};

static void check_shown(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	CHECK(strlen(s) == n);
	CHECK(utf8__valid(u, n));
	for (size_t i = 0; i < n; i++) {
		CHECK(u[i] >= 0x20 || u[i] == '\t');
		CHECK(u[i] != 0x7f);
		CHECK(!(u[i] == 0xc2 && i + 1 < n && u[i + 1] < 0xa0));
	}
	for (size_t b = 0; b < sizeof(banned) / sizeof(banned[0]); b++)
		CHECK(!memmem(s, n, banned[b], strlen(banned[b])));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap = 4 * size + 1, n, m;
	char *whole = malloc(cap), *part = malloc(cap);

	CHECK(whole && part);
	n = text__escape((const char *)data, size, whole, cap);
	check_shown(whole, n);
	CHECK(n >= size);	/* nothing dropped: each byte shows */
	for (size_t c = 1; c < cap && c <= 64; c++) {
		m = text__escape((const char *)data, size, part, c);
		CHECK(m < c);
		CHECK(!memcmp(part, whole, m));
		check_shown(part, m);
	}
	free(whole);
	free(part);
	return 0;
}
