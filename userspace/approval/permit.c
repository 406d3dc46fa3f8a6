// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "permit.h"
#include "log.h"

/* The kernel's key of g; false when the kernel holds no such grant (a
 * profile no longer loaded, a step that is not a file's). */
static bool permit__key(const struct permits *gs, const struct permit *g,
		       struct vigil_file_grant *k)
{
	const struct profile *p;

	if (g->step != STEP_EXEC && g->step != STEP_OPEN)
		return false;
	*k = (struct vigil_file_grant){
		.owner = g->cgid, .ino = g->ino, .dev = g->dev,
		.step = g->step == STEP_EXEC ? VIGIL_FILE_EXEC
					     : VIGIL_FILE_OPEN,
	};
	if (g->cgid)
		return true;
	p = ruleset__profile(gs->rs, g->profile, strlen(g->profile));
	if (!p)
		return false;
	k->owner = VIGIL_FILE_GRANT_PROFILE | p->id;
	return true;
}

/* An approved connect: an egress grant of the sandbox's (the kernel
 * drops it when it lapses, and with the sandbox); ttl_ns 0 is for ever,
 * so one lapsed already gets a nanosecond. */
static void permit__connect(struct permits *gs, const struct permit *g)
{
	struct addr a = { .family = g->family };
	int64_t left = g->until_ns - clock__ns(CLOCK_REALTIME);

	memcpy(a.a, g->addr, sizeof(a.a));
	enforce__grant(gs->enforce, g->cgid, &a,
		       g->family == AF_INET ? 32 : 128, g->port,
		       g->until_ns ? (uint64_t)(left > 0 ? left : 1) : 0);
}

static void permit__kernel(struct permits *gs, const struct permit *g,
			  bool put, bool fresh)
{
	struct vigil_file_grant k;
	int64_t left;

	if (gs->enforce && put && g->step == STEP_CONNECT && g->cgid)
		permit__connect(gs, g);
	if (!gs->enforce || !permit__key(gs, g, &k))
		return;
	if (!put) {
		enforce__ungrant_file(gs->enforce, &k);
		return;
	}
	left = g->until_ns ? g->until_ns - clock__ns(CLOCK_REALTIME) : 0;
	enforce__grant_file(gs->enforce, &k,
		       g->until_ns ? clock__boot_ns() + (left > 0 ? left : 0)
				   : 0, fresh);
}

int permits__add(struct permits *gs, const struct permit *g, bool fresh)
{
	struct permit *n = realloc(gs->v, (gs->n + 1) * sizeof(*n));

	if (!n) {
		log_error("out of memory; the grant of %s is lost", g->id);
		return -ENOMEM;
	}
	gs->v = n;
	gs->v[gs->n++] = *g;
	permit__kernel(gs, g, true, fresh);
	return 0;
}

static bool permit__covers(const struct permit *g, uint64_t cgid,
			  const char *profile, enum approval_step step,
			  uint32_t dev, uint64_t ino)
{
	if (g->step != step || g->dev != dev || g->ino != ino)
		return false;
	if (g->until_ns && g->until_ns <= clock__ns(CLOCK_REALTIME))
		return false;
	return g->cgid ? g->cgid == cgid : !strcmp(g->profile, profile);
}

bool permits__cover(const struct permits *gs, uint64_t cgid,
		   const char *profile, enum approval_step step, uint32_t dev,
		   uint64_t ino)
{
	for (size_t i = 0; i < gs->n; i++)
		if (permit__covers(&gs->v[i], cgid, profile, step, dev, ino))
			return true;
	return false;
}

bool permits__prune(struct permits *gs, int64_t now, uint64_t cgid)
{
	bool gone = false;
	size_t i = 0;

	while (i < gs->n) {
		struct permit *g = &gs->v[i];
		bool lapsed = now && g->until_ns && g->until_ns <= now;

		if (!lapsed && (!cgid || g->cgid != cgid)) {
			i++;
			continue;
		}
		permit__kernel(gs, g, false, false);
		*g = gs->v[--gs->n];
		gone = true;
	}
	return gone;
}

void permits__free(struct permits *gs)
{
	free(gs->v);
	gs->v = NULL;
	gs->n = 0;
}
