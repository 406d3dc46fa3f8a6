/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Scoring records for novelty: each record of a sandbox whose profile
 * has a baseline is read as an item (items.h) and looked up; what the
 * baseline never saw, and a minute far busier than its sessions' (rates),
 * is an anomaly, said once per sandbox (a new file once per directory).
 * What the sandbox was told is kept in its record's `novel` slot.
 *
 * The baselines are one table (baselines.h) that the caller can replace
 * whole (novelty__swap): a reload builds a new table and swaps it in on
 * the thread that scores, between two records, then frees the old one. Sandboxes keep their slots (what they were told, their
 * minute's counts); each finds its profile's new baseline at its next
 * record.
 */
#ifndef VIGIL_NOVELTY_H
#define VIGIL_NOVELTY_H

#include "baselines.h"
#include "event.h"

#define NOVELTY_MAX       2	/* anomalies one record can raise */
#define NOVELTY_TEXT_MAX  1024	/* an item's or pattern's text, cut */
#define NOVELTY_TOLD_MAX  4096	/* items a sandbox is told of, at most */

/* One anomaly found. */
struct novelty_out {
	uint16_t what;		/* enum anomaly_what */
	const char *op;		/* the baseline's word: exec, read, ... */
	char item[NOVELTY_TEXT_MAX];
	char nearest[NOVELTY_TEXT_MAX];
	uint32_t seen, sessions;
	double rarity, value, limit;
};

struct novelty;

struct novelty *novelty__new(struct baselines *t);	/* t: taken */
void novelty__free(struct novelty *n);		/* NULL-safe */
/* Puts t in place (taken) and returns the table it replaces. */
struct baselines *novelty__swap(struct novelty *n, struct baselines *t);

/* The anomalies ev raises (0 to NOVELTY_MAX, in out[]). ev's sandbox
 * must have its profile resolved (sb->agent). */
size_t novelty__score(struct novelty *n, const struct event *ev,
		      struct novelty_out *out);

/* The sandbox is gone: frees its slot (sandbox_hooks.removed). */
void novelty__forget(struct sandbox *sb);

#endif /* VIGIL_NOVELTY_H */
