/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Users' home directories: the one definition of what '~' means, for the
 * rules' conditions (one uid's home, cached) and for the kernel's
 * protected files (every user's). */
#ifndef VIGIL_HOME_H
#define VIGIL_HOME_H

#include <stdbool.h>
#include <stdint.h>

#include "bytes.h"

/* uid's home directory ("/root" for root whatever passwd says; none when
 * passwd gives no absolute path or "/"; no trailing '/'); false for a
 * uid without one. Cached; home__flush forgets the cache. */
bool home__of(uint32_t uid, struct bytes *out);
void home__flush(void);

/* Calls fn with each user's home, as home__of gives it, for root and
 * every passwd entry (duplicates included; dir is NUL-terminated).
 * Stops at fn's first non-zero return and returns it; 0 otherwise. */
int home__each(int (*fn)(const char *dir, size_t len, void *ctx), void *ctx);

#endif /* VIGIL_HOME_H */
