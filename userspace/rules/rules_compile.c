// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A rule set's life: each source added goes to the YAML reader
 * (rules_yaml.c); then, from the items every file gave, a checked set:
 * lists flattened, macros and conditions parsed (macros on first use, so
 * order does not matter and cycles are caught), names resolved, profiles
 * tuned, and the index built. The reader never calls back in here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "learnfiles.h"
#include "log.h"
#include "rindex.h"
#include "rules_error.h"
#include "rules_load.h"
#include "rules_yaml.h"
#include "strv.h"
#include "syscalls.h"

#define LIST_MAX_ITEMS 100000

/* ---------------------------------------------------------------- lists */

static int list__flatten(struct ruleset *rs, struct list_def *d, int depth);

static int list__push(struct list_def *d, const char *item)
{
	const char **flat;

	if (d->nr_flat >= LIST_MAX_ITEMS)
		return -E2BIG;
	flat = realloc(d->flat, (d->nr_flat + 1) * sizeof(*flat));
	if (!flat)
		return -ENOMEM;
	flat[d->nr_flat++] = item;
	d->flat = flat;
	return 0;
}

/* An item naming another list stands for that list's items; depth
 * counts the lists being flattened, one inside another (the recursion). */
static int list__flatten(struct ruleset *rs, struct list_def *d, int depth)
{
	struct list_def *sub;
	int err = 0;

	if (d->state == DEF_DONE || d->state == DEF_BAD)
		return d->state == DEF_DONE ? 0 : -EINVAL;
	if (d->state == DEF_BUSY) {
		rules__error(rs, &d->at, NULL, 0, "list '%s' contains itself",
			     d->name);
		return -ELOOP;
	}
	if (depth > COND_MAX_DEPTH) {
		rules__error(rs, &d->at, NULL, 0, "list '%s' is nested deeper "
			     "than %d lists", d->name, COND_MAX_DEPTH);
		d->state = DEF_BAD;
		return -ELOOP;
	}
	d->state = DEF_BUSY;
	for (size_t i = 0; !err && i < d->nr_items; i++) {
		HASH_FIND_STR(rs->load->lists, d->items[i], sub);
		if (!sub) {
			err = list__push(d, d->items[i]);
			continue;
		}
		err = list__flatten(rs, sub, depth + 1);
		for (size_t j = 0; !err && j < sub->nr_flat; j++)
			err = list__push(d, sub->flat[j]);
	}
	if (err == -E2BIG)
		rules__error(rs, &d->at, NULL, 0, "list '%s' has more than %d "
			     "items", d->name, LIST_MAX_ITEMS);
	d->state = err ? DEF_BAD : DEF_DONE;
	return err;
}

static const char *const *env__list(void *ctx, const char *name, size_t len,
				    size_t *n)
{
	static const char *const none[1];	/* a list without items */
	struct ruleset *rs = ctx;
	struct list_def *d;

	HASH_FIND(hh, rs->load->lists, name, len, d);
	if (!d || list__flatten(rs, d, 1))
		return NULL;
	*n = d->nr_flat;
	return d->flat ? d->flat : none;
}

/* ---------------------------------------------------------------- macros */

static struct cond_env env_of(struct ruleset *rs);

static const struct cond *env__macro(void *ctx, const char *name, size_t len,
				     struct cond_err *err)
{
	struct ruleset *rs = ctx;
	struct macro_def *d;
	struct cond_err own;
	struct cond_env env = env_of(rs);

