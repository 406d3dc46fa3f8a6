// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The rule files' YAML: a sequence of items, each a mapping whose first
 * key says what it is (list, macro, rule, profile, fileset). Every key is
 * checked against a table; values are checked for type and range here, names
 * across items are resolved later (rules_compile.c). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "exeallow.h"
#include "rules_error.h"
#include "rules_load.h"
#include "rules_yaml.h"
#include "strv.h"
#include "units.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_SCORE 1e6
/* What messages list as the choices. */
#define ITEM_KINDS "list, macro, rule, profile or fileset"
#define EVENT_KINDS "exec, fork, exit, open, connect, flow, syscall, budget, " \
		    "escape, drop, repeat, file, cred, socket, dns or anomaly"

struct reader {
	struct ruleset *rs;
	struct src *src;
	yaml_document_t doc;
};

struct item;
typedef void (*key_fn)(struct reader *r, struct item *it, yaml_node_t *v);

/* One item being read: which kind, and what it builds. */
struct item {
	const char *kind;
	union {
		struct list_def *list;
		struct macro_def *macro;
		struct rule *rule;
		struct profile *profile;
		struct fileset *fileset;
	};
	struct rule_src *rsrc;
	yaml_node_t *learn;	/* a profile's "baseline_mode: learn" */
	yaml_node_t *baseline;	/* its "baseline:" value */
};

struct key {
	const char *name;
	key_fn fn;
	bool required;
};

static struct pos pos__of(struct reader *r, const yaml_node_t *n)
{
	return (struct pos){
		.src = r->src,
		.index = n->start_mark.index,
		.line = n->start_mark.line + 1,
		.col = n->start_mark.column + 1,
		.plain = n->type == YAML_SCALAR_NODE &&
			 (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ||
			  n->data.scalar.style ==
				  YAML_SINGLE_QUOTED_SCALAR_STYLE ||
			  n->data.scalar.style ==
				  YAML_DOUBLE_QUOTED_SCALAR_STYLE),
	};
}

static void node__error(struct reader *r, const yaml_node_t *n,
			const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void node__error(struct reader *r, const yaml_node_t *n,
			const char *fmt, ...)
{
	struct pos at = pos__of(r, n);
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rules__error(r->rs, &at, NULL, 0, "%s", msg);
}

/* A scalar's text, or NULL (with an error naming what) when n is not a
 * scalar. YAML strings may hold NUL; rule text may not. */
static const char *node__str(struct reader *r, yaml_node_t *n,
			     const char *what)
{
	if (n->type != YAML_SCALAR_NODE) {
		node__error(r, n, "%s must be a single value", what);
		return NULL;
	}
	if (strlen((char *)n->data.scalar.value) != n->data.scalar.length) {
		node__error(r, n, "%s contains a NUL byte", what);
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

static char *node__dup(struct reader *r, yaml_node_t *n, const char *what)
{
	const char *s = node__str(r, n, what);

	return s ? strdup(s) : NULL;
}

/* Names of lists, macros, rules, taints: a safe, greppable alphabet. */
static char *node__name(struct reader *r, yaml_node_t *n, const char *what)
{
	const char *s = node__str(r, n, what);

	if (!s)
		return NULL;
	if (!*s || strlen(s) > 128 ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_.-") != strlen(s)) {
		node__error(r, n, "%s '%s': use 1-128 letters, digits, '_', "
			    "'.' or '-'", what, s);
		return NULL;
	}
	return strdup(s);
}

static bool node__number(struct reader *r, yaml_node_t *n, const char *what,
			 double min, double max, double *out)
{
	const char *s = node__str(r, n, what);
	char *end;

	if (!s)
		return false;
	*out = strtod(s, &end);
	if (end == s || *end || !(*out >= min && *out <= max)) {
		node__error(r, n, "%s must be a number from %g to %g, not '%s'",
			    what, min, max, s);
		return false;
	}
	return true;
}

static bool node__duration(struct reader *r, yaml_node_t *n, const char *what,
			   uint64_t *out)
{
	const char *s = node__str(r, n, what);

	if (!s)
		return false;
	if (units__duration_ns(s, strlen(s), out)) {
		node__error(r, n, "%s must be a duration such as 500ms, 10s, "
			    "5m or 1h, not '%s'", what, s);
		return false;
	}
	return true;
}

static bool node__bool(struct reader *r, yaml_node_t *n, const char *what,
		       bool *out)
{
	const char *s = node__str(r, n, what);

	if (!s)
		return false;
	if (strcmp(s, "true") && strcmp(s, "false")) {
		node__error(r, n, "%s must be true or false, not '%s'", what, s);
		return false;
	}
	*out = !strcmp(s, "true");
	return true;
}

static bool node__level(struct reader *r, yaml_node_t *n, enum act_level *out)
{
	static const char *const names[] = { "alert", "freeze", "kill", "ask" };
	const char *s = node__str(r, n, "action");

	for (size_t i = 0; s && i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i])) {
			*out = LEVEL_ALERT + i;
			return true;
		}
	if (s)
		node__error(r, n, "action must be alert, freeze, kill or ask, "
			    "not '%s'", s);
	return false;
}

/* Calls fn(r, element, arg) for each element of a sequence; a lone
 * scalar counts as a sequence of one when one_ok. */
static void node__each(struct reader *r, yaml_node_t *n, const char *what,
		       bool one_ok,
		       void (*fn)(struct reader *, yaml_node_t *, void *),
		       void *arg)
{
	if (n->type == YAML_SCALAR_NODE && one_ok) {
		fn(r, n, arg);
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		node__error(r, n, "%s must be a list", what);
		return;
	}
	for (yaml_node_item_t *i = n->data.sequence.items.start;
	     i < n->data.sequence.items.top; i++)
		fn(r, yaml_document_get_node(&r->doc, *i), arg);
}

/* Appends a string to a growing array of them. */
struct strings {
	char ***v;
	size_t *n;
	const char *what;
};

static void strings__add(struct reader *r, yaml_node_t *n, void *arg)
{
	struct strings *sv = arg;
	const char *s = node__str(r, n, sv->what);

	if (s)
		strv__push(sv->v, sv->n, s, strlen(s));
}

static void node__strings(struct reader *r, yaml_node_t *n, const char *what,
			  char ***v, size_t *nr)
{
	struct strings sv = { v, nr, what };

	node__each(r, n, what, false, strings__add, &sv);
}

/* Walks a mapping's pairs: fn(r, key text, key node, value node, arg). */
static void node__pairs(struct reader *r, yaml_node_t *n, const char *what,
			void (*fn)(struct reader *, const char *, yaml_node_t *,
				   yaml_node_t *, void *),
			void *arg)
{
	if (n->type != YAML_MAPPING_NODE) {
		node__error(r, n, "%s must be a mapping (key: value)", what);
		return;
	}
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&r->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&r->doc, p->value);
		const char *key = node__str(r, k, "a key");

		if (key)
			fn(r, key, k, v, arg);
	}
}

