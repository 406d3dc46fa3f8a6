/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Inside the rule loader: what the YAML reader (rules_yaml.c) hands the
 * compiler (rules_compile.c) besides the rules themselves. Data only: the
 * reader fills it, the compiler consumes it. */
#ifndef VIGIL_RULES_LOAD_H
#define VIGIL_RULES_LOAD_H

#include <stddef.h>
#include <uthash.h>

#include "rules_error.h"
#include "ruleset.h"

enum def_state { DEF_NEW, DEF_BUSY, DEF_DONE, DEF_BAD };

struct list_def {
	char *name;
	char **items;
	size_t nr_items;
	struct pos at;
	enum def_state state;
	const char **flat;	/* items with nested lists expanded */
	size_t nr_flat;
	UT_hash_handle hh;
};

struct macro_def {
	char *name;
	char *text;
	struct pos at;		/* of the condition text */
	enum def_state state;
	struct cond *cond;
	UT_hash_handle hh;
};

/* A rule's parts that need the whole set before they compile. */
struct rule_src {
	char *when;
	struct pos when_at;
	char *taint;
	struct pos taint_at;
	char *window_field;
	struct pos window_at;
	char *window_by;	/* by: FIELD */
	struct pos window_by_at;
	bool kernel;		/* enforce: kernel */
	struct pos kernel_at;
};

/* A profile's tuning of one rule, checked once all rules are known. */
struct tune_src {
	struct profile *profile;
	char *rule_id;
	struct pos at;
	struct rule_tune tune;
	bool has_score, has_action, has_disabled;
};

/* An allow.executables glob the kernel could not judge (too long, or
 * past EXEALLOW_PROFILE_MAX): an error only if the profile has the
 * kernel judge its programs, known once all rules are. */
struct exe_src {
	struct profile *profile;
	struct pos at;
	char why[128];
};

/* A profile in baseline_mode learn and where its `baseline:` names its
 * file: two that learn into one file are refused (learnfiles.h). */
struct learn_src {
	struct profile *profile;
	struct pos at;
};

struct rules_load {
	struct src *srcs;
	struct list_def *lists;
	struct macro_def *macros;
	struct rule_src *rule_srcs;	/* by rule index */
	struct tune_src *tunes;
	size_t nr_tunes;
	struct exe_src *exe_srcs;
	size_t nr_exe_srcs;
	struct learn_src *learn_srcs;
	size_t nr_learn_srcs;
	int nesting;		/* macros being parsed, one in another */
};

#endif /* VIGIL_RULES_LOAD_H */
