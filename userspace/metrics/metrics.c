// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The store and the collector's hooks into it (metrics.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "clock.h"
#include "log.h"
#include "metrics_int.h"
#include "render.h"

#define SWAP(a, b) do { __typeof__(a) t_ = (a); (a) = (b); (b) = t_; } while (0)

const char *const metrics_acts[NR_ACTS] = {
	[ACT_ALERT] = "alert", [ACT_FREEZE] = "freeze",
	[ACT_THAW] = "thaw", [ACT_KILL] = "kill",
};
const char *const metrics_outcomes[NR_OUTCOMES] = {
	[OUT_DONE] = "done", [OUT_FAILED] = "failed",
	[OUT_REFUSED] = "refused", [OUT_DRY_RUN] = "dry-run",
};
const char *const metrics_states[NR_STATES] = {
	[ST_RUNNING] = "running", [ST_FROZEN] = "frozen",
	[ST_KILLED] = "killed",
};
/* From a kernel kill (well under a millisecond) to one that waited for
 * a slow cgroup (seconds). */
const double metrics_buckets[METRICS_BUCKETS] = {
	0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5,
	1, 2, 5, 10,
};

struct rule_index {
	const char *id;		/* the ruleset's */
	size_t index;
	UT_hash_handle hh;
};

static int name__index(const char *name, const char *const *names, int n)
{
	for (int i = 0; name && i < n; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

static int metrics__index_rules(struct metrics *m)
{
	const struct ruleset *rs = m->rs;
	struct rule_index *e;

	m->alerts = calloc(rs->nr_rules ?: 1, sizeof(*m->alerts));
	m->spills = calloc(rs->nr_rules ?: 1, sizeof(*m->spills));
	if (!m->alerts || !m->spills)
		return -ENOMEM;
	for (size_t i = 0; i < rs->nr_rules; i++) {
		e = calloc(1, sizeof(*e));
		if (!e)
			return -ENOMEM;
		e->id = rs->rules[i]->id;
		e->index = i;
		HASH_ADD_KEYPTR(hh, m->by_rule, e->id, strlen(e->id), e);
	}
	return 0;
}

/* The profiles a sandbox can have: every one the rules define, and the
 * default one the rule set made itself when no file defines it. */
static int metrics__index_profiles(struct metrics *m)
{
	const struct ruleset *rs = m->rs;
	size_t n = rs->nr_profiles;

	m->profiles = calloc(n + 1, sizeof(*m->profiles));
	m->g.by_profile = calloc(n + 1, sizeof(*m->g.by_profile));
	m->g.frozen_s = calloc(n + 1, sizeof(*m->g.frozen_s));
	if (!m->profiles || !m->g.by_profile || !m->g.frozen_s)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		m->profiles[i] = rs->profiles[i];
	if (rs->owned_fallback)
		m->profiles[n++] = rs->owned_fallback;
	m->nr_profiles = n;
	return 0;
}

int metrics__profile_index(const struct metrics *m, const struct profile *p)
{
	for (size_t i = 0; i < m->nr_profiles; i++)
		if (m->profiles[i] == p)
			return i;
	return -1;
}

struct metrics *metrics__new(const struct metrics_opts *o)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->rules_lock, NULL);
	m->rs = o->rules;
	m->tick_ms = o->tick_ms;
	snprintf(m->rules_sha256, sizeof(m->rules_sha256), "%s",
		 o->rules_sha256 ?: "");
	if (pthread_getcpuclockid(pthread_self(), &m->collector_cpu) ||
	    (m->rs && (metrics__index_rules(m) ||
		       metrics__index_profiles(m)))) {
		metrics__free(m);
		return NULL;
	}
	return m;
}

/* What m knows of its rules: the alerts by rule, the profiles. */
static void metrics__free_rules(struct metrics *m)
{
	struct rule_index *e, *tmp;

	HASH_ITER(hh, m->by_rule, e, tmp) {
		HASH_DEL(m->by_rule, e);
		free(e);
	}
	free(m->alerts);
	free(m->spills);
	free(m->profiles);
	free(m->g.by_profile);
	free(m->g.frozen_s);
}

void metrics__free(struct metrics *m)
{
	if (!m)
		return;
	metrics__free_rules(m);
	ringfill__close(&m->ring);
	free(m->learn.v);
	pthread_mutex_destroy(&m->lock);
	pthread_mutex_destroy(&m->rules_lock);
	free(m);
}

static void histo__add(struct histo *h, double seconds)
{
	int i = 0;

	while (i < METRICS_BUCKETS && seconds > metrics_buckets[i])
		i++;
	if (i < METRICS_BUCKETS)
		ctr__add(&h->bucket[i], 1);
	ctr__add(&h->count, 1);
	ctr__add(&h->sum_ns, seconds * 1e9);
}

int metrics__rule_index(const struct metrics *m, const char *id)
{
	struct rule_index *e = NULL;

	if (m->by_rule && id)
		HASH_FIND_STR(m->by_rule, id, e);
	return e ? (int)e->index : -1;
}

static void metrics__alert(struct metrics *m, const struct ev_alert *a)
{
	int i = metrics__rule_index(m, a->rule);

	if (i >= 0)
		ctr__add(&m->alerts[i], 1);
}

