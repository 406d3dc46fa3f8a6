// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>

#include "digest.h"

struct walk {
	void (*fn)(void *ctx, const char *name, const char *hex);
	void *ctx;
	int err;
};

static void digest__one(void *ctx, const char *name, const char *text,
			size_t len)
{
	struct walk *w = ctx;
	char hex[SHA256_HEX];

	if (w->err || (w->err = sha256__hex(text, len, hex)))
		return;
	w->fn(w->ctx, name, hex);
}

int digest__each(const struct ruleset *rs,
		 void (*fn)(void *ctx, const char *name, const char *hex),
		 void *ctx)
{
	struct walk w = { .fn = fn, .ctx = ctx };

	ruleset__each_source(rs, digest__one, &w);
	return w.err;
}

static void digest__line(void *ctx, const char *name, const char *hex)
{
	struct sha256 *h = ctx;

	sha256__add(h, hex, strlen(hex));
	sha256__add(h, "  ", 2);
	sha256__add(h, name, strlen(name));
	sha256__add(h, "\n", 1);
}

int digest__rules(const struct ruleset *rs, char out[SHA256_HEX])
{
	struct sha256 *h;
	uint8_t d[SHA256_LEN];
	int err;

	out[0] = '\0';
	if (!rs || !rs->load)
		return 0;
	h = sha256__new();
	if (!h)
		return -ENOMEM;
	err = digest__each(rs, digest__line, h);
	sha256__end(h, d);
	sha256__free(h);
	if (!err)
		sha256__to_hex(d, out);
	return err;
}
