/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The sandbox roots a collector watches: resolved, checked, and turned
 * into the scope the BPF programs test. */
#ifndef VIGIL_ROOTS_H
#define VIGIL_ROOTS_H

#include <limits.h>
#include <stdint.h>

#include "records.h"

struct root {
	char path[PATH_MAX];	/* absolute directory */
	char rel[PATH_MAX];	/* below the cgroup2 mount, "/vigil" */
	int level;		/* depth below the cgroup2 mount */
	uint64_t id;		/* cgroup id */
};

struct roots {
	char mount[PATH_MAX];	/* the cgroup2 mount */
	struct root root[VIGIL_MAX_ROOTS];
	int nr;
};

/* The default root: "vigil" under the cgroup2 mount. */
#define ROOTS_DEFAULT_NAME "vigil"

/* Resolves each path (the default root, created if missing, when n == 0)
 * into r. Refuses the cgroup2 mount itself, duplicates and nested roots.
 * Returns 0 or a negative errno with the reason logged. */
int roots__init(struct roots *r, const char *const *paths, int n);

/* The scope the BPF programs test, for these roots. */
void roots__scope(const struct roots *r, struct vigil_scope *scope);

#endif /* VIGIL_ROOTS_H */
