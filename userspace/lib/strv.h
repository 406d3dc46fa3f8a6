/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Growing arrays of malloc'd strings with their count: a rule's tags, a
 * file set's paths, the watches of a directory. */
#ifndef VIGIL_STRV_H
#define VIGIL_STRV_H

#include <stddef.h>

/* Appends a copy of s[0..len) to *v, *n of them. 0 or -ENOMEM (then
 * *v and *n are as they were, but for a possibly larger array). */
int strv__push(char ***v, size_t *n, const char *s, size_t len);
/* Frees v[0..n) and v. */
void strv__free(char **v, size_t n);
/* Two elements' order for qsort(3): strcmp's. */
int strv__cmp(const void *a, const void *b);

#endif /* VIGIL_STRV_H */
