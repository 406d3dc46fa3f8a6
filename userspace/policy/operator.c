// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What operators ask through the control socket: the state of every
 * sandbox, and freeze, thaw or kill of one by its id. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "killswitch.h"
#include "cgroup.h"
#include "control.h"
#include "decide.h"
#include "json.h"
#include "learnt.h"
#include "policy.h"
#include "respond.h"
#include "who.h"

#define STATUS_PIDS 4096	/* processes counted per sandbox at most */

static const char *run__name(const struct sandbox *sb)
{
	switch (sb->act ? sb->act->run : RUN_RUNNING) {
	case RUN_FROZEN: return "frozen";
	case RUN_KILLED: return "killed";
	default: return "running";
	}
}

static void status__taints(struct policy *p, struct json *j, uint64_t bits)
{
	json__arr_begin(j, "taints");
	for (int i = 0; i < p->rs->nr_taints; i++)
		if (bits & (1ull << i))
			json__str(j, NULL, p->rs->taints[i]);
	json__arr_end(j);
}

struct status {
	struct policy *p;
	struct json *j;
	uint64_t now;
};

static void status__one(void *ctx, struct sandbox *sb)
{
	const struct status *st = ctx;
	const struct sandbox_risk *r = sb->risk;
	struct policy *p = st->p;
	struct json *j = st->j;
	static pid_t pids[STATUS_PIDS];
	char dir[PATH_MAX];
	int procs = -1;

	if (p->o.roots && !killswitch__sandbox_dir(p->o.roots, sb->cgroup, dir))
		procs = cgroup__pids(dir, pids, STATUS_PIDS);
	json__obj_begin(j, NULL);
	json__str(j, "id", sb->id);
	json__str(j, "cgroup", sb->cgroup);
	json__str(j, "profile", ruleset__profile_of(p->rs, sb)->name);
	json__double(j, "risk", engine__risk(sb, st->now));
	json__str(j, "level", level__name(r ? r->level : LEVEL_NONE));
	json__str(j, "state", run__name(sb));
	if (procs >= 0)
		json__int(j, "procs", procs);
	else
		json__null(j, "procs");
	json__uint(j, "alerts", r ? r->alerts : 0);
	status__taints(p, j, r ? r->taints : 0);
	json__obj_end(j);
}

static int policy__status(void *ctx, struct json *j)
{
	struct status st = { .p = ctx, .j = j, .now = clock__boot_ns() };

	json__arr_begin(j, "sandboxes");
	sandboxes__each(st.p->o.sandboxes, status__one, &st);
	json__arr_end(j);
	return 0;
}

/* A sandbox by id: one vigil has seen, or a directory under a root that
 * has had no record yet. */
static struct sandbox *sandbox__lookup(struct policy *p, const char *id)
{
	struct sandbox *sb = sandboxes__find_id(p->o.sandboxes, id);
	char rel[PATH_MAX], dir[PATH_MAX];
	uint64_t cgid;

	for (int i = 0; !sb && p->o.roots && i < p->o.roots->nr; i++) {
		snprintf(rel, sizeof(rel), "%s/%s", p->o.roots->root[i].rel, id);
		if (killswitch__sandbox_dir(p->o.roots, rel, dir))
			continue;
		cgid = cgroup__id(dir);
		if (cgid)
			sb = sandboxes__get(p->o.sandboxes, cgid);
	}
	return sb;
}

static enum run_state run__wanted(enum act_level level)
{
	return level == LEVEL_KILL ? RUN_KILLED :
	       level == LEVEL_FREEZE ? RUN_FROZEN : RUN_RUNNING;
}

static int policy__operate(void *ctx, const char *cmd, const char *id,
			   const struct control_peer *peer, struct json *j,
			   char *err, size_t errlen)
{
	struct policy *p = ctx;
	struct sandbox *sb = sandbox__lookup(p, id);
	struct who who;
	struct act_req req = { .reason = "operator", .threshold = -1,
			       .since_ns = clock__boot_ns(),
			       .operator = &who.op };

	if (!sb) {
		snprintf(err, errlen, "no sandbox '%s' under the sandbox roots",
			 id);
		return -ENOENT;
	}
	who__of(peer, &who);
	req.risk = engine__risk(sb, req.since_ns);
	req.level = !strcmp(cmd, "kill") ? LEVEL_KILL :
		    !strcmp(cmd, "freeze") ? LEVEL_FREEZE : LEVEL_NONE;
	if (sb->act && sb->act->run == RUN_KILLED) {
		snprintf(err, errlen, "sandbox '%s' was killed", id);
		return -ESRCH;
	}
	respond__act(p, sb, &req);
	if (!sb->act || sb->act->run != run__wanted(req.level)) {
		snprintf(err, errlen, "%s of '%s' failed (the action record "
			 "says why)", cmd, id);
		return -EIO;
	}
	json__str(j, "sandbox", id);
	json__str(j, "state", run__name(sb));
	return 0;
}

int policy__kill(struct policy *p, uint64_t cgid)
{
	struct sandbox *sb = sandboxes__find(p->o.sandboxes, cgid);
	struct act_req req = { .level = LEVEL_KILL, .reason = "operator",
			       .threshold = -1, .since_ns = clock__boot_ns() };

	if (!sb)
		return -ENOENT;
	respond__act(p, sb, &req);
	return 0;
}

static const struct control_ops ops = {
	.status = policy__status,
	.act = policy__operate,
	.approvals = decide__list,
	.decide = decide__op,
	.alerts = decide__alerts,
	.learning = learnt__op,
};

const struct control_ops *policy__control_ops(void)
{
	return &ops;
}
