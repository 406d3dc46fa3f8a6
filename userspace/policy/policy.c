// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carry.h"
#include "clock.h"
#include "log.h"
#include "netname.h"
#include "decide.h"
#include "policy.h"
#include "respond.h"
#include "text.h"

#define KILL_TRIES 10			/* ticks a kill is retried */

/* ---------------------------------------------------------------- sandboxes */

/* The sandbox is gone (sandbox_hooks.removed): its slots go with it. */
static void policy__forget(void *ctx, struct sandbox *sb)
{
	struct policy *p = ctx;

	respond__forget(p, sb);
	engine__forget(p->engine, sb);
	novelty__forget(sb);
	learning__end(p->learning, sb);
	approvals__forget(p->approvals, sb);
}

/* ---------------------------------------------------------------- alerts */

/* A line a responder reads first: what happened, by whom. */
static void summary__of(const struct event *ev, char *buf, size_t len)
{
	const char *comm = ev->hdr ? ev->hdr->comm : "";
	unsigned int pid = ev->hdr ? ev->hdr->pid : 0;

	switch (ev->kind) {
	case EVENT_OPEN:
		snprintf(buf, len, "open %.*s by %.16s[%u]",
			 (int)ev->open.path.len, ev->open.path.p, comm, pid);
		break;
	case EVENT_FILE:
		snprintf(buf, len, "%s %.*s by %.16s[%u]",
			 file__op_name(ev->file.op), (int)ev->file.arg.len,
			 ev->file.arg.p, comm, pid);
		break;
	case EVENT_EXEC:
		snprintf(buf, len, "exec %.*s by %.16s[%u]",
			 (int)ev->exec.arg.len, ev->exec.arg.p, comm, pid);
		break;
	case EVENT_CONNECT:
		snprintf(buf, len, "connect to %s port %u by %.16s[%u]",
			 net__family_name(ev->connect.sa.family),
			 ev->connect.sa.port, comm, pid);
		break;
	case EVENT_SYSCALL:
		snprintf(buf, len, "%s() = %lld by %.16s[%u]",
			 ev->syscall.name, (long long)ev->syscall.ret, comm, pid);
		break;
	case EVENT_BUDGET:
		snprintf(buf, len, "egress budget of %llu bytes spent, "
			 "packets to port %u dropped",
			 (unsigned long long)ev->budget.budget, ev->budget.port);
		break;
	case EVENT_FLOW:
		snprintf(buf, len, "%llu bytes to port %u",
			 (unsigned long long)ev->flow.val.bytes,
			 ev->flow.key.port);
		break;
	default:
		snprintf(buf, len, "%s by %.16s[%u]",
			 event__type_name(ev->kind), comm, pid);
	}
}

static void policy__alert(struct policy *p, const struct event *ev,
			  const struct match *m)
{
	struct emitq_entry *q = emitq__push(&p->queue);
	char what[512], raw[sizeof(q->text)];

	if (!q) {
		log_error("sandbox %s: out of memory; alert %s lost",
			  ev->sandbox->id, m->rule->id);
		return;
	}
	summary__of(ev, what, sizeof(what));
	snprintf(raw, sizeof(raw), "%s: %s", m->rule->id, what);
	/* The message is for people (`jq -r .alert.message`): the comm,
	 * path or argv a hostile process chose is escaped in it, while the
	 * record's own fields keep their exact bytes. */
	text__escape(raw, strlen(raw), q->text, sizeof(q->text));
	q->ev = (struct event){
		.kind = EVENT_ALERT, .ktime_ns = clock__boot_ns(),
		.hdr = ev->hdr, .sandbox = ev->sandbox, .proc = ev->proc,
	};
	q->ev.alert = (struct ev_alert){
		.rule = m->rule->id, .description = m->rule->description,
		.severity = severity__name(m->rule->severity),
		.tags = m->rule->tags, .nr_tags = m->rule->nr_tags,
		.score = m->score, .risk = m->risk,
		.profile = ev->sandbox->agent->name, .trigger_seq = ev->seq,
		.trigger_type = event__type_name(ev->kind), .message = q->text,
	};
	recent__note(&p->recent, ev->sandbox->id, m->rule->id,
		     q->ev.alert.severity, q->text);
}

/* What the baseline never saw becomes an anomaly record, emitted after
 * ev and scored (as the profile weighs it) like any. */