	HASH_FIND(hh, rs->load->macros, name, len, d);
	if (!d)
		return NULL;
	switch (d->state) {
	case DEF_DONE:
		return d->cond;
	case DEF_BUSY:
		snprintf(err->msg, sizeof(err->msg), "macro '%s' refers to "
			 "itself", d->name);
		return NULL;
	case DEF_BAD:
		snprintf(err->msg, sizeof(err->msg), "macro '%s' is invalid "
			 "(see its error)", d->name);
		return NULL;
	case DEF_NEW:
		break;
	}
	if (!d->text) {		/* no condition: already reported */
		d->state = DEF_BAD;
		return env__macro(ctx, name, len, err);
	}
	/* Each macro used inside another nests one deeper: a chain longer
	 * than the depth allows is refused before it exhausts the stack. */
	if (rs->load->nesting >= COND_MAX_DEPTH) {
		snprintf(err->msg, sizeof(err->msg), "condition nested deeper "
			 "than %d", COND_MAX_DEPTH);
		return NULL;
	}
	d->state = DEF_BUSY;
	rs->load->nesting++;
	d->cond = cond__parse(d->text, strlen(d->text), &env, &own);
	rs->load->nesting--;
	d->state = d->cond ? DEF_DONE : DEF_BAD;
	if (!d->cond) {
		rules__error(rs, &d->at, d->text, own.offset, "in macro '%s': "
			     "%s", d->name, own.msg);
		return env__macro(ctx, name, len, err);
	}
	return d->cond;
}

static bool env__fileset(void *ctx, const char *name, size_t len)
{
	return ruleset__fileset(ctx, name, len) >= 0;
}

static struct cond_env env_of(struct ruleset *rs)
{
	return (struct cond_env){ .ctx = rs, .macro = env__macro,
				  .list = env__list, .fileset = env__fileset };
}

/* ---------------------------------------------------------------- rules */

struct rule_check {
	struct ruleset *rs;
	const struct rule *rule;
	const struct rule_src *src;
	size_t at;		/* where in `when` the test, or its macro, is */
};

static int taint__find(const struct ruleset *rs, const char *name, size_t len)
{
	for (int i = 0; i < rs->nr_taints; i++)
		if (bytes__is(name, len, rs->taints[i]))
			return i;
	return -1;
}

/* A test of a field none of the rule's events carry, or of a taint no
 * rule sets, can never be true. */
static int rule__check_cmp(const struct cond *c, void *arg)
{
	struct rule_check *rc = arg;
	const struct field *f = c->cmp.field;
	const struct rule_src *s = rc->src;

	if (!(f->events & rc->rule->events)) {
		rules__error(rc->rs, &s->when_at, s->when, rc->at, "rule '%s' "
			     "can never match: %s is not a field of its events",
			     rc->rule->id, f->name);
		return 1;
	}
	if (strcmp(f->name, "sandbox.taint"))
		return 0;
	for (size_t i = 0; i < c->cmp.nr_lits; i++)
		if (taint__find(rc->rs, c->cmp.lits[i].s,
				c->cmp.lits[i].len) < 0) {
			rules__error(rc->rs, &s->when_at, s->when, rc->at,
				     "rule '%s' tests taint '%s', which no rule "
				     "sets",
				     rc->rule->id, c->cmp.lits[i].s);
			return 1;
		}
	return 0;
}

/* Checks each test of the rule's own condition where it stands, and the
 * tests inside a macro at the macro's name. */
static int rule__check(const struct cond *c, struct rule_check *rc)
{
	switch (c->kind) {
	case C_AND:
	case C_OR:
		return rule__check(c->l, rc) ?: rule__check(c->r, rc);
	case C_NOT:
		return rule__check(c->sub, rc);
	case C_REF:
		rc->at = c->offset;
		return cond__walk(c->ref, rule__check_cmp, rc);
	case C_CMP:
		rc->at = c->offset;
		return rule__check_cmp(c, rc);
	}
	return 0;
}

/* by: FIELD, a single-valued field of every event the rule takes (a
 * record without it would have no group). */
static void rule__window_by(struct ruleset *rs, struct rule *r,
			    const struct rule_src *s)
{
	const char *name = s->window_by;
	const struct field *f = field__find(name, strlen(name));

	if (!f)
		rules__error(rs, &s->window_by_at, NULL, 0, "unknown field "
			     "'%s'", name);
	else if ((f->events & r->events) != r->events)
		rules__error(rs, &s->window_by_at, NULL, 0, "by needs a field "
			     "of every event of rule '%s'; %s is not one",
			     r->id, name);
	else if (f->type == FT_LIST)
		rules__error(rs, &s->window_by_at, NULL, 0, "by needs a "
			     "single-valued field; %s is a list", name);
	else
		r->window->by = f;
}

