// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The JSON emitter: exact text for escapes, repair, numbers and nesting;
 * every record parsed back with yajl's tree parser; misuse reported. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <yajl/yajl_tree.h>

#include "json.h"

#define FFFD "\xef\xbf\xbd"

static int setup(void **state)
{
	*state = json__new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	json__free(*state);
	return 0;
}

/* The record's text, checked to be NUL-terminated as json.h promises. */
static const char *end_ok(struct json *j)
{
	const char *buf = NULL;
	size_t len = 0;

	assert_int_equal(json__end(j, &buf, &len), 0);
	assert_non_null(buf);
	assert_int_equal(strlen(buf), len);
	return buf;
}

/* Parses text with yajl's own (UTF-8 validating) parser; fails the test
 * on a parse error. */
static yajl_val parse(const char *text)
{
	char err[256] = "";
	yajl_val v = yajl_tree_parse(text, err, sizeof(err));

	if (!v)
		fail_msg("yajl rejected %s: %s", text, err);
	return v;
}

/* Emits {"s": bytes} and returns the record's text. */
static const char *one_string(struct json *j, const void *bytes, size_t len)
{
	json__begin(j);
	json__strn(j, "s", bytes, len);
	return end_ok(j);
}

/* The string "s" of the parsed record, which the caller frees with v. */
static const char *parsed_s(yajl_val v)
{
	static const char *path[] = { "s", NULL };
	yajl_val s = yajl_tree_get(v, path, yajl_t_string);

	assert_non_null(s);
	return YAJL_GET_STRING(s);
}

static void test_control_chars(void **state)
{
	static const char *const escaped[32] = {
		"\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004",
		"\\u0005", "\\u0006", "\\u0007", "\\b", "\\t", "\\n",
		"\\u000B", "\\f", "\\r", "\\u000E", "\\u000F", "\\u0010",
		"\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015",
		"\\u0016", "\\u0017", "\\u0018", "\\u0019", "\\u001A",
		"\\u001B", "\\u001C", "\\u001D", "\\u001E", "\\u001F",
	};
	char want[64], in[3];
	unsigned char c;

	for (c = 0; c < 32; c++) {
		in[0] = 'x';
		in[1] = (char)c;
		in[2] = 'y';
		snprintf(want, sizeof(want), "{\"s\":\"x%sy\"}", escaped[c]);
		assert_string_equal(one_string(*state, in, 3), want);
	}
}

static void test_quotes_backslash_slash_del(void **state)
{
	assert_string_equal(one_string(*state, "a\"b\\c/d\x7f", 8),
			    "{\"s\":\"a\\\"b\\\\c/d\x7f\"}");
}

static void test_nul_inside(void **state)
{
	const char *out = one_string(*state, "a\0b\0", 4);

	assert_string_equal(out, "{\"s\":\"a\\u0000b\\u0000\"}");
}

/* json__strs: the strings between NULs, a last one without its NUL (cut
 * short) included, an empty one kept, nothing after a final NUL. */
static void test_nul_separated_strings(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;
	} cases[] = {
		{ "", 0, "{\"a\":[]}" },
		{ "ls\0", 3, "{\"a\":[\"ls\"]}" },
		{ "ls\0-l\0", 6, "{\"a\":[\"ls\",\"-l\"]}" },
		{ "ls\0-l", 5, "{\"a\":[\"ls\",\"-l\"]}" },
		{ "ls\0\0x", 5, "{\"a\":[\"ls\",\"\",\"x\"]}" },
		{ "\0", 1, "{\"a\":[\"\"]}" },
	};
	struct json *j = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json__begin(j);
		json__strs(j, "a", cases[i].in, cases[i].len);
		assert_string_equal(end_ok(j), cases[i].want);
	}
	json__begin(j);
	json__strs(j, "a", NULL, 0);
	assert_string_equal(end_ok(j), "{\"a\":[]}");
}

static void test_invalid_utf8_repaired(void **state)
{
	static const char in[] = "ok\x80\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82";
	const char *out = one_string(*state, in, sizeof(in) - 1);
	yajl_val v;

	/* 1 stray + 2 overlong + 3 surrogate + 4 too big + 2 truncated */
	assert_string_equal(out, "{\"s\":\"ok" FFFD FFFD FFFD FFFD FFFD FFFD
				 FFFD FFFD FFFD FFFD FFFD FFFD "\"}");
	v = parse(out);
	yajl_tree_free(v);
}

static void test_invalid_key_repaired(void **state)
{
	json__begin(*state);
	json__int(*state, "k\xff", 1);
	assert_string_equal(end_ok(*state), "{\"k" FFFD "\":1}");
}

