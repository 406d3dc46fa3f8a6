/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemon's metrics for Prometheus: what its records say (records by
 * type, alerts by rule, actions by kind and outcome, kill and freeze
 * latency, drops by reason), what its sandboxes are (by state and
 * profile, the highest risks), how its Kafka sink and ring buffer fare,
 * and what it costs (CPU per record, BPF program run time).
 *
 * One writer, the collector's thread: counters are relaxed atomics it
 * alone adds to (a load and a store, no lock on the hot path); what a
 * tick samples (sandboxes, sinks) is swapped in under a lock the
 * collector takes once a tick. The HTTP thread (metrics_http.h) reads
 * both and renders them (expo.h); it never touches the collector's data.
 * Every label value comes from a bounded set: rule and profile names of
 * the loaded rules, record types, program names, ranks. Sandbox ids are
 * never a label.
 */
#ifndef VIGIL_METRICS_H
#define VIGIL_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bpf/libbpf.h>

#include "event.h"
#include "ruleset.h"
#include "sandbox.h"
#include "sink.h"

struct metrics_opts {
	const struct ruleset *rules;	/* NULL: records only */
	/* build info: the digest of the rule sources, "" without rules */
	const char *rules_sha256;
	unsigned int tick_ms;		/* the collector's flow interval */
};

struct metrics;

/* NULL when out of memory. Call on the collector's thread: its CPU clock
 * is the one reported. */
struct metrics *metrics__new(const struct metrics_opts *o);
/* NULL-safe; after the HTTP server has stopped. */
void metrics__free(struct metrics *m);

/* The collector's hooks, all on its thread. */
/* Counts one emitted record (its type; an alert, action or drop record's
 * contents). */
void metrics__record(struct metrics *m, const struct event *ev);
/* Around the policy's look at a record: 1 record in METRICS_SAMPLE is
 * timed (two vDSO clock reads) and counted METRICS_SAMPLE times, an
 * estimate of the rule engine's CPU that costs nothing measurable. */
#define METRICS_SAMPLE 16
uint64_t metrics__rules_begin(struct metrics *m);
void metrics__rules_end(struct metrics *m, uint64_t begin_ns);
/* Once a tick: sandboxes by state and profile, the highest risks, the
 * longest freezes; the Kafka sink's counters. */
void metrics__tick(struct metrics *m, struct sandboxes *sbs,
		   struct sink *const *sinks, int nr_sinks, uint64_t now);
struct policy;
/* Once a tick, and before a reload replaces the policy's engine: the
 * matches its windows counted in a spill window, by rule (kept across
 * reloads by rule id), and the learning profiles' progress. */
void metrics__policy(struct metrics *m, struct policy *p);
/* The rules were reloaded (the collector's thread): the alerts by rule
 * and the profiles are the new set's from now on, the counts of rules
 * that stay kept. 0 or -ENOMEM (the old set still reported). */
int metrics__reload(struct metrics *m, const struct ruleset *rs,
		    const char *rules_sha256);
/* Counts a reload, done or refused (vigil_reload_total). */
void metrics__reloaded(struct metrics *m, bool ok);
/* Counts what someone else undid and the daemon made again: links
 * detached from a sandbox root, pins removed, maps whose entries were
 * put back (vigil_repairs_total). */
void metrics__repaired(struct metrics *m, size_t links, size_t pins,
		       size_t maps);
/* Set once the programs are attached, cleared before they detach. */
void metrics__attached(struct metrics *m, bool attached);
/* The ring buffer (its map) whose fill is reported, and the programs
 * whose run time is (with kernel.bpf_stats_enabled). Both must stay
 * loaded until the HTTP server has stopped. 0 or a negative errno. */
int metrics__ring(struct metrics *m, const char *name, int map_fd,
		  size_t size);
void metrics__programs(struct metrics *m, const struct bpf_object *obj);

#endif /* VIGIL_METRICS_H */
