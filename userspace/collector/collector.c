// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "collector.h"
#include "dropped.h"
#include "drops.h"
#include "enforce.h"
#include "event.h"
#include "flows.h"
#include "loader.h"
#include "log.h"
#include "opener.h"
#include "outage.h"
#include "proctab.h"
#include "ringread.h"
#include "sandbox.h"
#include "verdicts.h"

/* The kernel wakes the collector only for a batch (WAKEUP_BYTES in
 * bpf/vigil.bpf.h); this bounds how long a lone record waits. */
#define POLL_MS 2
/* Records handled per poll at most (a few ms of work): under a flood the
 * ring buffer never empties, and the timers and the control socket run
 * between batches. */
#define POLL_BATCH 2048
/* Records of events between two reads of the verdicts ring, whose
 * records are handled first (verdicts.h): a kill waits for this many at
 * most, not for a flood's backlog. */
#define VERDICT_EVERY 256
/* How often the daemon's heartbeat is refreshed, whatever the flow
 * interval: fail-closed profiles (bpf/vigil.bpf.h) wait 3 s at least. */
#define BEAT_NS 1000000000ULL

/* Files followed as drops (dropped.h): a few MiB at most. */
#define DROPPED_MAX 65536

struct collector {
	struct loader *loader;
	struct ringread *ring;		/* events */
	struct ring_buffer *verdict_ring;
	struct verdicts verdicts;
	struct opener *opener;
	struct proctab *procs;
	struct dropped *dropped;	/* files fetched or decoded, by inode */
	struct sandboxes *sandboxes;
	struct emitter emit;
	struct flows flows;
	struct drops drops;
	struct policy *policy;		/* NULL without rules */
	struct enforce *enforce;	/* NULL without rules */
	const char *const *fileset_names;
	uint64_t malformed;
	uint64_t repeated;	/* records the kernel counted, not sent */
	int batch;		/* records handled in this poll */
	size_t ringbuf_bytes;
	uint64_t tick_ns;	/* flow interval */
	uint64_t next_tick_ns;
	uint64_t next_beat_ns;
	uint64_t next_relink_ns;
	uint64_t rewrite_until_ns;	/* maps checked every RELINK_NS */
	uint64_t next_rewrite_ns;
};

/* Records without a process (flow, budget) name their sandbox like
 * every other record. */
static void collector__emit_in(struct collector *c, struct event *ev,
			       uint64_t sandbox_cgid)
{
	ev->sandbox = sandboxes__get(c->sandboxes, sandbox_cgid);
	emit__record(&c->emit, ev);
}

/* Flow and repeat records, from the per-epoch maps. */
static void collector__emit_flow(void *ctx, struct event *ev)
{
	struct collector *c = ctx;

	if (ev->kind == EVENT_REPEAT) {
		c->repeated += ev->repeat.val.count;
		collector__emit_in(c, ev, ev->repeat.key.sandbox_cgid);
		return;
	}
	collector__emit_in(c, ev, ev->flow.key.sandbox_cgid);
}

static void collector__emit_drop(void *ctx, struct event *ev)
{
	collector__emit_in(ctx, ev, ev->drop.sandbox_cgid);
	if (ev->sandbox)
		ev->sandbox->lost += ev->drop.lost;
}

/* Process table updates: an exec is rendered with the new image, a fork
 * and an exit with the process as it was. */
static void collector__process(struct collector *c, struct event *ev)
{
	const struct vigil_hdr *h = ev->hdr;
	struct proc *p;

	ev->sandbox = sandboxes__get(c->sandboxes, h->sandbox_cgid);
	if (ev->kind == EVENT_ESCAPE && ev->escape.into_cgid)
		ev->escape.into = sandboxes__cgroup_of(c->sandboxes,
						       ev->escape.into_cgid);
	if (ev->kind == EVENT_EXEC && ev->exec.ret == 0)
		proctab__exec(c->procs, h, ev->exec.file.p, ev->exec.file.len);
	/* pid 0: a record of no task (a DNS answer whose query went
	 * unseen, bpf/dns.bpf.c), which no process table entry stands for. */
	p = h->pid ? proctab__get(c->procs, h) : NULL;
	ev->proc = p;
	dropped__see(c->dropped, ev, p);
	stages__lap(&c->emit.stages, STAGE_ENRICH);
	emit__record(&c->emit, ev);
	if (ev->kind == EVENT_FORK)
		proctab__fork(c->procs, h, ev->child_pid);
	else if (ev->kind == EVENT_EXIT)
		proctab__exit(c->procs, h);
	stages__lap(&c->emit.stages, STAGE_ENRICH);
}

