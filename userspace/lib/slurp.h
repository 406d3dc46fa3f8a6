/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small file read whole, into a buffer grown as it is read: sized to
 * what the file holds, never to the most it may hold. A buffer of the
 * most (16 MiB for a rule file) allocated and freed once raises glibc's
 * mmap threshold to that size for the rest of the process, and from then
 * on every large allocation comes from the heap and stays resident: the
 * daemon's RSS grew by 10 MiB for reading one rule file.
 */
#ifndef VIGIL_SLURP_H
#define VIGIL_SLURP_H

#include <stddef.h>
#include <stdio.h>

/* The rest of f into *text (malloc'd, NUL-terminated; the caller frees
 * it) and its length into *len. 0, or -EFBIG past max bytes, -EIO, or
 * -ENOMEM; *text is NULL on error. */
int file__slurp(FILE *f, size_t max, char **text, size_t *len);

#endif /* VIGIL_SLURP_H */
