// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>

#include "verdicts.h"

bool verdicts__is(const struct vigil_hdr *h)
{
	return (h->flags & VIGIL_F_KILLED) || h->type == VIGIL_EV_ESCAPE ||
	       h->type == VIGIL_EV_BUDGET;
}

static struct verdict_id verdict__id(const struct vigil_hdr *h)
{
	return (struct verdict_id){
		.ktime_ns = h->ktime_ns, .sandbox_cgid = h->sandbox_cgid,
		.tid = h->tid, .type = h->type,
	};
}

/* A linear search: verdicts are rare, and most are found near the end. */
bool verdicts__first(struct verdicts *v, const struct vigil_hdr *h)
{
	struct verdict_id id = verdict__id(h);

	for (unsigned int i = 0; i < VERDICTS_PENDING; i++) {
		struct verdict_id *p = &v->pending[i];

		if (p->ktime_ns == id.ktime_ns && p->tid == id.tid &&
		    p->sandbox_cgid == id.sandbox_cgid && p->type == id.type) {
			memset(p, 0, sizeof(*p));
			return false;
		}
	}
	v->pending[v->next] = id;
	v->next = (v->next + 1) % VERDICTS_PENDING;
	return true;
}
