// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "killswitch.h"
#include "evidence.h"
#include "log.h"
#include "respond.h"

#define FREEZE_MS 100	/* a freeze that takes longer is reported failed */

struct outcome {
	const char *outcome;
	const char *error;
	double latency_ms;
};

static const char *action__name(enum act_level level)
{
	return level == LEVEL_NONE ? "thaw" : level__name(level);
}

/* A name for the evidence file: time, sandbox and act, in characters no
 * shell or path can misread. */
static void evfile__name(struct policy *p, const struct sandbox *sb,
			 enum act_level level, char *out, size_t len)
{
	int64_t now = clock__ns(CLOCK_REALTIME);
	char id[64];
	size_t i;

	for (i = 0; i < sizeof(id) - 1 && sb->id[i]; i++) {
		char c = sb->id[i];

		id[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '.' ? c : '_';
	}
	id[i] = '\0';
	snprintf(out, len, "%s/%lld.%09lld-%s-%s.json", p->o.evidence_dir,
		 (long long)(now / 1000000000), (long long)(now % 1000000000),
		 id, level__name(level));
}

/* The acts themselves; each fills o. Returns whether err is a failure,
 * which it notes in o. */
static bool outcome__failed(struct outcome *o, int err)
{
	if (err) {
		o->outcome = "failed";
		o->error = strerror(-err);
	}
	return err;
}

/* The freeze itself happened with the evidence (do__evidence), frozen at
 * frozen_ns; err is how it went. */
static void do__freeze(struct sandbox_act *a, int err, uint64_t since_ns,
		       uint64_t frozen_ns, struct outcome *o)
{
	if (outcome__failed(o, err))
		return;
	a->run = RUN_FROZEN;
	a->frozen_ns = clock__boot_ns();
	o->latency_ms = frozen_ns > since_ns ? (frozen_ns - since_ns) / 1e6 : 0;
}

static void do__kill(struct policy *p, struct sandbox_act *a, const char *dir,
		     uint64_t since_ns, struct outcome *o)
{
	uint64_t start_ns = clock__boot_ns(), empty_ns;
	int err = killswitch__kill(dir, p->o.kill_ms, &empty_ns);

	if (outcome__failed(o, err)) {
		/* Retried from policy__tick; each try is reported. */
		a->kill_tries++;
		a->trigger_ns = since_ns;
		return;
	}
	log_debug("%s: decided %llu us after the syscall, empty %llu us after "
		  "cgroup.kill", dir,
		  (unsigned long long)(start_ns - since_ns) / 1000,
		  (unsigned long long)(empty_ns - start_ns) / 1000);
	a->kill_tries = 0;
	a->run = RUN_KILLED;
	o->latency_ms = empty_ns > since_ns ? (empty_ns - since_ns) / 1e6 : 0;
}

static void do__thaw(struct sandbox *sb, const char *dir, struct outcome *o)
{
	if (outcome__failed(o, killswitch__thaw(dir)))
		return;
	sb->act->run = RUN_RUNNING;
	engine__absolve(sb);
}

static void verdict__note(struct sandbox_act *a, const struct act_req *req)
{
	if (req->level < a->verdict.level && req->level != LEVEL_NONE)
		return;
	a->verdict = (struct verdict){
		.level = req->level, .reason = req->reason, .risk = req->risk,
	};
	if (req->rule)
		snprintf(a->verdict.rule, sizeof(a->verdict.rule), "%s",
			 req->rule->id);
}

/* Freeze first whatever the act, so the evidence is what the sandbox
 * was, not what it became while being read. */
static struct evidence *do__evidence(const char *dir, int *err,
				     uint64_t *frozen_ns)
{
	uint64_t t0 = clock__boot_ns(), t1;
	struct evidence *e;

	*err = killswitch__freeze(dir, FREEZE_MS);
	if (*err)
		log__errno(*err, "%s: freezing for evidence", dir);
	t1 = *frozen_ns = clock__boot_ns();
	e = evidence__take(dir);
	log_debug("%s: frozen in %llu us, evidence in %llu us", dir,
		  (unsigned long long)(t1 - t0) / 1000,
		  (unsigned long long)(clock__boot_ns() - t1) / 1000);
	return e;
}

static void do__perform(struct policy *p, struct sandbox *sb,
			const struct act_req *req, struct event *rec,
			struct evidence **evd)
{
	struct outcome o = { .outcome = "done", .latency_ms = -1 };
	char dir[PATH_MAX];
	uint64_t frozen_ns;
	int err;

