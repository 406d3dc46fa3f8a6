// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Questions asked of a rule set, loaded or being loaded: profiles and
 * file sets by name, what the kernel enforces, names of levels. */
#include <string.h>

#include "bytes.h"
#include "ruleset.h"

const struct profile *ruleset__profile(const struct ruleset *rs,
				       const char *name, size_t len)
{
	for (size_t i = 0; i < rs->nr_profiles; i++)
		if (bytes__is(name, len, rs->profiles[i]->name))
			return rs->profiles[i];
	return NULL;
}

const struct profile *ruleset__profile_at(const struct ruleset *rs, size_t i)
{
	if (i < rs->nr_profiles)
		return rs->profiles[i];
	return i == rs->nr_profiles ? rs->owned_fallback : NULL;
}

int ruleset__fileset(const struct ruleset *rs, const char *name, size_t len)
{
	for (size_t i = 0; i < rs->nr_filesets; i++)
		if (bytes__is(name, len, rs->filesets[i].name))
			return i;
	return -1;
}

/* Only what user space would kill for too: the kernel acts first, and
 * user space follows up on the same record. */
void ruleset__kernel_policy(const struct ruleset *rs, const struct profile *p,
			    struct kernel_policy *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < rs->nr_rules; i++) {
		const struct rule *r = rs->rules[i];
		const struct rule_tune *t = &p->tune[r->index];

		if (!r->kernel_kind || t->disabled ||
		    (t->action != LEVEL_KILL && t->action != LEVEL_ASK))
			continue;
		/* A kill wins over an ask of another rule. */
		if (r->kernel_unlisted && p->nr_exes &&
		    out->exec_unlisted != LEVEL_KILL)
			out->exec_unlisted = t->action;
		/* A syscall cannot be granted: a profile that makes such a
		 * rule ask has user space freeze instead. */
		if (t->action == LEVEL_ASK && r->kernel_kind == EVENT_OPEN)
			out->open_ask |= r->kernel_bits;
		else if (t->action == LEVEL_ASK && r->kernel_kind == EVENT_EXEC)
			out->exec_ask |= r->kernel_bits;
		else if (t->action == LEVEL_ASK)
			continue;
		else if (r->kernel_kind == EVENT_OPEN)
			out->open_kill |= r->kernel_bits;
		else if (r->kernel_kind == EVENT_EXEC)
			out->exec_kill |= r->kernel_bits;
		else
			out->syscall_kill |= r->kernel_bits;
	}
}

const char *severity__name(enum severity s)
{
	static const char *const names[] = {
		[SEV_INFO] = "info", [SEV_LOW] = "low",
		[SEV_MEDIUM] = "medium", [SEV_HIGH] = "high",
		[SEV_CRITICAL] = "critical",
	};

	return s <= SEV_CRITICAL ? names[s] : "?";
}

const char *level__name(enum act_level l)
{
	static const char *const names[] = {
		[LEVEL_NONE] = "none", [LEVEL_ALERT] = "alert",
		[LEVEL_FREEZE] = "freeze", [LEVEL_KILL] = "kill",
		[LEVEL_ASK] = "ask",
	};

	return l <= LEVEL_ASK ? names[l] : "?";
}
