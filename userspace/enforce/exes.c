// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>

#include "exeallow.h"
#include "exes.h"
#include "log.h"

static enum vigil_exe_act exes__act(const struct ruleset *rs,
				    const struct profile *p)
{
	struct kernel_policy k;

	ruleset__kernel_policy(rs, p, &k);
	if (k.exec_unlisted == LEVEL_KILL)
		return VIGIL_EXE_KILL;
	return k.exec_unlisted == LEVEL_ASK ? VIGIL_EXE_ASK : VIGIL_EXE_NONE;
}

/* Where p's patterns go in a half: after those of the judging profiles
 * before it; false when they do not fit. */
static bool exes__range(const struct ruleset *rs, const struct profile *p,
			uint32_t *first)
{
	const struct profile *q;

	*first = 0;
	for (size_t i = 0; (q = ruleset__profile_at(rs, i)) != p; i++)
		if (exes__act(rs, q))
			*first += q->nr_exes;
	return *first + p->nr_exes <= EXES_HALF;
}

void exes__policy(const struct ruleset *rs, const struct profile *p,
		  unsigned int half, struct vigil_policy *out)
{
	uint32_t first;

	out->exe_act = exes__act(rs, p);
	out->exe_first = 0;
	out->exe_nr = 0;
	if (out->exe_act && exes__range(rs, p, &first)) {
		out->exe_first = half * EXES_HALF + first;
		out->exe_nr = p->nr_exes;
	}
}

static void exes__put(struct mapmodel *m, const struct profile *p,
		      uint32_t slot, const char *glob)
{
	struct vigil_exe_pattern pat;
	char why[128];

	/* The loader refused a glob the matcher cannot take; an empty
	 * pattern lists nothing, failing closed. */
	if (exeallow__compile(glob, &pat, why, sizeof(why)))
		pat.nr = 0;
	if (mapmodel__put(m, &slot, &pat))
		log__errno(errno, "profile %s: cannot give the kernel its "
			   "executable '%s'", p->name, glob);
}

void exes__write(struct mapmodel *m, const struct ruleset *rs,
		 unsigned int half)
{
	const struct profile *p;
	uint32_t first;

	for (size_t i = 0; (p = ruleset__profile_at(rs, i)); i++) {
		if (!exes__act(rs, p))
			continue;
		if (!exes__range(rs, p, &first)) {
			log_error("profile %s (%s:%d): the kernel holds %d "
				  "executables patterns of every profile; it "
				  "judges this profile's programs unlisted",
				  p->name, p->file, p->line, EXES_HALF);
			continue;
		}
		for (size_t j = 0; j < p->nr_exes; j++)
			exes__put(m, p, half * EXES_HALF + first + j,
				  p->exes[j]);
	}
}

bool exes__judged(const struct ruleset *rs)
{
	const struct profile *p;

	for (size_t i = 0; (p = ruleset__profile_at(rs, i)); i++)
		if (exes__act(rs, p))
			return true;
	return false;
}
