/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Numbers as rules write them: "100MiB", "1.5k", "60s", "10m". */
#ifndef VIGIL_UNITS_H
#define VIGIL_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* An integer with an optional size suffix: k, KB (1000), KiB (1024), M,
 * MB, MiB, G, GB, GiB, T, TB, TiB. Returns 0 or -EINVAL (also on
 * overflow). */
int units__number(const char *text, size_t len, int64_t *out);
/* A duration: a number with ms, s, m, h or d (bare numbers are seconds).
 * Returns 0 or -EINVAL. */
int units__duration_ns(const char *text, size_t len, uint64_t *out);

#endif /* VIGIL_UNITS_H */
