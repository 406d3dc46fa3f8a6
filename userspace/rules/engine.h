/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The rule engine: each event is matched against the rules its index
 * names; each match raises an alert and adds the rule's score (as the
 * sandbox's profile tunes it) to the sandbox's risk, as an anomaly
 * record adds its own (the profile's weight for its kind); the risk
 * halves every half-life. Crossing a profile threshold, or matching a rule that acts
 * directly, asks for an action. The engine only decides, and returns its
 * decision: what an alert or an action does is up to its caller (the
 * policy, which acts on cgroups or, for `vigil rules test`, only says
 * what it would do).
 */
#ifndef VIGIL_ENGINE_H
#define VIGIL_ENGINE_H

#include <stdint.h>

#include "event.h"
#include "ruleset.h"
#include "window.h"

/* What the engine keeps about a sandbox, in its record's risk slot. */
struct sandbox_risk {
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

/* What one event decided: its matches (each an alert), in rule order,
 * and the action they ask for, if any. */
struct decision {
	const struct match *matches;
	size_t nr_matches;
	enum act_level act;		/* LEVEL_NONE: nothing to do */
	const struct rule *act_rule;	/* the rule that acts, or NULL for
					 * a threshold */
	/* The first matching rule whose action is ask (the step waits for
	 * a human), or NULL. */
	const struct rule *ask_rule;
};

struct engine_stats {
	uint64_t events;
	uint64_t candidates;	/* rules evaluated */
	uint64_t matches;
	uint64_t window_spills;	/* matches counted in a spill window
				 * (window.h: WINDOW_MAX_GROUPS) */
};

struct engine;

/* rs must outlive the engine. NULL on allocation failure. */
struct engine *engine__new(const struct ruleset *rs);
void engine__free(struct engine *e);	/* NULL-safe */

/* Scores one event (sandboxed records only; others decide nothing).
 * The decision is valid until the next call. */
const struct decision *engine__event(struct engine *e, const struct event *ev);

/* The sandbox's risk decayed to now (0 before its first event). */
double engine__risk(const struct sandbox *sb, uint64_t now);
/* A human decided (thaw): risk back to 0, no action taken. */
void engine__absolve(struct sandbox *sb);
/* The sandbox is gone: frees its risk slot (sandbox_hooks.removed). */
void engine__forget(void *e, struct sandbox *sb);
const struct engine_stats *engine__stats(const struct engine *e);
/* fn for each rule with matches counted in a spill window since the
 * last call (window.h), n of them; for the metrics, which keep the
 * counts across reloads (a new engine starts from none). */
void engine__take_spills(struct engine *e,
			 void (*fn)(void *ctx, const struct rule *r,
				    uint64_t n),
			 void *ctx);
const struct ruleset *engine__rules(const struct engine *e);

#endif /* VIGIL_ENGINE_H */