static void rule__window(struct ruleset *rs, struct rule *r,
			 const struct rule_src *s)
{
	struct window_spec *w = r->window;
	const char *name = s->window_field;

	w->slot = rs->nr_windows++;
	if (s->window_by)
		rule__window_by(rs, r, s);
	if (w->agg == WIN_COUNT)
		return;
	w->field = name ? field__find(name, strlen(name)) : NULL;
	if (!w->field)
		rules__error(rs, &s->window_at, NULL, 0, "unknown field '%s'",
			     name ? name : "");
	else if (!(w->field->events & r->events))
		rules__error(rs, &s->window_at, NULL, 0, "%s is not a field of "
			     "rule '%s''s events", name, r->id);
	else if (w->agg == WIN_SUM && w->field->type != FT_NUM)
		rules__error(rs, &s->window_at, NULL, 0, "sum needs a number "
			     "field; %s is not one", name);
	else if (w->agg == WIN_DISTINCT && w->field->type == FT_LIST)
		rules__error(rs, &s->window_at, NULL, 0, "distinct needs a "
			     "single-valued field; %s is a list", name);
	else if (w->agg == WIN_DISTINCT && w->above >= WINDOW_MAX_DISTINCT)
		rules__error(rs, &s->window_at, NULL, 0, "distinct counts at "
			     "most %d values", WINDOW_MAX_DISTINCT - 1);
}

/* ------------------------------------------------------- enforce: kernel */

/* What the kernel knows a name by: a file set's index, a watched
 * syscall's position; -1 when it has none. */
static int kernel__bit(const struct ruleset *rs, enum event_kind kind,
		       const struct lit *lit)
{
	return kind == EVENT_SYSCALL ? syscalls__index(lit->s, lit->len)
				     : ruleset__fileset(rs, lit->s, lit->len);
}

/* The names of a condition's top-level disjuncts (macros followed) that
 * test field == NAME or field in (NAMES): whenever one holds, so does the
 * whole condition, so the kernel may kill on it alone and user space,
 * seeing the record, kills the sandbox too. A name the kernel cannot
 * know makes the term unusable (*unknown set). */
static uint64_t kernel__bits(const struct ruleset *rs, const struct cond *c,
			     const struct field *f, enum event_kind kind,
			     bool *unknown)
{
	uint64_t bits = 0;

	switch (c->kind) {
	case C_OR:
		return kernel__bits(rs, c->l, f, kind, unknown) |
		       kernel__bits(rs, c->r, f, kind, unknown);
	case C_REF:
		return kernel__bits(rs, c->ref, f, kind, unknown);
	case C_CMP:
		if (c->cmp.field != f ||
		    (c->cmp.op != OP_EQ && c->cmp.op != OP_IN))
			return 0;
		for (size_t i = 0; i < c->cmp.nr_lits; i++) {
			int bit = kernel__bit(rs, kind, &c->cmp.lits[i]);

			if (bit < 0) {
				*unknown = true;
				return 0;
			}
			bits |= 1ull << bit;
		}
		return bits;
	default:
		return 0;
	}
}

/* Whether a top-level disjunct of c (macros followed) is
 * `exec.allowed == false` (or `!= true`): the kernel judges that test
 * itself (bpf/exeallow.bpf.h). `not exec.allowed` is not one: it also
 * holds for a failed exec, which has no file to judge. */
static bool kernel__unlisted(const struct cond *c, const struct field *f)
{
	switch (c->kind) {
	case C_OR:
		return kernel__unlisted(c->l, f) || kernel__unlisted(c->r, f);
	case C_REF:
		return kernel__unlisted(c->ref, f);
	case C_CMP:
		return c->cmp.field == f && c->cmp.nr_lits == 1 &&
		       ((c->cmp.op == OP_EQ && !c->cmp.lits[0].n) ||
			(c->cmp.op == OP_NE && c->cmp.lits[0].n));
	default:
		return false;
	}
}

