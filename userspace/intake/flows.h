/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Records from what the kernel counts per epoch: egress flows (the flows
 * map) and the repeats of a flood it counted instead of sending (the
 * repeats map). The kernel counts into the current epoch; each tick the
 * collector opens a new epoch and drains the one closed a tick earlier,
 * by then untouched by any program, so read and delete never race an
 * increment.
 */
#ifndef VIGIL_FLOWS_H
#define VIGIL_FLOWS_H

#include <stdint.h>

#include "event.h"

struct loader;

struct flows {
	struct loader *loader;
	uint8_t epoch;			/* the kernel's current epoch */
	uint64_t started_ns[256];	/* boot time each epoch opened */
};

/* Each record made; ev->flow.key.sandbox_cgid or
 * ev->repeat.key.sandbox_cgid names its sandbox. */
typedef void (*flows_emit_fn)(void *ctx, struct event *ev);

void flows__init(struct flows *f, struct loader *l, uint64_t now_ns);
/* Opens a new epoch and reports the one closed at the previous tick. */
void flows__tick(struct flows *f, uint64_t now_ns, flows_emit_fn emit,
		 void *ctx);
/* Reports everything left; only once no program can run any more. */
void flows__drain_all(struct flows *f, uint64_t now_ns, flows_emit_fn emit,
		      void *ctx);

#endif /* VIGIL_FLOWS_H */
