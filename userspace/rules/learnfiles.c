// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filepath.h"
#include "learnfiles.h"
#include "rules_load.h"

/* What a learning profile's file is (learnfiles.h). */
struct file_id {
	bool exists;
	dev_t dev;
	ino_t ino;
	char path[FILEPATH_MAX];	/* when it does not exist */
};

/* path, absolute (relative to dir if it is not), with ".", ".." and
 * "//" folded as text. */
static void path__fold(const char *dir, const char *path, char *out,
		       size_t cap)
{
	struct bytes base = { .p = dir, .len = strlen(dir) };
	struct bytes arg = { .p = path, .len = strlen(path) };
	size_t len = filepath__join(&base, &arg, out, cap - 1);

	out[len] = '\0';
}

/* A file yet to be made: its directory as the kernel resolves it
 * (symlinks followed before ".."), if that exists, and its name; or
 * else its path folded. */
static void path__resolve(const char *path, char *out, size_t cap)
{
	char cwd[PATH_MAX] = "/", dir[PATH_MAX], raw[FILEPATH_MAX];
	const char *name;

	if (path[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "/");
	if (snprintf(raw, sizeof(raw), "%s/%s", path[0] == '/' ? "" : cwd,
		     path) >= (int)sizeof(raw))
		raw[0] = '\0';
	name = strrchr(raw, '/');
	if (name && name > raw) {
		raw[name - raw] = '\0';
		if (realpath(raw, dir)) {
			path__fold(dir, name + 1, out, cap);
			return;
		}
	}
	path__fold(cwd, path, out, cap);
}

/* at, a symlink, replaced by the path it names (relative to its
 * directory). false: unreadable. */
static bool link__follow(char *at, size_t cap)
{
	char target[PATH_MAX];
	ssize_t n = readlink(at, target, sizeof(target) - 1);
	char *slash = strrchr(at, '/');

	if (n < 0)
		return false;
	target[n] = '\0';
	if (target[0] == '/' || !slash)
		snprintf(at, cap, "%s", target);
	else
		snprintf(slash + 1, cap - (slash + 1 - at), "%s", target);
	return true;
}

/* A file not made yet may be named through a symlink that dangles:
 * learning reads through it, so it is the file at the end of the
 * chain (followed as far as the kernel does). */
#define LINKS_MAX 40

static void file_id__of(const char *path, struct file_id *id)
{
	char at[FILEPATH_MAX];
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (!stat(path, &st)) {
		id->exists = true;
		id->dev = st.st_dev;
		id->ino = st.st_ino;
		return;
	}
	snprintf(at, sizeof(at), "%s", path);
	for (int i = 0; i < LINKS_MAX; i++)
		if (lstat(at, &st) || !S_ISLNK(st.st_mode) ||
		    !link__follow(at, sizeof(at)))
			break;
	path__resolve(at, id->path, sizeof(id->path));
}

static bool file_id__same(const struct file_id *a, const struct file_id *b)
{
	if (a->exists || b->exists)
		return a->exists && b->exists && a->dev == b->dev &&
		       a->ino == b->ino;
	return !strcmp(a->path, b->path);
}

/* The first learning profile before index i whose file is ids[i]'s. */
static int learnfiles__first(const struct file_id *ids, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (file_id__same(&ids[j], &ids[i]))
			return j;
	return -1;
}

void learnfiles__check(struct ruleset *rs)
{
	const struct rules_load *L = rs->load;
	struct file_id *ids = calloc(L->nr_learn_srcs ?: 1, sizeof(*ids));

	for (size_t i = 0; ids && i < L->nr_learn_srcs; i++) {
		const struct learn_src *l = &L->learn_srcs[i], *o;
		int j;

		file_id__of(l->profile->baseline, &ids[i]);
		j = learnfiles__first(ids, i);
		if (j < 0)
			continue;
		o = &L->learn_srcs[j];
		rules__error(rs, &l->at, NULL, 0, "profile '%s' learns into "
			     "%s, the file profile '%s' learns into (%s:%d:%d): "
			     "each would save over the other's sessions; give "
			     "each learning profile a file of its own",
			     l->profile->name, l->profile->baseline,
			     o->profile->name, o->at.src->name, o->at.line,
			     o->at.col);
	}
	free(ids);
}
