/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A set of byte strings, for 'in' tests over long lists. */
#ifndef VIGIL_STRSET_H
#define VIGIL_STRSET_H

#include <stdbool.h>
#include <stddef.h>

struct strset;

struct strset *strset__new(void);
/* Adds s[0..len) (not copied: it must outlive the set). 0 or -ENOMEM. */
int strset__add(struct strset *set, const char *s, size_t len);
bool strset__has(const struct strset *set, const char *s, size_t len);
void strset__free(struct strset *set);	/* NULL-safe */

#endif /* VIGIL_STRSET_H */
