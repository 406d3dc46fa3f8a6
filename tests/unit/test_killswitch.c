// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Acting on real cgroups, as root, below a test root of this test's own
 * (cgtest.h) holding only processes it forked: which cgroup paths
 * killswitch__sandbox_dir accepts and refuses, also when something is mounted
 * over a sandbox's directory; a frozen child stops counting and
 * counts again once thawed; kill empties a sandbox, a nested tree with
 * forking processes, an already empty one at once, and, by signals as on
 * kernels without cgroup.kill, the same tree; listing a tree's pids and
 * the membership check the signal path makes before each kill. */
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
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "clock.h"
#include "cgtest.h"
#include "child.h"

#include "killswitch.h"

#define KILL_MS 5000

static struct cgtest t;
static char sibling[PATH_MAX];	/* "<test root>-x": beside it, not below */

static int group_setup(void **state)
{
	if (cgtest__init(&t))
		return -1;
	snprintf(sibling, sizeof(sibling), "%s-x", t.root);
	return 0;
}

static int group_teardown(void **state)
{
	cgtest__destroy(t.root, false);
	return 0;
}

/* Every case leaves the test root empty, whatever failed. */
static int teardown(void **state)
{
	cgtest__destroy(t.root, true);
	cgtest__destroy(sibling, false);
	return 0;
}

static void expect_killed(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}

static void expect_refused(const char *rel)
{
	char out[PATH_MAX];

	if (killswitch__sandbox_dir(&t.roots, rel, out) != -EPERM)
		fail_msg("killswitch__sandbox_dir accepted \"%s\"", rel);
}

static void test_sandbox_dir(void **state)
{
	char out[PATH_MAX], want[PATH_MAX], rel[PATH_MAX];

	cgtest__mkdir(&t, out, "sb1/nested");
	assert_int_equal(mkdir(sibling, 0755), 0);
	snprintf(out, sizeof(out), "%s/sb", sibling);
	assert_int_equal(mkdir(out, 0755), 0);

	snprintf(rel, sizeof(rel), "%s/sb1", t.rel);
	assert_int_equal(killswitch__sandbox_dir(&t.roots, rel, out), 0);
	assert_string_equal(out, cgtest__path(&t, want, "sb1"));
	snprintf(rel, sizeof(rel), "%s/sb1/nested", t.rel);
	assert_int_equal(killswitch__sandbox_dir(&t.roots, rel, out), 0);
	assert_string_equal(out, cgtest__path(&t, want, "sb1/nested"));

	expect_refused("/");
	expect_refused("");
	expect_refused(t.rel);				/* the root */
	snprintf(rel, sizeof(rel), "%s/", t.rel);
	expect_refused(rel);
	snprintf(rel, sizeof(rel), "%s-x/sb", t.rel);	/* shares a prefix */
	expect_refused(rel);
	snprintf(rel, sizeof(rel), "%s-x", t.rel);
	expect_refused(rel);
	expect_refused("/init.scope");			/* outside the roots */
	expect_refused(t.rel + 1);			/* relative */
	snprintf(rel, sizeof(rel), "%s/sb1/..", t.rel);
	expect_refused(rel);
	snprintf(rel, sizeof(rel), "%s/../%s/sb1", t.rel, t.rel + 1);
	expect_refused(rel);
	snprintf(rel, sizeof(rel), "%s/./sb1", t.rel);
	expect_refused(rel);
	snprintf(rel, sizeof(rel), "%s//sb1", t.rel);
	expect_refused(rel);
	snprintf(rel, sizeof(rel), "%s/sb1/", t.rel);
	expect_refused(rel);
	snprintf(rel, sizeof(rel), "%s/sb1/cgroup.procs", t.rel); /* a file */
	expect_refused(rel);
	snprintf(rel, sizeof(rel), "%s/no-such-sandbox", t.rel);
	expect_refused(rel);
}

/* In a mount namespace of its own, so nothing outlives it: a sandbox
 * directory with another cgroup bind-mounted over it, or another file
 * system, is refused. Exits 0 if both were. */
