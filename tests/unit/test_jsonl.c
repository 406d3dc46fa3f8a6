// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The JSON Lines sink: every record a line, in order, whole, whatever its
 * length against the sink's buffer; flushes write everything out; a
 * device that refuses the bytes counts the records as failed. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "sink.h"

static const struct event ev = { .kind = EVENT_OPEN };

/* The file's whole content, NUL-terminated; the caller frees it. */
static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc(st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, st.st_size), st.st_size);
	buf[st.st_size] = '\0';
	close(fd);
	*len = st.st_size;
	return buf;
}

/* Record i: its number, then filler to a length that walks past the
 * sink's buffer (64 KiB) now and then. */
static size_t record(char *buf, unsigned int i)
{
	size_t len = i % 97 == 0 ? 70000 + i : 40 + (i * 131) % 3000;
	int head = snprintf(buf, 32, "{\"i\":%u,\"f\":\"", i);

	memset(buf + head, 'a' + i % 26, len - head - 2);
	memcpy(buf + len - 2, "\"}", 2);
	return len;
}

static void test_lines_whole_and_in_order(void **state)
{
	char path[] = "/tmp/vigil-test-jsonl.XXXXXX";
	char *rec = malloc(80000), *out, *p;
	unsigned int n = 2000;
	size_t len, out_len;
	struct sink *s;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	s = sink__jsonl(path);
	assert_non_null(s);
	for (unsigned int i = 0; i < n; i++) {
		len = record(rec, i);
		assert_int_equal(s->write(s, &ev, rec, len), 0);
		if (i % 500 == 499)
			assert_int_equal(s->flush(s), 0);
	}
	assert_int_equal(s->flush(s), 0);
	assert_int_equal(s->written, n);
	assert_int_equal(s->failed, 0);
	out = slurp(path, &out_len);
	p = out;
	for (unsigned int i = 0; i < n; i++) {
		len = record(rec, i);
		assert_true((size_t)(out + out_len - p) >= len + 1);
		assert_memory_equal(p, rec, len);
		assert_int_equal(p[len], '\n');
		p += len + 1;
	}
	assert_ptr_equal(p, out + out_len);
	s->close(s);
	unlink(path);
	free(out);
	free(rec);
}

static void test_refused_bytes_counted(void **state)
{
	struct sink *s = sink__jsonl("/dev/full");
	char rec[4096];
	size_t len = record(rec, 1);

	assert_non_null(s);
	for (int i = 0; i < 10; i++)
		s->write(s, &ev, rec, len);
	assert_int_not_equal(s->flush(s), 0);
	assert_int_equal(s->written, 0);
	assert_int_equal(s->failed, 10);
	s->close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_whole_and_in_order),
		cmocka_unit_test(test_refused_bytes_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