static void policy__anomaly(struct policy *p, const struct event *ev,
			    const struct novelty_out *o)
{
	struct emitq_entry *q = emitq__push(&p->queue);
	const struct profile *prof = ev->sandbox->agent;

	if (!q) {
		log_error("sandbox %s: out of memory; anomaly %s lost",
			  ev->sandbox->id, o->item);
		return;
	}
	snprintf(q->text, sizeof(q->text), "%s", o->item);
	snprintf(q->nearest, sizeof(q->nearest), "%s", o->nearest);
	q->ev = (struct event){
		.kind = EVENT_ANOMALY, .ktime_ns = ev->ktime_ns,
		.hdr = ev->hdr, .sandbox = ev->sandbox, .proc = ev->proc,
	};
	q->ev.anomaly = (struct ev_anomaly){
		.what = o->what, .op = o->op, .item = q->text,
		.nearest = q->nearest, .seen = o->seen,
		.sessions = o->sessions, .rarity = o->rarity,
		.value = o->value, .limit = o->limit,
		.score = prof->anomaly_score[o->what], .profile = prof->name,
		.trigger_seq = ev->seq, .trigger_type = event__type_name(ev->kind),
	};
}

static void policy__novelty(struct policy *p, const struct event *ev)
{
	struct novelty_out out[NOVELTY_MAX];
	size_t n;

	if (ev->kind == EVENT_ANOMALY || !ev->sandbox->agent ||
	    learning__event(p->learning, ev))
		return;
	n = novelty__score(p->novelty, ev, out);
	for (size_t i = 0; i < n; i++)
		policy__anomaly(p, ev, &out[i]);
}

struct baselines *policy__baselines(struct policy *p, struct baselines *t)
{
	return novelty__swap(p->novelty, t);
}

int policy__save_learnt(struct policy *p)
{
	return p ? learning__save(p->learning) : 0;
}

void policy__learning(struct policy *p,
		      void (*fn)(void *ctx, const struct learning_stat *st),
		      void *ctx)
{
	learning__each(p->learning, fn, ctx);
}

void policy__spills(struct policy *p,
		    void (*fn)(void *ctx, const struct rule *r, uint64_t n),
		    void *ctx)
{
	engine__take_spills(p->engine, fn, ctx);
}

static void policy__decide(struct policy *p, const struct event *ev,
			   const struct decision *d)
{
	struct sandbox *sb = ev->sandbox;
	struct act_req req = {
		.level = d->act, .rule = d->act_rule, .risk = sb->risk->risk,
		.reason = d->act_rule ? "rule" : "threshold",
		.threshold = d->act_rule ? -1 : sb->agent->threshold[d->act],
		.trigger = ev, .since_ns = ev->ktime_ns,
	};

	respond__act(p, sb, &req);
}

/* The kernel stopped the step before it happened: it killed the task
 * for an open or exec of a set that asks, or refused a connect or send
 * outside the profile's destinations (egress: deny). */
static bool policy__held(const struct event *ev)
{
	if (ev->kind == EVENT_CONNECT)
		return ev->connect.verdict == VIGIL_VERDICT_DENY;
	return ev->hdr && (ev->hdr->flags & VIGIL_F_ASKED);
}

/* A rule asked a human. The kernel held the step when policy__held says
 * so: the rest of the sandbox runs on, and a retry after approval
 * passes. Anything else is
 * held by freezing the whole sandbox, evidence first. A step a grant
 * covers (an approved retry) asks nothing. */
static void policy__ask(struct policy *p, const struct event *ev,
			const struct rule *rule)
{
	struct sandbox *sb = ev->sandbox;
	bool kernel = policy__held(ev);
	struct act_req req = {
		.level = LEVEL_FREEZE, .rule = rule, .reason = "ask",
		.risk = sb->risk->risk, .threshold = -1, .trigger = ev,
		.since_ns = ev->ktime_ns,
	};

	if (!kernel && approvals__granted(p->approvals, ev))
		return;
	if (!kernel && (!sb->act || sb->act->run == RUN_RUNNING))
		respond__act(p, sb, &req);
	approvals__ask(p->approvals, ev, rule,
		       kernel ? HELD_KERNEL : HELD_FREEZE);
}

/* ---------------------------------------------------------------- records */

void policy__record(struct policy *p, const struct event *ev,
		    const char *json, size_t len)
{
	const struct decision *d;

	if (!ev->sandbox)
		return;
	if (ev->kind != EVENT_ACTION && respond__slot(ev->sandbox))
		history__add(&ev->sandbox->act->hist, p->o.history, json, len);
	d = engine__event(p->engine, ev);
	for (size_t i = 0; i < d->nr_matches; i++)
		policy__alert(p, ev, &d->matches[i]);
	if (d->act != LEVEL_NONE)
		policy__decide(p, ev, d);
	policy__novelty(p, ev);
	/* A freeze or kill of the whole sandbox leaves nothing to ask. */
	if (d->ask_rule && d->act < LEVEL_FREEZE && p->approvals &&
	    (!ev->sandbox->act || ev->sandbox->act->run != RUN_KILLED))
		policy__ask(p, ev, d->ask_rule);
}

