/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Inside the policy: state per sandbox, shared by its three parts
 * (policy.c: records; respond.c: acts; operator.c: operators). */
#ifndef VIGIL_POLICY_INT_H
#define VIGIL_POLICY_INT_H

#include <uthash.h>

#include "engine.h"
#include "policy.h"

enum sb_run { SB_RUNNING, SB_FROZEN, SB_KILLED };

/* The sandbox's last records, a ring of JSON texts. */
struct history {
	char **text;
	size_t *len, *cap;
	size_t head, n;
};

struct psb {
	struct sandbox sandbox;	/* a copy: the registry may prune its own */
	enum sb_run run;
	uint64_t frozen_ns;
	struct verdict verdict;
	char verdict_rule[128];
	int kill_tries;		/* a kill still to confirm, if > 0 */
	uint64_t trigger_ns;	/* of the kill being confirmed */
	struct history hist;
	UT_hash_handle hh;
};

struct policy {
	const struct ruleset *rs;
	struct engine *engine;
	struct policy_opts o;
	policy_emit_fn emit;
	void *ctx;
	struct psb *sandboxes;
	uint64_t last_prune_ns;
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

/* The ring's records oldest first, at most POLICY_HISTORY_MAX. */
size_t history__list(const struct history *h, unsigned int cap,
		     const char **text, size_t *len);

struct psb *policy__sandbox(struct policy *p, const struct sandbox *sb);
struct psb *policy__find_id(struct policy *p, const char *id);
/* Does req to sb and emits its action record. */
void policy__act(struct policy *p, struct psb *sb, const struct act_req *req);
/* Writes an action record that carries evidence to its file. */
void policy__keep_evidence(struct policy *p, const struct event *ev,
			   const char *json, size_t len);
const char *policy__profile_name(struct policy *p, const struct psb *sb);

#endif /* VIGIL_POLICY_INT_H */
