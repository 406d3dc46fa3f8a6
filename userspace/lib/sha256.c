// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <openssl/evp.h>

#include "sha256.h"

struct sha256 {
	EVP_MD_CTX *ctx;
};

struct sha256 *sha256__new(void)
{
	struct sha256 *h = malloc(sizeof(*h));

	if (!h)
		return NULL;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || !EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL)) {
		sha256__free(h);
		return NULL;
	}
	return h;
}

void sha256__add(struct sha256 *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->ctx, data, len);
}

void sha256__end(struct sha256 *h, uint8_t out[SHA256_LEN])
{
	unsigned int n = SHA256_LEN;

	EVP_DigestFinal_ex(h->ctx, out, &n);
	EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL);
}

void sha256__free(struct sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void sha256__to_hex(const uint8_t d[SHA256_LEN], char out[SHA256_HEX])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < SHA256_LEN; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * SHA256_LEN] = '\0';
}

int sha256__hex(const void *data, size_t len, char out[SHA256_HEX])
{
	uint8_t d[SHA256_LEN];
	unsigned int n = SHA256_LEN;

	if (!EVP_Digest(data, len, d, &n, EVP_sha256(), NULL))
		return -ENOMEM;
	sha256__to_hex(d, out);
	return 0;
}

static int hex__digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sha256__from_hex(const char *hex, uint8_t d[SHA256_LEN])
{
	for (int i = 0; i < SHA256_LEN; i++) {
		int hi = hex__digit(hex[2 * i]), lo;

		if (hi < 0)
			return -EINVAL;
		lo = hex__digit(hex[2 * i + 1]);
		if (lo < 0)
			return -EINVAL;
		d[i] = hi << 4 | lo;
	}
	return 0;
}