/* An action with evidence carries the history as it is when it goes
 * out, the alerts emitted before it included. */
struct event *policy__next(struct policy *p)
{
	struct emitq_entry *q = emitq__pop(&p->queue);
	struct ev_action *a;

	if (!q)
		return p->approvals ? approvals__next(p->approvals) : NULL;
	a = &q->ev.action;
	if (q->history && q->ev.sandbox->act) {
		a->nr_history = history__list(&q->ev.sandbox->act->hist,
					      p->o.history, p->history,
					      p->history_len);
		a->history = p->history;
		a->history_len = p->history_len;
	}
	return &q->ev;
}

struct policy *policy__new(const struct ruleset *rs,
			   const struct policy_opts *o)
{
	struct sandbox_hooks hooks = { .removed = policy__forget };
	struct policy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->rs = rs;
	p->o = *o;
	p->engine = engine__new(rs);
	p->novelty = novelty__new(NULL);
	/* A replay (rules test, baseline eval) writes no baseline file. */
	p->learning = o->dry_run ? NULL : learning__new();
	hooks.ctx = p;
	if (p->novelty)
		policy__baselines(p, o->baselines);
	else
		baselines__free(o->baselines);
	p->o.baselines = NULL;	/* the novelty's now */
	if (!o->dry_run)
		p->approvals = approvals__new(&(struct approvals_opts){
			.dir = o->approvals_dir, .own = o->approvals_own,
			.rs = rs,
			.sandboxes = o->sandboxes, .enforce = o->enforce,
		});
	if (!p->engine || !p->novelty || (!o->dry_run && !p->learning) ||
	    (!o->dry_run && !p->approvals) ||
	    sandboxes__listen(o->sandboxes, &hooks)) {
		policy__free(p);
		return NULL;
	}
	return p;
}

struct reload {
	const struct carry *carry;
	int failed;
};

static void policy__carry(void *ctx, struct sandbox *sb)
{
	struct reload *r = ctx;

	if (carry__sandbox(r->carry, sb))
		r->failed++;
}

/* The new set's engine first: out of memory, nothing has changed. */
int policy__reload(struct policy *p, const struct ruleset *rs,
		   struct baselines *bls)
{
	struct engine *e = engine__new(rs);
	struct carry *c = e ? carry__plan(p->rs, rs) : NULL;
	struct reload r = { .carry = c };

	if (!c) {
		engine__free(e);
		return -ENOMEM;
	}
	sandboxes__each_told(p->o.sandboxes, policy__carry, &r);
	if (r.failed)
		log_error("out of memory: %d sandboxes lost their rules' "
			  "windows in the reload", r.failed);
	engine__free(p->engine);
	p->engine = e;
	p->rs = rs;
	baselines__free(policy__baselines(p, bls));
	learning__reload(p->learning, rs);
	approvals__rules(p->approvals, rs);
	carry__free(c);
	return 0;
}

void policy__free(struct policy *p)
{
	if (!p)
		return;
	emitq__clear(&p->queue);
	approvals__free(p->approvals);
	engine__free(p->engine);
	novelty__free(p->novelty);
	learning__free(p->learning);	/* saves what is unsaved */
	free(p);
}

bool policy__verdict(struct policy *p, uint64_t cgid, struct verdict *v)
{
	struct sandbox *sb = sandboxes__find(p->o.sandboxes, cgid);

	if (!sb || !sb->act || sb->act->verdict.level == LEVEL_NONE)
		return false;
	*v = sb->act->verdict;
	return true;
}

/* ---------------------------------------------------------------- timers */

struct tick {
	struct policy *p;
	uint64_t now;
};

static void policy__timeouts(void *ctx, struct sandbox *sb)
{
	const struct tick *t = ctx;
	struct policy *p = t->p;
	struct sandbox_act *a = sb->act;
	uint64_t now = t->now;
	uint64_t limit = sb->agent ? sb->agent->freeze_timeout_ns : 0;
	struct act_req req = { .level = LEVEL_KILL, .threshold = -1,
			       .since_ns = now };

	if (!a)
		return;
	if (a->kill_tries > 0 && a->kill_tries < KILL_TRIES) {
		req.reason = a->verdict.reason;
		req.since_ns = a->trigger_ns;
		req.risk = sb->risk ? sb->risk->risk : 0;
		respond__act(p, sb, &req);
	} else if (a->run == RUN_FROZEN && limit &&
		   now - a->frozen_ns >= limit) {
		req.reason = "freeze-timeout";
		req.risk = engine__risk(sb, now);
		respond__act(p, sb, &req);
	}
}

void policy__tick(struct policy *p, uint64_t now)
{
	struct tick t = { p, now };

	sandboxes__each(p->o.sandboxes, policy__timeouts, &t);
	decide__tick(p);
	learning__tick(p->learning, now);
}
