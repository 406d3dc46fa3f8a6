// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Path pattern trees (matching, generalising), the baseline file
 * (written, read back the same, mistakes refused), learning (snapshots,
 * live sessions, the cap, DNS names) and scoring DNS names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "baseline.h"
#include "evtest.h"
#include "learn.h"
#include "novelty.h"
#include "peaks.h"
#include "profile.h"
#include "ptree.h"

static void add(struct ptree *t, const char *path, uint32_t sid)
{
	struct pcomps pc;

	pcomps__split(path, strlen(path), &pc);
	assert_non_null(ptree__add(t, &pc, sid));
}

static const char *match(const struct ptree *t, const char *path)
{
	static char buf[512];
	const struct pnode *n;
	struct pcomps pc;

	pcomps__split(path, strlen(path), &pc);
	n = ptree__match(t, &pc);
	if (!n)
		return NULL;
	pnode__pattern(n, !n->leaf, buf, sizeof(buf));
	return buf;
}

static void test_home(void **state)
{
	struct pcomps pc;

	pcomps__split("/root/.aws/credentials", 22, &pc);
	assert_int_equal(pc.n, 3);
	assert_memory_equal(pc.c[0].p, "~", 1);
	pcomps__split("/home/alice/src//x.c", 20, &pc);
	assert_int_equal(pc.n, 3);
	assert_memory_equal(pc.c[0].p, "~", 1);
	assert_memory_equal(pc.c[1].p, "src", 3);
	pcomps__split("/home/alice", 11, &pc);	/* a home alone: itself */
	assert_int_equal(pc.n, 2);
	assert_memory_equal(pc.c[0].p, "home", 4);
}

static void test_match(void **state)
{
	struct ptree t;

	ptree__init(&t);
	add(&t, "/usr/lib/**", 1);
	add(&t, "/tmp/*/src/a.c", 1);
	add(&t, "/tmp/*/**", 1);
	add(&t, "~/.cache/**", 1);
	add(&t, "/etc/hosts", 1);
	assert_string_equal(match(&t, "/usr/lib/x/y.so"), "/usr/lib/**");
	assert_null(match(&t, "/usr/lib"));	/* "**" is below, not it */
	assert_string_equal(match(&t, "/tmp/ws.1/src/a.c"), "/tmp/*/src/a.c");
	assert_string_equal(match(&t, "/tmp/ws.1/other"), "/tmp/*/**");
	assert_string_equal(match(&t, "/root/.cache/pip/x"), "~/.cache/**");
	assert_string_equal(match(&t, "/etc/hosts"), "/etc/hosts");
	assert_null(match(&t, "/etc/passwd"));
	/* Secrets and login files: no glob stands for them. */
	assert_null(match(&t, "/tmp/ws.1/.ssh/id_rsa"));
	assert_null(match(&t, "/tmp/.bashrc"));
	assert_null(match(&t, "/root/.cache/credentials"));
	ptree__fini(&t);
}

static void test_nearest(void **state)
{
	struct ptree t;
	struct pcomps pc;
	char buf[256];

	ptree__init(&t);
	add(&t, "/usr/bin/git", 1);
	add(&t, "/usr/bin/python3", 1);
	add(&t, "/usr/bin/python3", 2);
	pcomps__split("/usr/bin/perl", 13, &pc);
	ptree__nearest(&t, &pc, buf, sizeof(buf));
	assert_string_equal(buf, "/usr/bin/python3");	/* the busiest */
	pcomps__split("/opt/x", 6, &pc);
	ptree__nearest(&t, &pc, buf, sizeof(buf));
	assert_string_equal(buf, "/usr/bin/python3");
	ptree__fini(&t);
}

/* Workspaces and temporary names fold into "*", numbers always, wide
 * directories into "**" except for programs; secrets stay. */
