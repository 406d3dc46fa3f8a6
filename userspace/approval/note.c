// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "note.h"

static const char *copy(char *dst, size_t len, const char *src)
{
	if (!src)
		return NULL;
	strncpy(dst, src, len - 1);
	dst[len - 1] = '\0';
	return dst;
}

static void note__operator(struct note *n, const struct ev_operator *o)
{
	n->op = *o;
	n->op.user = copy(n->user, sizeof(n->user), o->user);
	n->op.login_user = copy(n->login_user, sizeof(n->login_user),
				o->login_user);
	n->op.reason = n->ev.approval.reason;
	n->ev.approval.operator = &n->op;
}

static void note__verdict(struct note *n, const struct approval_verdict *v)
{
	struct ev_approval *e = &n->ev.approval;

	e->decision = v->approve ? "approved" : "denied";
	e->by = v->by;
	e->reason = copy(n->reason, sizeof(n->reason), v->reason);
	e->channel = copy(n->channel, sizeof(n->channel), v->channel);
	if (v->approve && n->req.held == HELD_KERNEL) {
		e->scope = v->scope_profile ? "profile" : "sandbox";
		e->ttl_s = v->ttl_s;
	}
	if (v->operator)
		note__operator(n, v->operator);
}

struct note *notes__push(struct notes *q, const struct approval_req *r,
			 const char *event, const struct approval_verdict *v)
{
	struct note *n = calloc(1, sizeof(*n));
	const struct approval_req *c;

	if (!n) {
		log_error("out of memory; the approval record of %s is lost",
			  r->id);
		return NULL;
	}
	n->req = *r;
	c = &n->req;
	n->ev = (struct event){
		.kind = EVENT_APPROVAL, .ktime_ns = clock__boot_ns(),
	};
	n->ev.approval = (struct ev_approval){
		.id = c->id, .event = event,
		.step = approval__step_name(c->step), .target = c->target,
		.dev = c->dev, .ino = c->ino, .rule = c->rule,
		.profile = c->profile,
		.held = c->held == HELD_KERNEL ? "kernel" : "freeze",
		.deadline_ns = c->deadline_ns, .trigger_seq = c->trigger_seq,
	};
	if (v)
		note__verdict(n, v);
	if (q->tail)
		q->tail->next = n;
	else
		q->head = n;
	q->tail = n;
	return n;
}

struct event *notes__pop(struct notes *q)
{
	free(q->out);
	q->out = q->head;
	if (!q->head)
		return NULL;
	q->head = q->head->next;
	if (!q->head)
		q->tail = NULL;
	/* Looked up now, and discovered if need be: a restored request's
	 * sandbox may be one the registry has not met yet. */
	q->out->ev.sandbox = sandboxes__get(q->sandboxes, q->out->req.cgid);
	return &q->out->ev;
}

void notes__clear(struct notes *q)
{
	while (notes__pop(q))
		;
}
