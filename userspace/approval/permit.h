/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Permits: what a human allowed, held in user space (so an approved
 * retry's record asks nothing) and in the kernel: an open or exec in the
 * file_grants map (so the retry is not killed), a connect in the egress
 * grants (enforce/grant.h: so the retry is not refused). The kernel
 * checks a permit's lapse itself, on its own clock. */
#ifndef VIGIL_PERMIT_H
#define VIGIL_PERMIT_H

#include "approval_types.h"
#include "enforce.h"
#include "ruleset.h"

/* A step allowed to a sandbox (cgid) or to a profile (cgid 0). */
struct permit {
	uint64_t cgid;
	char profile[128];
	enum approval_step step;
	uint32_t dev;
	uint64_t ino;
	uint16_t family, port;		/* connect */
	uint8_t addr[16];
	char target[APPROVAL_TARGET];
	int64_t until_ns;		/* CLOCK_REALTIME; 0: no lapse */
	char id[APPROVAL_ID_LEN + 1];	/* the request it decided */
};

struct permits {
	struct permit *v;
	size_t n;
	const struct ruleset *rs;	/* profiles by name, for their ids */
	struct enforce *enforce;	/* NULL: user space only */
};

/* Adds g, and puts it in the kernel: fresh (a decision), or put back
 * at start, keeping what the kernel bound an exec grant to
 * (enforce__grant_file). 0 or -ENOMEM (logged). */
int permits__add(struct permits *gs, const struct permit *g, bool fresh);
/* A live grant covers the step of cgid, of profile. */
bool permits__cover(const struct permits *gs, uint64_t cgid,
		   const char *profile, enum approval_step step, uint32_t dev,
		   uint64_t ino);
/* Drops grants lapsed by now (CLOCK_REALTIME; 0: none lapse), and a
 * sandbox's when cgid is not 0. True when any went. */
bool permits__prune(struct permits *gs, int64_t now, uint64_t cgid);
void permits__free(struct permits *gs);

#endif /* VIGIL_PERMIT_H */