/* ---------------------------------------------------------------- list */

static void list__items(struct reader *r, struct item *it, yaml_node_t *v)
{
	node__strings(r, v, "items", &it->list->items, &it->list->nr_items);
}

/* ---------------------------------------------------------------- macro */

static void macro__condition(struct reader *r, struct item *it,
			     yaml_node_t *v)
{
	it->macro->text = node__dup(r, v, "condition");
	it->macro->at = pos__of(r, v);
}

/* ---------------------------------------------------------------- rule */

static void rule__description(struct reader *r, struct item *it,
			      yaml_node_t *v)
{
	it->rule->description = node__dup(r, v, "description");
}

static void rule__event1(struct reader *r, yaml_node_t *n, void *arg)
{
	struct rule *rule = arg;
	const char *s = node__str(r, n, "event");
	uint32_t bit = s ? field__event_bit(s, strlen(s)) : 0;

	if (s && !bit)
		node__error(r, n, "unknown event type '%s' (" EVENT_KINDS ")",
			    s);
	rule->events |= bit;
}

static void rule__event(struct reader *r, struct item *it, yaml_node_t *v)
{
	/* [] would leave a rule that is never tried, its condition unread. */
	if (v->type == YAML_SEQUENCE_NODE &&
	    v->data.sequence.items.start == v->data.sequence.items.top) {
		node__error(r, v, "event names no event type (" EVENT_KINDS
			    ")");
		return;
	}
	node__each(r, v, "event", true, rule__event1, it->rule);
}

static void rule__when(struct reader *r, struct item *it, yaml_node_t *v)
{
	it->rsrc->when = node__dup(r, v, "when");
	it->rsrc->when_at = pos__of(r, v);
}

static void rule__score(struct reader *r, struct item *it, yaml_node_t *v)
{
	node__number(r, v, "score", 0, MAX_SCORE, &it->rule->score);
}

static void rule__severity(struct reader *r, struct item *it, yaml_node_t *v)
{
	const char *s = node__str(r, v, "severity");

	for (int i = SEV_INFO; s && i <= SEV_CRITICAL; i++)
		if (!strcmp(s, severity__name(i))) {
			it->rule->severity = i;
			return;
		}
	if (s)
		node__error(r, v, "severity must be info, low, medium, high or "
			    "critical, not '%s'", s);
}

static void rule__tags(struct reader *r, struct item *it, yaml_node_t *v)
{
	node__strings(r, v, "tags", &it->rule->tags, &it->rule->nr_tags);
}

static void rule__action(struct reader *r, struct item *it, yaml_node_t *v)
{
	node__level(r, v, &it->rule->action);
}

static void rule__taint(struct reader *r, struct item *it, yaml_node_t *v)
{
	it->rsrc->taint = node__name(r, v, "taint");
	it->rsrc->taint_at = pos__of(r, v);
}