	if (p->o.dry_run) {
		o.outcome = "dry-run";
	} else if (req->level != LEVEL_ALERT &&
		   (err = killswitch__sandbox_dir(p->o.roots, sb->cgroup, dir))) {
		o.outcome = "refused";
		o.error = strerror(-err);
	} else if (req->level == LEVEL_NONE) {
		do__thaw(sb, dir, &o);
	} else if (req->level == LEVEL_FREEZE) {
		*evd = do__evidence(dir, &err, &frozen_ns);
		do__freeze(sb->act, err, req->since_ns, frozen_ns, &o);
	} else if (req->level == LEVEL_KILL) {
		/* A retried kill took its evidence the first time. */
		if (!sb->act->kill_tries)
			*evd = do__evidence(dir, &err, &frozen_ns);
		do__kill(p, sb->act, dir, req->since_ns, &o);
	}
	rec->action.outcome = o.outcome;
	rec->action.error = o.error;
	rec->action.latency_ms = o.latency_ms;
	rec->action.evidence = *evd;
}

/* The kernel acts before user space on protected files and budgets. */
static const char *kernel__verdict(const struct event *t)
{
	if (t && t->kind == EVENT_BUDGET)
		return "drop";
	if (t && t->hdr && (t->hdr->flags & VIGIL_F_KILLED))
		return "sigkill";
	return NULL;
}

/* The entry keeps its own copy: the record goes out after the request
 * that asked for it is answered. */
static void respond__operator(struct emitq_entry *q,
			      const struct ev_operator *o)
{
	q->op = *o;
	q->op.user = o->user ? strncpy(q->op_user, o->user,
				       sizeof(q->op_user) - 1) : NULL;
	q->op.login_user = o->login_user ?
		strncpy(q->op_login_user, o->login_user,
			sizeof(q->op_login_user) - 1) : NULL;
	q->op.reason = o->reason ? strncpy(q->op_reason, o->reason,
					   sizeof(q->op_reason) - 1) : NULL;
	q->ev.action.operator = &q->op;
}

struct sandbox_act *respond__slot(struct sandbox *sb)
{
	if (!sb->act)
		sb->act = calloc(1, sizeof(*sb->act));
	return sb->act;
}

void respond__forget(struct policy *p, struct sandbox *sb)
{
	if (!sb->act)
		return;
	history__free(&sb->act->hist, p->o.history);
	free(sb->act);
	sb->act = NULL;
}

void respond__act(struct policy *p, struct sandbox *sb,
		  const struct act_req *req)
{
	const struct event *t = req->trigger;
	struct emitq_entry *q;
	struct ev_action *a;

	q = respond__slot(sb) ? emitq__push(&p->queue) : NULL;
	if (!q) {
		log_error("sandbox %s: out of memory; %s not done", sb->id,
			  action__name(req->level));
		return;
	}
	q->ev = (struct event){
		.kind = EVENT_ACTION, .ktime_ns = clock__boot_ns(),
		.sandbox = sb,
		.hdr = t ? t->hdr : NULL, .proc = t ? t->proc : NULL,
	};
	a = &q->ev.action;
	*a = (struct ev_action){
		.action = action__name(req->level), .reason = req->reason,
		.rule = req->rule ? req->rule->id : NULL, .risk = req->risk,
		.threshold = req->threshold,
		.profile = ruleset__profile_of(p->rs, sb)->name,
		.trigger_seq = t ? t->seq : 0,
		.kernel_verdict = kernel__verdict(t),
	};
	if (req->operator)
		respond__operator(q, req->operator);
	do__perform(p, sb, req, &q->ev, &q->evidence);
	/* The history is the sandbox's when the record goes out
	 * (policy__next), the alerts before it included. */
	q->history = q->evidence != NULL;
	if (q->evidence && p->o.evidence_dir) {
		evfile__name(p, sb, req->level, q->file, sizeof(q->file));
		a->evidence_file = q->file;
	}
	verdict__note(sb->act, req);
}
