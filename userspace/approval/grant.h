/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Grants: what a human allowed, held in user space (so an approved
 * retry's record asks nothing) and, for opens and execs, in the kernel's
 * grants map (so the retry is not killed). The kernel checks a grant's
 * lapse itself, on its own clock. */
#ifndef VIGIL_GRANT_H
#define VIGIL_GRANT_H

#include "approval_types.h"
#include "enforce.h"
#include "ruleset.h"

/* A step allowed to a sandbox (cgid) or to a profile (cgid 0). */
struct grant {
	uint64_t cgid;
	char profile[128];
	enum approval_step step;
	uint32_t dev;
	uint64_t ino;
	char target[APPROVAL_TARGET];
	int64_t until_ns;		/* CLOCK_REALTIME; 0: no lapse */
	char id[APPROVAL_ID_LEN + 1];	/* the request it decided */
};

struct grants {
	struct grant *v;
	size_t n;
	const struct ruleset *rs;	/* profiles by name, for their ids */
	struct enforce *enforce;	/* NULL: user space only */
};

/* Adds g, and puts it in the kernel. 0 or -ENOMEM (logged). */
int grants__add(struct grants *gs, const struct grant *g);
/* A live grant covers the step of cgid, of profile. */
bool grants__cover(const struct grants *gs, uint64_t cgid,
		   const char *profile, enum approval_step step, uint32_t dev,
		   uint64_t ino);
/* Drops grants lapsed by now (CLOCK_REALTIME; 0: none lapse), and a
 * sandbox's when cgid is not 0. True when any went. */
bool grants__prune(struct grants *gs, int64_t now, uint64_t cgid);
void grants__free(struct grants *gs);

#endif /* VIGIL_GRANT_H */
