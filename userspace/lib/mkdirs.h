/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Creating vigil's own directories (/var/lib/vigil/..., /run/vigil). */
#ifndef VIGIL_MKDIRS_H
#define VIGIL_MKDIRS_H

#include <sys/types.h>

/* mkdir -p: dir and any missing parents get mode; existing ones are left
 * as they are. Returns 0 or a negative errno, logged with what. */
int mkdirs(const char *dir, mode_t mode, const char *what);

#endif /* VIGIL_MKDIRS_H */
