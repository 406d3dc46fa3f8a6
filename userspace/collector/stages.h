/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where the collector's time goes per record: a lap timer that the
 * collector and the emit step mark at the end of each stage, so every
 * cycle between two marks is billed to the stage just finished. On only
 * when asked (VIGIL_STAGE_TIMES=1, which `make bench` sets for one run),
 * reported on exit; off, a mark is one predictable branch.
 *
 * The timer is the TSC on x86 (a read costs a few ns, so even on it
 * barely moves what it measures), converted to ns over the whole run
 * against CLOCK_MONOTONIC; elsewhere the clock itself.
 */
#ifndef VIGIL_STAGES_H
#define VIGIL_STAGES_H

#include <stdbool.h>
#include <stdint.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include "clock.h"

enum stage {
	STAGE_READ,	/* the ring buffer: from one record to the next */
	STAGE_DECODE,	/* the raw record checked and decoded */
	STAGE_ENRICH,	/* its sandbox (one lookup) and process table */
	STAGE_RULES,	/* the policy: rule engine, alerts, acts, history */
	STAGE_RENDER,	/* JSON text */
	STAGE_SINKS,	/* every sink's write, and their flush per poll */
	STAGES
};

struct stages {
	bool on;
	uint64_t last;			/* ticks at the last mark */
	uint64_t ticks[STAGES];
	uint64_t records;		/* records read from the kernel */
	uint64_t start_ns, start_ticks;	/* to convert ticks to ns */
};

/* What the report gives: ns per record of each stage. */
struct stage_times {
	uint64_t records;	/* 0: timing was off */
	double ns[STAGES];
};

static inline uint64_t stages__ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __rdtsc();
#else
	return clock__mono_ns();
#endif
}

/* Starts a lap without billing anyone: what came before (a wait for
 * records, a timer) is no stage's. */
static inline void stages__restart(struct stages *s)
{
	if (__builtin_expect(s->on, 0))
		s->last = stages__ticks();
}

/* Bills the time since the last mark to st. */
static inline void stages__lap(struct stages *s, enum stage st)
{
	if (__builtin_expect(s->on, 0)) {
		uint64_t now = stages__ticks();

		s->ticks[st] += now - s->last;
		s->last = now;
	}
}

static inline void stages__count(struct stages *s)
{
	s->records += s->on;
}

/* Turns timing on. */
void stages__enable(struct stages *s);
/* ns per record of each stage so far. */
void stages__report(const struct stages *s, struct stage_times *out);
/* The stage's name in reports ("read", "decode", ...). */
const char *stages__name(enum stage st);

#endif /* VIGIL_STAGES_H */
