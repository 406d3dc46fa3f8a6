/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The baseline's part of rules_bench (novelty_bench.c). */
#ifndef VIGIL_NOVELTY_BENCH_H
#define VIGIL_NOVELTY_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct nbench;

/* A baseline of at least patterns patterns, learnt from events[0..nr)
 * and filled up; the records are copied. NULL when out of memory. */
struct nbench *nbench__new(size_t patterns, const struct event *events,
			   size_t nr);
/* Scores the next n records, time advancing tick_ns a record. */
void nbench__run(struct nbench *b, uint64_t n, uint64_t tick_ns);
size_t nbench__patterns(const struct nbench *b);
uint64_t nbench__anomalies(const struct nbench *b);

#endif /* VIGIL_NOVELTY_BENCH_H */
