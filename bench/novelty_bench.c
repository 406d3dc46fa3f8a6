// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The baseline's part of rules_bench: the same synthetic session scored
 * for novelty (novelty__score) against a baseline of BENCH_BASELINE_PATTERNS
 * (10,000) patterns: what the session itself does, learnt from one pass
 * over it, and the rest generated in the shapes a toolchain's files have
 * (package trees, caches, workspaces), so that lookups walk a full tree.
 * The rogue records the session holds are told once per sandbox and then
 * looked up like the others.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn.h"
#include "novelty.h"
#include "novelty_bench.h"

#define NBENCH_SANDBOXES 64

struct nbench {
	struct novelty *novelty;
	struct profile profile;
	struct event *events;
	size_t nr, next, patterns;
	const struct sandbox *protos[NBENCH_SANDBOXES];
	struct sandbox sbs[NBENCH_SANDBOXES];
	size_t nr_sbs;
	uint64_t clock_ns;
	uint64_t anomalies;
};

/* A pattern in the shape of a toolchain's files: packages, headers,
 * caches, SDKs, workspaces. */
static void pattern__make(size_t i, char *path, size_t len)
{
	size_t dir = i / 5 % 97;

	switch (i % 5) {
	case 0:
		snprintf(path, len, "/usr/lib/python3/dist-packages/pkg%zu/"
			 "mod%zu.py", dir, i);
		break;
	case 1:
		snprintf(path, len, "/usr/include/lib%zu/sub%zu.h", dir, i);
		break;
	case 2:
		snprintf(path, len, "~/.cache/tool%zu/x%zu/**", dir, i);
		break;
	case 3:
		snprintf(path, len, "/opt/sdk%zu/share/doc%zu", dir, i);
		break;
	default:
		snprintf(path, len, "/tmp/*/src/dir%zu/file%zu.c", dir, i);
	}
}

/* Fills the baseline up to patterns patterns, in its trees. */
static void patterns__fill(struct baseline *bl, size_t patterns)
{
	char path[256];
	struct pcomps pc;

	for (size_t i = 0; baseline__patterns(bl) < patterns; i++) {
		int t = i % 3 ? BL_READ : i % 2 ? BL_WRITE : BL_EXEC;

		pattern__make(i, path, sizeof(path));
		if (t == BL_EXEC && strstr(path, "**"))
			t = BL_READ;
		pcomps__split(path, strlen(path), &pc);
		ptree__add(&bl->trees[t], &pc, 1);
	}
}

/* The session's records with sandboxes of their own (the profile with
 * the baseline, the novelty's slots), the rule engine's left alone. */
static int events__copy(struct nbench *b, const struct event *events,
			size_t nr)
{
	b->events = calloc(nr, sizeof(*b->events));
	if (!b->events)
		return -1;
	for (size_t i = 0; i < nr; i++) {
		const struct sandbox *proto = events[i].sandbox;
		size_t k = 0;

		while (k < b->nr_sbs && b->protos[k] != proto)
			k++;
		if (k == b->nr_sbs) {
			if (k == NBENCH_SANDBOXES)
				return -1;
			b->protos[k] = proto;
			b->sbs[k] = *proto;
			b->sbs[k].agent = &b->profile;
			b->sbs[k].novel = NULL;
			b->nr_sbs++;
		}
		b->events[i] = events[i];
		b->events[i].sandbox = &b->sbs[k];
	}
	b->nr = nr;
	return 0;
}

struct nbench *nbench__new(size_t patterns, const struct event *events,
			   size_t nr)
{
	struct nbench *b = calloc(1, sizeof(*b));
	struct baselines *t = calloc(1, sizeof(*t));
	struct learner *l = learner__new("bench");
	struct baseline *bl = NULL;

	if (!b || !t || !l)
		return NULL;
	profile__defaults(&b->profile);
	b->profile.name = "bench";
	if (events__copy(b, events, nr))
		return NULL;
	for (size_t i = 0; i < nr; i++)
		learner__event(l, &b->events[i]);
	bl = learner__finish(l);
	learner__free(l);
	if (!bl)
		return NULL;
	patterns__fill(bl, patterns);
	b->patterns = baseline__patterns(bl);
	if (baselines__add(t, bl) || !(b->novelty = novelty__new(t)))
		return NULL;
	return b;
}

void nbench__run(struct nbench *b, uint64_t n, uint64_t tick_ns)
{
	struct novelty_out out[NOVELTY_MAX];

	for (uint64_t i = 0; i < n; i++) {
		struct event *ev = &b->events[b->next++ % b->nr];

		b->clock_ns += tick_ns;
		ev->ktime_ns = b->clock_ns;
		b->anomalies += novelty__score(b->novelty, ev, out);
	}
}

size_t nbench__patterns(const struct nbench *b)
{
	return b->patterns;
}

uint64_t nbench__anomalies(const struct nbench *b)
{
	return b->anomalies;
}
