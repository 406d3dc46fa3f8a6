/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A loaded rule set: lists, macros, rules and agent profiles from one or
 * more YAML files (rules/NAME.yaml, docs/rules.md), compiled and checked as a
 * whole so that every mistake is a load-time error naming FILE:LINE:COL:
 * unknown keys and fields, type mismatches, undefined or cyclic lists and
 * macros, taints no rule sets, rules that can never match.
 */
#ifndef VIGIL_RULESET_H
#define VIGIL_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cond.h"
#include "profile.h"
#include "sandbox.h"

#define RULES_MAX_TAINTS 64
#define RULES_MAX_ERRORS 50	/* reported per load; the rest counted */
#define WINDOW_MAX_DISTINCT 100000

enum severity { SEV_INFO, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };

/* A stateful rule: an aggregate of its matches per sandbox over a sliding
 * window, firing when it goes above a bound. */
enum window_agg { WIN_COUNT, WIN_SUM, WIN_DISTINCT };

struct window_spec {
	enum window_agg agg;
	const struct field *field;	/* sum and distinct */
	const struct field *by;		/* a window per value of it; NULL:
					 * one for the sandbox */
	uint64_t over_ns;
	int64_t above;
	int slot;		/* this rule's window among all */
};

/* Files to protect: open.fileset and exec.fileset name the sets a
 * record's file belongs to, and rules with `enforce: kernel` have the
 * kernel kill whoever opens or executes one. The paths are resolved to
 * inodes elsewhere (protect.c); here they are only checked. */
struct fileset {
	char *name, *description;
	char **paths;		/* absolute globs; "~/" is every user's home */
	size_t nr_paths;
	char **exclude;		/* globs a candidate's full path must miss */
	size_t nr_exclude;
	const char *file;
	int line;
	int index;		/* its bit in records and kernel maps */
};

struct rule {
	char *id;
	char *description;
	enum severity severity;
	char **tags;
	size_t nr_tags;
	uint32_t events;	/* EVBIT()s */
	struct cond *when;
	double score;
	enum act_level action;	/* LEVEL_ALERT unless it acts directly */
	int taint;		/* the bit it sets on a match, or -1 */
	struct window_spec *window;
	bool disabled;
	/* enforce: kernel: the record kind the kernel acts on (EVENT_OPEN,
	 * EVENT_EXEC or EVENT_SYSCALL; 0 when user space acts alone), and
	 * the file sets whose opening or exec, or the watched syscalls
	 * (their positions in syscalls.h's table), it kills at once. */
	enum event_kind kernel_kind;
	uint64_t kernel_bits;
	/* exec: the kernel also acts on a program the profile does not
	 * list (a term `exec.allowed == false`). */
	bool kernel_unlisted;
	const char *file;
	int line;
	int index;
};

struct rindex;

struct ruleset {
	struct rule **rules;
	size_t nr_rules;
	struct profile **profiles;
	size_t nr_profiles;
	const struct profile *fallback;	/* "default" */
	struct profile *owned_fallback;	/* when no file defines it */
	char *taints[RULES_MAX_TAINTS];
	int nr_taints;
	struct fileset *filesets;	/* by index */
	size_t nr_filesets;
	/* Their names by index, for struct event's fileset_names. */
	const char *fileset_names[VIGIL_MAX_FILESETS];
	int nr_windows;
	/* allow.destinations entries with a budget of their own, numbered
	 * from 1 (their budget_id) below VIGIL_BUDGETS. */
	uint16_t nr_budgets;
	struct rindex *index;
	struct rules_load *load;	/* sources, lists, macros */
	int errors;
	char first_error[512];	/* "FILE:LINE:COL: message" */
};

/* Starts an empty set. 0 or -ENOMEM. */
int ruleset__init(struct ruleset *rs);
/* Reads a file, or every *.yaml file in a directory (in name order).
 * Errors are logged and counted in rs->errors; returns 0 or -EINVAL. */
int ruleset__add_path(struct ruleset *rs, const char *path);
/* The same from memory; name appears in error messages. */
int ruleset__add_text(struct ruleset *rs, const char *name, const char *text,
		      size_t len);
/* Compiles and checks everything added; after it the set is ready for
 * the engine. Returns 0 or -EINVAL (errors logged and counted). */
int ruleset__finish(struct ruleset *rs);
/* Each source added (a file, a shipped file), in the order added, with
 * its name and text: what the audit trail and the metrics' build info
 * digest. */
void ruleset__each_source(const struct ruleset *rs,
			  void (*fn)(void *ctx, const char *name,
				     const char *text, size_t len),
			  void *ctx);
void ruleset__fini(struct ruleset *rs);

/* The rule set vigil ships (rules/NAME.yaml, built into the binary). */
int ruleset__add_builtin(struct ruleset *rs);

const struct profile *ruleset__profile(const struct ruleset *rs,
				       const char *name, size_t len);
/* A sandbox's profile: its trusted.vigil.profile, else the default.
 * Resolved once, into the sandbox's record, for every stage to read. */
static inline const struct profile *
ruleset__profile_of(const struct ruleset *rs, struct sandbox *sb)
{
	if (!sb->agent && sb->profile)
		sb->agent = ruleset__profile(rs, sb->profile, sb->profile_len);
	if (!sb->agent)
		sb->agent = rs->fallback;
	return sb->agent;
}
/* The i-th of every profile, the built-in default included when no file
 * defines one; NULL past the last:
 *   for (i = 0; (p = ruleset__profile_at(rs, i)); i++) */
const struct profile *ruleset__profile_at(const struct ruleset *rs, size_t i);
/* The index of the file set named name[0..len), or -1. */
int ruleset__fileset(const struct ruleset *rs, const char *name, size_t len);
/* What the kernel enforces for sandboxes of one profile, from the
 * `enforce: kernel` rules the profile leaves enabled with action kill or
 * ask (open and exec only). */
struct kernel_policy {
	uint64_t open_kill;	/* file sets whose opening kills */
	uint64_t exec_kill;	/* file sets whose exec kills */
	uint64_t syscall_kill;	/* watched syscalls (syscalls.h) that kill */
	uint64_t open_ask;	/* file sets whose opening waits for a human */
	uint64_t exec_ask;	/* file sets whose exec waits for a human */
	/* A program the profile does not list: LEVEL_KILL, LEVEL_ASK (it
	 * waits for a human), or LEVEL_NONE (user space judges alone; so
	 * too when the profile lists no executables: it allows any). */
	enum act_level exec_unlisted;
};

void ruleset__kernel_policy(const struct ruleset *rs, const struct profile *p,
			    struct kernel_policy *out);
const char *severity__name(enum severity s);
const char *level__name(enum act_level l);

#endif /* VIGIL_RULESET_H */
