// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "clock.h"
#include "decide.h"
#include "respond.h"
#include "who.h"

/* A frozen sandbox waited for the decision: approved, it runs on;
 * denied, it is killed. */
static void decide__act(struct policy *p, const struct approval_req *r,
			const struct approval_verdict *v)
{
	struct sandbox *sb = sandboxes__find(p->o.sandboxes, r->cgid);
	struct act_req req = {
		.level = v->approve ? LEVEL_NONE : LEVEL_KILL,
		.reason = v->operator ? "operator" : "approval-timeout",
		.threshold = -1, .since_ns = clock__boot_ns(),
		.operator = v->operator,
	};

	if (r->held != HELD_FREEZE || !sb ||
	    (sb->act && sb->act->run == RUN_KILLED))
		return;
	req.risk = engine__risk(sb, req.since_ns);
	respond__act(p, sb, &req);
}

int decide__list(void *ctx, struct json *j)
{
	struct policy *p = ctx;

	if (!p->approvals)
		return -ENOTSUP;
	approvals__list(p->approvals, j);
	return 0;
}

int decide__alerts(void *ctx, struct json *j)
{
	struct policy *p = ctx;

	recent__list(&p->recent, j);
	return 0;
}

int decide__op(void *ctx, const struct control_decision *d,
	       const struct control_peer *peer, struct json *j, char *err,
	       size_t errlen)
{
	struct policy *p = ctx;
	struct approval_req r;
	struct who who;
	struct approval_verdict v = {
		.approve = d->approve, .by = "operator", .reason = d->reason,
		.ttl_s = d->ttl_s, .scope_profile = d->scope_profile,
		.channel = d->channel ? d->channel : "cli",
		.operator = &who.op,
	};
	int ret;

	if (!p->approvals)
		return -ENOTSUP;
	who__of(peer, &who);
	ret = approvals__decide(p->approvals, d->id, &v, &r, err, errlen);
	if (ret)
		return ret;
	decide__act(p, &r, &v);
	json__str(j, "id", r.id);
	json__str(j, "sandbox", r.sandbox);
	json__str(j, "decision", d->approve ? "approved" : "denied");
	return 0;
}

void decide__tick(struct policy *p)
{
	struct approval_verdict v = { .by = "timeout" };
	struct approval_req r;

	if (!p->approvals)
		return;
	while (approvals__expired(p->approvals, clock__ns(CLOCK_REALTIME), &r,
				  &v))
		decide__act(p, &r, &v);
}
