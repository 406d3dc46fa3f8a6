/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* SHA-256 through OpenSSL's libcrypto (EVP): the audit trail's hash chain
 * and the digests of rule files. */
#ifndef VIGIL_SHA256_H
#define VIGIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32
#define SHA256_HEX (2 * SHA256_LEN + 1)	/* lowercase hex and its NUL */

struct sha256;

/* A running digest; NULL when out of memory. */
struct sha256 *sha256__new(void);
void sha256__add(struct sha256 *h, const void *data, size_t len);
/* The digest of everything added; the context starts over. */
void sha256__end(struct sha256 *h, uint8_t out[SHA256_LEN]);
void sha256__free(struct sha256 *h);

/* The digest of one buffer, as lowercase hex. 0 or -ENOMEM. */
int sha256__hex(const void *data, size_t len, char out[SHA256_HEX]);
void sha256__to_hex(const uint8_t d[SHA256_LEN], char out[SHA256_HEX]);
/* Parses 64 hex digits (either case); 0 or -EINVAL. */
int sha256__from_hex(const char *hex, uint8_t d[SHA256_LEN]);

#endif /* VIGIL_SHA256_H */
