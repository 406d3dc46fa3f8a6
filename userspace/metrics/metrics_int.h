/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Inside the metrics: the store that metrics.c and sample.c fill and
 * expo.c renders. */
#ifndef VIGIL_METRICS_INT_H
#define VIGIL_METRICS_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "metrics.h"
#include "ringfill.h"

#define METRICS_KINDS    128	/* record kinds counted, by value */
#define METRICS_TOP      5	/* highest risks reported */
#define METRICS_PROGRAMS 64	/* BPF programs reported */
#define METRICS_DROPS    (VIGIL_DROP_MAX + 2)	/* + sinks, malformed */
#define METRICS_BUCKETS  14	/* latency histogram buckets, +Inf apart */

enum metrics_act { ACT_ALERT, ACT_FREEZE, ACT_THAW, ACT_KILL, NR_ACTS };
enum metrics_outcome { OUT_DONE, OUT_FAILED, OUT_REFUSED, OUT_DRY_RUN,
		       NR_OUTCOMES };
enum metrics_state { ST_RUNNING, ST_FROZEN, ST_KILLED, NR_STATES };

extern const char *const metrics_acts[NR_ACTS];
extern const char *const metrics_outcomes[NR_OUTCOMES];
extern const char *const metrics_states[NR_STATES];
extern const double metrics_buckets[METRICS_BUCKETS];	/* seconds */

/* A counter only the collector's thread adds to. */
struct ctr {
	_Atomic uint64_t v;
};

static inline void ctr__add(struct ctr *c, uint64_t n)
{
	atomic_store_explicit(&c->v, atomic_load_explicit(&c->v,
			      memory_order_relaxed) + n, memory_order_relaxed);
}

static inline uint64_t ctr__get(const struct ctr *c)
{
	return atomic_load_explicit(&c->v, memory_order_relaxed);
}

struct histo {
	struct ctr bucket[METRICS_BUCKETS];	/* not cumulative */
	struct ctr count;
	struct ctr sum_ns;
};

/* One of the METRICS_TOP highest values of sandboxes. */
struct rank {
	double value;
	int profile;		/* index in metrics.profiles */
};

struct ranking {
	struct rank top[METRICS_TOP];	/* highest first */
	int nr;
};

/* What a tick samples; swapped in whole under metrics.lock. */
struct gauges {
	bool sampled;			/* a tick has run */
	uint64_t state[NR_STATES];
	uint64_t *by_profile;		/* sandboxes, by profile index */
	double *frozen_s;		/* longest freeze, by profile index */
	struct ranking risk;		/* current risks */
	struct ranking lost;		/* records lost, all time */
	bool kafka;			/* a Kafka sink is configured */
	uint64_t kafka_delivered, kafka_spooled, kafka_failed,
		 kafka_dropped, kafka_spool_bytes;
	bool kafka_up;
	struct timespec at;		/* CLOCK_MONOTONIC */
};

/* A learning profile (baseline/learning.h) as a tick saw it. */
struct learn_gauge {
	char profile[160];	/* names are 1-128 bytes (rules_yaml.c) */
	uint64_t items, refused, saves, failures;
	double unsaved_s;	/* since its last good save, at the tick */
};

/* The learning profiles' last sample; swapped whole under
 * metrics.lock. */
struct learn_sample {
	struct learn_gauge *v;
	size_t n;
	struct timespec at;		/* the tick's, CLOCK_MONOTONIC */
};

struct program {
	char name[BPF_OBJ_NAME_LEN];
	int fd;
};

struct metrics {
	/* counters: the collector adds, the HTTP thread reads */
	struct ctr records[METRICS_KINDS];
	struct ctr *alerts;		/* by rule index */
	struct ctr *spills;		/* matches in spill windows, likewise */
	struct ctr actions[NR_ACTS][NR_OUTCOMES];
	struct histo kill, freeze;
	struct ctr drops[METRICS_DROPS];
	/* the sandboxes' drop records: what they lost, by record type, and
	 * the kernel's kills among it */
	struct ctr sandbox_lost[VIGIL_KINDS];
	struct ctr kills_unseen;
	struct ctr rules_ns;		/* METRICS_SAMPLE times the sampled */
	struct ctr reloads[2];		/* rule reloads done, refused */
	struct ctr repairs[3];		/* links attached, pins made again,
					 * maps rewritten */
	uint32_t rules_turn;		/* the collector's own */
	/* sampled each tick */
	pthread_mutex_t lock;
	struct gauges g;
	struct learn_sample learn;
	_Atomic bool attached;
	/* Set at start and by a reload, which holds rules_lock (and lock,
	 * for the gauges' arrays); a scrape holds it throughout. */
	pthread_mutex_t rules_lock;
	const struct ruleset *rs;
	const struct profile **profiles;
	size_t nr_profiles;
	struct rule_index *by_rule;	/* alert rule id -> index */
	char rules_sha256[65];
	/* set at start, read-only after */
	clockid_t collector_cpu;
	unsigned int tick_ms;
	struct ringfill ring;
	struct program programs[METRICS_PROGRAMS];
	int nr_programs;
};

/* The profile's index in m->profiles, -1 for none. */
int metrics__profile_index(const struct metrics *m, const struct profile *p);
/* The index of the rule with id in m->alerts and m->spills, -1 for
 * none. The collector's thread only (a reload swaps the index). */
int metrics__rule_index(const struct metrics *m, const char *id);
/* The learning profiles and window spills (policystats.c), rendered. */
void expo__learning(struct metrics *m, FILE *f);
void expo__spills(struct metrics *m, FILE *f);
/* The drop reason's label for index i of metrics.drops. */
const char *metrics__drop_reason(int i);

#endif /* VIGIL_METRICS_INT_H */
