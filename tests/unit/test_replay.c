// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `vigil rules test`'s reader: records as vigil writes them, read back
 * into the events rules see (file sets named through the rule set,
 * standard fds, the kernel's kill, egress budget records), and the lines
 * it refuses with the reason. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "evtest.h"
#include "render.h"
#include "replay.h"
#include "ruleset.h"

static const char rules[] =
	"- fileset: keys\n  paths: [\"~/.ssh/id_*\"]\n"
	"- fileset: shadow\n  paths: [/etc/shadow]\n";

struct fixture {
	struct ruleset rs;
	struct sandboxes *sandboxes;
	struct replay *r;
	struct render render;
	char err[256];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	*state = f;
	if (!f || ruleset__init(&f->rs) ||
	    ruleset__add_text(&f->rs, "t.yaml", rules, strlen(rules)) ||
	    ruleset__finish(&f->rs) || render__init(&f->render))
		return -1;
	f->sandboxes = sandboxes__new(NULL);
	f->r = f->sandboxes ? replay__new(&f->rs, f->sandboxes) : NULL;
	return f->r ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	replay__free(f->r);
	sandboxes__free(f->sandboxes);
	render__fini(&f->render);
	ruleset__fini(&f->rs);
	free(f);
	return 0;
}

/* in as vigil writes it, read back into out. */
static void round_trip(struct fixture *f, const struct event *in,
		       struct event *out)
{
	const char *json;
	size_t len;
	int rc;

	assert_int_equal(render__event(&f->render, in, &json, &len), 0);
	rc = replay__parse(f->r, json, len, out, f->err, sizeof(f->err));
	if (rc != 1)
		fail_msg("%.*s: %s", (int)len, json, f->err);
	assert_ptr_equal(out->fileset_names, f->rs.fileset_names);
}

/* A hand-written line: the result, and the reason when refused. */
static int parse(struct fixture *f, const char *line, struct event *ev)
{
	f->err[0] = '\0';
	return replay__parse(f->r, line, strlen(line), ev, f->err,
			     sizeof(f->err));
}

static void test_open_exec(void **state)
{
	struct fixture *f = *state;
	struct event ev;
	struct tev t;

	tev__open(&t, 1, "/root/.ssh/id_rsa", 0);
	t.ev.fileset_names = f->rs.fileset_names;
	t.ev.open.filesets = 1;
	t.hdr.flags = VIGIL_F_KILLED;
	round_trip(f, &t.ev, &ev);
	assert_int_equal(ev.kind, EVENT_OPEN);
	assert_int_equal(ev.open.filesets, 1);
	assert_true(ev.hdr->flags & VIGIL_F_KILLED);

	tev__exec(&t, 1, "/bin/sh", "sh|-i");
	t.ev.fileset_names = f->rs.fileset_names;
	t.ev.exec.filesets = 3;
	t.ev.exec.stdio[0] = VIGIL_FD_INET;
	t.ev.exec.stdio[1] = VIGIL_FD_PIPE;
	t.ev.exec.stdio[2] = VIGIL_FD_TTY;
	round_trip(f, &t.ev, &ev);
	assert_int_equal(ev.kind, EVENT_EXEC);
	assert_int_equal(ev.exec.filesets, 3);
	assert_int_equal(ev.exec.stdio[0], VIGIL_FD_INET);
	assert_int_equal(ev.exec.stdio[1], VIGIL_FD_PIPE);
	assert_int_equal(ev.exec.stdio[2], VIGIL_FD_TTY);
	assert_false(ev.hdr->flags & VIGIL_F_KILLED);
}

/* Records written before file sets, fds and kills were reported: none
 * of them. */
static void test_older_records(void **state)
{
	struct fixture *f = *state;
	struct event ev;

	assert_int_equal(parse(f, "{\"type\":\"exec\",\"sandbox\":{\"id\":"
			       "\"s\"},\"exec\":{\"file\":\"/bin/sh\"}}", &ev),
			 1);
	assert_int_equal(ev.exec.filesets, 0);
	assert_int_equal(ev.exec.stdio[0], VIGIL_FD_NONE);
	assert_false(ev.hdr->flags & VIGIL_F_KILLED);
	assert_int_equal(parse(f, "{\"type\":\"open\",\"sandbox\":{\"id\":"
			       "\"s\"},\"open\":{\"path\":\"/x\",\"filesets\":"
			       "[],\"kernel_killed\":false}}", &ev), 1);
	assert_int_equal(ev.open.filesets, 0);
	assert_false(ev.hdr->flags & VIGIL_F_KILLED);
}

static void test_budget(void **state)
{
	struct fixture *f = *state;
	struct event ev;
	struct tev t;

	tev__budget(&t, 1, "203.0.113.9", 443, 10485760, 10485000);
	tev__sandbox(&t, 42, "sb-42", "agent");
	t.ev.budget.profile = 3;
	round_trip(f, &t.ev, &ev);
	assert_int_equal(ev.kind, EVENT_BUDGET);
	assert_null(ev.hdr);
	assert_null(ev.proc);
	assert_string_equal(ev.sandbox->id, "sb-42");
	assert_int_equal(ev.budget.sandbox_cgid, 42);
	assert_int_equal(ev.budget.budget, 10485760);
	assert_int_equal(ev.budget.spent, 10485000);
	assert_int_equal(ev.budget.family, AF_INET);
	assert_memory_equal(ev.budget.addr, t.ev.budget.addr, 4);
	assert_int_equal(ev.budget.port, 443);
	assert_int_equal(ev.budget.proto, 6);
	assert_int_equal(ev.budget.profile, 3);
	assert_string_equal(ev.budget.entry, "");

	strcpy(t.ev.budget.entry, "*.pypi.org:443");
	round_trip(f, &t.ev, &ev);
	assert_string_equal(ev.budget.entry, "*.pypi.org:443");

	tev__budget(&t, 1, "2001:db8::9", 53, 1, 2);
	t.ev.budget.proto = 17;
	round_trip(f, &t.ev, &ev);
	assert_int_equal(ev.budget.family, AF_INET6);
	assert_memory_equal(ev.budget.addr, t.ev.budget.addr, 16);
	assert_int_equal(ev.budget.proto, 17);
}

/* An escape keeps the kernel's kill of the mover, for kernel_verdict. */
static void test_escape(void **state)
{
	struct fixture *f = *state;
	struct event ev;
	struct tev t;

	tev__init(&t, EVENT_ESCAPE, 1);
	t.hdr.flags = VIGIL_F_KILLED;
	t.ev.escape = (struct ev_escape){
		.how = VIGIL_ESCAPE_MOVE, .cgroup_id = 1, .into = "/vigil/b",
		.moved_pid = 4321, .moved_killed = true,
	};
	round_trip(f, &t.ev, &ev);
	assert_int_equal(ev.kind, EVENT_ESCAPE);
	assert_true(ev.hdr->flags & VIGIL_F_KILLED);
	assert_int_equal(ev.hdr->pid, 100);
	assert_string_equal(ev.sandbox->id, "sb-7");
	assert_int_equal(ev.escape.how, VIGIL_ESCAPE_MOVE);
	assert_int_equal(ev.escape.cgroup_id, 1);
	assert_string_equal(ev.escape.into, "/vigil/b");
	assert_int_equal(ev.escape.moved_pid, 4321);
	assert_true(ev.escape.moved_killed);
}

/* What cannot be read back faithfully is refused, with the reason. */
static void test_refused(void **state)
{
	static const struct {
		const char *line;
		const char *why;
	} cases[] = {
		{ "{\"type\":\"open\",\"sandbox\":{\"id\":\"s\"},\"open\":"
		  "{\"filesets\":[\"keys\",\"aws\"]}}",
		  "unknown fileset \"aws\"" },
		{ "{\"type\":\"exec\",\"sandbox\":{\"id\":\"s\"},\"exec\":"
		  "{\"filesets\":[1]}}", "unknown fileset \"(not a string)\"" },
		{ "{\"type\":\"open\",\"sandbox\":{\"id\":\"s\"},\"open\":"
		  "{\"filesets\":\"keys\"}}", "\"filesets\" is not a list" },
		{ "{\"type\":\"exec\",\"sandbox\":{\"id\":\"s\"},\"exec\":"
		  "{\"stdio\":{\"stdin\":\"socket\"}}}",
		  "unknown fd type \"socket\" in \"stdio\"" },
		{ "{\"type\":\"budget\",\"sandbox\":{\"id\":\"s\"}}",
		  "no \"budget\" object" },
	};
	struct fixture *f = *state;
	struct replay *bare = replay__new(NULL, f->sandboxes);
	struct event ev;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(f, cases[i].line, &ev), -EINVAL);
		assert_string_equal(f->err, cases[i].why);
	}
	/* without rules no file set has a name */
	assert_non_null(bare);
	assert_int_equal(replay__parse(bare, cases[0].line,
				       strlen(cases[0].line), &ev, f->err,
				       sizeof(f->err)), -EINVAL);
	assert_string_equal(f->err, "unknown fileset \"keys\"");
	replay__free(bare);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_exec),
		cmocka_unit_test(test_older_records),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
