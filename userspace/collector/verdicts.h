/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The records the kernel sends twice: a record of something it did (a
 * task killed, an escape, a budget spent) goes to the verdicts ring,
 * which the collector reads before the backlog of the events ring, and
 * to events, in order. The collector handles whichever copy it reads
 * first and skips the other (bpf/README.md, "Floods").
 */
#ifndef VIGIL_VERDICTS_H
#define VIGIL_VERDICTS_H

#include <stdbool.h>
#include <stdint.h>

#include "records.h"

/* Verdicts handled whose other copy is still to come; a storm of more at
 * once has some handled twice (a sandbox is acted on once). */
#define VERDICTS_PENDING 4096

struct verdict_id {
	uint64_t ktime_ns;
	uint64_t sandbox_cgid;
	uint32_t tid;
	uint16_t type;
};

struct verdicts {
	struct verdict_id pending[VERDICTS_PENDING];
	unsigned int next;	/* the oldest slot, overwritten next */
};

/* bpf/vigil.bpf.h's verdict__is. */
bool verdicts__is(const struct vigil_hdr *h);
/* True for the first copy of verdict h (remembered), false for the
 * second (forgotten: each comes once). */
bool verdicts__first(struct verdicts *v, const struct vigil_hdr *h);

#endif /* VIGIL_VERDICTS_H */