static void rule__enabled(struct reader *r, struct item *it, yaml_node_t *v)
{
	bool on = true;

	node__bool(r, v, "enabled", &on);
	it->rule->disabled = !on;
}

/* Checked against the condition, action and events once all are known
 * (rules_compile.c). */
static void rule__enforce(struct reader *r, struct item *it, yaml_node_t *v)
{
	const char *s = node__str(r, v, "enforce");

	if (s && strcmp(s, "kernel"))
		node__error(r, v, "enforce must be kernel (without it, user "
			    "space alone acts), not '%s'", s);
	it->rsrc->kernel = s && !strcmp(s, "kernel");
	it->rsrc->kernel_at = pos__of(r, v);
}

static void window__key(struct reader *r, const char *key, yaml_node_t *k,
			yaml_node_t *v, void *arg)
{
	struct item *it = arg;
	struct window_spec *w = it->rule->window;
	bool on;

	if (!strcmp(key, "count")) {
		if (node__bool(r, v, "count", &on) && !on)
			node__error(r, v, "count: false counts nothing; use "
				    "count: true, sum: FIELD or distinct: FIELD");
		w->agg = WIN_COUNT;
	} else if (!strcmp(key, "sum") || !strcmp(key, "distinct")) {
		w->agg = key[0] == 's' ? WIN_SUM : WIN_DISTINCT;
		free(it->rsrc->window_field);
		it->rsrc->window_field = node__dup(r, v, key);
		it->rsrc->window_at = pos__of(r, v);
	} else if (!strcmp(key, "by")) {
		free(it->rsrc->window_by);
		it->rsrc->window_by = node__dup(r, v, key);
		it->rsrc->window_by_at = pos__of(r, v);
	} else if (!strcmp(key, "over")) {
		if (node__duration(r, v, "over", &w->over_ns) && !w->over_ns)
			node__error(r, v, "over must be longer than 0");
	} else if (!strcmp(key, "above")) {
		const char *s = node__str(r, v, "above");

		if (s && units__number(s, strlen(s), &w->above))
			node__error(r, v, "above must be a whole number (100, "
				    "50MiB, ...), not '%s'", s);
	} else {
		node__error(r, k, "unknown key '%s' in window (count, sum, "
			    "distinct, by, over, above)", key);
	}
}

static void rule__window(struct reader *r, struct item *it, yaml_node_t *v)
{
	it->rule->window = calloc(1, sizeof(*it->rule->window));
	if (!it->rule->window)
		return;
	it->rule->window->above = -1;
	node__pairs(r, v, "window", window__key, it);
	if (!it->rule->window->over_ns || it->rule->window->above < 0)
		node__error(r, v, "window needs 'over' (a duration) and "
			    "'above' (a bound)");
}

/* ---------------------------------------------------------------- profile */

static void thresholds__key(struct reader *r, const char *key, yaml_node_t *k,
			    yaml_node_t *v, void *arg)
{
	static const char *const names[] = { "alert", "freeze", "kill" };
	struct profile *p = arg;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(key, names[i])) {
			node__number(r, v, key, 0.001, MAX_SCORE,
				     &p->threshold[LEVEL_ALERT + i]);
			return;
		}
	node__error(r, k, "unknown key '%s' in thresholds (alert, freeze, "
		    "kill)", key);
}

static void profile__thresholds(struct reader *r, struct item *it,
				yaml_node_t *v)
{
	const double *t = it->profile->threshold;

	node__pairs(r, v, "thresholds", thresholds__key, it->profile);
	if (!(t[LEVEL_ALERT] < t[LEVEL_FREEZE] &&
	      t[LEVEL_FREEZE] < t[LEVEL_KILL]))
		node__error(r, v, "thresholds must rise: alert (%g) < freeze "
			    "(%g) < kill (%g)", t[LEVEL_ALERT],
			    t[LEVEL_FREEZE], t[LEVEL_KILL]);
}

static void profile__half_life(struct reader *r, struct item *it,
			       yaml_node_t *v)
{
	if (node__duration(r, v, "half_life", &it->profile->half_life_ns) &&
	    !it->profile->half_life_ns)
		node__error(r, v, "half_life must be longer than 0");
}

static void profile__freeze_timeout(struct reader *r, struct item *it,
				    yaml_node_t *v)
{
	node__duration(r, v, "freeze_timeout", &it->profile->freeze_timeout_ns);
}

static void profile__approval_timeout(struct reader *r, struct item *it,
				      yaml_node_t *v)
{
	if (node__duration(r, v, "approval_timeout",
			   &it->profile->approval_timeout_ns) &&
	    !it->profile->approval_timeout_ns)
		node__error(r, v, "approval_timeout must be longer than 0");
}

/* A key that takes one of two words: *first says whether it is the
 * first. False for anything else (logged). */
