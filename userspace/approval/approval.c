// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "approval.h"
#include "clock.h"
#include "exeallow.h"
#include "permit.h"
#include "log.h"
#include "note.h"
#include "store.h"

struct approvals {
	struct approvals_opts o;
	struct approval_req *pending;	/* unordered, APPROVAL_MAX room */
	size_t nr_pending;
	struct permits grants;
	struct notes notes;
	struct store store;
};

/* ------------------------------------------------------------ the step */

static void target__connect(const struct vigil_sockaddr *sa, char *out,
			    size_t len)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	const uint8_t *a = sa->addr;

	if (sa->family == AF_INET)
		inet_ntop(AF_INET, a, addr, sizeof(addr));
	else if (sa->family == AF_INET6)
		inet_ntop(AF_INET6, a, addr, sizeof(addr));
	snprintf(out, len, "%s port %u", addr, sa->port);
}

/* The program an exec asks for is its "#!" script when the profile
 * lists the interpreter and not the script: the file the kernel judged
 * unlisted, and so the one a grant must name (bpf/exeallow.bpf.h). */
static bool exec__script_asked(const struct event *ev)
{
	uint32_t flags = ev->hdr ? ev->hdr->flags : 0;

	return ev->sandbox && ev->sandbox->agent &&
	       exeallow__judge(ev->sandbox->agent, &ev->exec, flags) ==
	       EXE_UNLISTED_SCRIPT;
}

/* What ev wants to do, and what the kernel can hold of it. */
static void step__of(const struct event *ev, enum approval_held held,
		     struct approval_req *r)
{
	const struct bytes *b = NULL;

	r->step = STEP_FREEZE;
	if (ev->kind == EVENT_EXEC && exec__script_asked(ev)) {
		r->step = STEP_EXEC;
		b = &ev->exec.script;
		r->dev = ev->exec.script_dev;
		r->ino = ev->exec.script_ino;
	} else if (ev->kind == EVENT_EXEC) {
		r->step = STEP_EXEC;
		b = ev->exec.file.len ? &ev->exec.file : &ev->exec.arg;
		r->dev = ev->exec.dev;
		r->ino = ev->exec.ino;
	} else if (ev->kind == EVENT_OPEN) {
		r->step = STEP_OPEN;
		b = ev->open.path.len ? &ev->open.path : &ev->open.arg;
		r->dev = ev->open.dev;
		r->ino = ev->open.ino;
	} else if (ev->kind == EVENT_CONNECT) {
		r->step = STEP_CONNECT;
		r->family = ev->connect.sa.family;
		r->port = ev->connect.sa.port;
		memcpy(r->addr, ev->connect.sa.addr, sizeof(r->addr));
		target__connect(&ev->connect.sa, r->target, sizeof(r->target));
	} else {
		snprintf(r->target, sizeof(r->target), "%s record %llu",
			 event__type_name(ev->kind),
			 (unsigned long long)ev->seq);
	}
	if (b)
		snprintf(r->target, sizeof(r->target), "%.*s",
			 (int)(b->len < APPROVAL_TARGET ? b->len
							: APPROVAL_TARGET - 1),
			 b->p);
	/* A step user space could only freeze for is the sandbox's. */
	if (held == HELD_FREEZE)
		r->step = STEP_FREEZE;
}

/* "exe[pid] < exe[pid] ...": the process and its ancestors. */
static void ancestry__of(const struct proc *p, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (int depth = 0; p && n < len && depth < 16; p = p->parent) {
		int w = snprintf(out + n, len - n, "%s%.*s[%u]",
				 depth++ ? " < " : "",
				 (int)(p->exe_len ? p->exe_len : strlen(p->comm)),
				 p->exe_len ? p->exe : p->comm, p->pid);

		if (w < 0)
			break;
		n += (size_t)w;
	}
}

static void id__make(char out[APPROVAL_ID_LEN + 1])
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)clock__boot_ns() ^ (uint32_t)rand();
	snprintf(out, APPROVAL_ID_LEN + 1, "%08x", v);
}

