/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one emit step, for the collector and for `vigil rules test`: a
 * record is numbered, rendered once, given to every sink and then to the
 * policy; what the policy made of it (alerts, actions) is drained the
 * same way right after, so a record's alerts follow it and no record is
 * rendered while another one is.
 */
#ifndef VIGIL_EMIT_H
#define VIGIL_EMIT_H

#include <stdint.h>

#include "event.h"
#include "metrics.h"
#include "policy.h"
#include "render.h"
#include "sink.h"
#include "stages.h"

#define EMIT_MAX_SINKS 4

struct emitter {
	uint64_t seq;		/* the last record's */
	struct render render;
	struct sink *sinks[EMIT_MAX_SINKS];
	int nr_sinks;
	struct policy *policy;	/* NULL: records only */
	struct metrics *metrics;	/* NULL: none counted */
	uint64_t alerts, actions;	/* the policy's records emitted */
	struct stages stages;	/* off unless the owner turns it on */
};

/* 0, or -ENOMEM. The sinks and the policy are set by the caller. */
int emit__init(struct emitter *em);
/* Closes the sinks; the policy stays the caller's. */
void emit__fini(struct emitter *em);
/* Emits ev, then what the policy made of it. */
void emit__record(struct emitter *em, struct event *ev);
/* Emits what the policy made since (of a record emitted elsewhere, or of
 * an operator's or a timer's act). */
void emit__drain(struct emitter *em);
void emit__flush(struct emitter *em);
/* Skips n record numbers: those of records lost before they were
 * numbered, so that a consumer sees the gap. The first skipped, 0 for
 * none. */
uint64_t emit__skip(struct emitter *em, uint64_t n);
/* Flushes, then has every sink that writes a file open it again. */
void emit__reopen(struct emitter *em);

#endif /* VIGIL_EMIT_H */