static bool node__either(struct reader *r, yaml_node_t *v, const char *key,
			 const char *one, const char *other, bool *first)
{
	const char *s = node__str(r, v, key);

	if (s && strcmp(s, one) && strcmp(s, other))
		node__error(r, v, "%s must be %s or %s, not '%s'", key, one,
			    other, s);
	else if (s)
		*first = !strcmp(s, one);
	return s && (!strcmp(s, one) || !strcmp(s, other));
}

static void profile__approval_default(struct reader *r, struct item *it,
				      yaml_node_t *v)
{
	node__either(r, v, "approval_default", "allow", "deny",
		     &it->profile->approval_default_allow);
}

/* At least two ticks of a default daemon (a heartbeat a second), so that
 * a busy but live daemon never looks dead. */
#define FAIL_CLOSED_MIN_NS (3ULL * 1000000000)

static void profile__fail_closed(struct reader *r, struct item *it,
				 yaml_node_t *v)
{
	uint64_t *ns = &it->profile->fail_closed_ns;

	if (node__duration(r, v, "fail_closed", ns) && *ns &&
	    *ns < FAIL_CLOSED_MIN_NS)
		node__error(r, v, "fail_closed must be 3s or longer (or 0 "
			    "for never): the daemon's heartbeat comes every "
			    "second");
}

static void profile__egress_budget(struct reader *r, struct item *it,
				   yaml_node_t *v)
{
	const char *s = node__str(r, v, "egress_budget");
	int64_t n;

	if (s && (units__number(s, strlen(s), &n) || n < 0))
		node__error(r, v, "egress_budget must be a size in bytes "
			    "(10MiB, 1GB, ...; 0 for none), not '%s'", s);
	else if (s)
		it->profile->egress_budget = n;
}

static void profile__egress(struct reader *r, struct item *it,
			    yaml_node_t *v)
{
	const char *s = node__str(r, v, "egress");

	if (s && !strcmp(s, "deny"))
		it->profile->egress = VIGIL_EGRESS_DENY;
	else if (s && !strcmp(s, "monitor"))
		it->profile->egress = VIGIL_EGRESS_MONITOR;
	else if (s)
		node__error(r, v, "egress must be deny (refuse destinations "
			    "outside allow.destinations) or monitor (record "
			    "them), not '%s'", s);
}

/* An entry's own budget (the SIZE of "DEST: SIZE"): its slot in the
 * kernel's egress_budgets and its text, which the budget record names. */
struct entry_budget {
	uint64_t bytes;		/* 0: none */
	uint16_t id;
	char *text;
};

static bool entry_budget__read(struct reader *r, yaml_node_t *v,
			       const char *dest, struct entry_budget *b)
{
	const char *s = node__str(r, v, "a destination's budget");
	int64_t n;

	if (!s)
		return false;
	if (units__number(s, strlen(s), &n) || n <= 0) {
		node__error(r, v, "destination '%s': budget must be a size in "
			    "bytes above 0 (1MiB, 2GiB, ...), not '%s'",
			    dest, s);
		return false;
	}
	if (r->rs->nr_budgets + 1 >= VIGIL_BUDGETS) {
		node__error(r, v, "destination '%s': more than %d entries "
			    "with a budget in the rule set", dest,
			    VIGIL_BUDGETS - 1);
		return false;
	}
	b->text = strdup(dest);
	if (!b->text)
		return false;
	b->bytes = n;
	b->id = ++r->rs->nr_budgets;
	return true;
}

static void name__add(struct reader *r, yaml_node_t *n, struct profile *p,
		      const char *s, struct entry_budget *b)
{
	struct name_dest *nd = realloc(p->names,
				       (p->nr_names + 1) * sizeof(*nd));

	if (!nd)
		return;
	p->names = nd;
	nd += p->nr_names;
	if (name_dest__parse(s, nd)) {
		node__error(r, n, "destination '%s': expected ADDR[/BITS], "
			    "ADDR[/BITS]:PORT[-PORT], [V6ADDR[/BITS]]:PORT, or "
			    "a DNS name ([*.]NAME[:PORT], one port or '*')", s);
		return;
	}
	nd->budget = b->bytes;
	nd->budget_id = b->id;
	nd->text = b->text;
	b->text = NULL;
	p->nr_names++;
}

/* An entry: "DEST", or "DEST: SIZE" for one with a budget of its own. */
static void dest__add(struct reader *r, yaml_node_t *n, void *arg)
{
	struct profile *p = arg;
	struct entry_budget b = { 0 };
	yaml_node_t *text = n, *size = NULL;
	const char *s;
	struct dest *d;

	if (n->type == YAML_MAPPING_NODE) {
		yaml_node_pair_t *pair = n->data.mapping.pairs.start;

		if (n->data.mapping.pairs.top - pair != 1) {
			node__error(r, n, "a destination with a budget is one "
				    "'DEST: SIZE' pair (quote an address "
				    "written [V6]:PORT)");
			return;
		}
		text = yaml_document_get_node(&r->doc, pair->key);
		size = yaml_document_get_node(&r->doc, pair->value);
	}
	s = node__str(r, text, "destination");
	if (!s || (size && !entry_budget__read(r, size, s, &b)))
		return;
	d = realloc(p->dests, (p->nr_dests + 1) * sizeof(*d));
	if (!d) {
		free(b.text);
		return;
	}
	p->dests = d;
	d += p->nr_dests;
	if (dest__parse(s, d)) {
		name__add(r, text, p, s, &b);
		free(b.text);
		return;
	}
	d->budget = b.bytes;
	d->budget_id = b.id;
	d->text = b.text;
	p->nr_dests++;
}

