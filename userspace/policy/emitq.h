/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The records the policy makes (alerts, actions), queued until the emit
 * step drains them, right after the record that caused them or the
 * operator's or timer's act (collector/emit.c). Nothing the policy makes
 * is emitted from inside the policy, so no record is rendered while
 * another is. Each entry owns what its record points to.
 */
#ifndef VIGIL_EMITQ_H
#define VIGIL_EMITQ_H

#include <limits.h>
#include <stdbool.h>

#include "control.h"
#include "event.h"

struct evidence;

struct emitq_entry {
	struct event ev;
	struct evidence *evidence;	/* taken by an act; owned */
	bool history;		/* the sandbox's recent records go with it */
	char text[1024];	/* an alert's message, an anomaly's item */
	char nearest[1024];	/* an anomaly's nearest pattern */
	char file[PATH_MAX];	/* an action's evidence file */
	/* An operator's act: who asked, and why (ev.action.operator). */
	struct ev_operator op;
	char op_user[64], op_login_user[64];
	char op_reason[CONTROL_MAX_REASON + 1];
	struct emitq_entry *next;
};

struct emitq {
	struct emitq_entry *head, *tail;
	struct emitq_entry *out;	/* the one last popped */
};

/* A zeroed entry at the tail; NULL when out of memory. */
struct emitq_entry *emitq__push(struct emitq *q);
/* The oldest entry, valid until the next pop (which frees it), or NULL
 * when the queue is empty. */
struct emitq_entry *emitq__pop(struct emitq *q);
/* Frees every entry, popped or not. */
void emitq__clear(struct emitq *q);

#endif /* VIGIL_EMITQ_H */
