// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "carry.h"
#include "engine.h"

struct carry {
	const struct ruleset *from, *to;
	int taint_to[RULES_MAX_TAINTS];	/* old bit -> new bit, or -1 */
	int *slot_from;			/* new window slot -> old, or -1 */
};

static const struct rule *rules__by_id(const struct ruleset *rs,
				       const char *id)
{
	for (size_t i = 0; i < rs->nr_rules; i++)
		if (!strcmp(rs->rules[i]->id, id))
			return rs->rules[i];
	return NULL;
}

/* A window means the same when it adds up the same thing over the same
 * span; a new bound applies to what it already holds. */
static bool window__same(const struct window_spec *a,
			 const struct window_spec *b)
{
	return a->agg == b->agg && a->over_ns == b->over_ns &&
	       a->field == b->field && a->by == b->by;
}

static void carry__slots(struct carry *c)
{
	for (int s = 0; s < c->to->nr_windows; s++)
		c->slot_from[s] = -1;
	for (size_t i = 0; i < c->to->nr_rules; i++) {
		const struct rule *r = c->to->rules[i], *old;

		if (!r->window)
			continue;
		old = rules__by_id(c->from, r->id);
		if (old && old->window && window__same(old->window, r->window))
			c->slot_from[r->window->slot] = old->window->slot;
	}
}

static void carry__taints(struct carry *c)
{
	for (int i = 0; i < c->from->nr_taints; i++) {
		c->taint_to[i] = -1;
		for (int j = 0; j < c->to->nr_taints; j++)
			if (!strcmp(c->from->taints[i], c->to->taints[j]))
				c->taint_to[i] = j;
	}
}

struct carry *carry__plan(const struct ruleset *from,
			  const struct ruleset *to)
{
	struct carry *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->from = from;
	c->to = to;
	c->slot_from = calloc(to->nr_windows ?: 1, sizeof(*c->slot_from));
	if (!c->slot_from) {
		free(c);
		return NULL;
	}
	carry__slots(c);
	carry__taints(c);
	return c;
}

void carry__free(struct carry *c)
{
	if (!c)
		return;
	free(c->slot_from);
	free(c);
}

static uint64_t carry__taint_bits(const struct carry *c, uint64_t bits)
{
	uint64_t out = 0;

	for (int i = 0; i < c->from->nr_taints; i++)
		if (bits & (1ull << i) && c->taint_to[i] >= 0)
			out |= 1ull << c->taint_to[i];
	return out;
}

/* The windows by the new slots, those that stay moved (their distinct
 * sets with them), the rest freed. */
static int carry__windows(const struct carry *c, struct sandbox_risk *r)
{
	struct window *old = r->windows, *next = NULL;
	int err = 0;

	if (!old)
		return 0;
	if (c->to->nr_windows) {
		next = calloc(c->to->nr_windows, sizeof(*next));
		err = next ? 0 : -ENOMEM;
	}
	for (int s = 0; next && s < c->to->nr_windows; s++) {
		if (c->slot_from[s] < 0)
			continue;
		next[s] = old[c->slot_from[s]];
		memset(&old[c->slot_from[s]], 0, sizeof(*old));
	}
	for (int s = 0; s < c->from->nr_windows; s++)
		window__clear(&old[s]);
	free(old);
	r->windows = next;
	return err;
}

/* The built-in default included. */
static uint32_t profile__id_in(const struct ruleset *rs, const char *name)
{
	const struct profile *p;

	for (size_t i = 0; (p = ruleset__profile_at(rs, i)); i++)
		if (!strcmp(p->name, name))
			return p->id;
	return 0;
}

static uint32_t profile__max_id(const struct ruleset *rs)
{
	const struct profile *p;
	uint32_t max = 0;

	for (size_t i = 0; (p = ruleset__profile_at(rs, i)); i++)
		if (p->id > max)
			max = p->id;
	return max;
}

void carry__ids(const struct ruleset *from, struct ruleset *to)
{
	uint32_t fresh = profile__max_id(from);
	size_t n = to->nr_profiles + (to->owned_fallback != NULL);

	if (profile__max_id(to) > fresh)
		fresh = profile__max_id(to);
	for (size_t i = 0; i < n; i++) {
		struct profile *p = i < to->nr_profiles ? to->profiles[i]
							: to->owned_fallback;
		uint32_t id = profile__id_in(from, p->name);

		p->id = id ? id : ++fresh;
	}
}

int carry__sandbox(const struct carry *c, struct sandbox *sb)
{
	struct sandbox_risk *r = sb->risk;

	if (sb->agent) {
		sb->agent = NULL;
		ruleset__profile_of(c->to, sb);
	}
	if (!r)
		return 0;
	r->taints = carry__taint_bits(c, r->taints);
	return carry__windows(c, r);
}
