/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The rule index: which rules an event can possibly match, found with a
 * few hash and trie lookups instead of a scan of every rule.
 *
 * A rule is keyed by literals its condition cannot be true without: for
 * "open.path startswith ~/.ssh/ and not proc.name in (ssh)" the key is
 * the prefix "~/.ssh/" on open.path. 'and' takes its most selective side,
 * 'or' needs keys on both, '==' and 'in' give exact keys, 'startswith'
 * and glob's literal head give prefixes. On list fields (open.fileset,
 * sandbox.taint, exec.argv, ...) the keys are looked up once per element,
 * so a record with an empty list reaches none of them. A taint that a
 * candidate rule may set on the record counts as one of the record's.
 * Rules without keys are tried on every event of their types; rules whose
 * fields an event type lacks are never tried on it.
 */
#ifndef VIGIL_RINDEX_H
#define VIGIL_RINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "cond.h"

struct ruleset;
struct rindex;

struct rindex *rindex__build(const struct ruleset *rs);
void rindex__free(struct rindex *ix);	/* NULL-safe */

/* 64-bit words in a candidate bitmap (one bit per rule). */
size_t rindex__words(const struct rindex *ix);
/* Fills bits with the rules that may match e's event. */
void rindex__candidates(const struct rindex *ix, struct eval *e,
			uint64_t *bits);
/* Rules tried on every event of this kind, for tests and stats. */
size_t rindex__unkeyed(const struct rindex *ix, enum event_kind kind);

#endif /* VIGIL_RINDEX_H */
