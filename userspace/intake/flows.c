// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stddef.h>
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

/* One per-epoch map: its entries' layout, and how one makes a record. */
struct epoch_map {
	size_t key_size, val_size;
	size_t epoch_off;		/* of the epoch byte in the key */
	/* Fills ev from the entry, given the epoch's length; false when
	 * the entry has nothing to report. */
	bool (*fill)(struct event *ev, const void *key, const void *val,
		     uint64_t interval_ms);
};

static bool flow__fill(struct event *ev, const void *key, const void *val,
		       uint64_t interval_ms)
{
	ev->kind = EVENT_FLOW;
	memcpy(&ev->flow.key, key, sizeof(ev->flow.key));
	memcpy(&ev->flow.val, val, sizeof(ev->flow.val));
	ev->flow.interval_ms = interval_ms;
	return true;
}

static bool repeat__fill(struct event *ev, const void *key, const void *val,
			 uint64_t interval_ms)
{
	ev->kind = EVENT_REPEAT;
	memcpy(&ev->repeat.key, key, sizeof(ev->repeat.key));
	memcpy(&ev->repeat.val, val, sizeof(ev->repeat.val));
	ev->repeat.interval_ms = interval_ms;
	return true;
}

static const struct epoch_map flow_map = {
	sizeof(struct vigil_flow_key), sizeof(struct vigil_flow_val),
	offsetof(struct vigil_flow_key, epoch), flow__fill,
};

static const struct epoch_map repeat_map = {
	sizeof(struct vigil_repeat_key), sizeof(struct vigil_repeat),
	offsetof(struct vigil_repeat_key, epoch), repeat__fill,
};

/*
 * Reports and deletes the entries of one epoch (all when epoch < 0). The
 * next key is found before the current one is deleted, so the walk does
 * not restart from the beginning on every deletion. */
static void flows__drain(struct flows *f, const struct epoch_map *m,
			     int fd, int epoch, uint64_t now_ns,
			     flows_emit_fn emit, void *ctx)
{
	_Alignas(8) unsigned char key[64], next[64], val[64];
	bool more = !bpf_map_get_next_key(fd, NULL, next);
	struct event ev;

	while (more) {
		uint8_t e;

		memcpy(key, next, m->key_size);
		more = !bpf_map_get_next_key(fd, key, next);
		e = key[m->epoch_off];
		if (epoch >= 0 && e != epoch)
			continue;
		if (bpf_map_lookup_elem(fd, key, val))
			continue;
		bpf_map_delete_elem(fd, key);
		memset(&ev, 0, sizeof(ev));
		ev.ktime_ns = now_ns;
		if (m->fill(&ev, key, val, (flows__closed_at(f, e, now_ns) -
					    f->started_ns[e]) / 1000000))
			emit(ctx, &ev);
	}
}

_Static_assert(sizeof(struct vigil_flow_key) <= 64 &&
	       sizeof(struct vigil_flow_val) <= 64 &&
	       sizeof(struct vigil_repeat_key) <= 64 &&
	       sizeof(struct vigil_repeat) <= 64, "flows__drain's buffers");

static void flows__drain_both(struct flows *f, int epoch, uint64_t now_ns,
			      flows_emit_fn emit, void *ctx)
{
	flows__drain(f, &flow_map, loader__flows_fd(f->loader), epoch, now_ns,
		     emit, ctx);
	flows__drain(f, &repeat_map, loader__repeats_fd(f->loader), epoch,
		     now_ns, emit, ctx);
}

void flows__tick(struct flows *f, uint64_t now_ns, flows_emit_fn emit,
		 void *ctx)
{
	uint8_t closed = f->epoch - 1;

	f->epoch++;
	f->started_ns[f->epoch] = now_ns;
	loader__set_flow_epoch(f->loader, f->epoch);
	flows__drain_both(f, closed, now_ns, emit, ctx);
}

void flows__drain_all(struct flows *f, uint64_t now_ns, flows_emit_fn emit,
		      void *ctx)
{
	flows__drain_both(f, -1, now_ns, emit, ctx);
}
