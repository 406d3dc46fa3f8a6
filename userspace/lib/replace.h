/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A file written whole or not at all: a root-only (0600) PATH.new,
 * synced, renamed over path; a crash leaves the old file or the new. */
#ifndef VIGIL_REPLACE_H
#define VIGIL_REPLACE_H

#include <stddef.h>

/* 0 or a negative errno (logged, naming path). */
int file__replace(const char *path, const void *buf, size_t len);

#endif /* VIGIL_REPLACE_H */
