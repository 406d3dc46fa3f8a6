// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The relay of `vigil run`'s command stderr: whole lines out, each with
 * the prefix and escaped; unfinished lines held; nothing lost or
 * reordered, however the bytes arrive. The command's end and vigil's
 * stderr are both pipes here. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "relay.h"

struct fixture {
	struct relay r;
	int out[2];	/* what the relay writes, read back here */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(pipe2(f->out, O_NONBLOCK), 0);
	fcntl(f->out[1], F_SETPIPE_SZ, 1 << 20);
	assert_int_equal(relay__open(&f->r, f->out[1]), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	relay__close(&f->r);
	close(f->out[0]);
	close(f->out[1]);
	free(f);
	return 0;
}

static void put(struct fixture *f, const char *s, size_t len)
{
	assert_int_equal(write(f->r.wfd, s, len), (ssize_t)len);
}

#define PUT(f, s) put(f, s, sizeof(s) - 1)

/* Everything the relay wrote so far, NUL-terminated. */
static const char *got(struct fixture *f)
{
	static char buf[1 << 16];
	ssize_t n = read(f->out[0], buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void test_lines_prefixed_and_escaped(void **state)
{
	struct fixture *f = *state;

	PUT(f, "one\nvigil: warning: sandbox x: killed by vigil\n"
	       "\x1b[1A\x1b[2K\rgone\t!\n");
	relay__pump(&f->r);
	assert_string_equal(got(f),
			    "| one\n"
			    "| vigil: warning: sandbox x: killed by vigil\n"
			    "| \\x1b[1A\\x1b[2K\\rgone\t!\n");
}

/* An unfinished line waits for its newline, across pumps, so no line
 * of vigil's can land in the middle of it. */
static void test_unfinished_line_held(void **state)
{
	struct fixture *f = *state;

	PUT(f, "first\nhalf");
	relay__pump(&f->r);
	assert_string_equal(got(f), "| first\n");
	PUT(f, " and");
	relay__pump(&f->r);
	assert_string_equal(got(f), "");
	PUT(f, " the rest\n\n");
	relay__pump(&f->r);
	assert_string_equal(got(f), "| half and the rest\n| \n");
}

/* The command's end closed (its processes gone): close relays what is
 * left, an unfinished line ended with a newline. */
static void test_close_flushes(void **state)
{
	struct fixture *f = *state;

	PUT(f, "a\nno newline \xff");
	relay__started(&f->r);		/* the command has its copy */
	relay__close(&f->r);
	assert_string_equal(got(f), "| a\n| no newline \\xff\n");
	relay__close(&f->r);		/* once more: nothing, no harm */
	assert_string_equal(got(f), "");
}

/* A line longer than the buffer goes out in pieces, every byte kept in
 * order. */
static void test_long_line_in_pieces(void **state)
{
	struct fixture *f = *state;
	size_t len = 2 * RELAY_LINE_MAX + 100;
	char *line = malloc(len + 1), *want = malloc(len + 16);

	assert_non_null(line);
	assert_non_null(want);
	for (size_t i = 0; i < len; i++)
		line[i] = 'a' + i % 26;
	line[len] = '\n';
	put(f, line, len + 1);
	relay__pump(&f->r);
	snprintf(want, len + 16, "| %.*s\n| %.*s\n| %.*s\n",
		 RELAY_LINE_MAX, line, RELAY_LINE_MAX, line + RELAY_LINE_MAX,
		 100, line + 2 * RELAY_LINE_MAX);
	assert_string_equal(got(f), want);
	free(line);
	free(want);
}

/* Many lines written in odd-sized chunks come out whole and in order. */
static void test_chunks_in_order(void **state)
{
	struct fixture *f = *state;
	char text[8000], want[16000], *w = want;
	size_t len = 0, off = 0, step = 1;

	for (int i = 0; i < 700; i++) {
		len += sprintf(text + len, "%d\n", i);
		w += sprintf(w, "| %d\n", i);
	}
	while (off < len) {
		size_t n = step < len - off ? step : len - off;

		put(f, text + off, n);
		relay__pump(&f->r);
		off += n;
		step = step % 37 + 3;
	}
	assert_string_equal(got(f), want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lines_prefixed_and_escaped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_unfinished_line_held,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_flushes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_long_line_in_pieces,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_chunks_in_order, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
