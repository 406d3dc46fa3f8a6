// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "peaks.h"

/* splitmix64: fast, and enough to pick a uniform slot. */
static uint64_t peaks__random(struct peaks *p)
{
	uint64_t z = (p->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The slot the seen-th session takes: the next while the sample is not
 * full, then one at random with probability PEAKS_KEPT / seen
 * (algorithm R), or none (-1). */
static int64_t peaks__slot(struct peaks *p)
{
	uint64_t j;

	if (p->n < PEAKS_KEPT)
		return p->n;
	j = peaks__random(p) % p->seen;
	return j < PEAKS_KEPT ? (int64_t)j : -1;
}

static bool peaks__room(struct peaks *p, uint32_t slot)
{
	uint32_t cap = p->cap ? 2 * p->cap : 16;
	void *v;

	if (slot < p->cap)
		return true;
	if (cap > PEAKS_KEPT)
		cap = PEAKS_KEPT;
	v = realloc(p->v, cap * sizeof(*p->v));
	if (!v)
		return false;
	p->v = v;
	p->cap = cap;
	return true;
}

void peaks__add(struct peaks *p, const uint64_t peak[BL_RATES])
{
	int64_t slot;

	p->seen++;
	for (int r = 0; r < BL_RATES; r++)
		if (peak[r] > p->max[r])
			p->max[r] = peak[r];
	slot = peaks__slot(p);
	if (slot < 0 || !peaks__room(p, slot))
		return;
	memcpy(p->v[slot], peak, sizeof(p->v[slot]));
	if (slot == p->n)
		p->n++;
}

void peaks__free(struct peaks *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}
