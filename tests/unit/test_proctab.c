// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The process table: fork, exec and exit sequences, the parent chain,
 * exec ids across exec and pid reuse, exited ancestors kept exactly as
 * long as a live descendant names them, and the /proc fallback for a
 * process seen first by one of its own records (with its ancestors in the
 * same sandbox cgroup, checked on this test's own process chain).
 *
 * Pids from FAKE up are above any pid_max (at most 2^22), so /proc never
 * has them and a process loaded from /proc is empty: no exe, exec id
 * "<pid>-0". Under ASan, a node's memory is checked to be freed (poisoned)
 * exactly when its last reference goes; LSan checks the rest at exit. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "child.h"

#include "proctab.h"

#define FAKE 0x40000000u
#define SANDBOX 4242

/* Present when built with ASan/LSan (make unit); the checks that need
 * them are skipped otherwise. */
int __asan_address_is_poisoned(void const volatile *addr)
	__attribute__((weak));
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

/* A table that never looks up a sandbox's cgroup: a process's ancestors
 * are only those already in the table. */
static struct proctab *table(void)
{
	struct proctab *t = proctab__new(NULL, NULL);

	assert_non_null(t);
	return t;
}

static struct vigil_hdr hdr(uint32_t pid, uint32_t ppid, uint64_t ktime,
			    const char *comm)
{
	struct vigil_hdr h;

	memset(&h, 0, sizeof(h));
	h.pid = pid;
	h.tid = pid;
	h.ppid = ppid;
	h.ktime_ns = ktime;
	h.sandbox_cgid = SANDBOX;
	h.cgroup_id = SANDBOX + 1;
	/* comm is not NUL-terminated when it fills all 16 bytes */
	memcpy(h.comm, comm, strnlen(comm, sizeof(h.comm)));
	return h;
}

static struct proc *get(struct proctab *t, uint32_t pid, uint32_t ppid)
{
	struct vigil_hdr h = hdr(pid, ppid, 0, "get");
	struct proc *p = proctab__get(t, &h);

	assert_non_null(p);
	assert_int_equal(p->pid, pid);
	return p;
}

static void fork_(struct proctab *t, uint32_t parent, uint64_t ktime,
		  uint32_t child)
{
	struct vigil_hdr h = hdr(parent, 1, ktime, "parent");

	proctab__fork(t, &h, child);
}

static void exec_(struct proctab *t, uint32_t pid, uint64_t ktime,
		  const char *comm, const char *file)
{
	struct vigil_hdr h = hdr(pid, 1, ktime, comm);

	proctab__exec(t, &h, file, strlen(file));
}

static void exit_(struct proctab *t, uint32_t pid)
{
	struct vigil_hdr h = hdr(pid, 1, 999, "exit");

	proctab__exit(t, &h);
}

/* Freed memory is poisoned under ASan until the quarantine recycles it,
 * which a handful of small frees never reaches. */
static void assert_freed(const struct proc *p, bool freed)
{
	if (__asan_address_is_poisoned)
		assert_int_equal(__asan_address_is_poisoned(p), freed);
}

static void assert_exe(const struct proc *p, const char *exe)
{
	assert_int_equal(p->exe_len, strlen(exe));
	assert_non_null(p->exe);
	assert_string_equal(p->exe, exe);
}

static void test_new_empty(void **state)
{
	struct proctab *t = table();

	assert_int_equal(proctab__size(t), 0);
	proctab__free(t);
	proctab__free(NULL);
}

/* A process unknown to the table and to /proc: the header's data. */
static void test_get_unknown_not_in_proc(void **state)
{
	struct proctab *t = table();
	struct vigil_hdr h = hdr(FAKE + 1, FAKE, 5, "agent");
	struct proc *p = proctab__get(t, &h);

	assert_non_null(p);
	assert_int_equal(p->pid, FAKE + 1);
	assert_int_equal(p->ppid, FAKE);
	assert_string_equal(p->comm, "agent");
	assert_exe(p, "");
	assert_string_equal(p->exec_id, "1073741825-0");
	assert_null(p->parent);
	assert_int_equal(proctab__size(t), 1);
	/* the same entry, not a new one, on the next record */
	assert_ptr_equal(proctab__get(t, &h), p);
	assert_int_equal(proctab__size(t), 1);
	proctab__free(t);
}

static void test_fork_exec_exit(void **state)
{
	struct proctab *t = table();
	struct proc *a, *b;

	a = get(t, FAKE + 1, 1);
	exec_(t, FAKE + 1, 1000, "bash", "/usr/bin/bash");
	assert_exe(a, "/usr/bin/bash");
	assert_string_equal(a->comm, "bash");
	assert_string_equal(a->exec_id, "1073741825-1000");

	fork_(t, FAKE + 1, 2000, FAKE + 2);
	assert_int_equal(proctab__size(t), 2);
	b = get(t, FAKE + 2, FAKE + 1);
	/* a fork inherits the image; its exec id is new */
	assert_int_equal(b->ppid, FAKE + 1);
	assert_string_equal(b->comm, "bash");
	assert_exe(b, "/usr/bin/bash");
	assert_string_equal(b->exec_id, "1073741826-2000");
	assert_ptr_equal(b->parent, a);
	assert_null(a->parent);

	/* exec: new image, comm and exec id; the parent is untouched */
	exec_(t, FAKE + 2, 3000, "curl", "/usr/bin/curl");
	assert_exe(b, "/usr/bin/curl");
	assert_string_equal(b->comm, "curl");
	assert_string_equal(b->exec_id, "1073741826-3000");
	assert_ptr_equal(b->parent, a);
	assert_exe(a, "/usr/bin/bash");
	assert_string_equal(a->exec_id, "1073741825-1000");

	/* a comm of the full 16 bytes stays NUL-terminated */
	exec_(t, FAKE + 2, 3500, "0123456789abcdef", "/x");
	assert_string_equal(b->comm, "0123456789abcdef");
	assert_exe(b, "/x");

	exit_(t, FAKE + 2);
	assert_int_equal(proctab__size(t), 1);
	assert_freed(b, true);
	assert_freed(a, false);
	exit_(t, FAKE + 1);
	assert_int_equal(proctab__size(t), 0);
	assert_freed(a, true);
	proctab__free(t);
}

/* Records for pids the table has not seen: a fork loads the parent, an
 * exit of an unknown pid changes nothing. */
static void test_unknown_parent_and_exit(void **state)
{
	struct proctab *t = table();
	struct proc *c;

	fork_(t, FAKE + 10, 50, FAKE + 11);
	assert_int_equal(proctab__size(t), 2);
	c = get(t, FAKE + 11, FAKE + 10);
	assert_non_null(c->parent);
	assert_int_equal(c->parent->pid, FAKE + 10);
	assert_string_equal(c->parent->exec_id, "1073741834-0");
	assert_string_equal(c->exec_id, "1073741835-50");

	exit_(t, FAKE + 99);
	assert_int_equal(proctab__size(t), 2);

	/* an exec of an unknown pid loads it, then sets the image */
	exec_(t, FAKE + 12, 70, "sh", "/bin/sh");
	assert_int_equal(proctab__size(t), 3);
	assert_exe(get(t, FAKE + 12, 1), "/bin/sh");
	assert_string_equal(get(t, FAKE + 12, 1)->exec_id, "1073741836-70");
	proctab__free(t);
}

/* The chain a record's ancestors are rendered from: parent first, ending
 * at the sandbox's first process. */
static void test_ancestor_chain(void **state)
{
	struct proctab *t = table();
	static const uint32_t want[] = { FAKE + 3, FAKE + 2, FAKE + 1 };
	const struct proc *p;
	size_t n = 0;

	get(t, FAKE + 1, 1);
	fork_(t, FAKE + 1, 10, FAKE + 2);
	fork_(t, FAKE + 2, 20, FAKE + 3);
	fork_(t, FAKE + 3, 30, FAKE + 4);
	/* a sibling does not change the chain */
	fork_(t, FAKE + 2, 25, FAKE + 5);
	assert_int_equal(proctab__size(t), 5);

	for (p = get(t, FAKE + 4, FAKE + 3)->parent; p; p = p->parent) {
		assert_true(n < 3);
		assert_int_equal(p->pid, want[n++]);
	}
	assert_int_equal(n, 3);
	assert_ptr_equal(get(t, FAKE + 5, FAKE + 2)->parent,
			 get(t, FAKE + 2, FAKE + 1));
	proctab__free(t);
}

/* An exited parent stays, unchanged, while a live child names it, and is
 * freed when the last such child exits. */
static void test_exited_parent_kept(void **state)
{
	struct proctab *t = table();
	struct proc *a, *b, *c, *d;

	a = get(t, FAKE + 1, 1);
	exec_(t, FAKE + 1, 5, "init", "/sbin/init");
	fork_(t, FAKE + 1, 10, FAKE + 2);
	exec_(t, FAKE + 2, 11, "python3", "/usr/bin/python3");
	fork_(t, FAKE + 2, 20, FAKE + 3);
	fork_(t, FAKE + 3, 30, FAKE + 4);
	b = get(t, FAKE + 2, 0);
	c = get(t, FAKE + 3, 0);
	d = get(t, FAKE + 4, 0);

	/* B and C exit: D still reaches them, and A through them */
	exit_(t, FAKE + 2);
	exit_(t, FAKE + 3);
	assert_int_equal(proctab__size(t), 2);
	assert_ptr_equal(d->parent, c);
	assert_ptr_equal(c->parent, b);
	assert_ptr_equal(b->parent, a);
	assert_freed(b, false);
	assert_freed(c, false);
	assert_int_equal(b->pid, FAKE + 2);
	assert_exe(b, "/usr/bin/python3");
	assert_string_equal(b->exec_id, "1073741826-11");
	assert_string_equal(c->exec_id, "1073741827-20");
	assert_exe(c, "/usr/bin/python3");

	/* an exited pid is not live: a record for it loads a new entry */
	assert_ptr_not_equal(get(t, FAKE + 2, 0), b);
	assert_int_equal(proctab__size(t), 3);
	exit_(t, FAKE + 2);
	assert_int_equal(proctab__size(t), 2);
	assert_freed(b, false);

	/* D exits: C and B go with it, A (live) stays */
	exit_(t, FAKE + 4);
	assert_int_equal(proctab__size(t), 1);
	assert_freed(d, true);
	assert_freed(c, true);
	assert_freed(b, true);
	assert_freed(a, false);
	assert_exe(a, "/sbin/init");
	proctab__free(t);
}

/* Two children of an exited parent: it goes with the second. */
static void test_exited_parent_two_children(void **state)
{
	struct proctab *t = table();
	struct proc *a, *b, *c;

	fork_(t, FAKE + 1, 10, FAKE + 2);
	fork_(t, FAKE + 1, 20, FAKE + 3);
	a = get(t, FAKE + 1, 0);
	b = get(t, FAKE + 2, 0);
	c = get(t, FAKE + 3, 0);
	exit_(t, FAKE + 1);
	assert_int_equal(proctab__size(t), 2);
	exit_(t, FAKE + 2);
	assert_freed(b, true);
	assert_freed(a, false);
	assert_ptr_equal(c->parent, a);
	assert_int_equal(a->pid, FAKE + 1);
	exit_(t, FAKE + 3);
	assert_freed(c, true);
	assert_freed(a, true);
	assert_int_equal(proctab__size(t), 0);
	proctab__free(t);
}

/* Freeing the table with exited ancestors still referenced frees them
 * too (LSan reports anything left at exit). */
static void test_free_with_exited_ancestors(void **state)
{
	struct proctab *t = table();

	fork_(t, FAKE + 1, 10, FAKE + 2);
	fork_(t, FAKE + 2, 20, FAKE + 3);
	fork_(t, FAKE + 3, 30, FAKE + 4);
	fork_(t, FAKE + 1, 40, FAKE + 5);
	exit_(t, FAKE + 2);
	exit_(t, FAKE + 1);
	exit_(t, FAKE + 3);
	assert_int_equal(proctab__size(t), 2);
	proctab__free(t);
}

/* The same pid after a seen exit: a new process, a new exec id. */
static void test_pid_reuse_after_exit(void **state)
{
	struct proctab *t = table();
	char first[PROC_EXEC_ID_LEN];
	struct proc *b;

	get(t, FAKE + 1, 1);
	fork_(t, FAKE + 1, 1000, FAKE + 2);
	b = get(t, FAKE + 2, FAKE + 1);
	strcpy(first, b->exec_id);
	exit_(t, FAKE + 2);
	fork_(t, FAKE + 1, 2000, FAKE + 2);
	b = get(t, FAKE + 2, FAKE + 1);
	assert_string_equal(first, "1073741826-1000");
	assert_string_equal(b->exec_id, "1073741826-2000");
	assert_string_not_equal(b->exec_id, first);
	assert_int_equal(proctab__size(t), 2);
	proctab__free(t);
}

/* The same pid forked again while its exit was never seen (the record
 * was dropped): the stale entry is replaced, and freed when nothing
 * names it; a child of the stale one keeps its own, old parent. */
static void test_pid_reuse_stale(void **state)
{
	struct proctab *t = table();
	struct proc *stale, *grandchild, *fresh;

	get(t, FAKE + 1, 1);
	fork_(t, FAKE + 1, 100, FAKE + 2);
	exec_(t, FAKE + 2, 110, "old", "/old");
	stale = get(t, FAKE + 2, 0);

	/* no child: the stale entry is freed on replacement */
	fork_(t, FAKE + 1, 200, FAKE + 2);
	assert_int_equal(proctab__size(t), 2);
	assert_freed(stale, true);
	fresh = get(t, FAKE + 2, 0);
	assert_string_equal(fresh->exec_id, "1073741826-200");
	assert_exe(fresh, "");	/* the parent's image (loaded empty) */

	/* with a child: it stays that child's parent */
	exec_(t, FAKE + 2, 210, "old", "/old");
	fork_(t, FAKE + 2, 220, FAKE + 3);
	stale = fresh;
	grandchild = get(t, FAKE + 3, FAKE + 2);
	fork_(t, FAKE + 1, 300, FAKE + 2);
	fresh = get(t, FAKE + 2, 0);
	assert_ptr_not_equal(fresh, stale);
	assert_int_equal(proctab__size(t), 3);
	assert_freed(stale, false);
	assert_ptr_equal(grandchild->parent, stale);
	assert_string_equal(stale->exec_id, "1073741826-210");
	assert_exe(stale, "/old");
	assert_string_equal(fresh->exec_id, "1073741826-300");
	assert_exe(fresh, "");
	exit_(t, FAKE + 3);
	assert_freed(stale, true);
	assert_freed(fresh, false);
	assert_int_equal(proctab__size(t), 2);
	proctab__free(t);
}

/* The kernel's start time of pid in ns since boot, read here
 * independently of proctab.c: field 22 of /proc/PID/stat. */
static unsigned long long start_ns_of(pid_t pid)
{
	char path[64], buf[2048], *s;
	FILE *f;
	unsigned long long ticks = 0;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	s = strrchr(buf, ')');
	assert_non_null(s);
	/* s + 2 is field 3 (state); step to field 22 */
	s += 2;
	for (field = 3; field < 22; field++) {
		s = strchr(s, ' ');
		assert_non_null(s);
		s++;
	}
	assert_int_equal(sscanf(s, "%llu", &ticks), 1);
	return ticks * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK));
}

