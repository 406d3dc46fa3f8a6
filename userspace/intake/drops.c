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
	if (!bpf_map_lookup_elem(d->fd, &reason, per_cpu))
		for (int i = 0; i < d->ncpus; i++)
			sum += per_cpu[i];
	free(per_cpu);
	return sum;
}

int drops__init(struct drops *d, int map_fd, uint64_t now_ns)
{
	memset(d, 0, sizeof(*d));
	d->fd = map_fd;
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
