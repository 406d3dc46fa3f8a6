/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The policy: the rule engine's decisions turned into records and acts.
 * Each record the collector emits passes here; matches become alert
 * records, crossed thresholds and acting rules become action records,
 * and the act itself (freeze with evidence, kill with its latency)
 * happens on the sandbox's cgroup, only ever below a configured root.
 * Operators reach the same acts through the control socket.
 */
#ifndef VIGIL_POLICY_H
#define VIGIL_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "roots.h"
#include "ruleset.h"

#define POLICY_HISTORY      32		/* records kept per sandbox */
#define POLICY_HISTORY_MAX  1024
/* The history an action record carries at most: records are whole, and
 * Kafka brokers refuse messages over 1 MB by default. */
#define POLICY_HISTORY_BYTES (256 << 10)
#define POLICY_EVIDENCE_DIR "/var/lib/vigil/evidence"
#define POLICY_EVIDENCE_MAX 256		/* files kept there */
#define POLICY_KILL_MS      1000	/* wait for an empty cgroup */

struct policy_opts {
	const struct roots *roots;	/* NULL with dry_run */
	bool dry_run;			/* decide and report, never act */
	const char *evidence_dir;	/* NULL: evidence only in records */
	unsigned int evidence_max;
	unsigned int history;
	unsigned int kill_ms;
};

/* Hands a record the policy made (alert, action) to the collector, which
 * numbers it, renders it, gives it to the sinks and back to
 * policy__record. */
typedef void (*policy_emit_fn)(void *ctx, struct event *ev);

struct policy;

/* rs must outlive the policy. NULL on allocation failure. */
struct policy *policy__new(const struct ruleset *rs,
			   const struct policy_opts *o, policy_emit_fn emit,
			   void *ctx);
void policy__free(struct policy *p);	/* NULL-safe */

/* Every emitted record, with its JSON text: kept as the sandbox's recent
 * history, and scored. */
void policy__record(struct policy *p, const struct event *ev,
		    const char *json, size_t len);
/* Timers: freeze timeouts, kills to retry, sandboxes gone. */
void policy__tick(struct policy *p, uint64_t now_ns);

/* What happened to a sandbox, for `vigil run`'s report. */
struct verdict {
	enum act_level level;	/* the strongest act taken */
	const char *rule;	/* the rule behind it, or NULL */
	const char *reason;
	double risk;
};
bool policy__verdict(struct policy *p, uint64_t cgid, struct verdict *v);

/* An operator's kill of a sandbox vigil has seen (vigil run's ^C on a
 * frozen command): acted and reported like any. 0 or -ENOENT. */
int policy__kill(struct policy *p, uint64_t cgid);

struct control_ops;
/* The control socket's operations on this policy. */
const struct control_ops *policy__control_ops(void);

#endif /* VIGIL_POLICY_H */