/*
 * Root in a sandbox can write vigil's maps the same way (a map's fd by
 * id, then an update or a delete): what the daemon wrote there is put
 * back from its own copy (mapmodel.h) at once when a sandbox is seen
 * calling bpf(), then every RELINK_NS for REWRITE_WATCH_NS (the second
 * process writes after the first's record; a write may hide its own
 * call), and at every heartbeat whatever the records showed. A
 * lifecycle record names the maps.
 */
#define REWRITE_WATCH_NS (1000 * 1000000ULL)
#define REWRITE_NAMES 32

static void collector__rewrite(struct collector *c, uint64_t now)
{
	const char *maps[REWRITE_NAMES];
	size_t n = loader__rewrite(c->loader, now, maps, REWRITE_NAMES);
	struct event ev = {
		.kind = EVENT_LIFECYCLE,
		.lifecycle = { .event = "rewrite", .rules_sha256 = "",
			       .maps = maps },
	};

	if (c->enforce)
		n += enforce__rewrite(c->enforce, now, maps + n,
				      REWRITE_NAMES - n);
	if (!n)
		return;
	metrics__repaired(c->emit.metrics, 0, 0, n);
	ev.lifecycle.nr_maps = n;
	collector__note(c, &ev);
}

/* A sandbox called bpf() at ktime_ns: the maps are watched closely for
 * a while from then. */
static void collector__watch_maps(struct collector *c, uint64_t ktime_ns)
{
	if (ktime_ns + REWRITE_WATCH_NS <= c->rewrite_until_ns)
		return;
	c->rewrite_until_ns = ktime_ns + REWRITE_WATCH_NS;
	c->next_rewrite_ns = 0;
}

/* A record of either ring; a verdict's second copy is skipped. */
static void collector__handle(struct collector *c, void *data, size_t size)
{
	struct event ev;

	if (event__decode(data, size, &ev) || ev.kind == EVENT_MKDIR) {
		c->malformed++;
		return;
	}
	stages__lap(&c->emit.stages, STAGE_DECODE);
	/* Decoded: the raw header is there (ev.hdr is not, for records
	 * without a process). */
	if (verdicts__is(data) && !verdicts__first(&c->verdicts, data))
		return;
	if (ev.kind == EVENT_SYSCALL && !strcmp(ev.syscall.name, "bpf"))
		collector__watch_maps(c, ev.ktime_ns);
	ev.fileset_names = c->fileset_names;
	switch (ev.kind) {
	case EVENT_RMDIR:
		sandboxes__removed(c->sandboxes, ev.hdr->sandbox_cgid);
		break;
	case EVENT_BUDGET:
		collector__emit_in(c, &ev, ev.budget.sandbox_cgid);
		break;
	default:
		collector__process(c, &ev);
	}
}

/* Ring buffer callback. A record it cannot decode is counted, not
 * returned as an error. Its one negative return, -EAGAIN, ends a full
 * batch: the reader has consumed the record just handled and stops there,
 * leaving the rest for the next poll. */
static int collector__on_record(void *ctx, void *data, size_t size)
{
	struct collector *c = ctx;

	/* The wait for the first record of a poll is no stage's. */
	if (c->batch)
		stages__lap(&c->emit.stages, STAGE_READ);
	else
		stages__restart(&c->emit.stages);
	stages__count(&c->emit.stages);
	collector__handle(c, data, size);
	if (++c->batch % VERDICT_EVERY == 0)
		ring_buffer__consume(c->verdict_ring);
	return c->batch < POLL_BATCH ? 0 : -EAGAIN;
}

/* Only copies of records events has too: they do not count towards a
 * batch. */
static int collector__on_verdict(void *ctx, void *data, size_t size)
{
	collector__handle(ctx, data, size);
	return 0;
}

/* A batch of what the ring buffer holds: records handled, or a negative
 * errno from the poll (-EINTR on a signal). */
static int collector__read(struct collector *c, int wait_ms)
{
	int err;

	c->batch = 0;
	ring_buffer__consume(c->verdict_ring);
	/* Consumes after the wait whether woken or not: the kernel wakes
	 * the collector only for a batch's worth of records. */
	err = ringread__poll(c->ring, wait_ms);
	if (c->batch)
		stages__lap(&c->emit.stages, STAGE_READ);
	return err < 0 && err != -EAGAIN ? err : c->batch;
}