static void mounted_over(void)
{
	char sb1[PATH_MAX], sb2[PATH_MAX], sb3[PATH_MAX], out[PATH_MAX];
	char rel1[PATH_MAX], rel3[PATH_MAX];

	cgtest__path(&t, sb1, "sb1");
	cgtest__path(&t, sb2, "sb2");
	cgtest__path(&t, sb3, "sb3");
	snprintf(rel1, sizeof(rel1), "%s/sb1", t.rel);
	snprintf(rel3, sizeof(rel3), "%s/sb3", t.rel);
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount(sb2, sb1, NULL, MS_BIND, NULL) ||
	    mount("tmpfs", sb3, "tmpfs", 0, NULL))
		_exit(2);
	if (killswitch__sandbox_dir(&t.roots, rel1, out) != -EPERM ||
	    killswitch__sandbox_dir(&t.roots, rel3, out) != -EPERM)
		_exit(1);
	_exit(0);
}

static void test_sandbox_dir_mounted(void **state)
{
	char out[PATH_MAX], rel[PATH_MAX];
	pid_t pid;

	cgtest__mkdir(&t, out, "sb1");
	cgtest__mkdir(&t, out, "sb2");
	cgtest__mkdir(&t, out, "sb3");
	snprintf(rel, sizeof(rel), "%s/sb1", t.rel);
	assert_int_equal(killswitch__sandbox_dir(&t.roots, rel, out), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		mounted_over();
	child__expect_ok(pid, "mounted-over sandbox",
			 "1: accepted, 2: cannot mount");
}

/* Counts in shared memory, about once a millisecond. */
static void count(void *arg)
{
	volatile uint64_t *n = arg;

	for (;;) {
		(*n)++;
		usleep(1000);
	}
}

static uint64_t wait_count_past(volatile uint64_t *n, uint64_t past)
{
	for (int i = 0; i < 5000 && *n <= past; i++)
		usleep(1000);
	return *n;
}

static void test_freeze_thaw(void **state)
{
	volatile uint64_t *n = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char sb[PATH_MAX];
	uint64_t frozen_at;
	pid_t pid;

	assert_true(n != MAP_FAILED);
	pid = cgtest__spawn(cgtest__mkdir(&t, sb, "sb"), count, (void *)n);
	assert_true(wait_count_past(n, 0) > 0);
	assert_int_equal(killswitch__frozen(sb), 0);

	assert_int_equal(killswitch__freeze(sb, KILL_MS), 0);
	assert_int_equal(killswitch__frozen(sb), 1);
	assert_int_equal(killswitch__populated(sb), 1);
	frozen_at = *n;
	usleep(100 * 1000);
	assert_true(*n == frozen_at);

	assert_int_equal(killswitch__thaw(sb), 0);
	assert_true(wait_count_past(n, frozen_at) > frozen_at);
	assert_int_equal(killswitch__frozen(sb), 0);

	kill(pid, SIGKILL);
	expect_killed(pid);
	munmap((void *)n, 4096);
}

static void test_kill(void **state)
{
	char sb[PATH_MAX];
	uint64_t before, empty_ns = 0;
	pid_t pid = cgtest__spawn(cgtest__mkdir(&t, sb, "sb"), cgtest__idle,
				  NULL);

	assert_int_equal(killswitch__populated(sb), 1);
	before = clock__boot_ns();
	assert_int_equal(killswitch__kill(sb, KILL_MS, &empty_ns), 0);
	assert_true(empty_ns >= before);
	assert_true(empty_ns <= clock__boot_ns());
	assert_int_equal(killswitch__populated(sb), 0);
	expect_killed(pid);
}

/* A worker in a sub-cgroup: forks PARKED sleepers, then forks and reaps
 * short-lived children without end, so the cgroup keeps changing while
 * it is killed. */
#define WORKERS 4
#define PARKED  8

static void churn(void)
{
	pid_t c;

	for (int i = 0; i < PARKED; i++) {
		c = fork();
		if (c == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			cgtest__idle(NULL);
		}
	}
	for (;;) {
		c = fork();
		if (c == 0)
			_exit(0);
		if (c > 0)
			waitpid(c, NULL, 0);
		usleep(500);
	}
}

/* The sandbox's first process: moves WORKERS children into its
 * sub-cgroup arg, then waits. */
static void bomb(void *arg)
{
	const char *sub = arg;

	for (int i = 0; i < WORKERS; i++) {
		pid_t c = fork();

		if (c == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (cgroup__enter(sub, 0))
				_exit(98);
			churn();
		}
	}
	cgtest__idle(NULL);
}

/* Starts bomb in the sandbox name (workers in name/a/b: sub) and waits
 * until all its long-lived processes are there. */
static pid_t start_bomb(const char *name, char *sb, char *sub)
{
	char rel[PATH_MAX];
	pid_t pids[256], first;
	int n = 0;

	snprintf(rel, sizeof(rel), "%s/a/b", name);
	cgtest__mkdir(&t, sub, rel);
	cgtest__mkdir(&t, sb, name);
	first = cgtest__spawn(sb, bomb, sub);
	for (int i = 0; i < 5000; i++) {
		n = cgroup__pids(sb, pids, 256);
		if (n >= 1 + WORKERS * (1 + PARKED))
			break;
		usleep(1000);
	}
	assert_true(n >= 1 + WORKERS * (1 + PARKED));
	assert_int_equal(killswitch__populated(sub), 1);
	return first;
}

static void expect_empty_tree(const char *sb, const char *sub)
{
	pid_t pids[4];

	assert_int_equal(killswitch__populated(sb), 0);
	assert_int_equal(killswitch__populated(sub), 0);
	assert_int_equal(cgroup__pids(sb, pids, 4), 0);
}

static void test_kill_tree(void **state)
{
	char sb[PATH_MAX], sub[PATH_MAX];
	uint64_t empty_ns = 0;
	pid_t first = start_bomb("sb", sb, sub);

	assert_int_equal(killswitch__kill(sb, KILL_MS, &empty_ns), 0);
	assert_true(empty_ns > 0);
	expect_empty_tree(sb, sub);
	expect_killed(first);

	/* Frozen first, as a responder taking evidence leaves it. */
	first = start_bomb("frozen", sb, sub);
	assert_int_equal(killswitch__freeze(sb, KILL_MS), 0);
	assert_int_equal(killswitch__kill(sb, KILL_MS, NULL), 0);
	expect_empty_tree(sb, sub);
	assert_int_equal(killswitch__frozen(sb), 1);
	expect_killed(first);
}

static void test_kill_empty(void **state)
{
	char sb[PATH_MAX];
	uint64_t before = clock__boot_ns(), empty_ns = 0;

	cgtest__mkdir(&t, sb, "sb/nested");
	cgtest__mkdir(&t, sb, "sb");
	assert_int_equal(killswitch__kill(sb, KILL_MS, &empty_ns), 0);
	assert_true(empty_ns >= before);
	assert_true(empty_ns - before < 500 * 1000000ull);	/* at once */
	assert_int_equal(killswitch__kill(sb, 0, NULL), 0);
	assert_int_equal(killswitch__kill_by_signal(sb, 0, NULL), 0);
}

static void test_kill_gone(void **state)
{
	char gone[PATH_MAX];

	cgtest__path(&t, gone, "no-such-sandbox");
	assert_int_equal(killswitch__kill(gone, KILL_MS, NULL), -ENOENT);
	assert_int_equal(killswitch__populated(gone), -ENOENT);
	assert_int_equal(killswitch__frozen(gone), -ENOENT);
	assert_int_equal(killswitch__freeze(gone, 10), -ENOENT);
	assert_int_equal(cgroup__pids(gone, NULL, 0), -ENOENT);
	/* The signal path derives the cgroup from the mount: never the
	 * mount itself, never outside it. */
	assert_int_equal(killswitch__kill_by_signal(t.mount, KILL_MS, NULL), -EPERM);
	assert_int_equal(killswitch__kill_by_signal("/tmp", KILL_MS, NULL), -EPERM);
}

/* The way of kernels before 5.14, on the same tree: everything dies and
 * the sandbox is thawed after, unless it had been frozen before. */
static void test_kill_by_signal(void **state)
{
	char sb[PATH_MAX], sub[PATH_MAX], path[PATH_MAX];
	uint64_t before = clock__boot_ns(), empty_ns = 0;
	pid_t first = start_bomb("sb", sb, sub);

	assert_int_equal(killswitch__kill_by_signal(sb, KILL_MS, &empty_ns), 0);
	assert_true(empty_ns >= before);
	expect_empty_tree(sb, sub);
	assert_int_equal(killswitch__frozen(sb), 0);
	expect_killed(first);

	first = start_bomb("frozen", sb, sub);
	assert_int_equal(killswitch__freeze(sb, KILL_MS), 0);
	assert_int_equal(killswitch__kill_by_signal(sb, KILL_MS, NULL), 0);
	expect_empty_tree(sb, sub);
	assert_int_equal(killswitch__frozen(sb), 1);	/* left as the caller had it */
	expect_killed(first);
	cgtest__write(cgtest__path(&t, path, "frozen"), "cgroup.freeze", "0");
}

static void test_pids(void **state)
{
	char sb[PATH_MAX], nested[PATH_MAX];
	pid_t a, b, pids[8];
	int n;

	cgtest__mkdir(&t, nested, "sb/nested");
	a = cgtest__spawn(cgtest__mkdir(&t, sb, "sb"), cgtest__idle, NULL);
	b = cgtest__spawn(nested, cgtest__idle, NULL);
	n = cgroup__pids(sb, pids, 8);
	assert_int_equal(n, 2);
	assert_true((pids[0] == a && pids[1] == b) ||
		    (pids[0] == b && pids[1] == a));
	assert_int_equal(cgroup__pids(nested, pids, 8), 1);
	assert_int_equal(pids[0], b);
	assert_int_equal(cgroup__pids(sb, pids, 1), 1);
	assert_int_equal(cgroup__pids(sb, pids, 0), 0);
}

/* What the signal path checks before it kills a pid: its cgroup is the
 * sandbox's or lies below it, by whole components. */
static void test_pid_within(void **state)
{
	char sb[PATH_MAX], rel[PATH_MAX];
	pid_t pid;

	cgtest__mkdir(&t, sb, "sb/nested");
	pid = cgtest__spawn(sb, cgtest__idle, NULL);
	snprintf(rel, sizeof(rel), "%s/sb/nested", t.rel);
	assert_true(cgroup__pid_within(pid, rel));
	snprintf(rel, sizeof(rel), "%s/sb", t.rel);
	assert_true(cgroup__pid_within(pid, rel));
	assert_false(cgroup__pid_within(getpid(), rel));
	assert_true(cgroup__pid_within(pid, t.rel));
	snprintf(rel, sizeof(rel), "%s/s", t.rel);
	assert_false(cgroup__pid_within(pid, rel));
	snprintf(rel, sizeof(rel), "%s/sb/nested/deeper", t.rel);
	assert_false(cgroup__pid_within(pid, rel));
	assert_false(cgroup__pid_within(pid, "/"));
	assert_false(cgroup__pid_within(pid, ""));
	snprintf(rel, sizeof(rel), "%s/sb/nested", t.rel);
	assert_int_equal(cgroup__of_pid(pid, sb), 0);
	assert_string_equal(sb, rel);
	kill(pid, SIGKILL);
	expect_killed(pid);
	assert_false(cgroup__pid_within(pid, t.rel));
	assert_int_equal(cgroup__of_pid(pid, sb), -ENOENT);
}

/* The path test alone, "/" included (the proctab's sandbox may be any
 * cgroup). */
static void test_cgroup_is_within(void **state)
{
	assert_true(cgroup__is_within("/a/b", "/a/b"));
	assert_true(cgroup__is_within("/a/b/c", "/a/b"));
	assert_false(cgroup__is_within("/a/bc", "/a/b"));
	assert_false(cgroup__is_within("/a", "/a/b"));
	assert_true(cgroup__is_within("/", "/"));
	assert_false(cgroup__is_within("/a", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_teardown(name, teardown)
		T(test_sandbox_dir),
		T(test_sandbox_dir_mounted),
		T(test_freeze_thaw),
		T(test_kill),
		T(test_kill_tree),
		T(test_kill_empty),
		T(test_kill_gone),
		T(test_kill_by_signal),
		T(test_pids),
		T(test_pid_within),
#undef T
		cmocka_unit_test(test_cgroup_is_within),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
