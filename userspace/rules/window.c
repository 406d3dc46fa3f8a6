// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include <utlist.h>

#include "window.h"

/* A distinct value, in a hash by key and a list oldest first. */
struct seen {
	uint64_t key;
	uint64_t at;
	struct seen *prev, *next;
	UT_hash_handle hh;
};

struct distinct {
	struct seen *by_key;
	struct seen *oldest;	/* utlist head */
};

/* A group's window, in a hash by key and a list by last use. */
struct group {
	uint64_t key;
	uint64_t at;		/* its last match */
	struct window w;
	struct group *prev, *next;
	UT_hash_handle hh;
};

struct groups {
	struct group *by_key;
	struct group *idle;	/* utlist head: least recently used first */
	struct window spill;	/* the keys that found no group */
	uint64_t spills;
};

uint64_t window__hash(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t width__of(const struct window_spec *s)
{
	uint64_t w = s->over_ns / WINDOW_BUCKETS;

	return w ? w : 1;
}

/* Empties the buckets that fell out of the window by now. */
static void window__slide(struct window *w, const struct window_spec *s,
			  uint64_t now)
{
	uint64_t idx = now / width__of(s);

	if (idx <= w->head)
		return;		/* same bucket, or time went back (replays) */
	for (uint64_t i = w->head + 1; i <= idx && i <= w->head + WINDOW_BUCKETS;
	     i++) {
		w->total -= w->bucket[i % WINDOW_BUCKETS];
		w->bucket[i % WINDOW_BUCKETS] = 0;
	}
	w->head = idx;
}

static void distinct__expire(struct distinct *d, uint64_t before)
{
	struct seen *s;

	while ((s = d->oldest) && s->at < before) {
		DL_DELETE(d->oldest, s);
		HASH_DEL(d->by_key, s);
		free(s);
	}
}

static void distinct__add(struct distinct *d, uint64_t key, uint64_t now)
{
	struct seen *s;

	HASH_FIND(hh, d->by_key, &key, sizeof(key), s);
	if (s) {
		DL_DELETE(d->oldest, s);
	} else {
		s = calloc(1, sizeof(*s));
		if (!s)
			return;	/* under-counts; never over-counts */
		s->key = key;
		HASH_ADD(hh, d->by_key, key, sizeof(s->key), s);
	}
	s->at = now;
	DL_APPEND(d->oldest, s);
}

static uint64_t distinct__count(struct window *w, const struct window_spec *s,
				uint64_t now)
{
	if (!w->seen)
		return 0;
	distinct__expire(w->seen, now > s->over_ns ? now - s->over_ns : 0);
	return HASH_COUNT(w->seen->by_key);
}

uint64_t window__value(struct window *w, const struct window_spec *s,
		       uint64_t now)
{
	if (s->agg == WIN_DISTINCT)
		return distinct__count(w, s, now);
	window__slide(w, s, now);
	return w->total;
}

bool window__add(struct window *w, const struct window_spec *s, uint64_t now,
		 uint64_t amount, uint64_t key)
{
	uint64_t value;

	if (s->agg == WIN_DISTINCT) {
		if (!w->seen && !(w->seen = calloc(1, sizeof(*w->seen))))
			return false;
		distinct__add(w->seen, key, now);
		value = distinct__count(w, s, now);
	} else {
		window__slide(w, s, now);
		w->bucket[w->head % WINDOW_BUCKETS] += amount;
		w->total += amount;
		value = w->total;
	}
	if (value <= (uint64_t)s->above)
		return false;
	window__clear(w);
	return true;
}

/* A group for key: a new one below the cap, else the least recently
 * used when its last match has left the window (it counts nothing);
 * NULL when every group is busy. */
static struct group *group__new(struct groups *g, const struct window_spec *s,
				uint64_t now, uint64_t key)
{
	struct group *x = g->idle;

	if (HASH_COUNT(g->by_key) < WINDOW_MAX_GROUPS) {
		x = calloc(1, sizeof(*x));
		if (!x)
			return NULL;
	} else if (x->at + s->over_ns < now) {
		DL_DELETE(g->idle, x);
		HASH_DEL(g->by_key, x);
		window__clear(&x->w);
	} else {
		return NULL;
	}
	x->key = key;
	HASH_ADD(hh, g->by_key, key, sizeof(x->key), x);
	DL_APPEND(g->idle, x);
	return x;
}

struct window *window__group(struct window *w, const struct window_spec *s,
			     uint64_t now, uint64_t key, bool *spilled)
{
	struct groups *g = w->groups;
	struct group *x;

	*spilled = false;
	if (!g && !(g = w->groups = calloc(1, sizeof(*g))))
		return NULL;
	HASH_FIND(hh, g->by_key, &key, sizeof(key), x);
	if (!x && !(x = group__new(g, s, now, key))) {
		g->spills++;
		*spilled = true;
		return &g->spill;
	}
	DL_DELETE(g->idle, x);
	if (now > x->at)	/* time may go back in replays */
		x->at = now;
	DL_APPEND(g->idle, x);
	return &x->w;
}

uint64_t window__spills(const struct window *w)
{
	return w->groups ? w->groups->spills : 0;
}

size_t window__groups(const struct window *w)
{
	return w->groups ? HASH_COUNT(w->groups->by_key) : 0;
}

static void groups__free(struct groups *g)
{
	struct group *x, *tmp;

	if (!g)
		return;
	HASH_ITER(hh, g->by_key, x, tmp) {
		HASH_DEL(g->by_key, x);
		window__clear(&x->w);
		free(x);
	}
	window__clear(&g->spill);
	free(g);
}

void window__clear(struct window *w)
{
	struct distinct *d = w->seen;
	struct seen *s, *tmp;

	if (d) {
		HASH_ITER(hh, d->by_key, s, tmp) {
			HASH_DEL(d->by_key, s);
			free(s);
		}
		free(d);
	}
	groups__free(w->groups);
	memset(w, 0, sizeof(*w));
}
