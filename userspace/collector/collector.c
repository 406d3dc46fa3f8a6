// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "collector.h"
#include "drops.h"
#include "enforce.h"
#include "event.h"
#include "flows.h"
#include "loader.h"
#include "log.h"
#include "proctab.h"
#include "render.h"
#include "sandbox.h"

#define PRUNE_EVERY_TICKS 10	/* sandbox registry pruning period */
/* The kernel wakes the collector only for a batch (WAKEUP_BYTES in
 * bpf/vigil.bpf.h); this bounds how long a lone record waits. */
#define POLL_MS 2

struct collector {
	struct loader *loader;
	struct ring_buffer *ring;
	struct proctab *procs;
	struct sandboxes *sandboxes;
	struct render render;
	struct flows flows;
	struct drops drops;
	struct sink *sinks[COLLECTOR_MAX_SINKS];
	int nr_sinks;
	struct policy *policy;
	struct enforce *enforce;	/* NULL without rules */
	const char *const *fileset_names;
	uint64_t seq;
	uint64_t malformed;
	uint64_t tick_ns;	/* flow interval */
	uint64_t next_tick_ns;
	unsigned int ticks;
};

/* Numbers a finished record, renders it once and gives it to each sink. */
static void collector__emit(struct collector *c, struct event *ev)
{
	const char *json;
	size_t len;

	ev->seq = ++c->seq;
	if (render__event(&c->render, ev, &json, &len)) {
		/* Rendering only fails on a bug; the seq gap shows it. */
		log_error("record %llu could not be rendered",
			  (unsigned long long)ev->seq);
		return;
	}
	for (int i = 0; i < c->nr_sinks; i++)
		c->sinks[i]->write(c->sinks[i], ev, json, len);
	/* After the sinks: an alert follows the record it is about. */
	if (c->policy)
		policy__record(c->policy, ev, json, len);
}

static void collector__emit_policy(void *ctx, struct event *ev)
{
	collector__emit(ctx, ev);
}

/* Records without a process (flow, budget) name their sandbox like
 * every other record. */
static void collector__emit_in(struct collector *c, struct event *ev,
			       uint64_t sandbox_cgid)
{
	ev->sandbox = sandboxes__get(c->sandboxes, sandbox_cgid);
	collector__emit(c, ev);
}

static void collector__emit_flow(void *ctx, struct event *ev)
{
	collector__emit_in(ctx, ev, ev->flow.key.sandbox_cgid);
}

/* Process table updates: an exec is rendered with the new image, a fork
 * and an exit with the process as it was. */
static void collector__process(struct collector *c, struct event *ev)
{
	const struct vigil_hdr *h = ev->hdr;

	ev->sandbox = sandboxes__get(c->sandboxes, h->sandbox_cgid);
	if (ev->kind == EVENT_EXEC && ev->exec.ret == 0)
		proctab__exec(c->procs, h, ev->exec.file.p, ev->exec.file.len);
	ev->proc = proctab__get(c->procs, h);
	collector__emit(c, ev);
	if (ev->kind == EVENT_FORK)
		proctab__fork(c->procs, h, ev->child_pid);
	else if (ev->kind == EVENT_EXIT)
		proctab__exit(c->procs, h);
}

/* Ring buffer callback: never returns an error, which would stop the
 * whole poll; a malformed record is counted instead. */
static int collector__on_record(void *ctx, void *data, size_t size)
{
	struct collector *c = ctx;
	struct event ev;

	if (event__decode(data, size, &ev)) {
		c->malformed++;
		return 0;
	}
	ev.fileset_names = c->fileset_names;
	if (ev.kind == EVENT_BUDGET)
		collector__emit_in(c, &ev, ev.budget.sandbox_cgid);
	else
		collector__process(c, &ev);
	return 0;
}

static void collector__report_drops(struct collector *c, uint64_t now)
{
	struct drops_user user = { .malformed = c->malformed };
	struct event ev;

	for (int i = 0; i < c->nr_sinks; i++)
		user.sinks += c->sinks[i]->dropped;
	if (drops__collect(&c->drops, now, &user, &ev))
		collector__emit(c, &ev);
}

static void collector__tick(struct collector *c, uint64_t now)
{
	flows__tick(&c->flows, now, collector__emit_flow, c);
	collector__report_drops(c, now);
	render__sync_clock(&c->render);
	if (c->policy)
		policy__tick(c->policy, now);
	if (++c->ticks % PRUNE_EVERY_TICKS == 0)
		sandboxes__prune(c->sandboxes);
	c->next_tick_ns = now + c->tick_ns;
}

static void collector__flush(struct collector *c)
{
	for (int i = 0; i < c->nr_sinks; i++)
		if (c->sinks[i]->flush)
			c->sinks[i]->flush(c->sinks[i]);
}