/* A process seen first by one of its own records (it started before
 * vigil): exe and start time from /proc. This test's own process. */
static void test_load_from_proc(void **state)
{
	struct proctab *t = table();
	struct vigil_hdr h = hdr((uint32_t)getpid(), (uint32_t)getppid(), 1,
				 "test_proctab");
	char exe[PATH_MAX], want_id[PROC_EXEC_ID_LEN];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct proc *p;

	assert_true(len > 0);
	exe[len] = '\0';
	snprintf(want_id, sizeof(want_id), "%d-%llu", (int)getpid(),
		 start_ns_of(getpid()));
	p = proctab__get(t, &h);
	assert_non_null(p);
	assert_int_equal(p->pid, getpid());
	assert_int_equal(p->ppid, getppid());
	assert_string_equal(p->comm, "test_proctab");
	assert_exe(p, exe);
	assert_string_equal(p->exec_id, want_id);
	assert_null(p->parent);
	proctab__free(t);
}

/* A loaded process's parent is its ancestor only inside the same
 * sandbox. */
static void test_load_parent_same_sandbox(void **state)
{
	struct proctab *t = table();
	struct vigil_hdr ph = hdr((uint32_t)getppid(), 1, 1, "parent");
	struct vigil_hdr h = hdr((uint32_t)getpid(), (uint32_t)getppid(), 1,
				 "self");
	struct proc *parent = proctab__get(t, &ph), *p;

	assert_non_null(parent);
	p = proctab__get(t, &h);
	assert_ptr_equal(p->parent, parent);
	proctab__free(t);

	t = table();
	parent = proctab__get(t, &ph);
	h.sandbox_cgid = SANDBOX + 7;
	p = proctab__get(t, &h);
	assert_non_null(p);
	assert_null(p->parent);
	assert_int_equal(proctab__size(t), 2);
	proctab__free(t);
}

