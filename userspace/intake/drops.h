/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Drop records from the kernel's per-CPU drop counters: what was lost
 * since the previous report, by reason. */
#ifndef VIGIL_DROPS_H
#define VIGIL_DROPS_H

#include <stdint.h>

#include "event.h"

struct drops {
	int fd;				/* the drops map */
	int ncpus;
	uint64_t reported[VIGIL_DROP_MAX];	/* totals already reported */
	uint64_t before;		/* the kernel's total at start */
	uint64_t reported_sinks;
	uint64_t reported_malformed;
	uint64_t last_ns;		/* when the last report was made */
};

/* The counters may be pinned ones an earlier daemon reported from: what
 * they hold at start is not this run's to report (outage.h is). */
int drops__init(struct drops *d, int map_fd, uint64_t now_ns);
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