/* Notes a glob the kernel's matcher cannot take (exeallow.h), for the
 * compiler to refuse if the profile has the kernel judge programs. */
static void exe__unjudged(struct reader *r, yaml_node_t *n,
			  struct profile *p, const char *why)
{
	struct rules_load *L = r->rs->load;
	struct exe_src *e = realloc(L->exe_srcs,
				    (L->nr_exe_srcs + 1) * sizeof(*e));

	if (!e)
		return;
	L->exe_srcs = e;
	e = &e[L->nr_exe_srcs++];
	*e = (struct exe_src){ .profile = p, .at = pos__of(r, n) };
	snprintf(e->why, sizeof(e->why), "%s", why);
}

static void exe__check(struct reader *r, yaml_node_t *n, void *arg)
{
	const char *s = n->type == YAML_SCALAR_NODE ?
		(const char *)n->data.scalar.value : NULL;
	struct vigil_exe_pattern pat;
	char why[128];

	if (s && exeallow__compile(s, &pat, why, sizeof(why)))
		exe__unjudged(r, n, arg, why);
}

static void allow__key(struct reader *r, const char *key, yaml_node_t *k,
		       yaml_node_t *v, void *arg)
{
	struct profile *p = arg;

	if (!strcmp(key, "destinations"))
		node__each(r, v, key, false, dest__add, p);
	else if (!strcmp(key, "executables")) {
		node__strings(r, v, key, &p->exes, &p->nr_exes);
		if (v->type == YAML_SEQUENCE_NODE)
			node__each(r, v, key, false, exe__check, p);
		if (p->nr_exes > EXEALLOW_PROFILE_MAX)
			exe__unjudged(r, v, p, "more patterns than the "
				      "kernel takes of one profile");
	} else
		node__error(r, k, "unknown key '%s' in allow (destinations, "
			    "executables)", key);
}

static void profile__allow(struct reader *r, struct item *it, yaml_node_t *v)
{
	node__pairs(r, v, "allow", allow__key, it->profile);
}

static void tune__key(struct reader *r, const char *key, yaml_node_t *k,
		      yaml_node_t *v, void *arg)
{
	struct tune_src *t = arg;
	bool on = true;		/* read below even when not a bool */

	if (!strcmp(key, "score"))
		t->has_score = node__number(r, v, "score", 0, MAX_SCORE,
					    &t->tune.score);
	else if (!strcmp(key, "action"))
		t->has_action = node__level(r, v, &t->tune.action);
	else if (!strcmp(key, "enabled")) {
		t->has_disabled = node__bool(r, v, "enabled", &on);
		t->tune.disabled = !on;
	} else
		node__error(r, k, "unknown key '%s' in a rule's tuning (score, "
			    "action, enabled)", key);
}

static void rules__tune(struct reader *r, const char *key, yaml_node_t *k,
			yaml_node_t *v, void *arg)
{
	struct rules_load *L = r->rs->load;
	struct tune_src *t = realloc(L->tunes, (L->nr_tunes + 1) * sizeof(*t));

	if (!t)
		return;
	L->tunes = t;
	t = &t[L->nr_tunes++];
	memset(t, 0, sizeof(*t));
	t->profile = arg;
	t->rule_id = strdup(key);
	t->at = pos__of(r, k);
	node__pairs(r, v, "a rule's tuning", tune__key, t);
}

static void profile__rules(struct reader *r, struct item *it, yaml_node_t *v)
{
	node__pairs(r, v, "rules", rules__tune, it->profile);
}

/* A relative file is the rule file's neighbour, whatever the cwd. */
static void profile__baseline(struct reader *r, struct item *it,
			      yaml_node_t *v)
{
	const char *s = node__str(r, v, "baseline");
	const char *slash = strrchr(r->src->name, '/');
	int dir = slash && s && s[0] != '/' ? slash - r->src->name + 1 : 0;

	if (!s || !*s) {
		if (s)
			node__error(r, v, "baseline must name a file");
		return;
	}
	it->baseline = v;
	free(it->profile->baseline);
	if (asprintf(&it->profile->baseline, "%.*s%s", dir, r->src->name,
		     s) < 0)
		it->profile->baseline = NULL;
}

/* learn: the daemon learns what the profile's sandboxes do into its
 * baseline file, scoring none of it for novelty; detect (the default)
 * scores against it. */
