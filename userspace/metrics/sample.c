// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What a tick samples for the metrics: the sandboxes and the Kafka sink,
 * read on the collector's thread, whose data they are, and swapped into
 * the store whole. */
#include <string.h>

#include "engine.h"
#include "metrics_int.h"
#include "policy_types.h"

struct census {
	struct metrics *m;
	struct gauges *g;
	uint64_t now;
};

static enum metrics_state census__state(const struct sandbox *sb)
{
	switch (sb->act ? sb->act->run : RUN_RUNNING) {
	case RUN_FROZEN: return ST_FROZEN;
	case RUN_KILLED: return ST_KILLED;
	default: return ST_RUNNING;
	}
}

/* Keeps r the METRICS_TOP highest values, highest first. */
static void census__rank(struct ranking *r, double value, int profile)
{
	int i = r->nr < METRICS_TOP ? r->nr++ : METRICS_TOP;

	if (i == METRICS_TOP && value <= r->top[METRICS_TOP - 1].value)
		return;
	if (i == METRICS_TOP)
		i--;
	while (i > 0 && r->top[i - 1].value < value) {
		r->top[i] = r->top[i - 1];
		i--;
	}
	r->top[i] = (struct rank){ .value = value, .profile = profile };
}

static void census__one(void *ctx, struct sandbox *sb)
{
	struct census *c = ctx;
	struct gauges *g = c->g;
	enum metrics_state st = census__state(sb);
	int p = -1;
	double frozen;

	g->state[st]++;
	if (!c->m->rs || st == ST_KILLED)
		return;
	p = metrics__profile_index(c->m, ruleset__profile_of(c->m->rs, sb));
	if (p < 0)
		return;
	g->by_profile[p]++;
	census__rank(&g->risk, engine__risk(sb, c->now), p);
	if (sb->lost)
		census__rank(&g->lost, sb->lost, p);
	if (st != ST_FROZEN || c->now < sb->act->frozen_ns)
		return;
	frozen = (c->now - sb->act->frozen_ns) / 1e9;
	if (frozen > g->frozen_s[p])
		g->frozen_s[p] = frozen;
}

static void census__kafka(struct gauges *g, struct sink *const *sinks,
			  int nr)
{
	for (int i = 0; i < nr; i++) {
		const struct sink *s = sinks[i];

		if (strcmp(s->name, "kafka"))
			continue;
		g->kafka = true;
		g->kafka_delivered = s->written;
		g->kafka_spooled = s->spooled;
		g->kafka_failed = s->failed;
		g->kafka_dropped = s->dropped;
		g->kafka_spool_bytes = s->backlog_bytes;
		g->kafka_up = s->reachable;
	}
}

void metrics__tick(struct metrics *m, struct sandboxes *sbs,
		   struct sink *const *sinks, int nr_sinks, uint64_t now)
{
	size_t np = m ? m->nr_profiles : 0;
	uint64_t by_profile[np + 1];
	double frozen_s[np + 1];
	struct gauges g = { .by_profile = by_profile, .frozen_s = frozen_s };
	struct census c = { .m = m, .g = &g, .now = now };

	if (!m)
		return;
	memset(by_profile, 0, sizeof(by_profile));
	memset(frozen_s, 0, sizeof(frozen_s));
	sandboxes__each(sbs, census__one, &c);
	census__kafka(&g, sinks, nr_sinks);
	g.sampled = true;
	clock_gettime(CLOCK_MONOTONIC, &g.at);
	pthread_mutex_lock(&m->lock);
	g.by_profile = m->g.by_profile;
	g.frozen_s = m->g.frozen_s;
	if (np) {
		memcpy(g.by_profile, by_profile, np * sizeof(*by_profile));
		memcpy(g.frozen_s, frozen_s, np * sizeof(*frozen_s));
	}
	m->g = g;
	pthread_mutex_unlock(&m->lock);
}
