// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* file__slurp: a file read whole, its buffer sized to what it holds. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "slurp.h"

/* A temporary file holding n bytes of a pattern, at its start. */
static FILE *file_of(size_t n)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		fputc('a' + i % 26, f);
	rewind(f);
	return f;
}

static void test_whole(void **state)
{
	/* empty, small, and past the first buffer and its doublings */
	static const size_t sizes[] = { 0, 1, 65534, 65535, 65536, 300000 };
	char *text;
	size_t len;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		FILE *f = file_of(sizes[i]);

		assert_int_equal(file__slurp(f, 1 << 20, &text, &len), 0);
		assert_int_equal(len, sizes[i]);
		assert_int_equal(text[len], '\0');
		if (len)
			assert_int_equal(text[len - 1], 'a' + (len - 1) % 26);
		free(text);
		fclose(f);
	}
}

/* Exactly max bytes are read; one more is too long. */
static void test_limit(void **state)
{
	static const size_t maxes[] = { 10, 65536, 200000 };
	char *text = (char *)"";
	size_t len;

	for (size_t i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
		FILE *f = file_of(maxes[i]);

		assert_int_equal(file__slurp(f, maxes[i], &text, &len), 0);
		assert_int_equal(len, maxes[i]);
		free(text);
		fclose(f);
		f = file_of(maxes[i] + 1);
		assert_int_equal(file__slurp(f, maxes[i], &text, &len),
				 -EFBIG);
		assert_null(text);
		fclose(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole),
		cmocka_unit_test(test_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