static void profile__baseline_mode(struct reader *r, struct item *it,
				   yaml_node_t *v)
{
	if (node__either(r, v, "baseline_mode", "learn", "detect",
			 &it->profile->baseline_learn) &&
	    it->profile->baseline_learn)
		it->learn = v;
}

static void anomaly__key(struct reader *r, const char *key, yaml_node_t *k,
			 yaml_node_t *v, void *arg)
{
	struct profile *p = arg;
	uint16_t what = anomaly__what_parse(key);

	if (what == ANOMALY_KINDS)
		node__error(r, k, "unknown key '%s' in anomaly (exec, file, "
			    "connect, listen, syscall, cred, rate)", key);
	else
		node__number(r, v, key, 0, MAX_SCORE, &p->anomaly_score[what]);
}

static void profile__anomaly(struct reader *r, struct item *it,
			     yaml_node_t *v)
{
	node__pairs(r, v, "anomaly", anomaly__key, it->profile);
}

static void ignore(struct reader *r, struct item *it, yaml_node_t *v)
{
	node__str(r, v, "description");
}

/* ---------------------------------------------------------------- fileset */

static void fileset__description(struct reader *r, struct item *it,
				 yaml_node_t *v)
{
	it->fileset->description = node__dup(r, v, "description");
}

/* A path is resolved in every user's home ("~/") or from the root: a
 * relative one would depend on whose cwd. */
static void path__add(struct reader *r, yaml_node_t *n, void *arg)
{
	const char *s = node__str(r, n, "a path");

	if (s && s[0] != '/' && strncmp(s, "~/", 2))
		node__error(r, n, "path '%s' must be absolute or start with "
			    "~/", s);
	else if (s)
		strings__add(r, n, arg);
}

static void fileset__paths(struct reader *r, struct item *it, yaml_node_t *v)
{
	struct fileset *f = it->fileset;
	struct strings sv = { &f->paths, &f->nr_paths, "a path" };

	if (v->type == YAML_SEQUENCE_NODE &&
	    v->data.sequence.items.start == v->data.sequence.items.top) {
		node__error(r, v, "paths is empty: a fileset needs a file");
		return;
	}
	node__each(r, v, "paths", false, path__add, &sv);
}

static void fileset__exclude(struct reader *r, struct item *it,
			     yaml_node_t *v)
{
	node__strings(r, v, "exclude", &it->fileset->exclude,
		      &it->fileset->nr_exclude);
}

static const struct key list_keys[] = {
	{ "items", list__items, true },
};

static const struct key macro_keys[] = {
	{ "condition", macro__condition, true },
};

static const struct key rule_keys[] = {
	{ "description", rule__description, true },
	{ "event", rule__event, true },
	{ "when", rule__when, true },
	{ "score", rule__score, false },
	{ "severity", rule__severity, false },
	{ "tags", rule__tags, false },
	{ "action", rule__action, false },
	{ "taint", rule__taint, false },
	{ "window", rule__window, false },
	{ "enabled", rule__enabled, false },
	{ "enforce", rule__enforce, false },
};

static const struct key profile_keys[] = {
	{ "description", ignore, false },
	{ "thresholds", profile__thresholds, false },
	{ "half_life", profile__half_life, false },
	{ "freeze_timeout", profile__freeze_timeout, false },
	{ "egress", profile__egress, false },
	{ "egress_budget", profile__egress_budget, false },
	{ "fail_closed", profile__fail_closed, false },
	{ "approval_timeout", profile__approval_timeout, false },
	{ "approval_default", profile__approval_default, false },
	{ "allow", profile__allow, false },
	{ "rules", profile__rules, false },
	{ "baseline", profile__baseline, false },
	{ "baseline_mode", profile__baseline_mode, false },
	{ "anomaly", profile__anomaly, false },
};

static const struct key fileset_keys[] = {
	{ "description", fileset__description, false },
	{ "paths", fileset__paths, true },
	{ "exclude", fileset__exclude, false },
};

/* The keys of one item: each known, none twice, the required present. */
static void item__keys(struct reader *r, struct item *it, yaml_node_t *map,
		       const struct key *keys, size_t nr)
{
	bool seen[16] = { false };

	for (yaml_node_pair_t *p = map->data.mapping.pairs.start + 1;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&r->doc, p->key);
		const char *key = node__str(r, k, "a key");
		size_t i;

		for (i = 0; key && i < nr && strcmp(key, keys[i].name); i++)
			;
		if (!key)
			continue;
		if (i == nr)
			node__error(r, k, "unknown key '%s' in %s", key,
				    it->kind);
		else if (seen[i])
			node__error(r, k, "'%s' given twice", key);
		else {
			seen[i] = true;
			keys[i].fn(r, it,
				   yaml_document_get_node(&r->doc, p->value));
		}
	}
	for (size_t i = 0; i < nr; i++)
		if (keys[i].required && !seen[i])
			node__error(r, map, "%s needs '%s'", it->kind,
				    keys[i].name);
}

