/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The metrics rendered for a scrape, and the health check, on the HTTP
 * thread (metrics_http.h). */
#ifndef VIGIL_EXPO_H
#define VIGIL_EXPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "metrics.h"

/* A ring buffer fuller than this means the collector is falling behind. */
#define EXPO_RING_BUSY 0.9

/* Every family, in the text exposition format. */
void expo__write(struct metrics *m, FILE *f);
/* Healthy: the programs are attached, a tick ran within three flow
 * intervals (and 2 s), and the ring buffer is below EXPO_RING_BUSY.
 * Otherwise why says which failed. */
bool expo__healthy(struct metrics *m, char *why, size_t len);

#endif /* VIGIL_EXPO_H */