/* Valid strings come back from the parser byte for byte. */
static void test_round_trip(void **state)
{
	static const char *const cases[] = {
		"", "/usr/bin/python3", "\xc3\xa9t\xc3\xa9",
		"\xe2\x82\xac 5", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf",
		"tab\there \"quoted\" back\\slash\r\n\x01\x1f",
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yajl_val v = parse(one_string(*state, cases[i],
					      strlen(cases[i])));

		assert_string_equal(parsed_s(v), cases[i]);
		yajl_tree_free(v);
	}
}

/* Arbitrary bytes, a fixed pseudo-random sequence: always parseable. */
static void test_random_bytes_parse(void **state)
{
	unsigned char buf[64];
	uint32_t x = 2463534242u;
	int round;
	size_t i;

	for (round = 0; round < 2000; round++) {
		for (i = 0; i < sizeof(buf); i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (unsigned char)x;
		}
		yajl_tree_free(parse(one_string(*state, buf,
						x % sizeof(buf))));
	}
}

static void test_16k_strings(void **state)
{
	size_t n = 16384, i;
	char *in = malloc(n + 1), *want = malloc(3 * n + 1);
	const char *out;
	yajl_val v;

	assert_non_null(in);
	assert_non_null(want);
	for (i = 0; i < n; i++)
		in[i] = (char)('a' + i % 26);
	in[n] = '\0';
	v = parse(one_string(*state, in, n));
	assert_string_equal(parsed_s(v), in);
	yajl_tree_free(v);

	/* all bytes invalid: the scratch buffer has to grow to 48 KiB */
	memset(in, 0xff, n);
	for (i = 0; i < n; i++)
		memcpy(want + 3 * i, FFFD, 3);
	want[3 * n] = '\0';
	out = one_string(*state, in, n);
	assert_int_equal(strlen(out), 3 * n + strlen("{\"s\":\"\"}"));
	v = parse(out);
	assert_string_equal(parsed_s(v), want);
	yajl_tree_free(v);
	free(in);
	free(want);
}

static void test_numbers_and_atoms(void **state)
{
	struct json *j = *state;

	json__begin(j);
	json__int(j, "zero", 0);
	json__int(j, "neg", -1);
	json__int(j, "min", LLONG_MIN);
	json__int(j, "max", LLONG_MAX);
	json__uint(j, "umax", ULLONG_MAX);
	json__uint(j, "u", 4096);
	json__bool(j, "t", true);
	json__bool(j, "f", false);
	json__null(j, "n");
	json__str(j, "nullstr", NULL);
	json__str(j, "empty", "");
	assert_string_equal(end_ok(j),
		"{\"zero\":0,\"neg\":-1,\"min\":-9223372036854775808,"
		"\"max\":9223372036854775807,\"umax\":18446744073709551615,"
		"\"u\":4096,\"t\":true,\"f\":false,\"n\":null,"
		"\"nullstr\":null,\"empty\":\"\"}");
}

static void test_nesting(void **state)
{
	struct json *j = *state;
	const char *out;
	yajl_val v;

	json__begin(j);
	json__obj_begin(j, "a");
	json__arr_begin(j, "b");
	json__int(j, NULL, 1);
	json__str(j, NULL, "x");
	json__bool(j, NULL, true);
	json__null(j, NULL);
	json__obj_begin(j, NULL);
	json__arr_begin(j, "c");
	json__arr_end(j);
	json__obj_end(j);
	json__arr_begin(j, NULL);
	json__uint(j, NULL, 2);
	json__arr_end(j);
	json__arr_end(j);
	json__obj_end(j);
	json__bool(j, "d", false);
	json__obj_begin(j, "e");
	json__obj_end(j);
	out = end_ok(j);
	assert_string_equal(out, "{\"a\":{\"b\":[1,\"x\",true,null,"
				 "{\"c\":[]},[2]]},\"d\":false,\"e\":{}}");
	v = parse(out);
	yajl_tree_free(v);
}

/* The generator is reused: the second record holds nothing of the first. */
static void test_records_independent(void **state)
{
	struct json *j = *state;

	json__begin(j);
	json__str(j, "first", "1");
	assert_string_equal(end_ok(j), "{\"first\":\"1\"}");
	json__begin(j);
	json__str(j, "second", "2");
	assert_string_equal(end_ok(j), "{\"second\":\"2\"}");
	json__begin(j);
	assert_string_equal(end_ok(j), "{}");
}

static void expect_einval(struct json *j)
{
	const char *buf = "untouched";
	size_t len = 42;

	assert_int_equal(json__end(j, &buf, &len), -EINVAL);
	assert_string_equal(buf, "untouched");
	assert_int_equal(len, 42);
}

