/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The collector: BPF programs loaded, the ring buffer read, each record
 * decoded, enriched with its sandbox (one lookup) and process, and
 * emitted (emit.h); flow and drop records made on a timer.
 */
#ifndef VIGIL_COLLECTOR_H
#define VIGIL_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emit.h"
#include "policy.h"
#include "roots.h"

struct collector_opts {
	const struct roots *roots;
	uint64_t only_sandbox;		/* non-zero: watch this sandbox only */
	unsigned int flow_interval_ms;	/* flow and drop reporting period */
	size_t ringbuf_bytes;
	unsigned int repeat_rate;	/* loader_opts' */
	/* Pin the programs and maps there, adopting an earlier daemon's
	 * (loader.h); NULL: everything goes with the process. */
	const char *pin_dir;
	struct sink *sinks[EMIT_MAX_SINKS];	/* taken over */
	int nr_sinks;
	/* Scores records and acts (NULL: records only); policy_opts.roots
	 * and .sandboxes are set by the collector. */
	const struct ruleset *rules;
	struct policy_opts policy;
	struct metrics *metrics;	/* NULL: no metrics; the caller's */
	bool stage_times;	/* time each stage of a record (stages.h) */
};

struct collector_stats {
	uint64_t records;	/* records emitted */
	uint64_t lost;		/* everything drop records reported */
	uint64_t malformed;	/* raw records that failed decoding */
	uint64_t sink_failures;
	uint64_t sandbox_lookups;	/* one per record from the kernel */
	struct stage_times stages;	/* records 0 unless asked for */
};

struct collector;

/* Loads and attaches; returns 0 with *out set or a negative errno, the
 * cause logged. The sinks are owned by the collector from here on, even
 * on failure. */
int collector__start(struct collector **out, struct collector_opts *o);
/* Handles what arrived within timeout_ms, and timers that are due.
 * Returns records handled or a negative errno (-EINTR on a signal). */
int collector__poll(struct collector *c, int timeout_ms);
/* Registers a sandbox before its first record, so that its profile's
 * kernel policy is in place before anything runs in it (vigil run, which
 * makes its own sandbox). Others are registered at their first record,
 * the default profile's policy applying until then. */
void collector__discover(struct collector *c, uint64_t cgid);
/* Emits a record the caller made (the daemon's lifecycle) through the
 * emit step, and flushes. */
void collector__note(struct collector *c, struct event *ev);
/* Emits what the policy made since the last poll and flushes the sinks
 * (the audit trail syncs): an operator's act is in the records before
 * the reply says it is done. */
void collector__settle(struct collector *c);
/* The policy (NULL without rules), for the control socket and `vigil
 * run`'s verdict. */
struct policy *collector__policy(struct collector *c);
/* Reopens the output files by name, after they were rotated (SIGHUP). */
void collector__reopen(struct collector *c);
/* Scores and enforces by rs from now on (SIGHUP), sandboxes keeping what
 * they accumulated (rules/carry.h); the set in force before may be freed
 * once this returns 0. rs must be finished (checked whole) and outlive
 * the collector or the next reload. -EINVAL without rules (started with
 * none), -ENOMEM: the old set stays in force. bls: the baselines of
 * rs's profiles (cli__baselines), taken on success. */
int collector__reload(struct collector *c, const struct ruleset *rs,
		      struct baselines *bls, const char *rules_sha256);
/* Detaches the programs (unless pinned: they keep enforcing and filling
 * the pinned ring buffer for the next daemon), drains the ring buffer,
 * reports the last flows and drops, flushes and frees. NULL-safe. */
void collector__stop(struct collector *c, struct collector_stats *stats);

#endif /* VIGIL_COLLECTOR_H */
