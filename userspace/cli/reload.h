/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemon's rule reload (SIGHUP): the rule files named at start are
 * read again and checked whole while the old set stays in force; a set
 * with a mistake is refused (each error logged as FILE:LINE:COL, the
 * old set kept, vigil_reload_total{result="failed"} counted); a good one
 * is swapped in between two polls (collector__reload), and, with an
 * audit trail, a lifecycle record "reload" names its sources' digests.
 */
#ifndef VIGIL_RELOAD_H
#define VIGIL_RELOAD_H

#include <stdbool.h>

#include "collector.h"
#include "config.h"
#include "metrics.h"
#include "ruleset.h"

struct reload {
	const struct config *cfg;
	struct collector *c;
	struct metrics *metrics;	/* NULL: none */
	struct ruleset *live;		/* the set in force, heap-owned */
};

/* Reloads; r->live is the new set afterwards, or still the old one.
 * 0, or a negative errno (logged). */
int reload__rules(struct reload *r);

#endif /* VIGIL_RELOAD_H */