static void test_misuse(void **state)
{
	struct json *j = *state;
	int depth;

	expect_einval(j);	/* json__end after json__end */

	json__begin(j);
	json__obj_begin(j, "open");
	expect_einval(j);	/* container left open */

	json__begin(j);
	json__int(j, NULL, 1);
	expect_einval(j);	/* no key in an object */

	json__begin(j);
	json__arr_begin(j, "a");
	json__int(j, "k", 1);
	json__arr_end(j);
	expect_einval(j);	/* key in an array */

	json__begin(j);
	json__arr_begin(j, "a");
	json__obj_end(j);
	expect_einval(j);	/* closing the wrong kind */

	json__begin(j);
	json__obj_end(j);
	expect_einval(j);	/* closing the record's own object */

	json__begin(j);
	json__arr_begin(j, "a");
	for (depth = 0; depth < 70; depth++)
		json__arr_begin(j, NULL);
	expect_einval(j);	/* too deep */

	/* the next record is unaffected */
	json__begin(j);
	json__int(j, "ok", 1);
	assert_string_equal(end_ok(j), "{\"ok\":1}");
}

/* JSON_KEY: the literal goes out as any key would, and every member
 * call takes it. */
static void test_literal_keys(void **state)
{
	struct json *j = *state;

	json__begin(j);
	json__uint(j, JSON_KEY(j, "pid"), 42);
	json__str(j, JSON_KEY(j, "s"), "x");
	json__str(j, JSON_KEY(j, "none"), NULL);
	json__obj_begin(j, JSON_KEY(j, "o"));
	json__bool(j, JSON_KEY(j, "b"), true);
	json__arr_begin(j, JSON_KEY(j, "a"));
	json__int(j, NULL, -1);
	json__arr_end(j);
	json__obj_end(j);
	json__strs(j, JSON_KEY(j, "argv"), "ls\0-l", 6);
	json__double(j, JSON_KEY(j, "d"), 1.5);
	json__raw(j, JSON_KEY(j, "r"), "[1]", 3);
	json__null(j, JSON_KEY(j, "n"));
	assert_string_equal(end_ok(j),
		"{\"pid\":42,\"s\":\"x\",\"none\":null,\"o\":{\"b\":true,"
		"\"a\":[-1]},\"argv\":[\"ls\",\"-l\"],\"d\":1.5,\"r\":[1],"
		"\"n\":null}");
}

static void test_literal_key_misuse(void **state)
{
	struct json *j = *state;

	json__begin(j);
	JSON_KEY(j, "k");
	expect_einval(j);	/* a key without its value */

	json__begin(j);
	json__arr_begin(j, "a");
	json__int(j, JSON_KEY(j, "k"), 1);
	json__arr_end(j);
	expect_einval(j);	/* a key in an array */

	json__begin(j);
	JSON_KEY(j, "k");
	json__int(j, JSON_KEY(j, "k2"), 1);
	expect_einval(j);	/* two keys for one value */

	json__begin(j);
	json__obj_begin(j, "o");
	JSON_KEY(j, "k");
	json__obj_end(j);
	expect_einval(j);	/* a container closed over a key */

	json__begin(j);
	JSON_KEY(j, "k");
	json__int(j, "k2", 1);
	expect_einval(j);	/* a key, then a member with its own */

	json__begin(j);
	json__int(j, JSON_KEY(j, "ok"), 1);
	assert_string_equal(end_ok(j), "{\"ok\":1}");
}

/* Every length around the eight-byte steps of the string copy, plain and
 * with a character to escape or repair at each position. */
static void test_lengths_and_positions(void **state)
{
	static const char *const odd[] = { "\"", "\\", "\n", "\x01", "\xff",
					   "\xc3\xa9" };
	static const char *const want[] = { "\\\"", "\\\\", "\\n", "\\u0001",
					    FFFD, "\xc3\xa9" };
	char in[40], out[256];

	for (size_t n = 0; n < 26; n++) {
		memset(in, 'a', n);
		snprintf(out, sizeof(out), "{\"s\":\"%.*s\"}", (int)n, in);
		assert_string_equal(one_string(*state, in, n), out);
		for (size_t k = 0; k < sizeof(odd) / sizeof(odd[0]); k++) {
			for (size_t at = 0; at <= n; at++) {
				size_t m = strlen(odd[k]);

				memset(in, 'b', n);
				memcpy(in + at, odd[k], m);
				memset(in + at + m, 'c', n - at);
				snprintf(out, sizeof(out), "{\"s\":\"%.*s%s%.*s\"}",
					 (int)at, in, want[k], (int)(n - at),
					 in + at + m);
				assert_string_equal(one_string(*state, in, n + m),
						    out);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_chars),
		cmocka_unit_test(test_quotes_backslash_slash_del),
		cmocka_unit_test(test_nul_inside),
		cmocka_unit_test(test_nul_separated_strings),
		cmocka_unit_test(test_invalid_utf8_repaired),
		cmocka_unit_test(test_invalid_key_repaired),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_random_bytes_parse),
		cmocka_unit_test(test_16k_strings),
		cmocka_unit_test(test_numbers_and_atoms),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_records_independent),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_literal_keys),
		cmocka_unit_test(test_literal_key_misuse),
		cmocka_unit_test(test_lengths_and_positions),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
