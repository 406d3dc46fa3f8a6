/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A profile's allow.executables as the kernel judges them: each glob
 * compiled into the tokens of its matcher (bpf/exeallow.bpf.h), and the
 * judgement of an exec record made the way the kernel makes it, so that
 * exec.allowed, the kernel's kill and the file a request names agree.
 */
#ifndef VIGIL_EXEALLOW_H
#define VIGIL_EXEALLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "event.h"
#include "profile.h"
#include "records.h"

/* Patterns of one profile the kernel takes (a half of exe_patterns is
 * shared by every profile that judges in the kernel). */
#define EXEALLOW_PROFILE_MAX 64

/* Compiles glob (fnmatch(3), flags 0) into *out. 0, or a negative
 * errno with why filled: -E2BIG for more than VIGIL_EXE_TOKENS tokens
 * or VIGIL_EXE_CLASSES bracket expressions, -EINVAL for a trailing
 * backslash, an unclosed '[' or a bracket expression matching no
 * byte. */
int exeallow__compile(const char *glob, struct vigil_exe_pattern *out,
		      char *why, size_t whylen);

/* What of an exec record its profile does not list. */
enum exe_unlisted {
	EXE_LISTED = 0,		/* the program (and its script) are listed */
	EXE_UNLISTED_FILE,	/* the program, or it cannot be judged */
	EXE_UNLISTED_SCRIPT,	/* a listed interpreter's "#!" script */
};

/* As the kernel judges it: the file's path, then a script's, each
 * against the profile's globs; a path cut short or a file with no name
 * (flags VIGIL_F_PATH_TRUNC, VIGIL_F_DELETED) is unlisted. A profile
 * without allow.executables lists every program. */
enum exe_unlisted exeallow__judge(const struct profile *p,
				  const struct ev_exec *e, uint32_t flags);

#endif /* VIGIL_EXEALLOW_H */
