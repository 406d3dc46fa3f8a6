/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Inside the policy: its state about a sandbox (the record's act slot)
 * and what its parts share. policy.c scores records; respond.c acts and
 * owns the slot; operator.c serves the control socket. Calls go one way:
 * policy.c and operator.c to respond.c. */
#ifndef VIGIL_POLICY_INT_H
#define VIGIL_POLICY_INT_H

#include "emitq.h"
#include "engine.h"
#include "history.h"
#include "policy.h"

enum run_state { RUN_RUNNING, RUN_FROZEN, RUN_KILLED };

/* The policy's slot in a sandbox's record. */
struct sandbox_act {
	enum run_state run;
	uint64_t frozen_ns;
	struct verdict verdict;
	int kill_tries;		/* a kill still to confirm, if > 0 */
	uint64_t trigger_ns;	/* of the kill being confirmed */
	struct history hist;
};

struct policy {
	const struct ruleset *rs;
	struct engine *engine;
	struct policy_opts o;
	struct emitq queue;
	/* The history of the record policy__next returned last. */
	const char *history[HISTORY_MAX];
	size_t history_len[HISTORY_MAX];
};

/* An act on a sandbox and the record saying how it went. */
struct act_req {
	enum act_level level;	/* LEVEL_NONE: thaw */
	const char *reason;
	const struct rule *rule;
	double risk, threshold;
	const struct event *trigger;	/* NULL for operators and timers */
	uint64_t since_ns;	/* what kill latency is measured from */
};

/* The policy's slot of sb, made on first use; NULL when out of memory.
 * respond.c owns it. */
struct sandbox_act *respond__slot(struct sandbox *sb);
/* Frees sb's slot: the sandbox is gone. */
void respond__forget(struct policy *p, struct sandbox *sb);
/* Does req to sb and queues its action record. */
void respond__act(struct policy *p, struct sandbox *sb,
		  const struct act_req *req);

#endif /* VIGIL_POLICY_INT_H */
