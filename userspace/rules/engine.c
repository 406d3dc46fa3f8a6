// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "engine.h"
#include "log.h"
#include "rindex.h"

struct engine {
	const struct ruleset *rs;
	uint64_t *bits;		/* candidate bitmap */
	struct match *matches;	/* the current event's, one per rule */
	struct decision out;
	char scratch[VIGIL_PATH_MAX + 2];
	struct engine_stats stats;
	uint64_t *spills;	/* by rule index, since engine__take_spills */
};

struct engine *engine__new(const struct ruleset *rs)
{
	struct engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->rs = rs;
	e->bits = calloc(rindex__words(rs->index), sizeof(*e->bits));
	e->matches = calloc(rs->nr_rules ? rs->nr_rules : 1,
			    sizeof(*e->matches));
	e->spills = calloc(rs->nr_rules ? rs->nr_rules : 1,
			   sizeof(*e->spills));
	if (!e->bits || !e->matches || !e->spills) {
		engine__free(e);
		return NULL;
	}
	return e;
}

void engine__free(struct engine *e)
{
	if (!e)
		return;
	free(e->spills);
	free(e->matches);
	free(e->bits);
	free(e);
}

void engine__forget(void *ctx, struct sandbox *sb)
{
	const struct engine *e = ctx;
	struct sandbox_risk *r = sb->risk;

	if (!r)
		return;
	if (r->windows)
		for (int i = 0; i < e->rs->nr_windows; i++)
			window__clear(&r->windows[i]);
	free(r->windows);
	free(r);
	sb->risk = NULL;
}

/* The sandbox's risk slot, made with its first event. */
static struct sandbox_risk *engine__slot(struct engine *e, struct sandbox *sb)
{
	if (!sb->risk) {
		ruleset__profile_of(e->rs, sb);
		sb->risk = calloc(1, sizeof(*sb->risk));
	}
	return sb->risk;
}

static double risk__decayed(const struct sandbox_risk *r,
			    const struct profile *p, uint64_t now)
{
	if (now <= r->risk_ns || !r->risk)
		return r->risk;
	return r->risk * exp2(-(double)(now - r->risk_ns) / p->half_life_ns);
}

double engine__risk(const struct sandbox *sb, uint64_t now)
{
	return sb->risk ? risk__decayed(sb->risk, sb->agent, now) : 0;
}

/* ---------------------------------------------------------------- windows */

/* Field f of the event as a window key (and, for numbers, an amount);
 * false when the record lacks it: a rule's other record types must not
 * be read as if they had it. */
static bool field__key(const struct field *f, struct eval *ev,
		       uint64_t *amount, uint64_t *key)
{
	struct fval v;

	if (!(f->events & EVBIT(ev->f.ev->kind)) || !f->get(&ev->f, &v))
		return false;
	switch (v.type) {
	case FT_NUM:
		*amount = v.n > 0 ? (uint64_t)v.n : 0;
		*key = window__hash(&v.n, sizeof(v.n));
		return true;
	case FT_STR:
		*key = window__hash(v.s.p, v.s.len);
		return true;
	case FT_ADDR:
		*key = window__hash(&v.addr, sizeof(v.addr));
		return true;
	default:
		*key = v.b;
		return true;
	}
}

/* The amount (sums) or the key (distinct) a match brings its window. */
static bool window__input(const struct window_spec *w, struct eval *ev,
			  uint64_t *amount, uint64_t *key)
{
	*amount = 1;
	*key = 0;
	return w->agg == WIN_COUNT || field__key(w->field, ev, amount, key);
}

/* The window a match of rule feeds: the sandbox's, or with `by` the one
 * of its group. More groups than a window keeps are counted together
 * (window.h) and said: in the stats, and once per sandbox and rule in
 * the log. NULL: the record lacks the by field, or memory ran out. */
static struct window *window__of(struct engine *e, const struct sandbox *sb,
				 const struct rule *rule, struct eval *ev)
{
	struct window *w = &sb->risk->windows[rule->window->slot];
	uint64_t unused, key;
	bool spilled;

	if (!rule->window->by)
		return w;
	if (!field__key(rule->window->by, ev, &unused, &key))
		return NULL;
	w = window__group(w, rule->window, ev->f.ev->ktime_ns, key, &spilled);
	if (!spilled)
		return w;
	e->stats.window_spills++;
	e->spills[rule->index]++;
	if (window__spills(&sb->risk->windows[rule->window->slot]) == 1)
		log_warn("sandbox %s: rule %s: more than %d values of %s in "
			 "its window; the rest are counted together",
			 sb->id, rule->id, WINDOW_MAX_GROUPS,
			 rule->window->by->name);
	return w;
}

/* A windowed rule matches only when its window goes above its bound. */
static bool window__fires(struct engine *e, struct sandbox *sb,
			  const struct rule *rule, struct eval *ev)
{
	struct sandbox_risk *r = sb->risk;
	uint64_t amount, key;
	struct window *w;

	if (!r->windows) {
		r->windows = calloc(e->rs->nr_windows, sizeof(*r->windows));
		if (!r->windows)
			return false;
	}
	if (!window__input(rule->window, ev, &amount, &key) ||
	    !(w = window__of(e, sb, rule, ev)))
		return false;
	return window__add(w, rule->window, ev->f.ev->ktime_ns, amount, key);
}

/* ---------------------------------------------------------------- scoring */

static enum act_level level__of(const struct profile *p, double risk)
{
	for (int l = LEVEL_KILL; l > LEVEL_NONE; l--)
		if (risk >= p->threshold[l])
			return l;
	return LEVEL_NONE;
}

/* One rule matched: taint, risk, and an alert in the decision.
 * Returns the action it asks. */
