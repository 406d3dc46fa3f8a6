// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* dropped.c: which files count as fetched or decoded when they run. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dropped.h"

struct world {
	struct dropped *d;
	struct proc procs[4];
};

static int setup(void **state)
{
	static struct world w;

	memset(&w, 0, sizeof(w));
	w.d = dropped__new(2);
	*state = &w;
	return w.d ? 0 : -1;
}

static int teardown(void **state)
{
	dropped__free(((struct world *)*state)->d);
	return 0;
}

static uint8_t exec(struct world *w, int p, const char *file,
		    const char *argv, size_t argv_len, uint64_t ino,
		    uint64_t script_ino)
{
	struct event ev = { .kind = EVENT_EXEC };

	ev.exec.file = (struct bytes){ file, strlen(file) };
	ev.exec.argv = (struct bytes){ argv, argv_len };
	ev.exec.dev = 8;
	ev.exec.ino = ino;
	ev.exec.script_dev = script_ino ? 8 : 0;
	ev.exec.script_ino = script_ino;
	dropped__see(w->d, &ev, &w->procs[p]);
	return ev.exec.dropped;
}

static void open_w(struct world *w, int p, uint64_t ino)
{
	struct event ev = { .kind = EVENT_OPEN };

	ev.open.flags = O_WRONLY | O_CREAT | O_TRUNC;
	ev.open.dev = 8;
	ev.open.ino = ino;
	ev.open.ret = 3;
	dropped__see(w->d, &ev, &w->procs[p]);
}

static void connect_ok(struct world *w, int p)
{
	struct event ev = { .kind = EVENT_CONNECT };

	ev.connect.sa.family = AF_INET;
	ev.connect.ret = -EINPROGRESS;
	dropped__see(w->d, &ev, &w->procs[p]);
}

#define ARGV(s) s, sizeof(s)

/* curl -o FILE: it connects, then writes; the file runs, renamed or not
 * (the inode is the same), until another writer opens it. */
static void test_fetched(void **state)
{
	struct world *w = *state;

	exec(w, 0, "/usr/bin/curl", ARGV("curl\0-o\0f"), 1, 0);
	connect_ok(w, 0);
	open_w(w, 0, 100);
	assert_int_equal(exec(w, 1, "/w/tool", ARGV("tool"), 100, 0),
			 DROP_FETCHED);
	/* a script: its own inode counts, not the interpreter's */
	assert_int_equal(exec(w, 1, "/bin/dash", ARGV("sh\0/w/tool"), 1, 100),
			 DROP_FETCHED);
	open_w(w, 2, 100);	/* an editor rewrites it */
	assert_int_equal(exec(w, 1, "/w/tool", ARGV("tool"), 100, 0),
			 DROP_NONE);
}

/* sh -c 'base64 -d > f': the shell's child opens f, then execs the
 * decoder, which writes through the fd it inherited. */
static void test_decoded_through_a_redirection(void **state)
{
	struct world *w = *state;

	open_w(w, 0, 200);
	exec(w, 0, "/usr/bin/base64", ARGV("base64\0-d"), 2, 0);
	assert_int_equal(exec(w, 1, "/w/p", ARGV("p"), 200, 0), DROP_DECODED);
}

/* A compiler's output and an installer's files are no drops; nor is a
 * file written before a connection by a process that never fetched. */
static void test_builds_and_installs(void **state)
{
	struct world *w = *state;

	exec(w, 0, "/usr/bin/ld", ARGV("ld\0-o\0a.out"), 3, 0);
	open_w(w, 0, 300);
	assert_int_equal(exec(w, 1, "/w/a.out", ARGV("a.out"), 300, 0),
			 DROP_NONE);
	exec(w, 2, "/usr/bin/python3",
	     ARGV("python3\0/w/.venv/bin/pip\0install\0x"), 4, 0);
	connect_ok(w, 2);
	open_w(w, 2, 301);
	assert_int_equal(exec(w, 1, "/usr/bin/python3",
			      ARGV("python3\0/w/.venv/bin/x"), 4, 301),
			 DROP_NONE);
}

/* Past its size the oldest mark is forgotten. */
static void test_bounded(void **state)
{
	struct world *w = *state;

	exec(w, 0, "/usr/bin/wget", ARGV("wget"), 5, 0);
	connect_ok(w, 0);
	open_w(w, 0, 400);
	open_w(w, 0, 401);
	open_w(w, 0, 402);
	assert_int_equal(exec(w, 1, "/w/a", ARGV("a"), 400, 0), DROP_NONE);
	assert_int_equal(exec(w, 1, "/w/c", ARGV("c"), 402, 0), DROP_FETCHED);
	assert_string_equal(drop__how_name(DROP_FETCHED), "fetched");
	assert_null(drop__how_name(DROP_NONE));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fetched, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_decoded_through_a_redirection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builds_and_installs,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounded, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