/* The unified-hierarchy cgroup of pid ("0::" line of /proc/PID/cgroup),
 * or "" when it cannot be read. */
static const char *cgroup_of(pid_t pid, char *buf, size_t len)
{
	char path[64], line[PATH_MAX + 8];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return buf;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(buf, len, "%s", line + 3);
			break;
		}
	fclose(f);
	return buf;
}

/* /proc/PID/stat's parent pid and command name; 0 if unreadable. */
static pid_t stat_of(pid_t pid, char comm[VIGIL_COMM_LEN + 1])
{
	char path[64], buf[2048], *open_paren, *close_paren;
	FILE *f;
	int ppid = 0;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren ||
	    sscanf(close_paren + 2, "%*c %d", &ppid) != 1)
		return 0;
	n = (size_t)(close_paren - open_paren - 1);
	n = n < VIGIL_COMM_LEN ? n : VIGIL_COMM_LEN;
	memcpy(comm, open_paren + 1, n);
	comm[n] = '\0';
	return ppid;
}

/* In cgroup or below it, as a path. */
static bool cgroup_within(const char *cg, const char *sandbox)
{
	size_t n = strlen(sandbox);

	return n && !strncmp(cg, sandbox, n) && (cg[n] == '\0' ||
						cg[n] == '/');
}

