/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The baselines in use, one per profile that has one: those the rules'
 * profiles name (`baseline: FILE`) and the one --baseline names, for the
 * profile its file names (or "default", when the rules define no such
 * profile). A table is built whole and replaced whole (novelty.h).
 */
#ifndef VIGIL_BASELINES_H
#define VIGIL_BASELINES_H

#include "baseline.h"
#include "ruleset.h"

/* The baselines by profile. */
struct baselines {
	struct baseline **v;
	size_t n;
	uint64_t gen;		/* new with each table */
};

/* Adds bl (taken) for its profile; one already there for that profile
 * is replaced. 0 or -ENOMEM. */
int baselines__add(struct baselines *t, struct baseline *bl);
const struct baseline *baselines__of(const struct baselines *t,
				     const char *profile);
void baselines__free(struct baselines *t);	/* NULL-safe */

/* Loads the baselines of rs's profiles and extra (NULL for none) into
 * *out (NULL when there are none). A learning profile's (baseline_mode:
 * learn) is only checked, and may not exist yet. 0, or -EINVAL with
 * every mistake logged as FILE:LINE:COL. */
int baselines__load(const struct ruleset *rs, const char *extra,
		    struct baselines **out);

#endif /* VIGIL_BASELINES_H */
