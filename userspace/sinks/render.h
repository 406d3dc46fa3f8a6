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

struct render {
	struct json *json;
	struct timefmt tf;
	char host[256];
	int64_t boot_to_real_ns;	/* CLOCK_REALTIME - CLOCK_BOOTTIME */
};

int render__init(struct render *r);
void render__fini(struct render *r);
/* Re-reads the boot-to-wall-clock offset (it moves with clock steps). */
void render__sync_clock(struct render *r);
/* The JSON text of ev, without newline, valid until the next call. */
int render__event(struct render *r, const struct event *ev, const char **buf,
		  size_t *len);

#endif /* VIGIL_RENDER_H */
