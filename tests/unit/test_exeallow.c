// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* allow.executables as the kernel takes them: globs compiled into the
 * matcher's tokens (the matcher itself is tested against fnmatch in
 * tests/integration/test_exeallow.py), what it refuses, and the
 * judgement of an exec record that exec.allowed and requests share. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "exeallow.h"

static bool in_class(const struct vigil_exe_pattern *p, int cls, int c)
{
	return p->cls[cls][c >> 3] & (1 << (c & 7));
}

static void test_compile_tokens(void **state)
{
	struct vigil_exe_pattern p;
	char why[128];

	assert_int_equal(exeallow__compile("/a*?\\*\\\\**b", &p, why,
					   sizeof(why)), 0);
	static const uint16_t want[] = {
		'/', 'a', VIGIL_TOK_STAR, VIGIL_TOK_ANY, '*', '\\',
		VIGIL_TOK_STAR, 'b',
	};
	assert_int_equal(p.nr, sizeof(want) / sizeof(want[0]));
	assert_memory_equal(p.tok, want, sizeof(want));

	assert_int_equal(exeallow__compile("[a-c][!/x][]][[:digit:]]", &p, why,
					   sizeof(why)), 0);
	assert_int_equal(p.nr, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(p.tok[i], VIGIL_TOK_CLASS + i);
	assert_true(in_class(&p, 0, 'b') && !in_class(&p, 0, 'd'));
	assert_true(in_class(&p, 1, 'q') && !in_class(&p, 1, '/') &&
		    !in_class(&p, 1, 'x'));
	assert_true(in_class(&p, 2, ']') && !in_class(&p, 2, 'a'));
	assert_true(in_class(&p, 3, '7') && !in_class(&p, 3, 'a'));
}

static void test_compile_refused(void **state)
{
	static const struct { const char *glob; int err; const char *why; } cases[] = {
		{ "/x\\", -EINVAL, "ends in a lone backslash" },
		{ "/x/[a-", -EINVAL, "a '[' that no ']' closes" },
		{ "/x/[\\]", -EINVAL, "a '[' that no ']' closes" },
		{ "[a][b][c][d][e]", -E2BIG, "more than 4 bracket" },
	};
	struct vigil_exe_pattern p;
	char why[128], big[VIGIL_EXE_TOKENS + 2];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(exeallow__compile(cases[i].glob, &p, why,
						   sizeof(why)), cases[i].err);
		assert_non_null(strstr(why, cases[i].why));
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(exeallow__compile(big, &p, why, sizeof(why)), -E2BIG);
	big[VIGIL_EXE_TOKENS] = '\0';
	assert_int_equal(exeallow__compile(big, &p, why, sizeof(why)), 0);
}

#define B(s) ((struct bytes){ s, sizeof(s) - 1 })

static void test_judge(void **state)
{
	char *globs[] = { "/usr/*", "/work/*" };
	struct profile p = { .exes = globs, .nr_exes = 2 };
	struct profile any = { 0 };
	struct ev_exec e = { .file = B("/usr/bin/sh") };

	assert_int_equal(exeallow__judge(&p, &e, 0), EXE_LISTED);
	assert_int_equal(exeallow__judge(&p, &e, VIGIL_F_PATH_TRUNC),
			 EXE_UNLISTED_FILE);
	e.script_ino = 7;
	e.script = B("/work/build.sh");
	assert_int_equal(exeallow__judge(&p, &e, 0), EXE_LISTED);
	e.script = B("/tmp/x.sh");
	assert_int_equal(exeallow__judge(&p, &e, 0), EXE_UNLISTED_SCRIPT);
	e.file = B("/memfd:x");
	assert_int_equal(exeallow__judge(&p, &e, VIGIL_F_DELETED),
			 EXE_UNLISTED_FILE);
	/* No executables listed: any program. */
	assert_int_equal(exeallow__judge(&any, &e, VIGIL_F_DELETED),
			 EXE_LISTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compile_tokens),
		cmocka_unit_test(test_compile_refused),
		cmocka_unit_test(test_judge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
