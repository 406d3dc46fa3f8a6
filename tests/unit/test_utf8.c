// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* utf8__valid and utf8__repair: each class of ill-formed input, and every
 * code point round-tripping through an independent encoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "utf8.h"

#define FFFD "\xef\xbf\xbd"

struct repair_case {
	const char *in;
	size_t in_len;
	const char *out;	/* NUL-terminated expected output */
};

#define CASE(in, out) { in, sizeof(in) - 1, out }

/* Ill-formed input: one U+FFFD per offending byte. */
static const struct repair_case invalid_cases[] = {
	/* stray continuation bytes */
	CASE("\x80", FFFD),
	CASE("\xbf", FFFD),
	CASE("a\x80\xbf" "b", "a" FFFD FFFD "b"),
	/* truncated sequences, at the end and before other bytes */
	CASE("\xc3", FFFD),
	CASE("\xe2\x82", FFFD FFFD),
	CASE("\xe2\x82" "A", FFFD FFFD "A"),
	CASE("\xf0\x9f\x98", FFFD FFFD FFFD),
	CASE("\xf0\x9f\x98" "\xc3\xa9", FFFD FFFD FFFD "\xc3\xa9"),
	CASE("\xe2" "\xe2\x82\xac", FFFD "\xe2\x82\xac"),
	/* overlongs: '/' as 2, 3 and 4 bytes; U+07FF as 3; U+FFFF as 4 */
	CASE("\xc0\xaf", FFFD FFFD),
	CASE("\xc1\xbf", FFFD FFFD),
	CASE("\xe0\x80\xaf", FFFD FFFD FFFD),
	CASE("\xe0\x9f\xbf", FFFD FFFD FFFD),
	CASE("\xf0\x80\x80\xaf", FFFD FFFD FFFD FFFD),
	CASE("\xf0\x8f\xbf\xbf", FFFD FFFD FFFD FFFD),
	/* UTF-16 surrogates encoded in UTF-8 */
	CASE("\xed\xa0\x80", FFFD FFFD FFFD),
	CASE("\xed\xbf\xbf", FFFD FFFD FFFD),
	CASE("\xed\xa0\xbd\xed\xb8\x80", FFFD FFFD FFFD FFFD FFFD FFFD),
	/* above U+10FFFF, and bytes that never appear in UTF-8 */
	CASE("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD),
	CASE("\xf5\x80\x80\x80", FFFD FFFD FFFD FFFD),
	CASE("\xf7\xbf\xbf\xbf", FFFD FFFD FFFD FFFD),
	CASE("\xf8\x88\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD),
	CASE("\xfe\xff", FFFD FFFD),
};

/* Well-formed input passes through unchanged, boundaries included. */
static const struct repair_case valid_cases[] = {
	CASE("", ""),
	CASE("plain ascii /path", "plain ascii /path"),
	CASE("\x01\x1f\x7f", "\x01\x1f\x7f"),
	CASE("\xc2\x80", "\xc2\x80"),			/* U+0080 */
	CASE("\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9"),	/* été */
	CASE("\xdf\xbf", "\xdf\xbf"),			/* U+07FF */
	CASE("\xe0\xa0\x80", "\xe0\xa0\x80"),		/* U+0800 */
	CASE("\xe2\x82\xac", "\xe2\x82\xac"),		/* € */
	CASE("\xed\x9f\xbf", "\xed\x9f\xbf"),		/* U+D7FF */
	CASE("\xee\x80\x80", "\xee\x80\x80"),		/* U+E000 */
	CASE("\xef\xbf\xbf", "\xef\xbf\xbf"),		/* U+FFFF */
	CASE("\xf0\x90\x80\x80", "\xf0\x90\x80\x80"),	/* U+10000 */
	CASE("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"),	/* 😀 */
	CASE("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"),	/* U+10FFFF */
};

static void check_repair(const struct repair_case *c)
{
	char out[64];
	size_t n;

	memset(out, 'x', sizeof(out));
	n = utf8__repair((const unsigned char *)c->in, c->in_len, out,
			 3 * c->in_len + 1);
	assert_int_equal(n, strlen(c->out));
	assert_memory_equal(out, c->out, n + 1);
	/* the bound the header promises is used exactly by all-bad input */
	assert_true(n <= 3 * c->in_len);
}

static void test_invalid_classes(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
		const struct repair_case *c = &invalid_cases[i];

		assert_false(utf8__valid((const unsigned char *)c->in,
					 c->in_len));
		check_repair(c);
	}
}

static void test_valid_unchanged(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		const struct repair_case *c = &valid_cases[i];

		assert_true(utf8__valid((const unsigned char *)c->in,
					c->in_len));
		check_repair(c);
	}
}

