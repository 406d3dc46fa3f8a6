/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Learning a baseline from recorded sessions: each sandbox a session,
 * each of its records an item (items.h) counted once per session, each
 * minute of it counted for the rates. At the end the path trees are
 * generalised (ptree.h), destinations gathered into networks, and the
 * sessions' busiest minutes summarised by median and MAD (of a uniform
 * sample of them past PEAKS_KEPT sessions; the highest exact).
 */
#ifndef VIGIL_LEARN_H
#define VIGIL_LEARN_H

#include "baseline.h"
#include "event.h"

#define RATE_WINDOW_NS (60ull * 1000000000)	/* a minute */

struct learner;

struct learner *learner__new(const char *profile);
void learner__free(struct learner *l);	/* NULL-safe */

/* One record of a session (its sandbox names the session). */
void learner__event(struct learner *l, const struct event *ev);
/* The file read is done: its sandboxes (freed with their registry) are
 * no session's any more; the next file's are new sessions. */
void learner__end_file(struct learner *l);
/* A live sandbox is gone: its session is over (a record of another
 * sandbox at its address is a new one). Whether it was one. */
bool learner__end_session(struct learner *l, const struct sandbox *sb);
/* The sessions seen so far; those not over; the ended ones whose
 * busiest minutes are held for the rates (at most PEAKS_KEPT, a uniform
 * sample past that: peaks.h). An ended session keeps nothing else. */
uint32_t learner__sessions(const struct learner *l);
uint32_t learner__running(const struct learner *l);
uint32_t learner__kept(const struct learner *l);

/* At most max_items distinct items (paths, programs with their parent,
 * destinations, words) held; 0, the default: no cap. Past it, what is
 * already held is still counted per session, a new item is dropped. */
void learner__limit(struct learner *l, size_t max_items);
/* The distinct items held and the new ones dropped at the cap. */
void learner__counts(const struct learner *l, size_t *items,
		     uint64_t *dropped);

/* The baseline learnt; the learner is spent (free it). NULL when out of
 * memory. */
struct baseline *learner__finish(struct learner *l);
/* The baseline learnt so far, the learner going on (a live daemon's
 * saves). NULL when out of memory. */
struct baseline *learner__snapshot(struct learner *l);

/* The median of v[0..n) (sorted in place), and of |v - median|. */
double stat__median(double *v, size_t n);
double stat__mad(double *v, size_t n, double median);

#endif /* VIGIL_LEARN_H */
