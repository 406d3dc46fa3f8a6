// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "drops.h"

/* The sum over CPUs of one counter. */
static uint64_t drops__read(const struct drops *d, uint32_t reason)
{
	uint64_t *per_cpu = calloc(d->ncpus, sizeof(*per_cpu)), sum = 0;

	if (!per_cpu)
		return 0;
	if (!bpf_map_lookup_elem(d->maps.drops, &reason, per_cpu))
		for (int i = 0; i < d->ncpus; i++)
			sum += per_cpu[i];
	free(per_cpu);
	return sum;
}

int drops__init(struct drops *d, const struct drops_maps *maps,
		uint64_t now_ns)
{
	memset(d, 0, sizeof(*d));
	d->maps = *maps;
	d->ncpus = libbpf_num_possible_cpus();
	d->last_ns = now_ns;
	if (d->ncpus <= 0)
		return d->ncpus;
	for (uint32_t i = 0; i < VIGIL_DROP_MAX; i++)
		d->reported[i] = drops__read(d, i);
	d->before = drops__kernel(d);
	return 0;
}

uint64_t drops__collect(struct drops *d, uint64_t now_ns,
			const struct drops_user *user, struct event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = EVENT_DROP;
	ev->ktime_ns = now_ns;
	for (uint32_t i = 0; i < VIGIL_DROP_MAX; i++) {
		uint64_t total = drops__read(d, i);

		ev->drop.reason[i] = total - d->reported[i];
		ev->drop.lost += ev->drop.reason[i];
		d->reported[i] = total;
	}
	ev->drop.sinks = user->sinks - d->reported_sinks;
	ev->drop.malformed = user->malformed - d->reported_malformed;
	ev->drop.lost += ev->drop.sinks + ev->drop.malformed;
	d->reported_sinks = user->sinks;
	d->reported_malformed = user->malformed;
	/* since the previous drop record, not the previous look */
	ev->drop.since_ms = (now_ns - d->last_ns) / 1000000;
	if (ev->drop.lost)
		d->last_ns = now_ns;
	return ev->drop.lost;
}

uint64_t drops__kernel(const struct drops *d)
{
	uint64_t sum = 0;

	for (int i = 0; i < VIGIL_DROP_MAX; i++)
		sum += d->reported[i];
	return sum;
}

uint64_t drops__total(const struct drops *d)
{
	return drops__kernel(d) - d->before + d->reported_sinks +
	       d->reported_malformed;
}

/* A sandbox's losses since they were last reported; false for none. */
static bool load__growth(const struct vigil_load *now,
			 const struct vigil_load *was, struct ev_drop *out)
{
	bool any = now->kills_lost != was->kills_lost;

	out->kills = now->kills_lost - was->kills_lost;
	for (int i = 0; i < VIGIL_KINDS; i++) {
		out->by_type[i] = now->lost[i] - was->lost[i];
		out->lost += out->by_type[i];
		any |= out->by_type[i] != 0;
	}
	return any;
}

void drops__sandboxes(struct drops *d, uint64_t now_ns, drops_emit_fn emit,
		      void *ctx)
{
	uint64_t key, next;
	bool more = !bpf_map_get_next_key(d->maps.load, NULL, &next);
	struct vigil_load now, was;
	struct event ev;

	while (more) {
		key = next;
		more = !bpf_map_get_next_key(d->maps.load, &key, &next);
		if (bpf_map_lookup_elem(d->maps.load, &key, &now))
			continue;
		if (bpf_map_lookup_elem(d->maps.reported, &key, &was))
			memset(&was, 0, sizeof(was));
		memset(&ev, 0, sizeof(ev));
		if (!load__growth(&now, &was, &ev.drop))
			continue;
		ev.kind = EVENT_DROP;
		ev.ktime_ns = now_ns;
		ev.drop.sandbox_cgid = key;
		/* Out before it counts as reported: a daemon that dies in
		 * between leaves the next one to report it again, since a
		 * kill the kernel made must reach a rule at least once. */
		emit(ctx, &ev);
		bpf_map_update_elem(d->maps.reported, &key, &now, BPF_ANY);
	}
}

void drops__forget(struct drops *d, uint64_t cgid)
{
	bpf_map_delete_elem(d->maps.load, &cgid);
	bpf_map_delete_elem(d->maps.reported, &cgid);
}