/* The record kinds the kernel acts on, and the field naming what. */
static const struct {
	enum event_kind kind;
	const char *field;
} kernel_kinds[] = {
	{ EVENT_OPEN, "open.fileset" },
	{ EVENT_EXEC, "exec.fileset" },
	{ EVENT_SYSCALL, "syscall.name" },
};

static bool rule__kernel_checks(struct ruleset *rs, const struct rule *r,
				const struct rule_src *s)
{
	if (r->action != LEVEL_KILL && r->action != LEVEL_ASK) {
		rules__error(rs, &s->kernel_at, NULL, 0, "enforce: kernel needs "
			     "action: kill or ask (the kernel only kills)");
		return false;
	}
	if (r->action == LEVEL_ASK && r->events == EVBIT(EVENT_SYSCALL)) {
		rules__error(rs, &s->kernel_at, NULL, 0, "enforce: kernel with "
			     "action: ask needs event: open or exec (a "
			     "syscall cannot be granted)");
		return false;
	}
	if (r->window) {
		rules__error(rs, &s->kernel_at, NULL, 0, "enforce: kernel cannot "
			     "take a window: the kernel judges each record "
			     "alone");
		return false;
	}
	for (size_t i = 0; i < sizeof(kernel_kinds) / sizeof(kernel_kinds[0]);
	     i++)
		if (r->events == EVBIT(kernel_kinds[i].kind))
			return true;
	rules__error(rs, &s->kernel_at, NULL, 0, "enforce: kernel needs "
		     "event: open, exec or syscall, alone");
	return false;
}

/* What the kernel can do: kill the task opening or executing a file of
 * a set, or making a watched syscall, one record at a time. */
static void rule__kernel(struct ruleset *rs, struct rule *r,
			 const struct rule_src *s)
{
	const char *name = NULL;
	bool unknown = false;
	size_t i;

	if (!rule__kernel_checks(rs, r, s))
		return;
	for (i = 0; r->events != EVBIT(kernel_kinds[i].kind); i++)
		;
	name = kernel_kinds[i].field;
	r->kernel_bits = kernel__bits(rs, r->when,
				      field__find(name, strlen(name)),
				      kernel_kinds[i].kind, &unknown);
	if (kernel_kinds[i].kind == EVENT_EXEC)
		r->kernel_unlisted = kernel__unlisted(r->when,
			field__find("exec.allowed", strlen("exec.allowed")));
	if (unknown)
		rules__error(rs, &s->when_at, s->when, 0, "enforce: kernel: "
			     "%s names a syscall vigil does not watch "
			     "(docs/record-format.md lists them)", name);
	else if (!r->kernel_bits && !r->kernel_unlisted)
		rules__error(rs, &s->when_at, s->when, 0, "enforce: kernel "
			     "needs '%s == NAME' or '%s in (NAME, ...)'%s as the "
			     "condition or as one of its top-level 'or' terms: "
			     "the kernel acts on that test alone", name, name,
			     kernel_kinds[i].kind == EVENT_EXEC ?
			     " or 'exec.allowed == false'" : "");
	else
		r->kernel_kind = kernel_kinds[i].kind;
}

static void rule__compile(struct ruleset *rs, struct rule *r,
			  const struct rule_src *s)
{
	struct cond_env env = env_of(rs);
	struct rule_check rc = { rs, r, s, 0 };
	struct cond_err err;

	if (!s->when || !r->events || !r->description)
		return;		/* reported by the reader */
	r->when = cond__parse(s->when, strlen(s->when), &env, &err);
	if (!r->when) {
		rules__error(rs, &s->when_at, s->when, err.offset, "%s",
			     err.msg);
		return;
	}
	rule__check(r->when, &rc);
	if (r->window)
		rule__window(rs, r, s);
	if (s->kernel)
		rule__kernel(rs, r, s);
}

