/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A reload's bridge from one rule set to the next: the profiles' kernel
 * ids, and what a sandbox has accumulated: its profile is resolved again in the new set, its
 * risk and the level acted at stay, its taints keep their names (a
 * taint the new set no longer has is dropped), and each windowed rule
 * whose id stays keeps its window, unless the window now means
 * something else (another aggregate, span or field: then it starts
 * empty). Windows of rule ids that are gone are freed.
 */
#ifndef VIGIL_CARRY_H
#define VIGIL_CARRY_H

#include "ruleset.h"
#include "sandbox.h"

struct carry;

/* Gives to's profiles the kernel ids they had in from (by name), and
 * profiles new to it ids neither set uses: a profile's allowlist keeps
 * its keys in the kernel across the reload, and no sandbox's policy
 * ever names another profile's networks. Call before enforcing to. */
void carry__ids(const struct ruleset *from, struct ruleset *to);

/* What moves where, worked out once for every sandbox; NULL on
 * -ENOMEM. Both sets must outlive it. */
struct carry *carry__plan(const struct ruleset *from,
			  const struct ruleset *to);
void carry__free(struct carry *c);	/* NULL-safe */
/* Moves sb's slots from the old set to the new one. 0, or -ENOMEM
 * with sb's windows dropped (its risk, level and taints carried). */
int carry__sandbox(const struct carry *c, struct sandbox *sb);

#endif /* VIGIL_CARRY_H */
