// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* filepath__join: a file record's name joined to its base and folded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "filepath.h"

static const char *join(const char *base, const char *arg, size_t cap)
{
	static char out[FILEPATH_MAX + 1];
	struct bytes b = { base, strlen(base) }, a = { arg, strlen(arg) };
	size_t len = filepath__join(&b, &a, out, cap);

	assert_true(len <= cap);
	out[len] = '\0';
	return out;
}

static void test_cases(void **state)
{
	static const char *const cases[][3] = {
		/* base, arg, path */
		{ "", "/etc/passwd", "/etc/passwd" },
		{ "/tmp/w", "/etc/passwd", "/etc/passwd" },
		{ "/tmp/w", "x", "/tmp/w/x" },
		{ "/tmp/w", "./a/./b/", "/tmp/w/a/b" },
		{ "/tmp/w", "../../../../etc//shadow", "/etc/shadow" },
		{ "/", "etc", "/etc" },
		{ "/", "..", "/" },
		{ "/tmp/w", "", "/tmp/w" },		/* fd call */
		{ "", "../target", "../target" },	/* symlink target */
		{ "", "", "" },
		{ "/a/b", "c/../../d", "/a/d" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(join(cases[i][0], cases[i][1],
					 FILEPATH_MAX), cases[i][2]);
}

/* A path longer than the room ends at the last whole component. */
static void test_cut(void **state)
{
	assert_string_equal(join("/aaaa", "bbbb/cc", 10), "/aaaa/bbbb");
	assert_string_equal(join("", "/aaaa/bbbb", 8), "/aaaa");
	assert_string_equal(join("", "abcdef", 3), "abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
