// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "lifecycle.h"

struct sources {
	char **names, **hex;
	size_t n, cap;
	int err;
};

static void sources__add(void *ctx, const char *name, const char *hex)
{
	struct sources *s = ctx;

	if (s->err)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		char **names = realloc(s->names, cap * sizeof(*names));
		char **hexes = names ? realloc(s->hex, cap * sizeof(*hexes))
				     : NULL;

		if (names)
			s->names = names;
		if (!hexes) {
			s->err = -ENOMEM;
			return;
		}
		s->hex = hexes;
		s->cap = cap;
	}
	s->names[s->n] = strdup(name);
	s->hex[s->n] = strdup(hex);
	s->n++;
	if (!s->names[s->n - 1] || !s->hex[s->n - 1])
		s->err = -ENOMEM;
}

static void sources__free(struct sources *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->names[i]);
		free(s->hex[i]);
	}
	free(s->names);
	free(s->hex);
}

int lifecycle__rules(struct collector *c, const char *what,
		     const struct ruleset *rs)
{
	struct sources s = { 0 };
	char digest[SHA256_HEX] = "";
	struct event ev = { .kind = EVENT_LIFECYCLE };
	int err = 0;

	if (rs)
		err = digest__each(rs, sources__add, &s) ?: s.err ?:
		      digest__rules(rs, digest);
	if (!err) {
		ev.lifecycle = (struct ev_lifecycle){
			.event = what,
			.rule_names = (const char *const *)s.names,
			.rule_sha256 = (const char *const *)s.hex,
			.nr_rules = s.n, .rules_sha256 = digest,
		};
		collector__note(c, &ev);
	}
	sources__free(&s);
	return err;
}

void lifecycle__stop(struct collector *c, int sig)
{
	struct event ev = {
		.kind = EVENT_LIFECYCLE,
		.lifecycle = {
			.event = "stop", .rules_sha256 = "",
			.signal = sig ? sigabbrev_np(sig) : NULL,
		},
	};

	collector__note(c, &ev);
}