/* The proctab_cgroup_fn of these tests: one sandbox, whose cgroup is
 * ctx->cgroup; records what it was asked. */
struct cg_ctx {
	char cgroup[PATH_MAX];
	uint64_t asked;
	int calls;
};

static const char *sandbox_cgroup(void *ctx, uint64_t sandbox_cgid)
{
	struct cg_ctx *c = ctx;

	c->asked = sandbox_cgid;
	c->calls++;
	return c->cgroup;
}

/* A process that predates vigil, seen first by one of its records: its
 * ancestors in the same sandbox cgroup are loaded from /proc too, parent
 * first, each with its exe, comm and start-time exec id. The sandbox
 * here is this test's own cgroup, so the chain is this process's real
 * one, checked against /proc independently. */
static void test_load_ancestors_from_proc(void **state)
{
	struct cg_ctx ctx = { .cgroup = "" };
	struct vigil_hdr h = hdr((uint32_t)getpid(), (uint32_t)getppid(), 1,
				 "self");
	struct proctab *t = proctab__new(sandbox_cgroup, &ctx);
	const struct proc *p, *a;
	char cg[PATH_MAX], comm[VIGIL_COMM_LEN + 1], exe[PATH_MAX];
	char path[64], want_id[PROC_EXEC_ID_LEN];
	pid_t pid = getppid();
	size_t depth = 0;

	assert_non_null(t);
	cgroup_of(getpid(), ctx.cgroup, sizeof(ctx.cgroup));
	assert_string_not_equal(ctx.cgroup, "");
	p = proctab__get(t, &h);
	assert_non_null(p);
	assert_int_equal(ctx.asked, SANDBOX);

	/* walk the real chain while it stays in the sandbox */
	for (a = p->parent; pid > 0 && depth < PROC_MAX_DEPTH; a = a->parent) {
		pid_t ppid = stat_of(pid, comm);
		ssize_t len;

		if (!cgroup_within(cgroup_of(pid, cg, sizeof(cg)), ctx.cgroup))
			break;
		assert_non_null(a);
		assert_int_equal(a->pid, pid);
		assert_int_equal(a->ppid, ppid);
		assert_string_equal(a->comm, comm);
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
		len = readlink(path, exe, sizeof(exe) - 1);
		exe[len > 0 ? len : 0] = '\0';
		assert_exe(a, exe);
		snprintf(want_id, sizeof(want_id), "%d-%llu", (int)pid,
			 start_ns_of(pid));
		assert_string_equal(a->exec_id, want_id);
		depth++;
		pid = ppid;
	}
	/* and no further */
	if (depth < PROC_MAX_DEPTH)
		assert_null(a);
	assert_true(depth >= 1);	/* the parent shares our cgroup */
	assert_int_equal(proctab__size(t), depth + 1);
	proctab__free(t);
}

