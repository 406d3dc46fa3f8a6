// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <sys/param.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uthash.h>

#include "cgroup.h"
#include "proctab.h"

struct node {
	struct proc p;
	unsigned int refs;	/* 1 while live, +1 per child naming it */
	uint64_t sandbox;	/* sandbox cgroup id */
	UT_hash_handle hh;	/* in by_pid while live */
};

struct proctab {
	struct node *by_pid;
	long clk_tck;
	proctab_cgroup_fn sandbox_cgroup;
	void *ctx;
};

struct proctab *proctab__new(proctab_cgroup_fn sandbox_cgroup, void *ctx)
{
	struct proctab *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->clk_tck = sysconf(_SC_CLK_TCK);
	t->sandbox_cgroup = sandbox_cgroup;
	t->ctx = ctx;
	return t;
}

static struct node *node__of(struct proc *p)
{
	return (struct node *)p;	/* p is the first member */
}

static void node__unref(struct node *n)
{
	while (n && --n->refs == 0) {
		struct node *parent = n->p.parent ? node__of(n->p.parent)
						  : NULL;

		free(n->p.exe);
		free(n);
		n = parent;
	}
}

void proctab__free(struct proctab *t)
{
	struct node *n, *tmp;

	if (!t)
		return;
	HASH_ITER(hh, t->by_pid, n, tmp) {
		HASH_DEL(t->by_pid, n);
		node__unref(n);
	}
	free(t);
}

static void proc__set_exe(struct proc *p, const char *exe, size_t len)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return;
	memcpy(copy, exe, len);
	copy[len] = '\0';
	free(p->exe);
	p->exe = copy;
	p->exe_len = len;
}

static void proc__set_exec_id(struct proc *p, uint64_t ns)
{
	snprintf(p->exec_id, sizeof(p->exec_id), "%" PRIu32 "-%" PRIu64,
		 p->pid, ns);
}

/* Takes a live pid's slot; an earlier holder (whose exit was not seen)
 * leaves the table. */
static struct node *proctab__insert(struct proctab *t, uint32_t pid,
				    uint64_t sandbox)
{
	struct node *old, *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->p.pid = pid;
	n->refs = 1;
	n->sandbox = sandbox;
	HASH_FIND(hh, t->by_pid, &pid, sizeof(pid), old);
	if (old) {
		HASH_DEL(t->by_pid, old);
		node__unref(old);
	}
	HASH_ADD(hh, t->by_pid, p.pid, sizeof(pid), n);
	return n;
}

static struct node *proctab__find(struct proctab *t, uint32_t pid)
{
	struct node *n;

	HASH_FIND(hh, t->by_pid, &pid, sizeof(pid), n);
	return n;
}

/* A reference on the parent taken before the child's own insertion, which
 * may evict an entry under the same pid (a corrupt record naming a process
 * as its own parent): the parent stays valid whatever is evicted. */
static struct node *node__hold(struct node *parent)
{
	if (parent)
		parent->refs++;
	return parent;
}

/* n's parent pointer takes over a reference from node__hold. */
static void node__set_parent(struct node *n, struct node *held)
{
	n->p.parent = held ? &held->p : NULL;
}

/* What /proc/PID/stat says: parent, command name and start time in ns
 * since boot. Returns 0 or -1 when the process is gone. */
