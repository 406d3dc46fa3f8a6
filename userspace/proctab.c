// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uthash.h>

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
};

struct proctab *proctab__new(void)
{
	struct proctab *t = calloc(1, sizeof(*t));

	if (t)
		t->clk_tck = sysconf(_SC_CLK_TCK);
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

static void node__set_parent(struct node *n, struct node *parent)
{
	if (!parent)
		return;
	parent->refs++;
	n->p.parent = &parent->p;
}

/* Start time of pid in ns since boot, from /proc/PID/stat (field 22). */
static uint64_t proc__start_ns(const struct proctab *t, uint32_t pid)
{
	char path[64], buf[1024], *s;
	unsigned long long ticks = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	s = fgets(buf, sizeof(buf), f);
	fclose(f);
	/* comm may hold spaces and parentheses: fields follow the last ')'. */
	s = s ? strrchr(buf, ')') : NULL;
	if (!s || sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
			 "%*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			 &ticks) != 1)
		return 0;
	return ticks * (1000000000ull / (t->clk_tck > 0 ? t->clk_tck : 100));
}

/* A process seen for the first time: what /proc still says of it. */
static struct node *proctab__load(struct proctab *t, const struct vigil_hdr *h)
{
	struct node *n = proctab__insert(t, h->pid, h->sandbox_cgid);
	char path[64], exe[PATH_MAX];
	ssize_t len;

	if (!n)
		return NULL;
	n->p.ppid = h->ppid;
	memcpy(n->p.comm, h->comm, VIGIL_COMM_LEN);
	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/exe", h->pid);
	len = readlink(path, exe, sizeof(exe));
	proc__set_exe(&n->p, exe, len > 0 ? (size_t)len : 0);
	proc__set_exec_id(&n->p, proc__start_ns(t, h->pid));
	/* Its parent counts as an ancestor only inside the same sandbox. */
	struct node *parent = proctab__find(t, h->ppid);

	if (parent && parent->sandbox == h->sandbox_cgid)
		node__set_parent(n, parent);
	return n;
}

struct proc *proctab__get(struct proctab *t, const struct vigil_hdr *h)
{
	struct node *n = proctab__find(t, h->pid);

	if (!n)
		n = proctab__load(t, h);
	return n ? &n->p : NULL;
}

void proctab__fork(struct proctab *t, const struct vigil_hdr *h,
		   uint32_t child)
{
	struct proc *parent = proctab__get(t, h);
	struct node *n;

	if (!parent)
		return;
	n = proctab__insert(t, child, h->sandbox_cgid);
	if (!n)
		return;
	n->p.ppid = parent->pid;
	memcpy(n->p.comm, parent->comm, sizeof(n->p.comm));
	proc__set_exe(&n->p, parent->exe ? parent->exe : "", parent->exe_len);
	proc__set_exec_id(&n->p, h->ktime_ns);
	node__set_parent(n, node__of(parent));
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
