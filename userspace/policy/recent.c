// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <time.h>

#include "clock.h"
#include "recent.h"

void recent__note(struct recent *r, const char *sandbox, const char *rule,
		  const char *severity, const char *message)
{
	struct recent_alert *a = &r->ring[r->next];

	a->time_ns = clock__ns(CLOCK_REALTIME);
	snprintf(a->sandbox, sizeof(a->sandbox), "%s", sandbox);
	snprintf(a->rule, sizeof(a->rule), "%s", rule);
	snprintf(a->severity, sizeof(a->severity), "%s", severity);
	snprintf(a->message, sizeof(a->message), "%s", message);
	r->next = (r->next + 1) % RECENT_MAX;
	r->total++;
}

void recent__list(const struct recent *r, struct json *j)
{
	uint64_t n = r->total < RECENT_MAX ? r->total : RECENT_MAX;

	json__uint(j, "total", r->total);
	json__arr_begin(j, "alerts");
	for (uint64_t i = 1; i <= n; i++) {
		const struct recent_alert *a =
			&r->ring[(r->next + RECENT_MAX - i) % RECENT_MAX];

		json__obj_begin(j, NULL);
		json__int(j, "time", a->time_ns / 1000000000);
		json__str(j, "sandbox", a->sandbox);
		json__str(j, "rule", a->rule);
		json__str(j, "severity", a->severity);
		json__str(j, "message", a->message);
		json__obj_end(j);
	}
	json__arr_end(j);
}
