// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "engine.h"
#include "rindex.h"

struct sb_entry {
	struct sb_state s;
	UT_hash_handle hh;
};

struct engine {
	const struct ruleset *rs;
	struct engine_hooks hooks;
	struct sb_entry *sandboxes;
	uint64_t *bits;		/* candidate bitmap */
	char scratch[VIGIL_PATH_MAX + 2];
	struct engine_stats stats;
};

struct engine *engine__new(const struct ruleset *rs,
			   const struct engine_hooks *hooks)
{
	struct engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->rs = rs;
	e->hooks = *hooks;
	e->bits = calloc(rindex__words(rs->index), sizeof(*e->bits));
	if (!e->bits) {
		free(e);
		return NULL;
	}
	return e;
}

static void entry__free(const struct engine *e, struct sb_entry *sb)
{
	if (sb->s.windows)
		for (int i = 0; i < e->rs->nr_windows; i++)
			window__clear(&sb->s.windows[i]);
	free(sb->s.windows);
	free(sb);
}

void engine__free(struct engine *e)
{
	struct sb_entry *sb, *tmp;

	if (!e)
		return;
	HASH_ITER(hh, e->sandboxes, sb, tmp) {
		HASH_DEL(e->sandboxes, sb);
		entry__free(e, sb);
	}
	free(e->bits);
	free(e);
}

struct sb_state *engine__sandbox(struct engine *e, uint64_t cgid)
{
	struct sb_entry *sb;

	HASH_FIND(hh, e->sandboxes, &cgid, sizeof(cgid), sb);
	return sb ? &sb->s : NULL;
}

/* A sandbox's profile: its trusted.vigil.profile, else "default". */
static const struct profile *profile__for(const struct ruleset *rs,
					  const struct sandbox *sandbox)
{
	const struct profile *p = NULL;

	if (sandbox->profile)
		p = ruleset__profile(rs, sandbox->profile,
				     sandbox->profile_len);
	return p ? p : rs->fallback;
}

static struct sb_state *sandbox__state(struct engine *e,
				       const struct sandbox *sandbox)
{
	struct sb_state *s = engine__sandbox(e, sandbox->cgid);
	struct sb_entry *sb;

	if (s)
		return s;
	sb = calloc(1, sizeof(*sb));
	if (!sb)
		return NULL;
	sb->s.cgid = sandbox->cgid;
	sb->s.profile = profile__for(e->rs, sandbox);
	HASH_ADD(hh, e->sandboxes, s.cgid, sizeof(sb->s.cgid), sb);
	return &sb->s;
}

double engine__risk(const struct sb_state *sb, uint64_t now)
{
	double half = sb->profile->half_life_ns;

	if (now <= sb->risk_ns || !sb->risk)
		return sb->risk;
	return sb->risk * exp2(-(double)(now - sb->risk_ns) / half);
}

/* ---------------------------------------------------------------- windows */

