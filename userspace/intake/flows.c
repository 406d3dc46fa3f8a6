// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include <bpf/bpf.h>

#include "flows.h"
#include "loader.h"

void flows__init(struct flows *f, struct loader *l, uint64_t now_ns)
{
	memset(f, 0, sizeof(*f));
	f->loader = l;
	f->started_ns[0] = now_ns;
	loader__set_flow_epoch(l, 0);
}

/* When an epoch ended: when the next one opened, or now for the current. */
static uint64_t flows__closed_at(const struct flows *f, uint8_t epoch,
				 uint64_t now_ns)
{
	return epoch == f->epoch ? now_ns : f->started_ns[(uint8_t)(epoch + 1)];
}

/*
 * Reports and deletes the entries of one epoch (all when all is set). The
 * next key is found before the current one is deleted, so the walk does
 * not restart from the beginning on every deletion.
 */
static void flows__drain(struct flows *f, int epoch, uint64_t now_ns,
			 flows_emit_fn emit, void *ctx)
{
	int fd = loader__flows_fd(f->loader);
	struct vigil_flow_key key, next;
	struct event ev;
	bool more = !bpf_map_get_next_key(fd, NULL, &next);

	while (more) {
		key = next;
		more = !bpf_map_get_next_key(fd, &key, &next);
		if (epoch >= 0 && key.epoch != epoch)
			continue;
		memset(&ev, 0, sizeof(ev));
		if (bpf_map_lookup_elem(fd, &key, &ev.flow.val))
			continue;
		bpf_map_delete_elem(fd, &key);
		ev.kind = EVENT_FLOW;
		ev.ktime_ns = now_ns;
		ev.flow.key = key;
		ev.flow.interval_ms = (flows__closed_at(f, key.epoch, now_ns) -
				       f->started_ns[key.epoch]) / 1000000;
		emit(ctx, &ev);
	}
}

void flows__tick(struct flows *f, uint64_t now_ns, flows_emit_fn emit,
		 void *ctx)
{
	uint8_t closed = f->epoch - 1;

	f->epoch++;
	f->started_ns[f->epoch] = now_ns;
	loader__set_flow_epoch(f->loader, f->epoch);
	flows__drain(f, closed, now_ns, emit, ctx);
}

void flows__drain_all(struct flows *f, uint64_t now_ns, flows_emit_fn emit,
		      void *ctx)
{
	flows__drain(f, -1, now_ns, emit, ctx);
}
