// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* open(2) flag names. Expected values are the x86_64 kernel ABI written
 * out in octal, independent of the table under test; glibc's constants
 * are checked against the same names where glibc has them. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "flags.h"

struct flags_case {
	unsigned int flags;
	const char *want;	/* names joined with '|' */
};

/* Joins the names for flags with '|'. */
static const char *render(unsigned int flags)
{
	static char out[512];
	const char *names[OPEN_FLAGS_MAX];
	size_t n = open_flags__names(flags, names, OPEN_FLAGS_MAX), i;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i)
			strcat(out, "|");
		strcat(out, names[i]);
	}
	return out;
}

static const struct flags_case cases[] = {
	{ 00, "O_RDONLY" },
	{ 01, "O_WRONLY" },
	{ 02, "O_RDWR" },
	{ 03, "O_ACCMODE" },
	{ 0100, "O_RDONLY|O_CREAT" },
	{ 0200, "O_RDONLY|O_EXCL" },
	{ 0400, "O_RDONLY|O_NOCTTY" },
	{ 01000, "O_RDONLY|O_TRUNC" },
	{ 02000, "O_RDONLY|O_APPEND" },
	{ 04000, "O_RDONLY|O_NONBLOCK" },
	{ 010000, "O_RDONLY|O_DSYNC" },
	{ 020000, "O_RDONLY|O_ASYNC" },
	{ 040000, "O_RDONLY|O_DIRECT" },
	{ 0100000, "O_RDONLY|O_LARGEFILE" },
	{ 0200000, "O_RDONLY|O_DIRECTORY" },
	{ 0400000, "O_RDONLY|O_NOFOLLOW" },
	{ 01000000, "O_RDONLY|O_NOATIME" },
	{ 02000000, "O_RDONLY|O_CLOEXEC" },
	{ 010000000, "O_RDONLY|O_PATH" },
	/* O_SYNC = __O_SYNC | O_DSYNC: shown as O_SYNC alone */
	{ 04010000, "O_RDONLY|O_SYNC" },
	{ 04010001, "O_WRONLY|O_SYNC" },
	/* __O_SYNC without O_DSYNC is not O_SYNC: an unknown bit */
	{ 04000000, "O_RDONLY|0x100000" },
	/* O_TMPFILE = __O_TMPFILE | O_DIRECTORY: shown as O_TMPFILE alone */
	{ 020200002, "O_RDWR|O_TMPFILE" },
	{ 020200102, "O_RDWR|O_CREAT|O_TMPFILE" },
	{ 020000002, "O_RDWR|0x400000" },
	/* typical opens */
	{ 01101, "O_WRONLY|O_CREAT|O_TRUNC" },
	{ 02102101, "O_WRONLY|O_CREAT|O_APPEND|O_LARGEFILE|O_CLOEXEC" },
	{ 02304000, "O_RDONLY|O_NONBLOCK|O_LARGEFILE|O_DIRECTORY|O_CLOEXEC" },
	{ 012400000, "O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_PATH" },
	/* unknown bits, alone and mixed, always last and as one string */
	{ 0x80000000, "O_RDONLY|0x80000000" },
	{ 0x80000000 | 02000002, "O_RDWR|O_CLOEXEC|0x80000000" },
	{ 040000000 | 0100000000 | 0100, "O_RDONLY|O_CREAT|0x1800000" },
	/* every known flag (037777703), then every bit: the fixed order,
	 * nothing doubled, bits 04-040 and 0x800000 up unknown */
	{ 037777701,
	  "O_WRONLY|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|O_APPEND|O_NONBLOCK|"
	  "O_ASYNC|O_DIRECT|O_LARGEFILE|O_NOFOLLOW|O_NOATIME|O_CLOEXEC|"
	  "O_SYNC|O_PATH|O_TMPFILE" },
	{ 0xffffffff,
	  "O_ACCMODE|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|O_APPEND|O_NONBLOCK|"
	  "O_ASYNC|O_DIRECT|O_LARGEFILE|O_NOFOLLOW|O_NOATIME|O_CLOEXEC|"
	  "O_SYNC|O_PATH|O_TMPFILE|0xff80003c" },
};

static void test_cases(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(render(cases[i].flags), cases[i].want) != 0)
			fail_msg("0%o: got %s, want %s", cases[i].flags,
				 render(cases[i].flags), cases[i].want);
}

/* glibc's values name the same flags (glibc's O_LARGEFILE is 0 on
 * 64-bit, hence the kernel's value is used for it). */
static void test_glibc_constants(void **state)
{
	assert_string_equal(render(O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY),
			    "O_WRONLY|O_CREAT|O_EXCL|O_NOCTTY");
	assert_string_equal(render(O_RDWR | O_TRUNC | O_APPEND | O_NONBLOCK),
			    "O_RDWR|O_TRUNC|O_APPEND|O_NONBLOCK");
	assert_string_equal(render(O_DSYNC | O_ASYNC | O_DIRECT),
			    "O_RDONLY|O_DSYNC|O_ASYNC|O_DIRECT");
	assert_string_equal(render(O_DIRECTORY | O_NOFOLLOW | O_NOATIME),
			    "O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_NOATIME");
	assert_string_equal(render(O_CLOEXEC | O_SYNC | O_PATH),
			    "O_RDONLY|O_CLOEXEC|O_SYNC|O_PATH");
	assert_string_equal(render(O_TMPFILE | O_RDWR), "O_RDWR|O_TMPFILE");
	assert_string_equal(render(O_NDELAY), "O_RDONLY|O_NONBLOCK");
}

static void test_cap(void **state)
{
	const char *names[3] = { "sentinel", "sentinel", "sentinel" };

	assert_int_equal(open_flags__names(02101, names, 0), 0);
	assert_string_equal(names[0], "sentinel");
	assert_int_equal(open_flags__names(0x80000000 | 02101, names, 2), 2);
	assert_string_equal(names[0], "O_WRONLY");
	assert_string_equal(names[1], "O_CREAT");
	assert_string_equal(names[2], "sentinel");
	assert_int_equal(open_flags__names(0x80000000, names, 1), 1);
	assert_string_equal(names[0], "O_RDONLY");
}

/* The unknown-bits string is rewritten by the next call, as documented. */
static void test_unknown_buffer(void **state)
{
	const char *a[OPEN_FLAGS_MAX], *b[OPEN_FLAGS_MAX];

	assert_int_equal(open_flags__names(0x40000000, a, OPEN_FLAGS_MAX), 2);
	assert_string_equal(a[1], "0x40000000");
	assert_int_equal(open_flags__names(0x20000000, b, OPEN_FLAGS_MAX), 2);
	assert_string_equal(b[1], "0x20000000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_glibc_constants),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_unknown_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
