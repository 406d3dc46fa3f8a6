// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>

#include "stages.h"

void stages__enable(struct stages *s)
{
	memset(s, 0, sizeof(*s));
	s->on = true;
	s->start_ns = clock__mono_ns();
	s->start_ticks = stages__ticks();
	s->last = s->start_ticks;
}

void stages__report(const struct stages *s, struct stage_times *out)
{
	uint64_t ns = clock__mono_ns() - s->start_ns;
	uint64_t ticks = stages__ticks() - s->start_ticks;
	double ns_per_tick = ticks ? (double)ns / (double)ticks : 0;

	memset(out, 0, sizeof(*out));
	if (!s->on || !s->records)
		return;
	out->records = s->records;
	for (int i = 0; i < STAGES; i++)
		out->ns[i] = (double)s->ticks[i] * ns_per_tick /
			     (double)s->records;
}

const char *stages__name(enum stage st)
{
	static const char *const names[STAGES] = {
		[STAGE_READ] = "read", [STAGE_DECODE] = "decode",
		[STAGE_ENRICH] = "enrich", [STAGE_RULES] = "rules",
		[STAGE_RENDER] = "render", [STAGE_SINKS] = "sinks",
	};

	return st < STAGES ? names[st] : "unknown";
}