static struct approval_req *pending__find(struct approvals *a, const char *id)
{
	for (size_t i = 0; i < a->nr_pending; i++)
		if (!strcmp(a->pending[i].id, id))
			return &a->pending[i];
	return NULL;
}

/* The same step pending: a retry, or a frozen sandbox's one request. */
static struct approval_req *pending__same(struct approvals *a,
					  const struct approval_req *r)
{
	for (size_t i = 0; i < a->nr_pending; i++) {
		struct approval_req *p = &a->pending[i];

		if (p->cgid == r->cgid && p->step == r->step &&
		    (r->step == STEP_FREEZE ||
		     (p->dev == r->dev && p->ino == r->ino &&
		      !strcmp(p->target, r->target))))
			return p;
	}
	return NULL;
}

static void pending__remove(struct approvals *a, struct approval_req *r)
{
	*r = a->pending[--a->nr_pending];
}

/* ------------------------------------------------------------ requests */

const struct approval_req *approvals__ask(struct approvals *a,
					  const struct event *ev,
					  const struct rule *rule,
					  enum approval_held held)
{
	const struct profile *pr = ev->sandbox->agent;
	struct approval_req r = { .cgid = ev->sandbox->cgid, .held = held,
				  .trigger_seq = ev->seq }, *same;
	struct note *n;

	step__of(ev, held, &r);
	same = pending__same(a, &r);
	if (same)
		return same;
	if (a->nr_pending == APPROVAL_MAX) {
		log_error("sandbox %s: %d requests pending; %s not asked",
			  ev->sandbox->id, APPROVAL_MAX, rule->id);
		return NULL;
	}
	id__make(r.id);
	snprintf(r.sandbox, sizeof(r.sandbox), "%s", ev->sandbox->id);
	snprintf(r.profile, sizeof(r.profile), "%s", pr->name);
	snprintf(r.rule, sizeof(r.rule), "%s", rule->id);
	if (ev->hdr) {
		r.pid = ev->hdr->pid;
		snprintf(r.comm, sizeof(r.comm), "%.16s", ev->hdr->comm);
	}
	ancestry__of(ev->proc, r.ancestry, sizeof(r.ancestry));
	r.created_ns = clock__ns(CLOCK_REALTIME);
	r.deadline_ns = r.created_ns + (int64_t)pr->approval_timeout_ns;
	r.default_allow = pr->approval_default_allow;
	a->pending[a->nr_pending++] = r;
	store__save(&a->store, NULL);
	n = notes__push(&a->notes, &r, "request", NULL);
	/* The record goes with the trigger's process (render's proc and
	 * ancestors): it is drained before the next record is read. */
	if (n) {
		n->ev.hdr = ev->hdr;
		n->ev.proc = ev->proc;
	}
	return &a->pending[a->nr_pending - 1];
}

bool approvals__granted(struct approvals *a, const struct event *ev)
{
	struct approval_req r = { 0 };
	const char *profile = ev->sandbox->agent->name;

	step__of(ev, HELD_KERNEL, &r);
	return permits__cover(&a->grants, ev->sandbox->cgid, profile, r.step,
			     r.dev, r.ino);
}

/* ------------------------------------------------------------ decisions */

static void decision__grant(struct approvals *a, const struct approval_req *r,
			    const struct approval_verdict *v)
{
	struct permit g = {
		.cgid = v->scope_profile ? 0 : r->cgid, .step = r->step,
		.dev = r->dev, .ino = r->ino, .family = r->family,
		.port = r->port,
		.until_ns = v->ttl_s ? clock__ns(CLOCK_REALTIME) +
				       (int64_t)v->ttl_s * 1000000000 : 0,
	};

	memcpy(g.addr, r->addr, sizeof(g.addr));
	snprintf(g.profile, sizeof(g.profile), "%s", r->profile);
	snprintf(g.target, sizeof(g.target), "%s", r->target);
	snprintf(g.id, sizeof(g.id), "%s", r->id);
	permits__add(&a->grants, &g, true);
}

/* A frozen sandbox's request grants nothing: the caller thaws it. */
static bool decision__grants(const struct approval_req *r)
{
	return r->held == HELD_KERNEL && r->step != STEP_FREEZE;
}

