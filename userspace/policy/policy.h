/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The policy: the rule engine's decisions turned into records and acts.
 * Each record the collector emits passes here; matches become alert
 * records, crossed thresholds and acting rules become action records,
 * queued for the collector to emit after the record. The act itself
 * (freeze with evidence, kill with its latency) happens on the sandbox's
 * cgroup, only ever below a configured root.
 * Operators reach the same acts through the control socket.
 */
#ifndef VIGIL_POLICY_H
#define VIGIL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "policy_types.h"

#define POLICY_HISTORY      32		/* records kept per sandbox */
#define POLICY_EVIDENCE_DIR "/var/lib/vigil/evidence"
#define POLICY_EVIDENCE_MAX 256		/* files kept there */
#define POLICY_KILL_MS      1000	/* wait for an empty cgroup */

struct policy;

/* rs and o->sandboxes must outlive the policy. NULL on allocation
 * failure. */
struct policy *policy__new(const struct ruleset *rs,
			   const struct policy_opts *o);
void policy__free(struct policy *p);	/* NULL-safe */
/* Scores by rs from now on (a reload): every sandbox's slots are moved
 * to it (rules/carry.h). Call with nothing queued (policy__next gave
 * NULL): queued records name the old set's rules. rs must outlive the
 * policy; the old set may be freed once this returns 0. -ENOMEM: the
 * old set stays in force. bls (taken on success) are the baselines of
 * rs's profiles, put in place as policy__baselines does; the pending
 * approvals look their profiles up in rs from now on. */
int policy__reload(struct policy *p, const struct ruleset *rs,
		   struct baselines *bls);

/* Every emitted record, with its JSON text: kept as the sandbox's recent
 * history, scored by the rules and, when its profile has a baseline,
 * for novelty. The alerts, anomalies and actions it causes are queued
 * for policy__next. */
void policy__record(struct policy *p, const struct event *ev,
		    const char *json, size_t len);
/* The next record the policy made (alert, action), oldest first, ready to
 * be numbered and emitted; valid until the next call. NULL when there is
 * none. */
struct event *policy__next(struct policy *p);
/* Puts the baselines t in place (taken) and returns the table they
 * replace, for the caller to free: the reload's hook (a SIGHUP), called
 * between two records on the thread that calls policy__record. The
 * sandboxes keep their risk and what they were told. */
struct baselines *policy__baselines(struct policy *p, struct baselines *t);

/* Saves what the learning profiles learnt (baseline/learning.h): before
 * a reload reads their files again. 0 or the first error (logged).
 * NULL-safe. */
int policy__save_learnt(struct policy *p);

/* What the metrics read once a tick: fn for each learning profile
 * (baseline/learning.h), and for each rule with matches counted in a
 * spill window since the last call (rules/engine.h). */
void policy__learning(struct policy *p,
		      void (*fn)(void *ctx, const struct learning_stat *st),
		      void *ctx);
void policy__spills(struct policy *p,
		    void (*fn)(void *ctx, const struct rule *r, uint64_t n),
		    void *ctx);

/* Timers: freeze timeouts, kills to retry, learning's saves. */
void policy__tick(struct policy *p, uint64_t now_ns);

/* What happened to a sandbox (struct verdict), for `vigil run`'s report. */
bool policy__verdict(struct policy *p, uint64_t cgid, struct verdict *v);

/* An operator's kill of a sandbox vigil has seen (vigil run's ^C on a
 * frozen command): acted and reported like any. 0 or -ENOENT. */
int policy__kill(struct policy *p, uint64_t cgid);

struct control_ops;
/* The control socket's operations on this policy. */
const struct control_ops *policy__control_ops(void);

#endif /* VIGIL_POLICY_H */