/* ---------------------------------------------------------------- items */

static void *item__grow(void ***v, size_t *n, size_t size)
{
	void **nv = realloc(*v, (*n + 1) * sizeof(*nv));
	void *it = nv ? calloc(1, size) : NULL;

	if (nv)
		*v = nv;
	if (it)
		nv[(*n)++] = it;
	return it;
}

static bool list__new(struct reader *r, struct item *it, char *name,
		      yaml_node_t *k)
{
	struct rules_load *L = r->rs->load;
	struct list_def *d;

	HASH_FIND_STR(L->lists, name, d);
	if (d) {
		node__error(r, k, "list '%s' already defined at %s:%d:%d", name,
			    d->at.src->name, d->at.line, d->at.col);
		return false;
	}
	it->list = calloc(1, sizeof(*it->list));
	if (!it->list)
		return false;
	it->list->name = name;
	it->list->at = pos__of(r, k);
	HASH_ADD_KEYPTR(hh, L->lists, name, strlen(name), it->list);
	return true;
}

static bool macro__new(struct reader *r, struct item *it, char *name,
		       yaml_node_t *k)
{
	struct rules_load *L = r->rs->load;
	struct macro_def *d;

	HASH_FIND_STR(L->macros, name, d);
	if (d || field__find(name, strlen(name))) {
		node__error(r, k, d ? "macro '%s' already defined" :
			    "macro '%s' has a field's name", name);
		return false;
	}
	it->macro = calloc(1, sizeof(*it->macro));
	if (!it->macro)
		return false;
	it->macro->name = name;
	it->macro->at = pos__of(r, k);
	HASH_ADD_KEYPTR(hh, L->macros, name, strlen(name), it->macro);
	return true;
}

static bool rule__new(struct reader *r, struct item *it, char *id,
		      yaml_node_t *k)
{
	struct ruleset *rs = r->rs;
	struct rule_src *srcs;

	for (size_t i = 0; i < rs->nr_rules; i++)
		if (!strcmp(rs->rules[i]->id, id)) {
			node__error(r, k, "rule '%s' already defined at %s:%d",
				    id, rs->rules[i]->file, rs->rules[i]->line);
			return false;
		}
	srcs = realloc(rs->load->rule_srcs,
		       (rs->nr_rules + 1) * sizeof(*srcs));
	if (!srcs)
		return false;
	rs->load->rule_srcs = srcs;
	it->rule = item__grow((void ***)&rs->rules, &rs->nr_rules,
			      sizeof(struct rule));
	if (!it->rule)
		return false;
	it->rsrc = &srcs[rs->nr_rules - 1];
	memset(it->rsrc, 0, sizeof(*it->rsrc));
	*it->rule = (struct rule){
		.id = id, .severity = SEV_MEDIUM, .action = LEVEL_ALERT,
		.taint = -1, .file = r->src->name,
		.line = k->start_mark.line + 1, .index = rs->nr_rules - 1,
	};
	return true;
}

static bool profile__new(struct reader *r, struct item *it, char *name,
			 yaml_node_t *k)
{
	struct ruleset *rs = r->rs;

	for (size_t i = 0; i < rs->nr_profiles; i++)
		if (!strcmp(rs->profiles[i]->name, name)) {
			node__error(r, k, "profile '%s' already defined at "
				    "%s:%d", name, rs->profiles[i]->file,
				    rs->profiles[i]->line);
			return false;
		}
	it->profile = item__grow((void ***)&rs->profiles, &rs->nr_profiles,
				 sizeof(struct profile));
	if (!it->profile)
		return false;
	it->profile->name = name;
	it->profile->id = rs->nr_profiles;	/* from 1: 0 is no profile */
	it->profile->file = r->src->name;
	it->profile->line = k->start_mark.line + 1;
	/* A profile says only what it changes. */
	profile__defaults(it->profile);
	return true;
}

/* File sets are numbered in the order they are read: the index is their
 * bit in records, in the kernel's maps and in fileset_names. */
static bool fileset__new(struct reader *r, struct item *it, char *name,
			 yaml_node_t *k)
{
	struct ruleset *rs = r->rs;
	struct fileset *f;
	int i = ruleset__fileset(rs, name, strlen(name));

	if (i >= 0) {
		node__error(r, k, "fileset '%s' already defined at %s:%d",
			    name, rs->filesets[i].file, rs->filesets[i].line);
		return false;
	}
	if (rs->nr_filesets == VIGIL_MAX_FILESETS) {
		node__error(r, k, "more than %d filesets", VIGIL_MAX_FILESETS);
		return false;
	}
	f = realloc(rs->filesets, (rs->nr_filesets + 1) * sizeof(*f));
	if (!f)
		return false;
	rs->filesets = f;
	it->fileset = &f[rs->nr_filesets];
	*it->fileset = (struct fileset){
		.name = name, .file = r->src->name,
		.line = k->start_mark.line + 1, .index = rs->nr_filesets,
	};
	rs->fileset_names[rs->nr_filesets++] = name;
	return true;
}