/* The amount (sums) or the key (distinct) a match brings its window. */
static bool window__input(const struct window_spec *w, struct eval *ev,
			  uint64_t *amount, uint64_t *key)
{
	struct fval v;

	*amount = 1;
	*key = 0;
	if (w->agg == WIN_COUNT)
		return true;
	/* A rule's other record types lack the field: they do not feed
	 * its window (and must not be read as if they had it). */
	if (!(w->field->events & EVBIT(ev->f.ev->kind)) ||
	    !w->field->get(&ev->f, &v))
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

/* A windowed rule matches only when its window goes above its bound. */
static bool window__fires(struct engine *e, struct sb_state *sb,
			  const struct rule *r, struct eval *ev)
{
	uint64_t amount, key;

	if (!sb->windows) {
		sb->windows = calloc(e->rs->nr_windows, sizeof(*sb->windows));
		if (!sb->windows)
			return false;
	}
	if (!window__input(r->window, ev, &amount, &key))
		return false;
	return window__add(&sb->windows[r->window->slot], r->window,
			   ev->f.ev->ktime_ns, amount, key);
}

/* ---------------------------------------------------------------- scoring */

static enum act_level level__of(const struct profile *p, double risk)
{
	for (int l = LEVEL_KILL; l > LEVEL_NONE; l--)
		if (risk >= p->threshold[l])
			return l;
	return LEVEL_NONE;
}

/* One rule matched: taint, alert, risk. Returns the action it asks. */
static enum act_level engine__match(struct engine *e, struct sb_state *sb,
				    const struct rule *r, struct eval *ev)
{
	const struct rule_tune *t = &sb->profile->tune[r->index];
	uint64_t now = ev->f.ev->ktime_ns;
	struct match m = { .rule = r, .score = t->score };

	if (r->taint >= 0) {
		sb->taints |= 1ull << r->taint;
		ev->f.taints = sb->taints;
	}
	sb->risk = engine__risk(sb, now) + t->score;
	if (now > sb->risk_ns)
		sb->risk_ns = now;
	m.risk = sb->risk;
	sb->alerts++;
	e->stats.matches++;
	e->hooks.alert(e->hooks.ctx, ev->f.ev, &m, sb);
	return t->action > LEVEL_ALERT ? t->action : LEVEL_NONE;
}

/* An alert level lapses when the risk has decayed below it, so a new
 * rise alerts again. Checked before an event's matches add to the risk,
 * which would hide the dip. */
static void engine__lapse(struct sb_state *sb, uint64_t now)
{
	if (sb->level == LEVEL_ALERT &&
	    level__of(sb->profile, engine__risk(sb, now)) == LEVEL_NONE)
		sb->level = LEVEL_NONE;
}

/* Acts once per level: a frozen sandbox is not frozen again, and only a
 * human (engine__absolve) or a kill moves it on. */
static void engine__decide(struct engine *e, struct sb_state *sb,
			   const struct event *ev, enum act_level direct,
			   const struct rule *direct_rule)
{
	enum act_level by_risk = level__of(sb->profile,
					   engine__risk(sb, ev->ktime_ns));
	enum act_level want = direct > by_risk ? direct : by_risk;

	if (want <= sb->level)
		return;
	sb->level = want;
	/* A rule that acts is named even when the risk got there too. */
	e->hooks.act(e->hooks.ctx, ev, want,
		     direct >= by_risk ? direct_rule : NULL, sb);
}

static void engine__match_all(struct engine *e, struct sb_state *sb,
			      struct eval *ev)
{
	const struct rule *direct_rule = NULL;
	enum act_level direct = LEVEL_NONE;
	size_t words = rindex__words(e->rs->index);
	bool matched = false;

	engine__lapse(sb, ev->f.ev->ktime_ns);
	rindex__candidates(e->rs->index, ev, e->bits);
	for (size_t w = 0; w < words; w++) {
		for (uint64_t b = e->bits[w]; b; b &= b - 1) {
			const struct rule *r =
				e->rs->rules[w * 64 + __builtin_ctzll(b)];
			enum act_level l;

			e->stats.candidates++;
			if (sb->profile->tune[r->index].disabled ||
			    !cond__eval(r->when, ev) ||
			    (r->window && !window__fires(e, sb, r, ev)))
				continue;
			matched = true;
			l = engine__match(e, sb, r, ev);
			if (l > direct) {
				direct = l;
				direct_rule = r;
			}
		}
	}
	/* Without a match the risk only decays: nothing new to decide. */
	if (matched)
		engine__decide(e, sb, ev->f.ev, direct, direct_rule);
}

void engine__event(struct engine *e, const struct event *ev)
{
	struct sb_state *sb;
	struct eval ctx;

	if (!ev->sandbox || !(EVBIT(ev->kind) & EV_SANDBOXED))
		return;
	e->stats.events++;
	sb = sandbox__state(e, ev->sandbox);
	/* A sandbox being killed has nothing left to decide. */
	if (!sb || sb->level == LEVEL_KILL)
		return;
	ctx = (struct eval){
		.f = { .ev = ev, .profile = sb->profile, .taints = sb->taints,
		       .taint_names = (const char *const *)e->rs->taints },
		.scratch = e->scratch,
	};
	engine__match_all(e, sb, &ctx);
}

void engine__absolve(struct engine *e, uint64_t cgid)
{
	struct sb_state *sb = engine__sandbox(e, cgid);

	if (sb && sb->level != LEVEL_KILL) {
		sb->risk = 0;
		sb->level = LEVEL_NONE;
	}
}

void engine__forget(struct engine *e, uint64_t cgid)
{
	struct sb_entry *sb;

	HASH_FIND(hh, e->sandboxes, &cgid, sizeof(cgid), sb);
	if (sb) {
		HASH_DEL(e->sandboxes, sb);
		entry__free(e, sb);
	}
}

void engine__each(struct engine *e,
		  void (*fn)(void *arg, const struct sb_state *sb), void *arg)
{
	struct sb_entry *sb, *tmp;

	HASH_ITER(hh, e->sandboxes, sb, tmp)
		fn(arg, &sb->s);
}

const struct engine_stats *engine__stats(const struct engine *e)
{
	return &e->stats;
}

const struct ruleset *engine__rules(const struct engine *e)
{
	return e->rs;
}
