// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "log.h"
#include "roots.h"

static int roots__add(struct roots *r, const char *path)
{
	struct root *root = &r->root[r->nr];
	const char *mount = r->mount;

	if (r->nr == VIGIL_MAX_ROOTS) {
		log_error("too many sandbox roots (at most %d)",
			  VIGIL_MAX_ROOTS);
		return -E2BIG;
	}
	if (cgroup__resolve(r->mount, path, root->rel, &root->level))
		return -EINVAL;
	if (root->level == 0) {
		log_error("sandbox root %s is the cgroup root itself; give a "
			  "directory below it", path);
		return -EINVAL;
	}
	if (strlen(mount) + strlen(root->rel) >= sizeof(root->path))
		return -ENAMETOOLONG;
	stpcpy(stpcpy(root->path, mount), root->rel);
	root->id = cgroup__id(root->path);
	r->nr++;
	return 0;
}

/* Two roots where one contains the other would count a sandbox twice. */
static int roots__check_disjoint(const struct roots *r)
{
	for (int i = 0; i < r->nr; i++) {
		for (int j = 0; j < r->nr; j++) {
			const char *a = r->root[i].rel, *b = r->root[j].rel;
			size_t n = strlen(a);

			if (i != j && strncmp(a, b, n) == 0 &&
			    (b[n] == '/' || b[n] == '\0')) {
				log_error("sandbox roots %s and %s overlap",
					  r->root[i].path, r->root[j].path);
				return -EINVAL;
			}
		}
	}
	return 0;
}

int roots__init(struct roots *r, const char *const *paths, int n)
{
	char def[PATH_MAX];
	int err;

	memset(r, 0, sizeof(*r));
	err = cgroup__mount(r->mount);
	if (err) {
		log_error("no cgroup2 file system is mounted (see "
			  "/proc/self/mounts); vigil needs cgroup v2");
		return err;
	}
	if (n == 0) {
		snprintf(def, sizeof(def), "%s/%s", r->mount,
			 ROOTS_DEFAULT_NAME);
		if (cgroup__mkdir(def))
			return -EIO;
		return roots__add(r, def);
	}
	for (int i = 0; i < n; i++) {
		err = roots__add(r, paths[i]);
		if (err)
			return err;
	}
	return roots__check_disjoint(r);
}

void roots__scope(const struct roots *r, struct vigil_scope *scope)
{
	memset(scope, 0, sizeof(*scope));
	for (int i = 0; i < r->nr; i++) {
		scope->root_id[i] = r->root[i].id;
		scope->root_level[i] = r->root[i].level;
	}
	scope->nr_roots = r->nr;
}
