/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A scratch directory tree for one test case (mkdtemp under /tmp,
 * removed whole afterwards) and files in it by relative name; shared by
 * the tests of code that watches and resolves files. */
#ifndef VIGIL_TMPTREE_H
#define VIGIL_TMPTREE_H

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* Makes dir (a char[64]) a fresh /tmp/vigil-TAG-XXXXXX; 0 or -1. */
static inline int tree__make(char *dir, const char *tag)
{
	snprintf(dir, 64, "/tmp/vigil-%s-XXXXXX", tag);
	return mkdtemp(dir) ? 0 : -1;
}

static inline int tree__rm_one(const char *path, const struct stat *st,
			       int type, struct FTW *ftw)
{
	return remove(path);
}

static inline void tree__remove(const char *dir)
{
	nftw(dir, tree__rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* dir/rel, in one of a few rotating buffers so that several can be used
 * in one call. */
static inline const char *tree__at(const char *dir, const char *rel)
{
	static char bufs[8][PATH_MAX];
	static unsigned int next;
	char *buf = bufs[next++ % 8];

	snprintf(buf, PATH_MAX, "%s/%s", dir, rel);
	return buf;
}

static inline void tree__mkdir(const char *dir, const char *rel)
{
	assert_int_equal(mkdir(tree__at(dir, rel), 0700), 0);
}

/* A one-byte regular file, made or rewritten. */
static inline void tree__touch(const char *dir, const char *rel)
{
	int fd = open(tree__at(dir, rel), O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
}

static inline struct stat tree__stat(const char *dir, const char *rel)
{
	struct stat st;

	assert_int_equal(stat(tree__at(dir, rel), &st), 0);
	return st;
}

/* at(f, rel), mk(f, rel) and touch(f, rel): the tree__ helpers for a
 * test whose fixture is a struct fix with the tree in char dir[64]. */
#define TMPTREE_FIX_HELPERS						static const char *at(const struct fix *f, const char *rel)		{										return tree__at(f->dir, rel);					}																		static void mk(const struct fix *f, const char *rel)			{										tree__mkdir(f->dir, rel);					}																		static void touch(const struct fix *f, const char *rel)			{										tree__touch(f->dir, rel);					}

#endif /* VIGIL_TMPTREE_H */