static void test_generalise(void **state)
{
	struct ptree files, progs;
	char path[128];

	ptree__init(&files);
	ptree__init(&progs);
	for (uint32_t s = 1; s <= 6; s++) {
		snprintf(path, sizeof(path), "/tmp/ws.%c%c/src/main.c",
			 'a' + s, 'k' + s);
		add(&files, path, s);
		snprintf(path, sizeof(path), "/proc/%u/status", 100 + s);
		add(&files, path, s);
		for (int i = 0; i < 20; i++) {
			snprintf(path, sizeof(path), "/usr/share/doc/p%d", i);
			add(&files, path, s);
			snprintf(path, sizeof(path), "/usr/bin/tool%c", 'a' + i);
			add(&progs, path, s);
		}
		add(&files, "/root/.aws/credentials", s);
		add(&files, "/root/.bashrc", s);
		add(&files, "/root/.bashrc.tmp", s);
	}
	ptree__generalise(&files, 6, 16);
	ptree__generalise(&progs, 6, 0);
	assert_string_equal(match(&files, "/tmp/ws.zz/src/main.c"),
			    "/tmp/*/src/main.c");
	assert_string_equal(match(&files, "/proc/4242/status"),
			    "/proc/*/status");
	assert_string_equal(match(&files, "/usr/share/doc/new"),
			    "/usr/share/doc/**");
	assert_string_equal(match(&files, "/root/.aws/credentials"),
			    "~/.aws/credentials");
	assert_null(match(&files, "/root/.aws/config"));
	assert_null(match(&progs, "/usr/bin/newtool"));
	assert_string_equal(match(&progs, "/usr/bin/toolc"), "/usr/bin/toolc");
	ptree__fini(&files);
	ptree__fini(&progs);
}

static const char good[] =
	"# a comment\n"
	"vigil-baseline 1\n"
	"profile coding\n"
	"sessions 3\n"
	"exec /usr/bin/bash parent=- sessions=3\n"
	"exec /usr/bin/git parent=/usr/bin/bash sessions=2\n"
	"read /usr/lib/** sessions=3\n"
	"read ~/my%20file sessions=1\n"
	"write /tmp/*/** sessions=3\n"
	"mkdir /tmp/* sessions=3\n"
	"connect tcp 10.1.2.0/24:443 sessions=1\n"
	"connect udp 127.0.0.0/8:32768-65535 sessions=2\n"
	"listen listen inet loopback:8080 sessions=1\n"
	"syscall ptrace sessions=1\n"
	"cred setuid root>user sessions=1\n"
	"dns *.example.com sessions=2\n"
	"dns pypi.org sessions=1\n"
	"rate execs_per_min median=12 mad=3 max=40 sessions=3\n";

