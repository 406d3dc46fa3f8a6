/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Drop records from the kernel's per-CPU drop counters: what was lost
 * since the previous report, by reason. */
#ifndef VIGIL_DROPS_H
#define VIGIL_DROPS_H

#include <stdint.h>

#include "event.h"

/* The maps losses are counted in (maps.bpf.h). */
struct drops_maps {
	int drops;		/* per-CPU, by enum vigil_drop */
	int load;		/* each sandbox's losses (struct vigil_load) */
	int reported;		/* what was reported of them */
};

struct drops {
	struct drops_maps maps;
	int ncpus;
	uint64_t reported[VIGIL_DROP_MAX];	/* totals already reported */
	uint64_t before;		/* the kernel's total at start */
	uint64_t reported_sinks;
	uint64_t reported_malformed;
	uint64_t last_ns;		/* when the last report was made */
};

/* The counters may be pinned ones an earlier daemon reported from: what
 * they hold at start is not this run's to report (outage.h is). */
int drops__init(struct drops *d, const struct drops_maps *maps,
		uint64_t now_ns);

typedef void (*drops_emit_fn)(void *ctx, struct event *ev);

/* A drop record for each sandbox that lost records since its last one
 * (ev->drop.sandbox_cgid names it): its share of the ring buffer's
 * losses, by record type, the kernel's kills among them. The counts are
 * the pinned maps', so a restarted daemon reports what the last one did
 * not. */
void drops__sandboxes(struct drops *d, uint64_t now_ns, drops_emit_fn emit,
		      void *ctx);
/* A sandbox gone: its counts go with it. */
void drops__forget(struct drops *d, uint64_t cgid);

/* What the collector itself lost since start. */
struct drops_user {
	uint64_t sinks;		/* records sinks let go */
	uint64_t malformed;	/* kernel records that failed decoding */
};

/* Fills ev with the losses since the last call, the kernel's and the
 * collector's; returns how many. */
uint64_t drops__collect(struct drops *d, uint64_t now_ns,
			const struct drops_user *user, struct event *ev);
/* Everything lost since start. */
uint64_t drops__total(const struct drops *d);
/* The kernel's counters as last read (reported, or at start). */
uint64_t drops__kernel(const struct drops *d);

#endif /* VIGIL_DROPS_H */