int collector__poll(struct collector *c, int timeout_ms)
{
	uint64_t now = clock__boot_ns();
	int wait_ms = (c->next_tick_ns - now) / 1000000;
	int n;

	if (now >= c->next_tick_ns)
		wait_ms = 0;
	if (wait_ms > timeout_ms)
		wait_ms = timeout_ms;
	if (c->enforce)
		enforce__refresh(c->enforce);
	n = ring_buffer__poll(c->ring, wait_ms < POLL_MS ? wait_ms : POLL_MS);
	/* poll consumes only after a wakeup; records below the wakeup
	 * threshold are picked up here. */
	if (n >= 0) {
		int more = ring_buffer__consume(c->ring);

		n = more < 0 ? more : n + more;
	}
	now = clock__boot_ns();
	if (now >= c->next_tick_ns)
		collector__tick(c, now);
	collector__flush(c);
	return n;
}

static const char *collector__sandbox_cgroup(void *ctx, uint64_t cgid)
{
	struct collector *c = ctx;

	return sandboxes__get(c->sandboxes, cgid)->cgroup;
}

/* The kernel's enforcement maps follow the rules, and each sandbox gets
 * its profile's policy as soon as it is discovered. */
static int collector__enforce(struct collector *c, const struct ruleset *rs)
{
	struct enforce_maps maps;
	struct sandbox_hooks hooks = {
		.added = enforce__place, .removed = enforce__forget,
	};

	loader__enforce_maps(c->loader, &maps);
	c->enforce = enforce__new(rs, &maps);
	if (!c->enforce)
		return -ENOMEM;
	hooks.ctx = c->enforce;
	sandboxes__set_hooks(c->sandboxes, &hooks);
	c->fileset_names = rs->fileset_names;
	return 0;
}

static int collector__init(struct collector *c, struct collector_opts *o)
{
	struct loader_opts lo = {
		.roots = o->roots,
		.only_sandbox = o->only_sandbox,
		.ringbuf_bytes = o->ringbuf_bytes,
	};
	uint64_t now = clock__boot_ns();
	int err;

	c->procs = proctab__new(collector__sandbox_cgroup, c);
	c->sandboxes = sandboxes__new(o->roots);
	if (!c->procs || !c->sandboxes || render__init(&c->render))
		return -ENOMEM;
	err = loader__start(&c->loader, &lo);
	if (err)
		return err;
	c->ring = ring_buffer__new(loader__events_fd(c->loader),
				   collector__on_record, c, NULL);
	if (!c->ring) {
		log__errno(errno, "cannot open the ring buffer");
		return -errno;
	}
	if (o->rules) {
		o->policy.roots = o->roots;
		c->policy = policy__new(o->rules, &o->policy,
					collector__emit_policy, c);
		if (!c->policy || collector__enforce(c, o->rules))
			return -ENOMEM;
	}
	flows__init(&c->flows, c->loader, now);
	c->tick_ns = (uint64_t)o->flow_interval_ms * 1000000;
	c->next_tick_ns = now + c->tick_ns;
	return drops__init(&c->drops, loader__drops_fd(c->loader), now);
}

int collector__start(struct collector **out, struct collector_opts *o)
{
	struct collector *c = calloc(1, sizeof(*c));
	int err;

	if (c) {
		memcpy(c->sinks, o->sinks, sizeof(c->sinks));
		c->nr_sinks = o->nr_sinks;
	}
	err = c ? collector__init(c, o) : -ENOMEM;
	if (err) {
		collector__stop(c, NULL);
		return err;
	}
	*out = c;
	return 0;
}

void collector__discover(struct collector *c, uint64_t cgid)
{
	sandboxes__get(c->sandboxes, cgid);
}

struct policy *collector__policy(struct collector *c)
{
	return c->policy;
}

/* The end of a run: nothing new can arrive once the programs are gone, so
 * what the ring buffer and the maps hold is all there is. */
static void collector__drain(struct collector *c)
{
	uint64_t now;

	loader__detach(c->loader);
	ring_buffer__consume(c->ring);
	now = clock__boot_ns();
	flows__drain_all(&c->flows, now, collector__emit_flow, c);
	collector__report_drops(c, now);
	collector__flush(c);
}

static void collector__stats(struct collector *c, struct collector_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->records = c->seq;
	s->lost = c->loader ? drops__total(&c->drops) : 0;
	s->malformed = c->malformed;
	for (int i = 0; i < c->nr_sinks; i++)
		s->sink_failures += c->sinks[i]->failed;
}

void collector__stop(struct collector *c, struct collector_stats *stats)
{
	if (!c)
		return;
	if (c->ring)
		collector__drain(c);
	if (stats)
		collector__stats(c, stats);
	ring_buffer__free(c->ring);
	loader__stop(c->loader);
	enforce__free(c->enforce);
	for (int i = 0; i < c->nr_sinks; i++)
		c->sinks[i]->close(c->sinks[i]);
	policy__free(c->policy);
	render__fini(&c->render);
	sandboxes__free(c->sandboxes);
	proctab__free(c->procs);
	free(c);
}