static void test_nul_is_valid(void **state)
{
	static const unsigned char in[] = { 'a', 0, 'b', 0xff, 0 };
	char out[16];

	assert_true(utf8__valid(in, 3));
	assert_false(utf8__valid(in, 4));
	assert_int_equal(utf8__repair(in, 5, out, sizeof(out)), 7);
	assert_memory_equal(out, "a\0b" FFFD "\0", 8);
}

/* A bad byte at every offset of a long ASCII run, so the eight-byte scan
 * and its byte-wise tail both meet it. */
static void test_bad_byte_every_offset(void **state)
{
	unsigned char in[41];
	char out[3 * sizeof(in) + 1], want[3 * sizeof(in) + 1];
	size_t pos;

	for (pos = 0; pos < sizeof(in); pos++) {
		memset(in, 'a', sizeof(in));
		assert_true(utf8__valid(in, sizeof(in)));
		in[pos] = 0x80;
		assert_false(utf8__valid(in, sizeof(in)));
		memset(want, 'a', pos);
		memcpy(want + pos, FFFD, 3);
		memset(want + pos + 3, 'a', sizeof(in) - pos - 1);
		want[sizeof(in) + 2] = '\0';
		assert_int_equal(utf8__repair(in, sizeof(in), out, sizeof(out)),
				 sizeof(in) + 2);
		assert_string_equal(out, want);
	}
}

/* Independent reference: the encoder from RFC 3629 section 3. */
static size_t encode(uint32_t cp, unsigned char *p)
{
	if (cp < 0x80) {
		p[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (unsigned char)(0xc0 | cp >> 6);
		p[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		p[0] = (unsigned char)(0xe0 | cp >> 12);
		p[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		p[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	p[0] = (unsigned char)(0xf0 | cp >> 18);
	p[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	p[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	p[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

static void test_every_code_point(void **state)
{
	unsigned char in[4];
	char out[16];
	uint32_t cp;
	size_t n;

	for (cp = 0; cp <= 0x10ffff; cp++) {
		bool surrogate = cp >= 0xd800 && cp <= 0xdfff;

		n = encode(cp, in);
		if (utf8__valid(in, n) == surrogate)
			fail_msg("U+%04X: valid=%d", cp, !surrogate);
		if (!surrogate &&
		    (utf8__repair(in, n, out, sizeof(out)) != n ||
		     memcmp(out, in, n) != 0))
			fail_msg("U+%04X not copied unchanged", cp);
	}
	/* past the end of Unicode, with the same encoder */
	n = encode(0x110000, in);
	assert_false(utf8__valid(in, n));
}

/* A too-small buffer stops on a character boundary, never mid-sequence. */
static void test_small_capacity(void **state)
{
	static const unsigned char in[] = "ab\xe2\x82\xac\xff";
	char out[16] = "untouched";

	assert_int_equal(utf8__repair(in, 6, out, 0), 0);
	assert_string_equal(out, "untouched");
	assert_int_equal(utf8__repair(in, 6, out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(utf8__repair(in, 6, out, 5), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(utf8__repair(in, 6, out, 6), 5);
	assert_string_equal(out, "ab\xe2\x82\xac");
	assert_int_equal(utf8__repair(in, 6, out, 8), 5);
	assert_string_equal(out, "ab\xe2\x82\xac");
	assert_int_equal(utf8__repair(in, 6, out, 9), 8);
	assert_string_equal(out, "ab\xe2\x82\xac" FFFD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalid_classes),
		cmocka_unit_test(test_valid_unchanged),
		cmocka_unit_test(test_nul_is_valid),
		cmocka_unit_test(test_bad_byte_every_offset),
		cmocka_unit_test(test_every_code_point),
		cmocka_unit_test(test_small_capacity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
