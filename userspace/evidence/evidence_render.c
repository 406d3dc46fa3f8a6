// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* evidence__render: a snapshot as JSON, processes in tree order. */
#include <stdlib.h>
#include <string.h>

#include "evidence.h"

#define NONE ((size_t)-1)

/* Scratch for the tree order: indexes into e->procs. */
struct order {
	const struct evidence *e;
	size_t *by_pid;		/* procs sorted by pid */
	size_t *parent;		/* parent's index, or NONE */
	size_t *stack;
	bool *queued;
	size_t *out;		/* the order, filled */
	size_t nr_out;
};

static int order__pid_cmp(const void *a, const void *b, void *ctx)
{
	const struct evidence *e = ctx;
	pid_t x = e->procs[*(const size_t *)a].pid;
	pid_t y = e->procs[*(const size_t *)b].pid;

	return (x > y) - (x < y);
}

static size_t order__find(const struct order *o, pid_t pid)
{
	for (size_t i = 0; i < o->e->nr_procs; i++)
		if (o->e->procs[i].pid == pid)
			return i;
	return NONE;
}

/* Emits root and its not yet queued descendants, depth first, children
 * by pid. Each process is pushed once, so the stack holds at most n. */
static void order__subtree(struct order *o, size_t root)
{
	size_t top = 0, x, c;

	o->stack[top++] = root;
	o->queued[root] = true;
	while (top) {
		x = o->stack[--top];
		o->out[o->nr_out++] = x;
		/* pushed by descending pid, so popped by ascending pid */
		for (size_t i = o->e->nr_procs; i-- > 0;) {
			c = o->by_pid[i];
			if (o->parent[c] == x && !o->queued[c]) {
				o->queued[c] = true;
				o->stack[top++] = c;
			}
		}
	}
}

/*
 * Each process after its parent when the parent is in e, roots (and
 * their subtrees) by pid. Processes on a parent cycle, which only a
 * corrupt snapshot could hold, come last, by pid too.
 */
static void order__fill(struct order *o)
{
	const struct evidence *e = o->e;
	size_t n = e->nr_procs;

	for (size_t i = 0; i < n; i++) {
		o->by_pid[i] = i;
		o->parent[i] = e->procs[i].ppid == e->procs[i].pid
				       ? NONE
				       : order__find(o, e->procs[i].ppid);
	}
	qsort_r(o->by_pid, n, sizeof(*o->by_pid), order__pid_cmp,
		(void *)e);
	for (size_t i = 0; i < n; i++)
		if (o->parent[o->by_pid[i]] == NONE)
			order__subtree(o, o->by_pid[i]);
	for (size_t i = 0; i < n; i++)
		if (!o->queued[o->by_pid[i]])
			order__subtree(o, o->by_pid[i]);
}

/* The tree order of e's processes, or NULL on allocation failure (then
 * they are rendered as stored). Free with free(). */
static size_t *order__of(const struct evidence *e)
{
	size_t n = e->nr_procs ? e->nr_procs : 1;
	struct order o = { .e = e };
	size_t *mem = calloc(4 * n, sizeof(*mem));

	o.queued = calloc(n, sizeof(*o.queued));
	if (!mem || !o.queued) {
		free(mem);
		free(o.queued);
		return NULL;
	}
	o.out = mem;
	o.by_pid = mem + n;
	o.parent = mem + 2 * n;
	o.stack = mem + 3 * n;
	order__fill(&o);
	free(o.queued);
	return mem;	/* out is its first n */
}

/* An empty field (a unix socket's remote, an unnamed one's path) is
 * null: unknown, not "". */
static void evidence__render_field(struct json *j, const char *key,
				   const char *s)
{
	json__str(j, key, s[0] ? s : NULL);
}

static void evidence__render_sock(struct json *j,
				  const struct evidence_sock *s)
{
	json__obj_begin(j, "socket");
	evidence__render_field(j, "proto", s->proto);
	evidence__render_field(j, "local", s->local);
	evidence__render_field(j, "remote", s->remote);
	evidence__render_field(j, "state", s->state);
	json__obj_end(j);
}

static void evidence__render_fds(struct json *j,
				 const struct evidence_proc *p)
{
	json__arr_begin(j, "fds");
	for (size_t i = 0; i < p->nr_fds; i++) {
		json__obj_begin(j, NULL);
		json__int(j, "fd", p->fds[i].fd);
		json__str(j, "target", p->fds[i].target);
		if (p->fds[i].sock)
			evidence__render_sock(j, p->fds[i].sock);
		json__obj_end(j);
	}
	json__arr_end(j);
	json__bool(j, "fds_truncated", p->fds_truncated);
}

static void evidence__render_proc(struct json *j,
				  const struct evidence_proc *p)
{
	json__obj_begin(j, NULL);
	json__int(j, "pid", p->pid);
	json__int(j, "ppid", p->ppid);
	json__uint(j, "uid", p->uid);
	json__str(j, "comm", p->comm);
	json__str(j, "exe", p->exe);
	json__str(j, "cwd", p->cwd);
	/* A last argument without its NUL was cut at EVIDENCE_MAX_ARGV. */
	json__strs(j, "argv", p->argv, p->argv ? p->argv_len : 0);
	json__bool(j, "argv_truncated", p->argv_truncated);
	evidence__render_fds(j, p);
	json__obj_end(j);
}

/* About what a process takes as JSON: its strings and each fd's, plus
 * the keys around them. */
static size_t proc__bytes(const struct evidence_proc *p)
{
	size_t n = 256 + p->argv_len;

	n += p->exe ? strlen(p->exe) : 0;
	n += p->cwd ? strlen(p->cwd) : 0;
	for (size_t i = 0; i < p->nr_fds; i++)
		n += 160 + (p->fds[i].target ? strlen(p->fds[i].target) : 0);
	return n;
}

void evidence__render(struct json *j, const char *key,
		      const struct evidence *e)
{
	bool truncated = e && e->procs_truncated;
	size_t *order, bytes = 0;

	if (!e) {
		json__null(j, key);
		return;
	}
	order = order__of(e);
	json__obj_begin(j, key);
	json__uint(j, "taken_at_ns", e->taken_ns);
	json__arr_begin(j, "processes");
	for (size_t i = 0; i < e->nr_procs; i++) {
		const struct evidence_proc *p = &e->procs[order ? order[i] : i];

		/* The record must fit a Kafka message (1 MB by default):
		 * the processes past the budget are left out, and said so. */
		bytes += proc__bytes(p);
		if (bytes > EVIDENCE_RENDER_BYTES) {
			truncated = true;
			break;
		}
		evidence__render_proc(j, p);
	}
	json__arr_end(j);
	json__bool(j, "processes_truncated", truncated);
	json__obj_end(j);
	free(order);
}
