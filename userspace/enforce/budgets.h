/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The byte budgets of allow.destinations entries ("pypi.org:443: 2GiB")
 * in the kernel's egress_budgets map, by the number (budget_id) the
 * rules gave each entry; the allowlist's and names' port ranges carry
 * it, and so do the grants made from a name's DNS answers, so that the
 * packets to what an entry allows spend its budget (bpf/net.bpf.c).
 */
#ifndef VIGIL_BUDGETS_H
#define VIGIL_BUDGETS_H

#include <stdbool.h>
#include <stdint.h>

#include "mapmodel.h"
#include "ruleset.h"

/* Whether some entry of p has a budget of its own. */
bool budgets__any(const struct profile *p);
/* Writes every slot: rs's entries' budgets, zero in the slots it does
 * not use (a reload's numbers replace the old). Errors are logged. */
void budgets__load(struct mapmodel *budgets, const struct ruleset *rs);
/* Forgets what sandbox spent of each entry's budget (it is gone). */
void budgets__forget(int spent_fd, uint64_t sandbox);

#endif /* VIGIL_BUDGETS_H */