static void collector__report_drops(struct collector *c, uint64_t now)
{
	struct drops_user user = {
		.malformed = c->malformed + sandboxes__malformed(c->sandboxes),
	};
	struct event ev;

	for (int i = 0; i < c->emit.nr_sinks; i++)
		user.sinks += c->emit.sinks[i]->dropped;
	if (drops__collect(&c->drops, now, &user, &ev)) {
		ev.drop.skipped_from = emit__skip(
			&c->emit, ev.drop.reason[VIGIL_DROP_RINGBUF]);
		emit__record(&c->emit, &ev);
	}
	drops__sandboxes(&c->drops, now, collector__emit_drop, c);
}

/* The heartbeat the next daemon names a gap from, if this one dies, and
 * the pins it adopts, made again if someone removed them. */
static void collector__beat(struct collector *c, uint64_t now, bool serving)
{
	struct outage_beat b = {
		.run_id = c->emit.render.run_id,
		.seq = c->emit.seq,
		.drops_reported = drops__kernel(&c->drops),
		.serving = serving,
	};

	outage__beat(loader__daemon_fd(c->loader), &b, now);
	metrics__repaired(c->emit.metrics, 0, loader__repin(c->loader), 0);
	collector__rewrite(c, now);
}

/* The policy's timers act before the registry prunes: an action record
 * goes out while its sandbox is still known. */
static void collector__tick(struct collector *c, uint64_t now)
{
	flows__tick(&c->flows, now, collector__emit_flow, c);
	collector__report_drops(c, now);
	render__sync_clock(&c->emit.render);
	if (c->policy) {
		policy__tick(c->policy, now);
		emit__drain(&c->emit);
		metrics__policy(c->emit.metrics, c->policy);
	}
	metrics__tick(c->emit.metrics, c->sandboxes, c->emit.sinks,
		      c->emit.nr_sinks, now);
	sandboxes__prune(c->sandboxes);
	c->next_tick_ns = now + c->tick_ns;
}

/*
 * Root in a sandbox can detach the programs on the sandbox roots (the
 * egress hooks) with two bpf() calls, faster than any freeze: the kernel
 * kills a sandboxed caller of bpf() at its first call, so it takes two
 * processes sharing a file table. Whatever it detached is attached again
 * within RELINK_NS, and a lifecycle record names it.
 */
#define RELINK_NS (10 * 1000000ULL)
#define RELINK_NAMES 32

static void collector__relink(struct collector *c)
{
	char names[RELINK_NAMES][LOADER_NAME_MAX];
	const char *programs[RELINK_NAMES];
	size_t n = loader__relink(c->loader, names, RELINK_NAMES);
	struct event ev = {
		.kind = EVENT_LIFECYCLE,
		.lifecycle = { .event = "relink", .rules_sha256 = "",
			       .programs = programs },
	};

	if (!n)
		return;
	metrics__repaired(c->emit.metrics, n, 0, 0);
	for (size_t i = 0; i < n && i < RELINK_NAMES; i++)
		programs[ev.lifecycle.nr_programs++] = names[i];
	collector__note(c, &ev);
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
	/* What operators asked since the last poll, and sandboxes made
	 * meanwhile, which no record may have brought in. */
	emit__drain(&c->emit);
	sandboxes__take(c->sandboxes);
	if (c->enforce)
		enforce__refresh(c->enforce);
	n = collector__read(c, wait_ms < POLL_MS ? wait_ms : POLL_MS);
	now = clock__boot_ns();
	if (now >= c->next_tick_ns)
		collector__tick(c, now);
	if (now >= c->next_beat_ns) {
		collector__beat(c, now, true);
		c->next_beat_ns = now + BEAT_NS;
	}
	if (now >= c->next_relink_ns) {
		collector__relink(c);
		c->next_relink_ns = now + RELINK_NS;
	}
	if (now < c->rewrite_until_ns && now >= c->next_rewrite_ns) {
		collector__rewrite(c, now);
		c->next_rewrite_ns = now + RELINK_NS;
	}
	emit__flush(&c->emit);
	return n;
}

/* The policy and the kernel's enforcement maps follow the rules; both
 * keep their state in the sandbox records and hear when one is gone. */
static int collector__rules(struct collector *c, struct collector_opts *o)
{
	struct enforce_maps maps;

	loader__enforce_maps(c->loader, &maps);
	c->enforce = enforce__new(o->rules, &maps, c->sandboxes);
	if (!c->enforce)
		return -ENOMEM;
	/* The policy's grants of pending requests go to the kernel. */
	o->policy.roots = o->roots;
	o->policy.sandboxes = c->sandboxes;
	o->policy.enforce = c->enforce;
	c->policy = policy__new(o->rules, &o->policy);
	if (!c->policy)
		return -ENOMEM;
	c->emit.policy = c->policy;
	c->fileset_names = o->rules->fileset_names;
	loader__set_fail_closed(c->loader, enforce__fail_closed_ns(c->enforce));
	loader__set_exe_judged(c->loader, enforce__exe_judged(c->enforce));
	return 0;
}