static void metrics__action(struct metrics *m, const struct ev_action *a)
{
	int act = name__index(a->action, metrics_acts, NR_ACTS);
	int out = name__index(a->outcome, metrics_outcomes, NR_OUTCOMES);

	if (act < 0 || out < 0)
		return;
	ctr__add(&m->actions[act][out], 1);
	if (out != OUT_DONE || a->latency_ms < 0)
		return;
	if (act == ACT_KILL)
		histo__add(&m->kill, a->latency_ms / 1e3);
	else if (act == ACT_FREEZE)
		histo__add(&m->freeze, a->latency_ms / 1e3);
}

static void metrics__drop(struct metrics *m, const struct ev_drop *d)
{
	if (d->sandbox_cgid) {
		for (int i = 0; i < VIGIL_KINDS; i++)
			ctr__add(&m->sandbox_lost[i], d->by_type[i]);
		ctr__add(&m->kills_unseen, d->kills);
		return;
	}
	for (int i = 0; i < VIGIL_DROP_MAX; i++)
		ctr__add(&m->drops[i], d->reason[i]);
	ctr__add(&m->drops[VIGIL_DROP_MAX], d->sinks);
	ctr__add(&m->drops[VIGIL_DROP_MAX + 1], d->malformed);
}

void metrics__record(struct metrics *m, const struct event *ev)
{
	if (!m)
		return;
	if ((unsigned int)ev->kind < METRICS_KINDS)
		ctr__add(&m->records[ev->kind], 1);
	if (ev->kind == EVENT_ALERT)
		metrics__alert(m, &ev->alert);
	else if (ev->kind == EVENT_ACTION)
		metrics__action(m, &ev->action);
	else if (ev->kind == EVENT_DROP)
		metrics__drop(m, &ev->drop);
}

uint64_t metrics__rules_begin(struct metrics *m)
{
	if (!m || ++m->rules_turn % METRICS_SAMPLE)
		return 0;
	return clock__mono_ns();
}

void metrics__rules_end(struct metrics *m, uint64_t begin_ns)
{
	if (begin_ns)
		ctr__add(&m->rules_ns,
			 (clock__mono_ns() - begin_ns) * METRICS_SAMPLE);
}

void metrics__attached(struct metrics *m, bool attached)
{
	if (m)
		atomic_store(&m->attached, attached);
}

int metrics__ring(struct metrics *m, const char *name, int map_fd,
		  size_t size)
{
	return m ? ringfill__open(&m->ring, name, map_fd, size) : 0;
}

void metrics__programs(struct metrics *m, const struct bpf_object *obj)
{
	struct bpf_program *p;

	if (!m)
		return;
	bpf_object__for_each_program(p, obj) {
		struct program *slot = &m->programs[m->nr_programs];

		if (bpf_program__fd(p) < 0 ||
		    m->nr_programs == METRICS_PROGRAMS)
			continue;
		snprintf(slot->name, sizeof(slot->name), "%s",
			 bpf_program__name(p));
		slot->fd = bpf_program__fd(p);
		m->nr_programs++;
	}
}

const char *metrics__drop_reason(int i)
{
	if (i == VIGIL_DROP_MAX)
		return "sinks";
	if (i == VIGIL_DROP_MAX + 1)
		return "malformed";
	return render__drop_reason(i);
}

/* The new set's indexes, built aside: the alerts of a rule id that
 * stays go on counting from where they were. */
static int metrics__index(const struct metrics *m, const struct ruleset *rs,
			  struct metrics *next)
{
	struct rule_index *e, *tmp, *to;

	next->rs = rs;
	if (metrics__index_rules(next) || metrics__index_profiles(next))
		return -ENOMEM;
	HASH_ITER(hh, m->by_rule, e, tmp) {
		HASH_FIND_STR(next->by_rule, e->id, to);
		if (!to)
			continue;
		next->alerts[to->index] = m->alerts[e->index];
		next->spills[to->index] = m->spills[e->index];
	}
	return 0;
}

/* Swapped under both locks: a scrape renders one set or the other, and
 * the last sample's rankings, which name the old profiles, are cleared
 * until the next tick. */
int metrics__reload(struct metrics *m, const struct ruleset *rs,
		    const char *rules_sha256)
{
	struct metrics *next;
	int err;

	if (!m)
		return 0;
	next = calloc(1, sizeof(*next));
	if (!next)
		return -ENOMEM;
	err = metrics__index(m, rs, next);
	if (!err) {
		pthread_mutex_lock(&m->rules_lock);
		pthread_mutex_lock(&m->lock);
		SWAP(m->rs, next->rs);
		SWAP(m->alerts, next->alerts);
		SWAP(m->spills, next->spills);
		SWAP(m->by_rule, next->by_rule);
		SWAP(m->profiles, next->profiles);
		SWAP(m->nr_profiles, next->nr_profiles);
		SWAP(m->g.by_profile, next->g.by_profile);
		SWAP(m->g.frozen_s, next->g.frozen_s);
		m->g.risk.nr = m->g.lost.nr = 0;
		snprintf(m->rules_sha256, sizeof(m->rules_sha256), "%s",
			 rules_sha256);
		pthread_mutex_unlock(&m->lock);
		pthread_mutex_unlock(&m->rules_lock);
	}
	metrics__free_rules(next);
	free(next);
	return err;
}

void metrics__reloaded(struct metrics *m, bool ok)
{
	if (m)
		ctr__add(&m->reloads[!ok], 1);
}

void metrics__repaired(struct metrics *m, size_t links, size_t pins,
		       size_t maps)
{
	if (!m)
		return;
	ctr__add(&m->repairs[0], links);
	ctr__add(&m->repairs[1], pins);
	ctr__add(&m->repairs[2], maps);
}
