// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* text__escape: what a terminal would act on is escaped, everything else
 * (printable UTF-8, tab, backslash) passes unchanged; the bound in the
 * header holds and truncation never splits an escape or a character. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "text.h"

struct escape_case {
	const char *in;
	size_t in_len;
	const char *out;
};

#define CASE(in, out) { in, sizeof(in) - 1, out }

static const struct escape_case cases[] = {
	CASE("", ""),
	CASE("plain /path-1_2.txt", "plain /path-1_2.txt"),
	CASE("tab\tkept", "tab\tkept"),
	CASE("back\\slash \\x1b", "back\\slash \\x1b"),	/* not escaped */
	CASE("a\nb\rc", "a\\nb\\rc"),
	/* a fake status line and a cursor move, as a command would try */
	CASE("x\nvigil: ready", "x\\nvigil: ready"),
	CASE("\x1b[1A\x1b[2K", "\\x1b[1A\\x1b[2K"),
	CASE("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
	CASE("nul\0byte", "nul\\x00byte"),
	CASE("\x01\x1f\x7f", "\\x01\\x1f\\x7f"),
	CASE("\x20~", " ~"),
	/* C1 controls, U+009B (CSI) among them */
	CASE("\xc2\x80\xc2\x9b\xc2\x9f", "\\u0080\\u009b\\u009f"),
	CASE("\xc2\xa0\xc3\xa9", "\xc2\xa0\xc3\xa9"),	/* NBSP, é kept */
	/* bidi controls and the Unicode line breaks */
	CASE("\xe2\x80\xae" "gpj.exe", "\\u202egpj.exe"),
	CASE("\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f", "\\u061c\\u200e\\u200f"),
	CASE("\xe2\x80\xa8\xe2\x80\xa9", "\\u2028\\u2029"),
	CASE("\xe2\x81\xa6\xe2\x81\xa9", "\\u2066\\u2069"),
	CASE("\xe2\x80\xa7\xe2\x81\xaa", "\xe2\x80\xa7\xe2\x81\xaa"),
	CASE("\xe2\x82\xac\xf0\x9f\x98\x80", "\xe2\x82\xac\xf0\x9f\x98\x80"),
	/* ill-formed UTF-8: each byte */
	CASE("\xff\xfe", "\\xff\\xfe"),
	CASE("\xc3", "\\xc3"),
	CASE("\xe2\x82" "A", "\\xe2\\x82A"),
	CASE("\xc0\xaf", "\\xc0\\xaf"),
	CASE("\x9b[2J", "\\x9b[2J"),
};

static void test_cases(void **state)
{
	char out[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct escape_case *c = &cases[i];
		size_t n;

		memset(out, 'x', sizeof(out));
		n = text__escape(c->in, c->in_len, out, 4 * c->in_len + 1);
		assert_string_equal(out, c->out);
		assert_int_equal(n, strlen(c->out));
	}
}

/* Every byte value alone: nothing below 0x20 but tab, nor DEL, nor a
 * lone byte >= 0x80 comes out raw, and the bound holds exactly for the
 * worst of them. */
static void test_every_byte(void **state)
{
	char in, out[5];

	for (int b = 0; b < 256; b++) {
		size_t n;

		in = (char)b;
		n = text__escape(&in, 1, out, sizeof(out));
		if (b == '\t' || (b >= 0x20 && b < 0x7f)) {
			assert_int_equal(n, 1);
			assert_int_equal((unsigned char)out[0], b);
		} else {
			assert_true(out[0] == '\\');
			assert_true(n == 2 || n == 4);
		}
	}
}

/* A short output stops before the escape or character that would not
 * fit, and is always terminated. */
static void test_truncation(void **state)
{
	char out[8];

	assert_int_equal(text__escape("ab\x1b", 3, out, 5), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(text__escape("ab\x1b", 3, out, 7), 6);
	assert_string_equal(out, "ab\\x1b");
	assert_int_equal(text__escape("a\xe2\x82\xac", 4, out, 4), 1);
	assert_string_equal(out, "a");
	assert_int_equal(text__escape("abc", 3, out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(text__escape("abc", 3, out, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