/* An ancestor outside the sandbox's cgroup ends the chain. */
static void test_load_ancestors_other_cgroup(void **state)
{
	struct cg_ctx ctx = { .cgroup = "/vigil-test-no-such-sandbox" };
	struct vigil_hdr h = hdr((uint32_t)getpid(), (uint32_t)getppid(), 1,
				 "self");
	struct proctab *t = proctab__new(sandbox_cgroup, &ctx);
	const struct proc *p;

	assert_non_null(t);
	p = proctab__get(t, &h);
	assert_non_null(p);
	assert_null(p->parent);
	assert_int_equal(ctx.calls, 1);
	assert_int_equal(proctab__size(t), 1);

	/* a parent already in the table is used without asking */
	proctab__free(t);
	t = proctab__new(sandbox_cgroup, &ctx);
	ctx.calls = 0;
	fork_(t, FAKE + 1, 10, FAKE + 2);
	assert_int_equal(get(t, FAKE + 2, FAKE + 1)->parent->pid, FAKE + 1);
	proctab__free(t);
}

/*
 * Malformed records must not corrupt the table. These run in a child
 * process so an ASan report fails one test, not the whole binary; the
 * child checks with CHECK and exits 0 only if all held and, under LSan,
 * nothing leaked.
 */
#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n",	\
				__FILE__, __LINE__, #cond);		\
			_exit(2);					\
		}							\
	} while (0)