/* The sandboxes there now, and a thread for those made from now on,
 * which the programs report; none when one sandbox is watched (vigil
 * run's, made before). */
static int collector__sandboxes(struct collector *c,
				const struct collector_opts *o)
{
	int err;

	if (o->only_sandbox)
		return 0;
	sandboxes__scan(c->sandboxes);
	err = opener__start(&c->opener, loader__mkdirs_fd(c->loader),
			    o->roots);
	if (!err)
		sandboxes__feed(c->sandboxes, opener__feed, c->opener);
	return err;
}

/* Pinned state an earlier daemon left: the gap record goes first, then
 * the bytes counted while no daemon ran, then what the ring buffer kept,
 * as the polls read it. */
static void collector__adopt(struct collector *c, uint64_t now)
{
	struct event ev;

	if (loader__adopted(c->loader) &&
	    outage__gap(loader__daemon_fd(c->loader), &c->drops, now, &ev)) {
		emit__record(&c->emit, &ev);
		flows__drain_all(&c->flows, now, collector__emit_flow, c);
		emit__flush(&c->emit);
	}
	collector__beat(c, now, true);
}

static void collector__forget(void *ctx, struct sandbox *sb)
{
	struct collector *c = ctx;

	drops__forget(&c->drops, sb->cgid);
}

/* A sandbox's loss counts go with it. */
static int collector__listen(struct collector *c)
{
	struct sandbox_hooks hooks = { .removed = collector__forget, .ctx = c };

	return sandboxes__listen(c->sandboxes, &hooks);
}

/* What the metrics read by themselves: the ring buffer's fill and the
 * programs' run times; attached from here on. */
static int collector__metrics(struct collector *c,
			      const struct collector_opts *o)
{
	int err;

	if (!o->metrics)
		return 0;
	c->emit.metrics = o->metrics;
	err = metrics__ring(o->metrics, "events", loader__events_fd(c->loader),
			    o->ringbuf_bytes);
	if (err)
		return err;
	metrics__programs(o->metrics, loader__object(c->loader));
	metrics__tick(o->metrics, c->sandboxes, c->emit.sinks,
		      c->emit.nr_sinks, clock__boot_ns());
	metrics__attached(o->metrics, true);
	return 0;
}

static int collector__init(struct collector *c, struct collector_opts *o)
{
	struct loader_opts lo = {
		.roots = o->roots,
		.only_sandbox = o->only_sandbox,
		.ringbuf_bytes = o->ringbuf_bytes,
		.repeat_rate = o->repeat_rate,
		.pin_dir = o->pin_dir,
	};
	uint64_t now = clock__boot_ns();
	int err;

	c->sandboxes = sandboxes__new(o->roots);
	if (!c->sandboxes)
		return -ENOMEM;
	c->procs = proctab__new(sandboxes__cgroup_of, c->sandboxes);
	c->dropped = dropped__new(DROPPED_MAX);
	if (!c->procs || !c->dropped)
		return -ENOMEM;
	err = loader__start(&c->loader, &lo) ?: collector__sandboxes(c, o);
	if (err)
		return err;
	c->ring = ringread__new(loader__events_fd(c->loader),
				collector__on_record, c);
	c->verdict_ring = ring_buffer__new(loader__verdicts_fd(c->loader),
					   collector__on_verdict, c, NULL);
	if (!c->ring || !c->verdict_ring) {
		log__errno(errno, "cannot open the ring buffer");
		return -errno;
	}
	/* Before anything that may fail: collector__stop drains them. */
	flows__init(&c->flows, c->loader, now);
	if (o->rules && (err = collector__rules(c, o)))
		return err;
	c->tick_ns = (uint64_t)o->flow_interval_ms * 1000000;
	c->next_tick_ns = now + c->tick_ns;
	c->ringbuf_bytes = o->ringbuf_bytes;
	err = drops__init(&c->drops, &(struct drops_maps){
		.drops = loader__drops_fd(c->loader),
		.load = loader__load_fd(c->loader),
		.reported = loader__load_reported_fd(c->loader),
	}, now) ?: collector__listen(c) ?: collector__metrics(c, o);
	if (!err)
		collector__adopt(c, now);
	return err;
}