static char *file__of(const char *text)
{
	char *path = strdup("/tmp/vigil-baseline-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static char *text__of(const struct baseline *bl)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_int_equal(baseline__write(bl, f), 0);
	fclose(f);
	return text;
}

static void test_file_round_trip(void **state)
{
	char *path = file__of(good), *text, *again, *path2;
	struct baseline *bl = baseline__load(path), *bl2;
	struct addr a = { .family = 2, .a = { 10, 1, 2, 9 } };

	assert_non_null(bl);
	assert_string_equal(bl->profile, "coding");
	assert_int_equal(bl->sessions, 3);
	assert_int_equal(baseline__patterns(bl), 13);
	assert_non_null(baseline__dest(bl, 6, &a, 443));
	assert_null(baseline__dest(bl, 6, &a, 80));
	assert_true(bl_words__has(&bl->words[BL_SYSCALL], "ptrace", NULL));
	assert_true(bl_words__has(&bl->words[BL_DNS], "*.example.com", NULL));
	assert_true(baseline__rate_limit(bl, RATE_EXECS) >= 60);
	text = text__of(bl);
	assert_non_null(strstr(text, "read ~/my%20file sessions=1\n"));
	path2 = file__of(text);
	bl2 = baseline__load(path2);
	assert_non_null(bl2);
	again = text__of(bl2);
	assert_string_equal(text, again);
	unlink(path);
	unlink(path2);
	free(path);
	free(path2);
	free(text);
	free(again);
	baseline__free(bl);
	baseline__free(bl2);
}

static void test_file_refused(void **state)
{
	static const char *const bad[] = {
		"profile x\nread /a sessions=1\n",	/* no header */
		"vigil-baseline 2\nprofile x\n",
		"vigil-baseline 1\n",			/* no profile */
		"vigil-baseline 1\nprofile x\nread a/b sessions=1\n",
		"vigil-baseline 1\nprofile x\nread /a%zz sessions=1\n",
		"vigil-baseline 1\nprofile x\nexec /a sessions=1\n",
		"vigil-baseline 1\nprofile x\nread /a parent=/b sessions=1\n",
		"vigil-baseline 1\nprofile x\nconnect tcp nowhere sessions=1\n",
		"vigil-baseline 1\nprofile x\nrate x median=1\n",
		"vigil-baseline 1\nprofile x\nread /a sessions=-1\n",
		"vigil-baseline 1\nprofile x\nfrob /a\n",
		"",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char *path = file__of(bad[i]);

		assert_null(baseline__load(path));
		unlink(path);
		free(path);
	}
}

/* ---------------------------------------------------------------- learning */

static void learn_open(struct learner *l, struct sandbox *sb, const char *path)
{
	struct tev t;

	tev__init(&t, EVENT_OPEN, 1);
	t.ev.sandbox = sb;
	t.ev.open.path = (struct bytes){ path, strlen(path) };
	learner__event(l, &t.ev);
}

static void dns_event(struct tev *t, struct sandbox *sb, const char *name)
{
	tev__init(t, EVENT_DNS, 1);
	t->ev.sandbox = sb;
	snprintf(t->ev.dns.qname, sizeof(t->ev.dns.qname), "%s", name);
	t->ev.dns.qname_len = strlen(name);
}

static bool words_has(const struct baseline *bl, int set, const char *w)
{
	return bl_words__has(&bl->words[set], w, NULL);
}

/* A live daemon's learner: snapshots leave it learning, a sandbox gone
 * ends its session (its address reused is a new one). */
static void test_learn_snapshot(void **state)
{
	struct learner *l = learner__new("p");
	struct sandbox a = { .id = (char *)"a" };
	struct baseline *snap, *bl;
	struct pcomps pc;

	learn_open(l, &a, "/etc/hosts");
	snap = learner__snapshot(l);
	assert_non_null(snap);
	assert_int_equal(snap->sessions, 1);
	assert_true(learner__end_session(l, &a));
	assert_false(learner__end_session(l, &a));
	learn_open(l, &a, "/etc/passwd");	/* a second session */
	bl = learner__finish(l);
	assert_int_equal(bl->sessions, 2);
	pcomps__split("/etc/passwd", 11, &pc);
	assert_null(ptree__match(&snap->trees[BL_READ], &pc));
	assert_non_null(ptree__match(&bl->trees[BL_READ], &pc));
	learner__free(l);
	baseline__free(snap);
	baseline__free(bl);
}

/* A live connect's unix path is the sockaddr's bytes up to its NUL. */
static void test_learn_unix_path(void **state)
{
	struct learner *l = learner__new("p");
	struct sandbox a = { .id = (char *)"a" };
	struct baseline *bl;
	struct pcomps pc;
	struct tev t;

	tev__init(&t, EVENT_CONNECT, 1);
	t.ev.sandbox = &a;
	t.ev.connect.sa.family = AF_UNIX;
	memcpy(t.ev.connect.sa.path, "/run/x.sock\0junk", 16);
	t.ev.connect.sa.path_len = sizeof(t.ev.connect.sa.path);
	learner__event(l, &t.ev);
	bl = learner__finish(l);
	pcomps__split("/run/x.sock", 11, &pc);
	assert_non_null(ptree__match(&bl->trees[BL_UNIX], &pc));
	assert_int_equal(bl->trees[BL_UNIX].patterns, 1);
	learner__free(l);
	baseline__free(bl);
}

/* At its cap a learner drops new items, counts them, and still counts
 * sessions of what it holds. */
static void test_learn_cap(void **state)
{
	struct learner *l = learner__new("p");
	struct sandbox a = { .id = (char *)"a" }, b = { .id = (char *)"b" };
	struct baseline *bl;
	struct pcomps pc;
	uint64_t dropped;
	size_t items;

	learner__limit(l, 2);
	learn_open(l, &a, "/etc/a");
	learn_open(l, &a, "/etc/b");
	learn_open(l, &a, "/etc/c");
	learn_open(l, &b, "/etc/a");
	learner__counts(l, &items, &dropped);
	assert_int_equal(items, 2);
	assert_int_equal(dropped, 1);
	bl = learner__finish(l);
	pcomps__split("/etc/c", 6, &pc);
	assert_null(ptree__match(&bl->trees[BL_READ], &pc));
	pcomps__split("/etc/a", 6, &pc);
	assert_int_equal(ptree__match(&bl->trees[BL_READ], &pc)->sessions, 2);
	learner__free(l);
	baseline__free(bl);
}

/* A live learner forgets what a session held once it ended, but for its
 * busiest minutes: every one up to PEAKS_KEPT sessions, then a uniform
 * sample of them (the median stays true, the highest exact). 10,000
 * sessions of 1 to 10 opens a minute each. */
static void test_learn_sessions_bounded(void **state)
{
	struct learner *l = learner__new("p");
	struct sandbox a = { .id = (char *)"a" };
	const struct bl_stat *st;
	struct baseline *bl;

	for (uint32_t i = 0; i < 10000; i++) {
		for (uint32_t n = 0; n <= i % 10; n++)
			learn_open(l, &a, "/etc/hosts");
		assert_true(learner__end_session(l, &a));
		assert_int_equal(learner__kept(l),
				 i < PEAKS_KEPT ? i + 1 : PEAKS_KEPT);
	}
	learn_open(l, &a, "/etc/hosts");	/* one running, 1 open */
	assert_int_equal(learner__sessions(l), 10001);
	assert_int_equal(learner__running(l), 1);
	bl = learner__snapshot(l);
	st = &bl->rates[RATE_OPENS];
	assert_int_equal(st->sessions, 10001);
	assert_true(st->max == 10);
	assert_true(st->median >= 5 && st->median <= 6);
	assert_true(st->mad >= 2 && st->mad <= 3);
	learner__free(l);
	baseline__free(bl);
}

/* The names a profile queried: case folded, a parent's many hosts as
 * "*.PARENT"; a new name is an anomaly (a destination), once. */
static void test_learn_dns(void **state)
{
	static const char *const names[] = {
		"PyPI.org.", "a.cdn.example.com", "b.cdn.example.com",
		"c.example.com", "files.pythonhosted.org",
	};
	struct learner *l = learner__new("coding");
	struct profile prof = { .name = (char *)"coding" };
	struct sandbox a = { .id = (char *)"a" }, b = { .id = (char *)"b" };
	struct baselines *t = calloc(1, sizeof(*t));
	struct novelty_out out[NOVELTY_MAX];
	struct novelty *n;
	struct baseline *bl;
	struct tev ev;

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		dns_event(&ev, i % 2 ? &a : &b, names[i]);
		learner__event(l, &ev.ev);
	}
	bl = learner__finish(l);
	learner__free(l);
	assert_true(words_has(bl, BL_DNS, "pypi.org"));
	assert_true(words_has(bl, BL_DNS, "*.example.com"));
	assert_false(words_has(bl, BL_DNS, "a.cdn.example.com"));
	assert_true(words_has(bl, BL_DNS, "files.pythonhosted.org"));

	assert_int_equal(baselines__add(t, bl), 0);
	n = novelty__new(NULL);
	assert_null(novelty__swap(n, t));
	a.agent = &prof;
	dns_event(&ev, &a, "d.cdn.example.com");
	assert_int_equal(novelty__score(n, &ev.ev, out), 0);
	dns_event(&ev, &a, "PYPI.ORG");
	assert_int_equal(novelty__score(n, &ev.ev, out), 0);
	dns_event(&ev, &a, "x.pythonhosted.org");
	assert_int_equal(novelty__score(n, &ev.ev, out), 1);
	assert_int_equal(out[0].what, ANOMALY_CONNECT);
	assert_string_equal(out[0].op, "dns");
	assert_string_equal(out[0].item, "x.pythonhosted.org");
	assert_string_equal(out[0].nearest, "files.pythonhosted.org");
	assert_int_equal(novelty__score(n, &ev.ev, out), 0);	/* once */
	novelty__forget(&a);
	novelty__free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_home),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_nearest),
		cmocka_unit_test(test_generalise),
		cmocka_unit_test(test_file_round_trip),
		cmocka_unit_test(test_file_refused),
		cmocka_unit_test(test_learn_snapshot),
		cmocka_unit_test(test_learn_unix_path),
		cmocka_unit_test(test_learn_cap),
		cmocka_unit_test(test_learn_sessions_bounded),
		cmocka_unit_test(test_learn_dns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