int approvals__decide(struct approvals *a, const char *id,
		      const struct approval_verdict *v,
		      struct approval_req *out, char *err, size_t errlen)
{
	struct approval_req *r = pending__find(a, id);

	if (!r) {
		snprintf(err, errlen, "no pending request '%s' (unknown, or "
			 "decided already)", id);
		return -ENOENT;
	}
	if (v->scope_profile && (!decision__grants(r) ||
				 r->step == STEP_CONNECT)) {
		snprintf(err, errlen, "request '%s': scope profile grants "
			 "files only (a program or a file the kernel held)", id);
		return -EINVAL;
	}
	*out = *r;
	pending__remove(a, r);
	if (v->approve && decision__grants(out))
		decision__grant(a, out, v);
	store__save(&a->store, v->approve && v->scope_profile ? out->profile
							      : NULL);
	notes__push(&a->notes, out, "decision", v);
	return 0;
}

bool approvals__expired(struct approvals *a, int64_t now,
			struct approval_req *out, struct approval_verdict *v)
{
	char err[128];

	if (permits__prune(&a->grants, now, 0))
		store__save(&a->store, NULL);
	for (size_t i = 0; i < a->nr_pending; i++) {
		if (a->pending[i].deadline_ns > now)
			continue;
		*v = (struct approval_verdict){
			.by = "timeout", .approve = a->pending[i].default_allow,
		};
		v->reason = v->approve ? "approval_timeout passed; the "
					 "profile's approval_default allows"
				       : "approval_timeout passed";
		return !approvals__decide(a, a->pending[i].id, v, out, err,
					  sizeof(err));
	}
	return false;
}

void approvals__rules(struct approvals *a, const struct ruleset *rs)
{
	if (!a)
		return;
	a->o.rs = rs;
	a->grants.rs = rs;
	a->store.rs = rs;
}

void approvals__forget(struct approvals *a, const struct sandbox *sb)
{
	if (a && permits__prune(&a->grants, 0, sb->cgid))
		store__save(&a->store, NULL);
}

/* ------------------------------------------------------------ listing */

static void req__json(struct json *j, const struct approval_req *r)
{
	json__obj_begin(j, NULL);
	store__req_named(j, r);
	json__str(j, "step", approval__step_name(r->step));
	json__str(j, "held", r->held == HELD_KERNEL ? "kernel" : "freeze");
	json__int(j, "created", r->created_ns / 1000000000);
	json__int(j, "deadline", r->deadline_ns / 1000000000);
	json__int(j, "expires_in",
		  (r->deadline_ns - clock__ns(CLOCK_REALTIME)) / 1000000000);
	json__str(j, "on_timeout", r->default_allow ? "allow" : "deny");
	json__obj_end(j);
}

void approvals__list(struct approvals *a, struct json *j)
{
	json__arr_begin(j, "approvals");
	for (size_t i = 0; i < a->nr_pending; i++)
		req__json(j, &a->pending[i]);
	json__arr_end(j);
}

/* ------------------------------------------------------------ lifetime */

struct approvals *approvals__new(const struct approvals_opts *o)
{
	struct approvals *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->o = *o;
	a->pending = calloc(APPROVAL_MAX, sizeof(*a->pending));
	a->grants = (struct permits){ .rs = o->rs, .enforce = o->enforce };
	a->notes.sandboxes = o->sandboxes;
	a->store = (struct store){
		.dir = o->dir, .rs = o->rs, .pending = a->pending,
		.nr_pending = &a->nr_pending, .grants = &a->grants,
		.lock_fd = -1, .own = o->own,
	};
	if (!a->pending || store__load(&a->store, &a->notes)) {
		approvals__free(a);
		return NULL;
	}
	return a;
}

void approvals__free(struct approvals *a)
{
	if (!a)
		return;
	notes__clear(&a->notes);
	store__close(&a->store);
	free(a->pending);
	permits__free(&a->grants);
	free(a);
}

struct event *approvals__next(struct approvals *a)
{
	return notes__pop(&a->notes);
}
