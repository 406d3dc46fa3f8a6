// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "grant.h"
#include "log.h"

/* The kernel's key of g; false when the kernel holds no such grant (a
 * profile no longer loaded, a step that is not a file's). */
static bool grant__key(const struct grants *gs, const struct grant *g,
		       struct vigil_grant_key *k)
{
	const struct profile *p;

	if (g->step != STEP_EXEC && g->step != STEP_OPEN)
		return false;
	*k = (struct vigil_grant_key){
		.owner = g->cgid, .ino = g->ino, .dev = g->dev,
		.step = g->step == STEP_EXEC ? VIGIL_GRANT_EXEC
					     : VIGIL_GRANT_OPEN,
	};
	if (g->cgid)
		return true;
	p = ruleset__profile(gs->rs, g->profile, strlen(g->profile));
	if (!p)
		return false;
	k->owner = VIGIL_GRANT_PROFILE | p->id;
	return true;
}

static void grant__kernel(struct grants *gs, const struct grant *g,
			  bool put)
{
	struct vigil_grant_key k;
	int64_t left;

	if (!gs->enforce || !grant__key(gs, g, &k))
		return;
	if (!put) {
		enforce__ungrant(gs->enforce, &k);
		return;
	}
	left = g->until_ns ? g->until_ns - clock__ns(CLOCK_REALTIME) : 0;
	enforce__grant(gs->enforce, &k,
		       g->until_ns ? clock__boot_ns() + (left > 0 ? left : 0)
				   : 0);
}

int grants__add(struct grants *gs, const struct grant *g)
{
	struct grant *n = realloc(gs->v, (gs->n + 1) * sizeof(*n));

	if (!n) {
		log_error("out of memory; the grant of %s is lost", g->id);
		return -ENOMEM;
	}
	gs->v = n;
	gs->v[gs->n++] = *g;
	grant__kernel(gs, g, true);
	return 0;
}

static bool grant__covers(const struct grant *g, uint64_t cgid,
			  const char *profile, enum approval_step step,
			  uint32_t dev, uint64_t ino)
{
	if (g->step != step || g->dev != dev || g->ino != ino)
		return false;
	if (g->until_ns && g->until_ns <= clock__ns(CLOCK_REALTIME))
		return false;
	return g->cgid ? g->cgid == cgid : !strcmp(g->profile, profile);
}

bool grants__cover(const struct grants *gs, uint64_t cgid,
		   const char *profile, enum approval_step step, uint32_t dev,
		   uint64_t ino)
{
	for (size_t i = 0; i < gs->n; i++)
		if (grant__covers(&gs->v[i], cgid, profile, step, dev, ino))
			return true;
	return false;
}

bool grants__prune(struct grants *gs, int64_t now, uint64_t cgid)
{
	bool gone = false;
	size_t i = 0;

	while (i < gs->n) {
		struct grant *g = &gs->v[i];
		bool lapsed = now && g->until_ns && g->until_ns <= now;

		if (!lapsed && (!cgid || g->cgid != cgid)) {
			i++;
			continue;
		}
		grant__kernel(gs, g, false);
		*g = gs->v[--gs->n];
		gone = true;
	}
	return gone;
}

void grants__free(struct grants *gs)
{
	free(gs->v);
	gs->v = NULL;
	gs->n = 0;
}