static enum act_level engine__match(struct engine *e, struct sandbox *sb,
				    const struct rule *rule, struct eval *ev)
{
	const struct rule_tune *t = &sb->agent->tune[rule->index];
	struct sandbox_risk *r = sb->risk;
	uint64_t now = ev->f.ev->ktime_ns;

	if (rule->taint >= 0) {
		r->taints |= 1ull << rule->taint;
		ev->f.taints = r->taints;
	}
	r->risk = risk__decayed(r, sb->agent, now) + t->score;
	if (now > r->risk_ns)
		r->risk_ns = now;
	r->alerts++;
	e->stats.matches++;
	e->matches[e->out.nr_matches++] = (struct match){
		.rule = rule, .score = t->score, .risk = r->risk,
	};
	/* An ask is per step, not a rung: each asking record asks. */
	if (t->action == LEVEL_ASK) {
		if (!e->out.ask_rule)
			e->out.ask_rule = rule;
		return LEVEL_NONE;
	}
	return t->action > LEVEL_ALERT ? t->action : LEVEL_NONE;
}

/* An alert level lapses when the risk has decayed below it, so a new
 * rise alerts again. Checked before an event's matches add to the risk,
 * which would hide the dip. */
static void engine__lapse(const struct sandbox *sb, uint64_t now)
{
	struct sandbox_risk *r = sb->risk;

	if (r->level == LEVEL_ALERT &&
	    level__of(sb->agent, risk__decayed(r, sb->agent, now)) == LEVEL_NONE)
		r->level = LEVEL_NONE;
}

/* Acts once per level: a frozen sandbox is not frozen again, and only a
 * human (engine__absolve) or a kill moves it on. */
static void engine__decide(struct engine *e, const struct sandbox *sb,
			   uint64_t now, enum act_level direct,
			   const struct rule *direct_rule)
{
	struct sandbox_risk *r = sb->risk;
	enum act_level by_risk = level__of(sb->agent,
					   risk__decayed(r, sb->agent, now));
	enum act_level want = direct > by_risk ? direct : by_risk;

	if (want <= r->level)
		return;
	r->level = want;
	e->out.act = want;
	/* A rule that acts is named even when the risk got there too. */
	e->out.act_rule = direct >= by_risk ? direct_rule : NULL;
}

/* An anomaly's score (as the profile weighs it) joins the same risk
 * as rules' scores, before the rules that test the anomaly add theirs.
 * Returns whether it added any. */
static bool engine__anomaly(struct sandbox *sb, const struct event *ev)
{
	struct sandbox_risk *r = sb->risk;

	if (ev->kind != EVENT_ANOMALY || !(ev->anomaly.score > 0))
		return false;
	r->risk = risk__decayed(r, sb->agent, ev->ktime_ns) + ev->anomaly.score;
	if (ev->ktime_ns > r->risk_ns)
		r->risk_ns = ev->ktime_ns;
	return true;
}

static void engine__match_all(struct engine *e, struct sandbox *sb,
			      struct eval *ev)
{
	const struct rule *direct_rule = NULL;
	enum act_level direct = LEVEL_NONE;
	size_t words = rindex__words(e->rs->index);
	bool anomaly;

	engine__lapse(sb, ev->f.ev->ktime_ns);
	anomaly = engine__anomaly(sb, ev->f.ev);
	rindex__candidates(e->rs->index, ev, e->bits);
	for (size_t w = 0; w < words; w++) {
		for (uint64_t b = e->bits[w]; b; b &= b - 1) {
			const struct rule *r =
				e->rs->rules[w * 64 + __builtin_ctzll(b)];
			enum act_level l;

			e->stats.candidates++;
			if (sb->agent->tune[r->index].disabled ||
			    !cond__eval(r->when, ev) ||
			    (r->window && !window__fires(e, sb, r, ev)))
				continue;
			l = engine__match(e, sb, r, ev);
			if (l > direct) {
				direct = l;
				direct_rule = r;
			}
		}
	}
	/* Without a match or an anomaly the risk only decays: nothing new
	 * to decide. */
	if (e->out.nr_matches || anomaly)
		engine__decide(e, sb, ev->f.ev->ktime_ns, direct, direct_rule);
}

const struct decision *engine__event(struct engine *e, const struct event *ev)
{
	struct sandbox *sb = ev->sandbox;
	struct eval ctx;

	e->out = (struct decision){ .matches = e->matches };
	if (!sb || !(EVBIT(ev->kind) & EV_SANDBOXED))
		return &e->out;
	e->stats.events++;
	/* A sandbox being killed still alerts (its records may have come
	 * out of order with the verdict that killed it: bpf/README.md), but
	 * has nothing left to decide (engine__decide). */
	if (!engine__slot(e, sb))
		return &e->out;
	ctx = (struct eval){
		.f = { .ev = ev, .profile = sb->agent,
		       .taints = sb->risk->taints,
		       .taint_names = (const char *const *)e->rs->taints },
		.scratch = e->scratch,
	};
	engine__match_all(e, sb, &ctx);
	return &e->out;
}

void engine__absolve(struct sandbox *sb)
{
	struct sandbox_risk *r = sb->risk;

	if (r && r->level != LEVEL_KILL) {
		r->risk = 0;
		r->level = LEVEL_NONE;
	}
}

const struct engine_stats *engine__stats(const struct engine *e)
{
	return &e->stats;
}

void engine__take_spills(struct engine *e,
			 void (*fn)(void *ctx, const struct rule *r,
				    uint64_t n),
			 void *ctx)
{
	for (size_t i = 0; i < e->rs->nr_rules; i++)
		if (e->spills[i]) {
			fn(ctx, e->rs->rules[i], e->spills[i]);
			e->spills[i] = 0;
		}
}

const struct ruleset *engine__rules(const struct engine *e)
{
	return e->rs;
}