static int proc__stat(const struct proctab *t, uint32_t pid,
		      struct vigil_hdr *h, uint64_t *start_ns)
{
	char path[64], buf[1024], *open_paren, *close_paren;
	unsigned long long ticks;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	/* comm may hold spaces and parentheses: it runs to the last ')'. */
	open_paren = ok ? strchr(buf, '(') : NULL;
	close_paren = ok ? strrchr(buf, ')') : NULL;
	if (!open_paren || !close_paren || close_paren < open_paren ||
	    sscanf(close_paren + 2, "%*c %" SCNu32 " %*d %*d %*d %*d %*u %*u "
		   "%*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &h->ppid, &ticks) != 2)
		return -1;
	memset(h->comm, 0, sizeof(h->comm));
	memcpy(h->comm, open_paren + 1,
	       MIN((size_t)(close_paren - open_paren - 1), sizeof(h->comm)));
	h->pid = h->tid = pid;
	*start_ns = ticks * (1000000000ull / (t->clk_tck > 0 ? t->clk_tck : 100));
	return 0;
}

static struct node *proctab__load(struct proctab *t, const struct vigil_hdr *h,
				  int depth);

/* Whether pid's cgroup is the sandbox's or lies below it. */
static bool proc__in_cgroup(uint32_t pid, const char *sandbox)
{
	char cg[PATH_MAX];

	return !cgroup__of_pid((pid_t)pid, cg) &&
	       cgroup__is_within(cg, sandbox);
}

/*
 * The parent of a process first seen in a record: in the table, or loaded
 * from /proc when it started before vigil and lives in the same sandbox
 * (the chain stops at the sandbox's first process).
 */
static struct node *proctab__parent(struct proctab *t,
				    const struct vigil_hdr *h, int depth)
{
	struct node *parent = proctab__find(t, h->ppid);
	struct vigil_hdr ph = { .sandbox_cgid = h->sandbox_cgid };
	uint64_t start_ns;

	if (h->ppid == h->pid)
		return NULL;	/* corrupt: nobody is their own parent */
	if (parent)
		return parent->sandbox == h->sandbox_cgid ? parent : NULL;
	if (depth >= PROC_MAX_DEPTH || !t->sandbox_cgroup ||
	    !proc__in_cgroup(h->ppid, t->sandbox_cgroup(t->ctx,
							h->sandbox_cgid)) ||
	    proc__stat(t, h->ppid, &ph, &start_ns))
		return NULL;
	return proctab__load(t, &ph, depth + 1);
}

/* A process seen for the first time: what /proc still says of it. */
static struct node *proctab__load(struct proctab *t, const struct vigil_hdr *h,
				  int depth)
{
	struct node *n, *parent = node__hold(proctab__parent(t, h, depth));
	char path[64], exe[PATH_MAX];
	struct vigil_hdr now;
	uint64_t start_ns = 0;
	ssize_t len;

	n = proctab__insert(t, h->pid, h->sandbox_cgid);
	if (!n) {
		node__unref(parent);
		return NULL;
	}
	n->p.ppid = h->ppid;
	memcpy(n->p.comm, h->comm, VIGIL_COMM_LEN);
	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/exe", h->pid);
	len = readlink(path, exe, sizeof(exe));
	proc__set_exe(&n->p, exe, len > 0 ? (size_t)len : 0);
	proc__stat(t, h->pid, &now, &start_ns);
	proc__set_exec_id(&n->p, start_ns);
	node__set_parent(n, parent);
	return n;
}

struct proc *proctab__get(struct proctab *t, const struct vigil_hdr *h)
{
	struct node *n = proctab__find(t, h->pid);

	if (!n)
		n = proctab__load(t, h, 0);
	return n ? &n->p : NULL;
}

void proctab__fork(struct proctab *t, const struct vigil_hdr *h,
		   uint32_t child)
{
	struct proc *p = child != h->pid ? proctab__get(t, h) : NULL;
	struct node *parent, *n;

	if (!p)
		return;
	parent = node__hold(node__of(p));
	n = proctab__insert(t, child, h->sandbox_cgid);
	if (!n) {
		node__unref(parent);
		return;
	}
	n->p.ppid = p->pid;
	memcpy(n->p.comm, p->comm, sizeof(n->p.comm));
	proc__set_exe(&n->p, p->exe ? p->exe : "", p->exe_len);
	proc__set_exec_id(&n->p, h->ktime_ns);
	node__set_parent(n, parent);
}

void proctab__exec(struct proctab *t, const struct vigil_hdr *h,
		   const char *file, size_t len)
{
	struct proc *p = proctab__get(t, h);

	if (!p)
		return;
	memcpy(p->comm, h->comm, VIGIL_COMM_LEN);
	proc__set_exe(p, file, len);
	proc__set_exec_id(p, h->ktime_ns);
}

void proctab__exit(struct proctab *t, const struct vigil_hdr *h)
{
	struct node *n = proctab__find(t, h->pid);

	if (!n)
		return;
	HASH_DEL(t->by_pid, n);
	node__unref(n);
}

size_t proctab__size(const struct proctab *t)
{
	return HASH_COUNT(t->by_pid);
}
