/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The last alerts, for people watching live (the console, through the
 * control socket's "alerts"): a ring of their summaries, newest kept. */
#ifndef VIGIL_RECENT_H
#define VIGIL_RECENT_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

#define RECENT_MAX 64

struct recent_alert {
	int64_t time_ns;	/* CLOCK_REALTIME */
	char sandbox[128];
	char rule[128];
	char severity[16];
	char message[512];	/* escaped for people already */
};

struct recent {
	struct recent_alert ring[RECENT_MAX];
	size_t next;		/* slot of the next alert */
	uint64_t total;		/* alerts ever noted */
};

void recent__note(struct recent *r, const char *sandbox, const char *rule,
		  const char *severity, const char *message);
/* "alerts":[...] newest first, and "total". */
void recent__list(const struct recent *r, struct json *j);

#endif /* VIGIL_RECENT_H */
