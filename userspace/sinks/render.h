/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Records as JSON text (the vigil.event.v1 schema, docs/record-format.md). */
#ifndef VIGIL_RENDER_H
#define VIGIL_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "json.h"
#include "timefmt.h"

#define RENDER_SCHEMA "vigil.event.v1"
#define RENDER_RUN_ID_LEN 16	/* bytes: 128 random bits */

struct render {
	struct json *json;
	struct timefmt tf;
	char host[256];
	int64_t boot_to_real_ns;	/* CLOCK_REALTIME - CLOCK_BOOTTIME */
	/* Random per start, in every record: seq restarts with each run,
	 * so (run_id, seq) is what names a record. */
	uint8_t run_id[RENDER_RUN_ID_LEN];
	char run_id_hex[2 * RENDER_RUN_ID_LEN + 1];
};

/* 0, -ENOMEM, or the error of getrandom(2) (logged). */
int render__init(struct render *r);
void render__fini(struct render *r);
/* Re-reads the boot-to-wall-clock offset (it moves with clock steps). */
void render__sync_clock(struct render *r);
/* The JSON text of ev, without newline, valid until the next call. */
int render__event(struct render *r, const struct event *ev, const char **buf,
		  size_t *len);
/* A drop record's name for the kernel's reason (enum vigil_drop, below
 * VIGIL_DROP_MAX): "ringbuf", "flows", ... */
const char *render__drop_reason(int reason);

#endif /* VIGIL_RENDER_H */
