/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The daemon's lifecycle records: start and each reload, with every
 * rule source's name and SHA-256 and the set's digest (digest.h), and
 * stop. Both go through
 * the emit step, so the audit trail has them. */
#ifndef VIGIL_LIFECYCLE_H
#define VIGIL_LIFECYCLE_H

#include "collector.h"
#include "ruleset.h"

/* what: "start", or "reload" once rs is in force; rs: the loaded
 * rules, or NULL without. 0 or -ENOMEM. */
int lifecycle__rules(struct collector *c, const char *what,
		     const struct ruleset *rs);
/* sig: the signal that asked for the stop, 0 for none. */
void lifecycle__stop(struct collector *c, int sig);

#endif /* VIGIL_LIFECYCLE_H */
