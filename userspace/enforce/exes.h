/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel's copy of the allow.executables of every profile whose
 * programs it judges (bpf/exeallow.bpf.h): their globs compiled into
 * exe_patterns, one contiguous range per profile, in one half of the map
 * per rule set. A reload writes the other half before any policy names
 * it, so no exec is judged against a half-written profile.
 */
#ifndef VIGIL_EXES_H
#define VIGIL_EXES_H

#include <stdbool.h>

#include "mapmodel.h"
#include "records.h"
#include "ruleset.h"

#define EXES_HALF (VIGIL_EXE_PATTERNS / 2)

/* Writes rs's patterns into half (0 or 1) of the map fd; errors logged
 * (a profile that does not fit judges every program unlisted). */
void exes__write(struct mapmodel *m, const struct ruleset *rs,
		 unsigned int half);
/* p's part of a policy: what the kernel does with a program p does not
 * list, and where its patterns are in half. */
void exes__policy(const struct ruleset *rs, const struct profile *p,
		  unsigned int half, struct vigil_policy *out);
/* Whether some profile of rs has the kernel judge its programs. */
bool exes__judged(const struct ruleset *rs);

#endif /* VIGIL_EXES_H */