/* Taints are numbered first, so a rule may test one a later rule sets. */
static void rules__taints(struct ruleset *rs)
{
	for (size_t i = 0; i < rs->nr_rules; i++) {
		const struct rule_src *s = &rs->load->rule_srcs[i];
		int bit;

		if (!s->taint)
			continue;
		bit = taint__find(rs, s->taint, strlen(s->taint));
		if (bit < 0 && rs->nr_taints == RULES_MAX_TAINTS) {
			rules__error(rs, &s->taint_at, NULL, 0, "more than %d "
				     "taints", RULES_MAX_TAINTS);
			continue;
		}
		if (bit < 0) {
			bit = rs->nr_taints;
			rs->taints[rs->nr_taints++] = strdup(s->taint);
		}
		rs->rules[i]->taint = bit;
	}
}

/* ---------------------------------------------------------------- profiles */

static struct rule *rule__find(struct ruleset *rs, const char *id)
{
	for (size_t i = 0; i < rs->nr_rules; i++)
		if (!strcmp(rs->rules[i]->id, id))
			return rs->rules[i];
	return NULL;
}

static int profile__tune_init(struct ruleset *rs, struct profile *p)
{
	p->tune = calloc(rs->nr_rules ? rs->nr_rules : 1, sizeof(*p->tune));
	if (!p->tune)
		return -ENOMEM;
	for (size_t i = 0; i < rs->nr_rules; i++)
		p->tune[i] = (struct rule_tune){
			.disabled = rs->rules[i]->disabled,
			.score = rs->rules[i]->score,
			.action = rs->rules[i]->action,
		};
	return 0;
}

static void profiles__tune(struct ruleset *rs)
{
	struct rules_load *L = rs->load;

	for (size_t i = 0; i < L->nr_tunes; i++) {
		const struct tune_src *t = &L->tunes[i];
		struct rule *r = t->rule_id ? rule__find(rs, t->rule_id) : NULL;
		struct rule_tune *dst;

		if (!r) {
			rules__error(rs, &t->at, NULL, 0, "profile '%s' tunes "
				     "rule '%s', which does not exist",
				     t->profile->name, t->rule_id);
			continue;
		}
		dst = &t->profile->tune[r->index];
		if (t->has_score)
			dst->score = t->tune.score;
		if (t->has_action)
			dst->action = t->tune.action;
		if (t->has_disabled)
			dst->disabled = t->tune.disabled;
	}
}

/* Without a "default" profile the built-in defaults apply: thresholds
 * 20/60/100, a 10-minute half-life, no destination allowed. */
static int profiles__fallback(struct ruleset *rs)
{
	struct profile *p;

	rs->fallback = ruleset__profile(rs, PROFILE_DEFAULT,
					strlen(PROFILE_DEFAULT));
	if (rs->fallback)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p || !(p->name = strdup(PROFILE_DEFAULT)) ||
	    profile__tune_init(rs, p)) {
		profile__free(p);
		return -ENOMEM;
	}
	profile__defaults(p);
	p->id = rs->nr_profiles + 1;
	p->file = "built-in";
	rs->fallback = p;
	rs->owned_fallback = p;
	return 0;
}

/* ---------------------------------------------------------------- the set */

int ruleset__init(struct ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->load = calloc(1, sizeof(*rs->load));
	return rs->load ? 0 : -ENOMEM;
}

int ruleset__add_text(struct ruleset *rs, const char *name, const char *text,
		      size_t len)
{
	struct src *src = calloc(1, sizeof(*src));

	if (!src)
		return -ENOMEM;
	src->name = strdup(name);
	src->text = malloc(len + 1);
	if (!src->name || !src->text) {
		free(src->name);
		free(src->text);
		free(src);
		return -ENOMEM;
	}
	memcpy(src->text, text, len);
	src->text[len] = '\0';
	src->len = len;
	src->next = rs->load->srcs;
	rs->load->srcs = src;
	return rules__read_yaml(rs, src);
}

/* A profile whose programs the kernel judges must have globs the
 * kernel's matcher takes (exeallow.h). */
static void profiles__exe_check(struct ruleset *rs)
{
	const struct rules_load *L = rs->load;

	for (size_t i = 0; i < L->nr_exe_srcs; i++) {
		const struct exe_src *x = &L->exe_srcs[i];
		struct kernel_policy k;

		ruleset__kernel_policy(rs, x->profile, &k);
		if (k.exec_unlisted != LEVEL_NONE)
			rules__error(rs, &x->at, NULL, 0, "profile '%s': the "
				     "kernel judges its executables (a rule "
				     "'exec.allowed == false' with enforce: "
				     "kernel), and this pattern is %s",
				     x->profile->name, x->why);
	}
}