static void run_isolated(void (*fn)(void))
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fn();
		if (__lsan_do_recoverable_leak_check &&
		    __lsan_do_recoverable_leak_check())
			_exit(3);
		_exit(0);
	}
	child__expect_ok(pid, "isolated case",
			 "1: sanitizer report, 2: check failed, 3: leak");
}

/* A fork record naming the forking process itself as the child. */
static void fork_self(void)
{
	struct proctab *t = proctab__new(NULL, NULL);
	struct vigil_hdr h = hdr(FAKE + 1, 1, 10, "self");
	struct proc *p;

	proctab__get(t, &h);
	proctab__fork(t, &h, FAKE + 1);
	p = proctab__get(t, &h);
	CHECK(p != NULL);
	CHECK(proctab__size(t) == 1);
	for (int depth = 0; p; p = p->parent)
		CHECK(++depth <= 2);
	proctab__free(t);
}

static void test_malformed_fork_self(void **state)
{
	run_isolated(fork_self);
}

/* A header naming the process as its own parent: it must not become its
 * own ancestor (an endless chain, and a node that is never freed). */
static void own_parent(void)
{
	struct proctab *t = proctab__new(NULL, NULL);
	struct vigil_hdr h = hdr(FAKE + 1, FAKE + 1, 10, "self");
	struct proc *p = proctab__get(t, &h);

	CHECK(p != NULL);
	CHECK(p->parent != p);
	proctab__exit(t, &h);
	CHECK(proctab__size(t) == 0);
	proctab__free(t);
}

/* The same, for a live process in the sandbox's cgroup: its ancestors
 * are loaded from /proc before its own entry is made, and that entry must
 * not replace (and free) the one just loaded as its parent. */
static void own_parent_in_proc(void)
{
	static struct cg_ctx ctx;
	struct proctab *t;
	struct vigil_hdr h = hdr((uint32_t)getpid(), (uint32_t)getpid(), 10,
				 "self");
	struct proc *p;
	int depth = 0;

	cgroup_of(getpid(), ctx.cgroup, sizeof(ctx.cgroup));
	t = proctab__new(sandbox_cgroup, &ctx);
	CHECK(t != NULL);
	p = proctab__get(t, &h);
	CHECK(p != NULL);
	for (const struct proc *a = p; a; a = a->parent)
		CHECK(++depth <= PROC_MAX_DEPTH + 1 && a->parent != a);
	proctab__exit(t, &h);
	proctab__free(t);
}

static void test_malformed_own_parent(void **state)
{
	run_isolated(own_parent);
	run_isolated(own_parent_in_proc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_empty),
		cmocka_unit_test(test_get_unknown_not_in_proc),
		cmocka_unit_test(test_fork_exec_exit),
		cmocka_unit_test(test_unknown_parent_and_exit),
		cmocka_unit_test(test_ancestor_chain),
		cmocka_unit_test(test_exited_parent_kept),
		cmocka_unit_test(test_exited_parent_two_children),
		cmocka_unit_test(test_free_with_exited_ancestors),
		cmocka_unit_test(test_pid_reuse_after_exit),
		cmocka_unit_test(test_pid_reuse_stale),
		cmocka_unit_test(test_load_from_proc),
		cmocka_unit_test(test_load_parent_same_sandbox),
		cmocka_unit_test(test_load_ancestors_from_proc),
		cmocka_unit_test(test_load_ancestors_other_cgroup),
		cmocka_unit_test(test_malformed_fork_self),
		cmocka_unit_test(test_malformed_own_parent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
