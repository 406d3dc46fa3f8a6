/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The console's operator token: 32 random bytes in hex, written to a
 * root-only file (0600, made anew at each start, so an old token stops
 * working) that operators read to act; compared in constant time. */
#ifndef VIGIL_TOKEN_H
#define VIGIL_TOKEN_H

#include <stdbool.h>

#define TOKEN_HEX 64
#define TOKEN_DEFAULT_PATH "/run/vigil/console.token"

/* Makes a token into out and writes it to path. 0 or a negative errno
 * (logged). */
int token__make(const char *path, char out[TOKEN_HEX + 1]);
/* given (may be NULL) is the token. */
bool token__matches(const char *want, const char *given);

#endif /* VIGIL_TOKEN_H */
