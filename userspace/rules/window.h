/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Sliding windows for stateful rules: a count or a sum over the last
 * `over` nanoseconds, kept in WINDOW_BUCKETS buckets (so it slides in
 * steps of over/WINDOW_BUCKETS), or the number of distinct values seen in
 * that time, kept exactly (at most `above` + 1 of them). With `by`, one
 * such window per value of a field (a group), at most WINDOW_MAX_GROUPS
 * of them live per sandbox and rule: the values past that share one
 * spill window, so they are still counted (together, which may fire
 * early but never hides a crossing), and the caller reports it.
 */
#ifndef VIGIL_WINDOW_H
#define VIGIL_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "ruleset.h"

#define WINDOW_BUCKETS 16
#define WINDOW_MAX_GROUPS 1024

struct distinct;
struct groups;

struct window {
	uint64_t bucket[WINDOW_BUCKETS];
	uint64_t head;		/* index (time / width) of the newest bucket */
	uint64_t total;
	struct distinct *seen;	/* WIN_DISTINCT */
	struct groups *groups;	/* with `by`: a window per group */
};

/* The window of group key (a hash of the by field's value) within w, made
 * on first use; a group idle for a whole window is reused for a new key
 * once WINDOW_MAX_GROUPS are live. When none can be, the spill window,
 * *spilled set and w's spill count (window__spills) grown. NULL only
 * when memory runs out. */
struct window *window__group(struct window *w, const struct window_spec *s,
			     uint64_t now, uint64_t key, bool *spilled);
/* Matches counted in w's spill window since w was made. */
uint64_t window__spills(const struct window *w);
/* Live groups of w. */
size_t window__groups(const struct window *w);

/* Adds one match at time now (amount for sums; key identifies the value
 * for distinct) and returns true when the aggregate went above the
 * rule's bound, resetting the window so it fires once per crossing. */
bool window__add(struct window *w, const struct window_spec *s, uint64_t now,
		 uint64_t amount, uint64_t key);
/* The aggregate as of now. */
uint64_t window__value(struct window *w, const struct window_spec *s,
		       uint64_t now);
void window__clear(struct window *w);

/* A 64-bit hash of bytes, for distinct keys. */
uint64_t window__hash(const void *p, size_t len);

#endif /* VIGIL_WINDOW_H */
