// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "killswitch.h"
#include "log.h"
#include "netname.h"
#include "policy_int.h"

#define PRUNE_NS (10ull * 1000000000)	/* look for removed sandboxes */
#define KILL_TRIES 10			/* ticks a kill is retried */

/* ---------------------------------------------------------------- sandboxes */

static int sandbox__copy(struct sandbox *dst, const struct sandbox *src)
{
	*dst = (struct sandbox){ .cgid = src->cgid };
	dst->id = strdup(src->id);
	dst->cgroup = strdup(src->cgroup);
	if (src->profile) {
		dst->profile = strndup(src->profile, src->profile_len);
		dst->profile_len = src->profile_len;
	}
	return dst->id && dst->cgroup && (!src->profile || dst->profile)
		       ? 0 : -ENOMEM;
}

static void history__free(struct history *h, size_t cap)
{
	for (size_t i = 0; h->text && i < cap; i++)
		free(h->text[i]);
	free(h->text);
	free(h->len);
	free(h->cap);
}

static void psb__free(struct policy *p, struct psb *sb)
{
	history__free(&sb->hist, p->o.history);
	free(sb->sandbox.id);
	free(sb->sandbox.cgroup);
	free(sb->sandbox.profile);
	free(sb);
}

struct psb *policy__sandbox(struct policy *p, const struct sandbox *s)
{
	struct psb *sb;

	HASH_FIND(hh, p->sandboxes, &s->cgid, sizeof(s->cgid), sb);
	if (sb)
		return sb;
	sb = calloc(1, sizeof(*sb));
	if (!sb)
		return NULL;
	if (sandbox__copy(&sb->sandbox, s)) {
		psb__free(p, sb);
		return NULL;
	}
	HASH_ADD(hh, p->sandboxes, sandbox.cgid, sizeof(sb->sandbox.cgid), sb);
	return sb;
}

struct psb *policy__find_id(struct policy *p, const char *id)
{
	struct psb *sb, *tmp;

	HASH_ITER(hh, p->sandboxes, sb, tmp)
		if (!strcmp(sb->sandbox.id, id))
			return sb;
	return NULL;
}

const char *policy__profile_name(struct policy *p, const struct psb *sb)
{
	const struct sb_state *s = engine__sandbox(p->engine, sb->sandbox.cgid);

	return s ? s->profile->name : p->rs->fallback->name;
}

/* ---------------------------------------------------------------- history */

static void history__add(struct history *h, unsigned int cap,
			 const char *json, size_t len)
{
	size_t i;

	if (!cap)
		return;
	if (!h->text) {
		h->text = calloc(cap, sizeof(*h->text));
		h->len = calloc(cap, sizeof(*h->len));
		h->cap = calloc(cap, sizeof(*h->cap));
		if (!h->text || !h->len || !h->cap)
			return;
	}
	i = (h->head + h->n) % cap;
	if (h->n == cap)
		h->head = (h->head + 1) % cap;
	else
		h->n++;
	/* Slots are reused: after warm-up nothing is allocated per record. */
	if (h->cap[i] < len) {
		char *t = realloc(h->text[i], len);

		if (!t) {
			h->len[i] = 0;
			return;
		}
		h->text[i] = t;
		h->cap[i] = len;
	}
	memcpy(h->text[i], json, len);
	h->len[i] = len;
}

