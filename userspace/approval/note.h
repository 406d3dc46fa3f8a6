/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Approval records, queued until the policy drains them: each note keeps
 * its own copy of the request and of the decision's texts, since the
 * request is gone from the table and the operator's request answered by
 * the time the record is rendered. */
#ifndef VIGIL_NOTE_H
#define VIGIL_NOTE_H

#include "approval_types.h"
#include "control.h"
#include "sandbox.h"

struct note {
	struct event ev;
	struct approval_req req;
	struct ev_operator op;
	char user[64], login_user[64];
	char reason[CONTROL_MAX_REASON + 1];
	char channel[16];
	struct note *next;
};

struct notes {
	struct note *head, *tail, *out;
	struct sandboxes *sandboxes;	/* the records' sandboxes */
};

/* Queues the record of a request (event "request" or "restored") or of
 * its decision (v non-NULL); NULL when out of memory (logged). */
struct note *notes__push(struct notes *q, const struct approval_req *r,
			 const char *event, const struct approval_verdict *v);
/* The oldest record, valid until the next call, or NULL. */
struct event *notes__pop(struct notes *q);
void notes__clear(struct notes *q);

#endif /* VIGIL_NOTE_H */
