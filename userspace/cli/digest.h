/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The rule sources' digests: each file's SHA-256 (the audit trail names
 * them), and one for the whole set (the metrics' build info): the
 * SHA-256 of their `sha256sum`-style listing, "HEX  NAME\n" per source in
 * load order, so `sha256sum FILES | sha256sum` reproduces it for files
 * given in that order. */
#ifndef VIGIL_DIGEST_H
#define VIGIL_DIGEST_H

#include <stddef.h>

#include "ruleset.h"
#include "sha256.h"

/* 0 or -ENOMEM; "" for no rules. */
int digest__rules(const struct ruleset *rs, char out[SHA256_HEX]);
/* Calls fn with each source's name and digest, in load order; 0 or
 * -ENOMEM. */
int digest__each(const struct ruleset *rs,
		 void (*fn)(void *ctx, const char *name, const char *hex),
		 void *ctx);

#endif /* VIGIL_DIGEST_H */