size_t history__list(const struct history *h, unsigned int cap,
		     const char **text, size_t *len)
{
	size_t n = 0, bytes = 0, first = 0;

	if (!h->text)
		return 0;
	/* The newest records that fit the byte budget, oldest first. */
	while (first < h->n) {
		size_t i = (h->head + h->n - 1 - first) % cap;

		if (bytes + h->len[i] > POLICY_HISTORY_BYTES)
			break;
		bytes += h->len[i];
		first++;
	}
	for (size_t k = h->n - first; k < h->n && n < POLICY_HISTORY_MAX; k++) {
		size_t i = (h->head + k) % cap;

		if (!h->len[i])
			continue;
		text[n] = h->text[i];
		len[n++] = h->len[i];
	}
	return n;
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

static void policy__alert(void *ctx, const struct event *ev,
			  const struct match *m, const struct sb_state *s)
{
	struct policy *p = ctx;
	char what[512], message[1024];
	struct event a = {
		.kind = EVENT_ALERT, .ktime_ns = clock__boot_ns(),
		.hdr = ev->hdr, .sandbox = ev->sandbox, .proc = ev->proc,
	};

	summary__of(ev, what, sizeof(what));
	snprintf(message, sizeof(message), "%s: %s", m->rule->id, what);
	a.alert = (struct ev_alert){
		.rule = m->rule->id, .description = m->rule->description,
		.severity = severity__name(m->rule->severity),
		.tags = m->rule->tags, .nr_tags = m->rule->nr_tags,
		.score = m->score, .risk = m->risk,
		.profile = s->profile->name, .trigger_seq = ev->seq,
		.trigger_type = event__type_name(ev->kind), .message = message,
	};
	p->emit(p->ctx, &a);
}

static void policy__on_act(void *ctx, const struct event *ev,
			   enum act_level level, const struct rule *rule,
			   const struct sb_state *s)
{
	struct policy *p = ctx;
	struct psb *sb = policy__sandbox(p, ev->sandbox);
	struct act_req req = {
		.level = level, .rule = rule, .risk = s->risk,
		.reason = rule ? "rule" : "threshold",
		.threshold = rule ? -1 : s->profile->threshold[level],
		.trigger = ev, .since_ns = ev->ktime_ns,
	};

	if (!sb) {
		log_error("sandbox %s: out of memory; %s not done",
			  ev->sandbox->id, level__name(level));
		return;
	}
	policy__act(p, sb, &req);
}

/* ---------------------------------------------------------------- records */

void policy__record(struct policy *p, const struct event *ev,
		    const char *json, size_t len)
{
	struct psb *sb;

	if (!ev->sandbox)
		return;
	if (ev->kind == EVENT_ACTION && ev->action.evidence_file)
		policy__keep_evidence(p, ev, json, len);
	sb = policy__sandbox(p, ev->sandbox);
	if (sb && ev->kind != EVENT_ACTION)
		history__add(&sb->hist, p->o.history, json, len);
	engine__event(p->engine, ev);
}

struct policy *policy__new(const struct ruleset *rs,
			   const struct policy_opts *o, policy_emit_fn emit,
			   void *ctx)
{
	struct engine_hooks hooks = { .alert = policy__alert,
				      .act = policy__on_act };
	struct policy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	hooks.ctx = p;
	p->rs = rs;
	p->o = *o;
	p->emit = emit;
	p->ctx = ctx;
	p->engine = engine__new(rs, &hooks);
	if (!p->engine) {
		free(p);
		return NULL;
	}
	return p;
}

void policy__free(struct policy *p)
{
	struct psb *sb, *tmp;

	if (!p)
		return;
	HASH_ITER(hh, p->sandboxes, sb, tmp) {
		HASH_DEL(p->sandboxes, sb);
		psb__free(p, sb);
	}
	engine__free(p->engine);
	free(p);
}

bool policy__verdict(struct policy *p, uint64_t cgid, struct verdict *v)
{
	struct psb *sb;

	HASH_FIND(hh, p->sandboxes, &cgid, sizeof(cgid), sb);
	if (!sb || sb->verdict.level == LEVEL_NONE)
		return false;
	*v = sb->verdict;
	return true;
}

/* ---------------------------------------------------------------- timers */

static void policy__timeouts(struct policy *p, struct psb *sb, uint64_t now)
{
	const struct sb_state *s = engine__sandbox(p->engine, sb->sandbox.cgid);
	uint64_t limit = s ? s->profile->freeze_timeout_ns : 0;
	struct act_req req = { .level = LEVEL_KILL, .threshold = -1,
			       .since_ns = now };

	if (sb->kill_tries > 0 && sb->kill_tries < KILL_TRIES) {
		req.reason = sb->verdict.reason;
		req.since_ns = sb->trigger_ns;
		req.risk = s ? s->risk : 0;
		policy__act(p, sb, &req);
	} else if (sb->run == SB_FROZEN && limit &&
		   now - sb->frozen_ns >= limit) {
		req.reason = "freeze-timeout";
		req.risk = s ? engine__risk(s, now) : 0;
		policy__act(p, sb, &req);
	}
}

/* A sandbox whose directory is gone has nothing more to say. */
static bool psb__gone(struct policy *p, const struct psb *sb)
{
	char path[PATH_MAX];
	struct stat st;

	if (!p->o.roots)
		return false;
	snprintf(path, sizeof(path), "%s%s", p->o.roots->mount,
		 sb->sandbox.cgroup);
	return stat(path, &st) && errno == ENOENT;
}

void policy__tick(struct policy *p, uint64_t now)
{
	bool prune = now - p->last_prune_ns >= PRUNE_NS;
	struct psb *sb, *tmp;

	if (prune)
		p->last_prune_ns = now;
	HASH_ITER(hh, p->sandboxes, sb, tmp) {
		if (prune && psb__gone(p, sb)) {
			engine__forget(p->engine, sb->sandbox.cgid);
			HASH_DEL(p->sandboxes, sb);
			psb__free(p, sb);
			continue;
		}
		policy__timeouts(p, sb, now);
	}
}