/* A learning profile: its file, noted for the compiler to check that no
 * other learns into it (learnfiles.h). */
static void learn__note(struct reader *r, struct item *it)
{
	struct rules_load *L = r->rs->load;
	struct learn_src *l;

	if (!it->profile->baseline) {
		node__error(r, it->learn, "baseline_mode learn needs "
			    "'baseline: FILE', the file it learns into");
		return;
	}
	l = realloc(L->learn_srcs, (L->nr_learn_srcs + 1) * sizeof(*l));
	if (!l)
		return;
	L->learn_srcs = l;
	l[L->nr_learn_srcs++] = (struct learn_src){
		.profile = it->profile, .at = pos__of(r, it->baseline) };
}

static const struct {
	const char *kind;
	bool (*create)(struct reader *, struct item *, char *, yaml_node_t *);
	const struct key *keys;
	size_t nr_keys;
} kinds[] = {
	{ "list", list__new, list_keys, ARRAY_SIZE(list_keys) },
	{ "macro", macro__new, macro_keys, ARRAY_SIZE(macro_keys) },
	{ "rule", rule__new, rule_keys, ARRAY_SIZE(rule_keys) },
	{ "profile", profile__new, profile_keys, ARRAY_SIZE(profile_keys) },
	{ "fileset", fileset__new, fileset_keys, ARRAY_SIZE(fileset_keys) },
};

/* One item: its first key names its kind and carries its name. */
static void reader__item(struct reader *r, yaml_node_t *map)
{
	struct item it = { 0 };
	yaml_node_t *k, *v;
	const char *kind;
	size_t i;
	char *name;

	if (map->type != YAML_MAPPING_NODE ||
	    map->data.mapping.pairs.start == map->data.mapping.pairs.top) {
		node__error(r, map, "expected an item: a mapping starting with "
			    ITEM_KINDS);
		return;
	}
	k = yaml_document_get_node(&r->doc, map->data.mapping.pairs.start->key);
	v = yaml_document_get_node(&r->doc,
				   map->data.mapping.pairs.start->value);
	kind = node__str(r, k, "an item's first key");
	for (i = 0; kind && i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(kind, kinds[i].kind))
			break;
	if (!kind || i == ARRAY_SIZE(kinds)) {
		if (kind)
			node__error(r, k, "unknown item '%s': an item starts "
				    "with " ITEM_KINDS, kind);
		return;
	}
	it.kind = kinds[i].kind;
	name = node__name(r, v, it.kind);
	if (!name)
		return;
	if (!kinds[i].create(r, &it, name, v)) {
		free(name);
		return;
	}
	item__keys(r, &it, map, kinds[i].keys, kinds[i].nr_keys);
	if (it.learn)
		learn__note(r, &it);
}

static void reader__document(struct reader *r)
{
	yaml_node_t *root = yaml_document_get_root_node(&r->doc);

	if (!root)		/* an empty file: no items */
		return;
	if (root->type != YAML_SEQUENCE_NODE) {
		node__error(r, root, "a rule file is a list of items "
			    "(- list:, - macro:, - rule:, - profile:, "
			    "- fileset:)");
		return;
	}
	for (yaml_node_item_t *i = root->data.sequence.items.start;
	     i < root->data.sequence.items.top; i++)
		reader__item(r, yaml_document_get_node(&r->doc, *i));
}

static void yaml__error(struct ruleset *rs, struct src *src,
			const yaml_parser_t *parser)
{
	struct pos at = { .src = src, .line = parser->problem_mark.line + 1,
			  .col = parser->problem_mark.column + 1 };

	rules__error(rs, &at, NULL, 0, "YAML: %s", parser->problem ?
		     parser->problem : "unreadable");
}

int rules__read_yaml(struct ruleset *rs, struct src *src)
{
	struct reader r = { .rs = rs, .src = src };
	yaml_parser_t parser;
	int errors = rs->errors;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)src->text,
				     src->len);
	/* One document per file; a second one is an error, not ignored. */
	if (!yaml_parser_load(&parser, &r.doc)) {
		yaml__error(rs, src, &parser);
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	reader__document(&r);
	yaml_document_delete(&r.doc);
	if (!yaml_parser_load(&parser, &r.doc)) {
		yaml__error(rs, src, &parser);	/* a broken second one */
	} else {
		if (yaml_document_get_root_node(&r.doc)) {
			struct pos at = { .src = src,
					  .line = r.doc.start_mark.line + 1,
					  .col = r.doc.start_mark.column + 1 };

			rules__error(rs, &at, NULL, 0, "a rule file holds one YAML "
				     "document; this one is a second");
		}
		yaml_document_delete(&r.doc);
	}
	yaml_parser_delete(&parser);
	return rs->errors > errors ? -EINVAL : 0;
}