int ruleset__finish(struct ruleset *rs)
{
	int err;

	rules__taints(rs);
	for (size_t i = 0; i < rs->nr_rules; i++)
		rule__compile(rs, rs->rules[i], &rs->load->rule_srcs[i]);
	for (size_t i = 0; i < rs->nr_profiles; i++)
		if (profile__tune_init(rs, rs->profiles[i]))
			return -ENOMEM;
	profiles__tune(rs);
	err = profiles__fallback(rs);
	if (err)
		return err;
	profiles__exe_check(rs);
	learnfiles__check(rs);
	if (rs->errors > RULES_MAX_ERRORS)
		log_error("%d more errors not shown",
			  rs->errors - RULES_MAX_ERRORS);
	if (rs->errors)
		return -EINVAL;
	rs->index = rindex__build(rs);
	return rs->index ? 0 : -ENOMEM;
}

/* The list holds the newest first. */
static void source__each(const struct src *s,
			 void (*fn)(void *ctx, const char *name,
				    const char *text, size_t len),
			 void *ctx)
{
	if (!s)
		return;
	source__each(s->next, fn, ctx);
	fn(ctx, s->name, s->text, s->len);
}

void ruleset__each_source(const struct ruleset *rs,
			  void (*fn)(void *ctx, const char *name,
				     const char *text, size_t len),
			  void *ctx)
{
	if (rs->load)
		source__each(rs->load->srcs, fn, ctx);
}

static void load__free(struct rules_load *L, size_t nr_rules)
{
	struct list_def *l, *ltmp;
	struct macro_def *m, *mtmp;

	HASH_ITER(hh, L->lists, l, ltmp) {
		HASH_DEL(L->lists, l);
		strv__free(l->items, l->nr_items);
		free(l->flat);
		free(l->name);
		free(l);
	}
	HASH_ITER(hh, L->macros, m, mtmp) {
		HASH_DEL(L->macros, m);
		cond__free(m->cond);
		free(m->text);
		free(m->name);
		free(m);
	}
	for (size_t i = 0; i < nr_rules; i++) {
		free(L->rule_srcs[i].when);
		free(L->rule_srcs[i].taint);
		free(L->rule_srcs[i].window_field);
		free(L->rule_srcs[i].window_by);
	}
	free(L->rule_srcs);
	for (size_t i = 0; i < L->nr_tunes; i++)
		free(L->tunes[i].rule_id);
	free(L->tunes);
	free(L->exe_srcs);
	free(L->learn_srcs);
	while (L->srcs) {
		struct src *next = L->srcs->next;

		free(L->srcs->name);
		free(L->srcs->text);
		free(L->srcs);
		L->srcs = next;
	}
	free(L);
}

static void fileset__free(struct fileset *f)
{
	strv__free(f->paths, f->nr_paths);
	strv__free(f->exclude, f->nr_exclude);
	free(f->description);
	free(f->name);
}

static void rule__free(struct rule *r)
{
	strv__free(r->tags, r->nr_tags);
	cond__free(r->when);
	free(r->window);
	free(r->description);
	free(r->id);
	free(r);
}

void ruleset__fini(struct ruleset *rs)
{
	rindex__free(rs->index);
	for (size_t i = 0; i < rs->nr_rules; i++)
		rule__free(rs->rules[i]);
	free(rs->rules);
	for (size_t i = 0; i < rs->nr_profiles; i++)
		profile__free(rs->profiles[i]);
	free(rs->profiles);
	profile__free(rs->owned_fallback);
	for (int i = 0; i < rs->nr_taints; i++)
		free(rs->taints[i]);
	for (size_t i = 0; i < rs->nr_filesets; i++)
		fileset__free(&rs->filesets[i]);
	free(rs->filesets);
	if (rs->load)
		load__free(rs->load, rs->nr_rules);
	memset(rs, 0, sizeof(*rs));
}
