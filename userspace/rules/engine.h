/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The rule engine: each event is matched against the rules its index
 * names; each match raises an alert and adds the rule's score (as the
 * sandbox's profile tunes it) to the sandbox's risk, which halves every
 * half-life. Crossing a profile threshold, or matching a rule that acts
 * directly, asks for an action. The engine only decides: what an alert
 * or an action does is up to its hooks (policy.c acts on cgroups; `vigil
 * rules test` prints what would happen).
 */
#ifndef VIGIL_ENGINE_H
#define VIGIL_ENGINE_H

#include <stdint.h>

#include "event.h"
#include "ruleset.h"
#include "window.h"

/* What the engine keeps per sandbox. */
struct sb_state {
	uint64_t cgid;
	const struct profile *profile;
	double risk;		/* as of risk_ns */
	uint64_t risk_ns;
	enum act_level level;	/* the highest action taken */
	uint64_t taints;	/* bits, named by ruleset.taints */
	uint64_t alerts;
	struct window *windows;	/* by window slot, made on first use */
};

struct match {
	const struct rule *rule;
	double score;		/* as the profile tunes it */
	double risk;		/* the sandbox's risk after it */
};

struct engine_hooks {
	void *ctx;
	void (*alert)(void *ctx, const struct event *ev, const struct match *m,
		      const struct sb_state *sb);
	/* rule: the rule that acts directly, or NULL for a threshold. */
	void (*act)(void *ctx, const struct event *ev, enum act_level level,
		    const struct rule *rule, const struct sb_state *sb);
};

struct engine_stats {
	uint64_t events;
	uint64_t candidates;	/* rules evaluated */
	uint64_t matches;
};

struct engine;

/* rs must outlive the engine. NULL on allocation failure. */
struct engine *engine__new(const struct ruleset *rs,
			   const struct engine_hooks *hooks);
void engine__free(struct engine *e);	/* NULL-safe */

/* Scores one event (sandboxed records only; others are ignored). */
void engine__event(struct engine *e, const struct event *ev);

/* The sandbox's state, NULL if it never had an event. */
struct sb_state *engine__sandbox(struct engine *e, uint64_t cgid);
/* The sandbox's risk decayed to now. */
double engine__risk(const struct sb_state *sb, uint64_t now);
/* A human decided (thaw): risk back to 0, no action taken. */
void engine__absolve(struct engine *e, uint64_t cgid);
/* The sandbox is gone. */
void engine__forget(struct engine *e, uint64_t cgid);
/* Calls fn for every sandbox. */
void engine__each(struct engine *e,
		  void (*fn)(void *arg, const struct sb_state *sb), void *arg);
const struct engine_stats *engine__stats(const struct engine *e);
const struct ruleset *engine__rules(const struct engine *e);

#endif /* VIGIL_ENGINE_H */
