// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What the policy counts without a record, for the metrics: matches
 * counted in the rules' spill windows (rules/window.h), taken from the
 * engine each tick, and the learning profiles' progress (baseline/
 * learning.h), sampled each tick; and both rendered for a scrape. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_int.h"
#include "policy.h"
#include "promtext.h"

#define LABELS 1024

static void spill__one(void *ctx, const struct rule *r, uint64_t n)
{
	struct metrics *m = ctx;
	int i = metrics__rule_index(m, r->id);

	if (i >= 0)
		ctr__add(&m->spills[i], n);
}

static void learn__one(void *ctx, const struct learning_stat *st)
{
	struct learn_sample *s = ctx;
	struct learn_gauge *g = realloc(s->v, (s->n + 1) * sizeof(*g));

	if (!g)
		return;		/* out of memory: this profile unreported */
	s->v = g;
	g = &g[s->n++];
	snprintf(g->profile, sizeof(g->profile), "%s", st->profile);
	g->items = st->items;
	g->refused = st->dropped;
	g->saves = st->saves;
	g->failures = st->failures;
	g->unsaved_s = st->unsaved_ns / 1e9;
}

void metrics__policy(struct metrics *m, struct policy *p)
{
	struct learn_sample s = { 0 }, old;

	if (!m || !p)
		return;
	policy__spills(p, spill__one, m);
	policy__learning(p, learn__one, &s);
	clock_gettime(CLOCK_MONOTONIC, &s.at);
	pthread_mutex_lock(&m->lock);
	old = m->learn;
	m->learn = s;
	pthread_mutex_unlock(&m->lock);
	free(old.v);
}

void expo__spills(struct metrics *m, FILE *f)
{
	char v[PROM_LABEL_MAX], labels[LABELS];

	prom__family(f, "vigil_window_spilled_matches_total", "counter",
		     "Matches of a rule grouped by a field (by:) counted in "
		     "the sandbox's one shared spill window, its 1024 groups "
		     "being in use.");
	for (size_t i = 0; m->rs && i < m->rs->nr_rules; i++) {
		const struct rule *r = m->rs->rules[i];

		if (!r->window || !r->window->by)
			continue;
		snprintf(labels, sizeof(labels), "rule=\"%s\"",
			 prom__escape(r->id, v));
		prom__u64(f, "vigil_window_spilled_matches_total", labels,
			  ctr__get(&m->spills[i]));
	}
}

/* The learning profiles' sample, copied (s->v to free). */
static void learn__copy(struct metrics *m, struct learn_sample *s)
{
	pthread_mutex_lock(&m->lock);
	*s = m->learn;
	s->v = malloc((s->n ?: 1) * sizeof(*s->v));
	if (!s->v)
		s->n = 0;
	else if (s->n)
		memcpy(s->v, m->learn.v, s->n * sizeof(*s->v));
	pthread_mutex_unlock(&m->lock);
}

/* A profile that learns and has not had a record yet has no learner:
 * NULL, its counters 0. */
static const struct learn_gauge *learn__find(const struct learn_sample *s,
					     const char *profile)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].profile, profile))
			return &s->v[i];
	return NULL;
}

static const struct {
	const char *name, *type, *help, *label;
	size_t off;
} learn_families[] = {
	{ "vigil_baseline_items", "gauge", "Distinct items (paths, programs, "
	  "destinations, words) a learning profile holds.", "",
	  offsetof(struct learn_gauge, items) },
	{ "vigil_baseline_items_refused_total", "counter", "New items a "
	  "learning profile refused, holding its most (100000) already.", "",
	  offsetof(struct learn_gauge, refused) },
	{ "vigil_baseline_saves_total", "counter", "Saves of a learning "
	  "profile's baseline file: written, or failed (tried again a "
	  "minute later).", ",result=\"ok\"",
	  offsetof(struct learn_gauge, saves) },
	{ "vigil_baseline_saves_total", NULL, NULL, ",result=\"failed\"",
	  offsetof(struct learn_gauge, failures) },
};

/* One sample per learning profile of the rules in force. */
static void learn__family(struct metrics *m, FILE *f, int k,
			  const struct learn_sample *s)
{
	static const struct learn_gauge none;
	char v[PROM_LABEL_MAX], labels[LABELS];

	if (learn_families[k].type)
		prom__family(f, learn_families[k].name, learn_families[k].type,
			     learn_families[k].help);
	for (size_t i = 0; i < m->nr_profiles; i++) {
		const struct profile *p = m->profiles[i];
		const struct learn_gauge *g = learn__find(s, p->name) ?: &none;

		if (!p->baseline_learn || !p->baseline)
			continue;
		snprintf(labels, sizeof(labels), "profile=\"%s\"%s",
			 prom__escape(p->name, v), learn_families[k].label);
		prom__u64(f, learn_families[k].name, labels, *(const uint64_t *)
			  ((const char *)g + learn_families[k].off));
	}
}

/* Only learners have saved or tried to: since learning began, at most. */
static void learn__age(struct metrics *m, FILE *f,
		       const struct learn_sample *s)
{
	char v[PROM_LABEL_MAX], labels[LABELS];
	struct timespec now;
	double since_tick;

	clock_gettime(CLOCK_MONOTONIC, &now);
	since_tick = now.tv_sec - s->at.tv_sec +
		     (now.tv_nsec - s->at.tv_nsec) / 1e9;
	prom__family(f, "vigil_baseline_last_save_age_seconds", "gauge",
		     "Seconds since a learning profile's file was last "
		     "written (since learning began, before its first save); "
		     "it grows while nothing new is learnt.");
	for (size_t i = 0; i < m->nr_profiles; i++) {
		const struct profile *p = m->profiles[i];
		const struct learn_gauge *g = learn__find(s, p->name);

		if (!g || !p->baseline_learn || !p->baseline)
			continue;
		snprintf(labels, sizeof(labels), "profile=\"%s\"",
			 prom__escape(p->name, v));
		prom__f64(f, "vigil_baseline_last_save_age_seconds", labels,
			  g->unsaved_s + since_tick);
	}
}

void expo__learning(struct metrics *m, FILE *f)
{
	struct learn_sample s;

	learn__copy(m, &s);
	for (size_t k = 0; k < sizeof(learn_families) /
			       sizeof(learn_families[0]); k++)
		learn__family(m, f, k, &s);
	learn__age(m, f, &s);
	free(s.v);
}