int collector__start(struct collector **out, struct collector_opts *o)
{
	struct collector *c = calloc(1, sizeof(*c));
	int err = -ENOMEM;

	if (c) {
		memcpy(c->emit.sinks, o->sinks, sizeof(c->emit.sinks));
		c->emit.nr_sinks = o->nr_sinks;
		err = emit__init(&c->emit);
		if (o->stage_times)
			stages__enable(&c->emit.stages);
	}
	if (!err)
		err = collector__init(c, o);
	if (err) {
		if (!c)
			for (int i = 0; i < o->nr_sinks; i++)
				o->sinks[i]->close(o->sinks[i]);
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

void collector__note(struct collector *c, struct event *ev)
{
	ev->ktime_ns = clock__boot_ns();
	emit__record(&c->emit, ev);
	emit__flush(&c->emit);
}

void collector__settle(struct collector *c)
{
	emit__drain(&c->emit);
	emit__flush(&c->emit);
}

struct policy *collector__policy(struct collector *c)
{
	return c->policy;
}

void collector__reopen(struct collector *c)
{
	emit__reopen(&c->emit);
}

/* Between two polls: every record read so far was scored by the old
 * set, and what it queued goes out before the swap (the queued records
 * name its rules); the next record read meets the new set in the
 * policy, the kernel's maps and the metrics alike. */
int collector__reload(struct collector *c, const struct ruleset *rs,
		      struct baselines *bls, const char *rules_sha256)
{
	int err;

	if (!c->policy)
		return -EINVAL;
	emit__drain(&c->emit);
	metrics__policy(c->emit.metrics, c->policy);	/* the old engine's */
	err = enforce__stage(c->enforce, rs);
	if (err)
		return err;
	err = policy__reload(c->policy, rs, bls);
	if (err) {
		enforce__unstage(c->enforce);
		return err;
	}
	enforce__commit(c->enforce);
	c->fileset_names = rs->fileset_names;
	loader__set_fail_closed(c->loader, enforce__fail_closed_ns(c->enforce));
	loader__set_exe_judged(c->loader, enforce__exe_judged(c->enforce));
	if (metrics__reload(c->emit.metrics, rs, rules_sha256))
		log_error("out of memory: the metrics name the rules as they "
			  "were before the reload");
	metrics__tick(c->emit.metrics, c->sandboxes, c->emit.sinks,
		      c->emit.nr_sinks, clock__boot_ns());
	return 0;
}

/* The end of a run: nothing new can arrive once the programs are gone, so
 * what the ring buffer and the maps hold is all there is. Pinned programs
 * stay, and a flood could refill the buffer as fast as it is read: no
 * more is read than it can hold, the rest is the next daemon's. */
static void collector__drain(struct collector *c)
{
	/* a record takes 16 bytes of the buffer at least */
	size_t batches = c->ringbuf_bytes / (16 * POLL_BATCH) + 1;
	uint64_t now;

	metrics__attached(c->emit.metrics, false);
	loader__detach(c->loader);
	emit__drain(&c->emit);
	while (batches-- && collector__read(c, 0) == POLL_BATCH)
		;
	now = clock__boot_ns();
	flows__drain_all(&c->flows, now, collector__emit_flow, c);
	collector__report_drops(c, now);
	collector__beat(c, now, false);
	emit__flush(&c->emit);
}

static void collector__stats(struct collector *c, struct collector_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->records = c->emit.seq;
	s->lost = c->loader ? drops__total(&c->drops) : 0;
	s->malformed = c->malformed +
		       (c->sandboxes ? sandboxes__malformed(c->sandboxes) : 0);
	for (int i = 0; i < c->emit.nr_sinks; i++)
		s->sink_failures += c->emit.sinks[i]->failed;
	s->sandbox_lookups = c->sandboxes ? sandboxes__lookups(c->sandboxes) : 0;
	stages__report(&c->emit.stages, &s->stages);
}

/* The registry goes first: it tells the policy and enforcement that
 * every sandbox is gone, so they free their slots while they exist. */
void collector__stop(struct collector *c, struct collector_stats *stats)
{
	if (!c)
		return;
	if (c->ring)
		collector__drain(c);
	if (stats)
		collector__stats(c, stats);
	ringread__free(c->ring);
	ring_buffer__free(c->verdict_ring);
	if (c->sandboxes)
		sandboxes__feed(c->sandboxes, NULL, NULL);
	opener__stop(c->opener);
	sandboxes__free(c->sandboxes);
	loader__stop(c->loader);
	enforce__free(c->enforce);
	emit__fini(&c->emit);
	policy__free(c->policy);
	proctab__free(c->procs);
	dropped__free(c->dropped);
	free(c);
}
