/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Learning in a live daemon (docs/baseline.md): every record of a
 * sandbox whose profile says `baseline_mode: learn` goes to that
 * profile's learner (learn.h), one session per sandbox's lifetime, and
 * is scored for no novelty. What was learnt goes to the profile's
 * `baseline:` file, merged with what the file held when learning began
 * (so a restart loses nothing), written whole or not at all (replace.h):
 * at the tick after a sandbox of the profile ends, LEARNING_SAVE_NS
 * after the last save when there is news, when an operator asks
 * (control socket), before a reload reads the files again, and at the
 * end. Saves happen on the collector's thread, so they are batched.
 *
 * Each learner holds at most LEARNING_ITEMS_MAX distinct items; past
 * that new ones are dropped, counted and said once.
 *
 * Every call takes a NULL learning: nothing learns (a replay).
 */
#ifndef VIGIL_LEARNING_H
#define VIGIL_LEARNING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "ruleset.h"

#define LEARNING_ITEMS_MAX 100000	/* distinct items per profile */
#define LEARNING_SAVE_NS   (60ull * 1000000000)

/* What one learning profile has done, for the control socket. */
struct learning_stat {
	const char *profile, *file;
	uint32_t sessions;	/* learnt here and in the file before */
	uint32_t running;	/* sandboxes learning now */
	size_t items;		/* distinct items held */
	uint64_t dropped;	/* new items past the cap */
	size_t patterns;	/* in the file, as last saved */
	uint32_t saves, failures;	/* saves done, failed */
	uint64_t unsaved_ns;	/* at the last tick, since the last good
				 * save (or since learning began) */
	int error;		/* the last save's, 0 */
};

struct learning;

struct learning *learning__new(void);
/* Saves what is unsaved, then frees. NULL-safe. */
void learning__free(struct learning *lr);

/* Whether ev's sandbox learns (its profile does): then ev is learnt. */
bool learning__event(struct learning *lr, const struct event *ev);
/* The sandbox is gone: its session is over, its profile's file saved
 * at the next tick. */
void learning__end(struct learning *lr, const struct sandbox *sb);
/* Saves every profile learnt into since its last save. 0, or the first
 * error (each logged). */
int learning__save(struct learning *lr);
/* Saves what is due: sessions ended, news LEARNING_SAVE_NS old. */
void learning__tick(struct learning *lr, uint64_t now_ns);
/* rs is in force: a profile that no longer learns (or into another
 * file) is saved and forgotten. */
void learning__reload(struct learning *lr, const struct ruleset *rs);
/* fn for each learning profile. */
void learning__each(struct learning *lr,
		    void (*fn)(void *ctx, const struct learning_stat *st),
		    void *ctx);

#endif /* VIGIL_LEARNING_H */
