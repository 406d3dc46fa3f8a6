/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The policy's types, shared by its parts and declaring no function of
 * theirs: policy.c scores records, respond.c acts and owns a sandbox's
 * act slot, operator.c serves the control socket. Calls go one way,
 * policy.c and operator.c to respond.c. */
#ifndef VIGIL_POLICY_TYPES_H
#define VIGIL_POLICY_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "approval.h"
#include "emitq.h"
#include "engine.h"
#include "history.h"
#include "learning.h"
#include "novelty.h"
#include "recent.h"
#include "roots.h"
#include "ruleset.h"
#include "sandbox.h"

struct policy_opts {
	const struct roots *roots;	/* NULL with dry_run */
	/* The sandboxes acted on: the policy keeps its state in their
	 * records' slots and hears when they are gone. */
	struct sandboxes *sandboxes;
	bool dry_run;			/* decide and report, never act */
	const char *evidence_dir;	/* NULL: evidence only in records */
	unsigned int history;
	unsigned int kill_ms;
	/* The baselines records are scored against, by profile (taken;
	 * NULL: none). policy__baselines swaps them. */
	struct baselines *baselines;
	/* Pending requests' state and overlays (approval.h); NULL: none
	 * kept across restarts. */
	const char *approvals_dir;
	bool approvals_own;	/* refuse a directory another vigil uses */
	struct enforce *enforce;	/* grants go there; NULL: none */
};

/* What happened to a sandbox, for `vigil run`'s report. */
struct verdict {
	enum act_level level;	/* the strongest act taken */
	/* the rule behind it, "" for none: a copy, since a reload may
	 * free the rule */
	char rule[128];
	const char *reason;
	double risk;
};

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
	struct novelty *novelty;
	struct learning *learning;	/* profiles in baseline_mode learn */
	struct policy_opts o;
	struct emitq queue;
	struct approvals *approvals;
	struct recent recent;		/* the last alerts, for the console */
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
	const struct ev_operator *operator;	/* who asked, or NULL */
};

#endif /* VIGIL_POLICY_TYPES_H */
