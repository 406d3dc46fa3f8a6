/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The busiest minutes of the sessions that ended (learn.h), for the
 * rates' median and MAD: every one up to PEAKS_KEPT sessions, then a
 * uniform sample of PEAKS_KEPT of them (reservoir sampling, seeded the
 * same each time, so a file learnt twice from the same records is the
 * same file), and the busiest of all kept exactly. A daemon learning
 * for months holds at most PEAKS_KEPT * 24 bytes here per profile,
 * whatever the number of sandboxes.
 */
#ifndef VIGIL_PEAKS_H
#define VIGIL_PEAKS_H

#include <stdint.h>

#include "baseline.h"

#define PEAKS_KEPT 4096

struct peaks {
	uint64_t (*v)[BL_RATES];	/* the sample */
	uint32_t n, cap;		/* held (at most PEAKS_KEPT), room */
	uint64_t seen;			/* sessions added */
	uint64_t max[BL_RATES];		/* the busiest minutes of them all */
	uint64_t rng;
};

/* A session ended with these busiest minutes. Out of memory, it is in
 * max and seen only. */
void peaks__add(struct peaks *p, const uint64_t peak[BL_RATES]);
void peaks__free(struct peaks *p);

#endif /* VIGIL_PEAKS_H */
