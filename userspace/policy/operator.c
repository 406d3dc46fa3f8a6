// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What operators ask through the control socket: the state of every
 * sandbox, and freeze, thaw or kill of one by its id. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "killswitch.h"
#include "cgroup.h"
#include "control.h"
#include "json.h"
#include "policy_int.h"

#define STATUS_PIDS 4096	/* processes counted per sandbox at most */

static const char *run__name(enum sb_run run)
{
	switch (run) {
	case SB_FROZEN: return "frozen";
	case SB_KILLED: return "killed";
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

static void status__one(struct policy *p, struct json *j, struct psb *sb,
			uint64_t now)
{
	const struct sb_state *s = engine__sandbox(p->engine, sb->sandbox.cgid);
	static pid_t pids[STATUS_PIDS];
	char dir[PATH_MAX];
	int procs = -1;

	if (p->o.roots && !killswitch__sandbox_dir(p->o.roots, sb->sandbox.cgroup, dir))
		procs = killswitch__pids(dir, pids, STATUS_PIDS);
	json__obj_begin(j, NULL);
	json__str(j, "id", sb->sandbox.id);
	json__str(j, "cgroup", sb->sandbox.cgroup);
	json__str(j, "profile", policy__profile_name(p, sb));
	json__double(j, "risk", s ? engine__risk(s, now) : 0);
	json__str(j, "level", level__name(s ? s->level : LEVEL_NONE));
	json__str(j, "state", run__name(sb->run));
	if (procs >= 0)
		json__int(j, "procs", procs);
	else
		json__null(j, "procs");
	json__uint(j, "alerts", s ? s->alerts : 0);
	status__taints(p, j, s ? s->taints : 0);
	json__obj_end(j);
}

static int policy__status(void *ctx, struct json *j)
{
	struct policy *p = ctx;
	uint64_t now = clock__boot_ns();
	struct psb *sb, *tmp;

	json__arr_begin(j, "sandboxes");
	HASH_ITER(hh, p->sandboxes, sb, tmp)
		status__one(p, j, sb, now);
	json__arr_end(j);
	return 0;
}

/* A sandbox by id: one vigil has seen, or a directory under a root that
 * has had no record yet. */
static struct psb *sandbox__lookup(struct policy *p, const char *id)
{
	struct psb *sb = policy__find_id(p, id);
	struct sandbox s = { .id = (char *)id };
	char rel[PATH_MAX], dir[PATH_MAX];

	for (int i = 0; !sb && p->o.roots && i < p->o.roots->nr; i++) {
		snprintf(rel, sizeof(rel), "%s/%s", p->o.roots->root[i].rel, id);
		if (killswitch__sandbox_dir(p->o.roots, rel, dir))
			continue;
		s.cgroup = rel;
		s.cgid = cgroup__id(dir);
		if (s.cgid)
			sb = policy__sandbox(p, &s);
	}
	return sb;
}

static int policy__operate(void *ctx, const char *cmd, const char *id,
			   struct json *j, char *err, size_t errlen)
{
	struct policy *p = ctx;
	struct psb *sb = sandbox__lookup(p, id);
	const struct sb_state *s;
	struct act_req req = { .reason = "operator", .threshold = -1,
			       .since_ns = clock__boot_ns() };

	if (!sb) {
		snprintf(err, errlen, "no sandbox '%s' under the sandbox roots",
			 id);
		return -ENOENT;
	}
	s = engine__sandbox(p->engine, sb->sandbox.cgid);
	req.risk = s ? engine__risk(s, req.since_ns) : 0;
	req.level = !strcmp(cmd, "kill") ? LEVEL_KILL :
		    !strcmp(cmd, "freeze") ? LEVEL_FREEZE : LEVEL_NONE;
	if (sb->run == SB_KILLED) {
		snprintf(err, errlen, "sandbox '%s' was killed", id);
		return -ESRCH;
	}
	policy__act(p, sb, &req);
	if (sb->run != (req.level == LEVEL_KILL ? SB_KILLED :
			req.level == LEVEL_FREEZE ? SB_FROZEN : SB_RUNNING)) {
		snprintf(err, errlen, "%s of '%s' failed (the action record "
			 "says why)", cmd, id);
		return -EIO;
	}
	json__str(j, "sandbox", id);
	json__str(j, "state", run__name(sb->run));
	return 0;
}

int policy__kill(struct policy *p, uint64_t cgid)
{
	struct psb *sb;
	struct act_req req = { .level = LEVEL_KILL, .reason = "operator",
			       .threshold = -1, .since_ns = clock__boot_ns() };

	HASH_FIND(hh, p->sandboxes, &cgid, sizeof(cgid), sb);
	if (!sb)
		return -ENOENT;
	policy__act(p, sb, &req);
	return 0;
}

static const struct control_ops ops = {
	.status = policy__status,
	.act = policy__operate,
};

const struct control_ops *policy__control_ops(void)
{
	return &ops;
}
