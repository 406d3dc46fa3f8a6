// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Protected filesets resolved to inodes, each case in a fresh mkdtemp
 * tree given by absolute paths: globs and excludes, one entry per inode
 * however many names and sets reach it, a symlink protecting its target,
 * files coming and going under inotify (also in directories that do not
 * exist yet), irrelevant events ignored, the sorted order and both caps;
 * and "~/" reaching /root. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "protect.h"
#include "tmptree.h"

#define WATCHES_MAX 4096	/* protect.c's */
#define ENTRIES_MAX 65536	/* protect.c's */

struct fix {
	char dir[64];
	struct protect *p;
};

TMPTREE_FIX_HELPERS

static struct stat st_of(const struct fix *f, const char *rel)
{
	return tree__stat(f->dir, rel);
}

/* The table is strictly sorted by (dev, ino); rel's bits in it, 0 when
 * absent. */
static uint64_t bits_of(const struct fix *f, const struct stat *st)
{
	size_t n;
	const struct protect_entry *e = protect__entries(f->p, &n);
	uint64_t bits = 0;

	for (size_t i = 0; i < n; i++) {
		if (i)
			assert_true(e[i - 1].dev < e[i].dev ||
				    (e[i - 1].dev == e[i].dev &&
				     e[i - 1].ino < e[i].ino));
		if (e[i].dev == (uint32_t)st->st_dev && e[i].ino == st->st_ino)
			bits = e[i].bits;
	}
	return bits;
}

static uint64_t bits(const struct fix *f, const char *rel)
{
	struct stat st = st_of(f, rel);

	return bits_of(f, &st);
}

static size_t nr_entries(const struct fix *f)
{
	size_t n;

	protect__entries(f->p, &n);
	return n;
}

static struct protect_stats stats(const struct fix *f)
{
	struct protect_stats s;

	protect__stats(f->p, &s);
	return s;
}

/* One set of one path (relative to the tree) and optional exclude. */
static void open1(struct fix *f, const char *rel, const char *exclude)
{
	const char *paths[] = { at(f, rel) };
	const char *excl[] = { exclude };
	struct protect_set set = {
		.name = "one", .paths = paths, .nr_paths = 1,
		.exclude = excl, .nr_exclude = exclude ? 1 : 0,
	};

	f->p = protect__new(&set, 1);
	assert_non_null(f->p);
}

/* Set i of rels[i] alone. */
static void open_sets(struct fix *f, const char *const *rels, size_t n)
{
	const char *paths[8];
	struct protect_set sets[8];

	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++) {
		paths[i] = at(f, rels[i]);
		sets[i] = (struct protect_set){
			.name = rels[i], .paths = &paths[i], .nr_paths = 1,
		};
	}
	f->p = protect__new(sets, n);
	assert_non_null(f->p);
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (tree__make(f->dir, "protect")) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	protect__free(f->p);
	tree__remove(f->dir);
	free(f);
	return 0;
}

static void test_match_exclude(void **state)
{
	struct fix *f = *state;

	mk(f, "keys");
	touch(f, "keys/a.key");
	touch(f, "keys/b.key");
	touch(f, "keys/c.pub");
	touch(f, "keys/.h.key");
	mk(f, "keys/d.key");
	assert_int_equal(symlink("nowhere", at(f, "keys/e.key")), 0);
	assert_int_equal(mkfifo(at(f, "keys/f.key"), 0600), 0);
	open1(f, "keys/*.key", "*/b.key");
	assert_int_equal(bits(f, "keys/a.key"), 1);
	assert_int_equal(nr_entries(f), 1);
}

static void test_hard_link_once(void **state)
{
	struct fix *f = *state;

	mk(f, "x");
	mk(f, "y");
	mk(f, "z");
	touch(f, "x/f");
	assert_int_equal(link(at(f, "x/f"), at(f, "y/g")), 0);
	open_sets(f, (const char *const[]){ "x/f", "y/*", "z/*" }, 3);
	assert_int_equal(nr_entries(f), 1);
	assert_int_equal(bits(f, "y/g"), 3);
}

static void test_symlink_protects_target(void **state)
{
	struct fix *f = *state;
	const char *paths[] = { at(f, "ssh/id_rsa"), at(f, "lnk/*") };
	struct protect_set set = { .name = "s", .paths = paths, .nr_paths = 2 };

	mk(f, "ssh");
	mk(f, "elsewhere");
	touch(f, "elsewhere/key");
	assert_int_equal(symlink("../elsewhere/key", at(f, "ssh/id_rsa")), 0);
	assert_int_equal(symlink("elsewhere", at(f, "lnk")), 0);
	f->p = protect__new(&set, 1);
	assert_non_null(f->p);
	assert_int_equal(nr_entries(f), 1);
	assert_int_equal(bits(f, "elsewhere/key"), 1);
}

static void test_new_file_seen(void **state)
{
	struct fix *f = *state;
	struct stat old;

	mk(f, "ssh");
	mk(f, "tmp");
	touch(f, "ssh/id_a");
	open1(f, "ssh/id_*", NULL);
	assert_int_equal(protect__refresh(f->p), 0);
	touch(f, "ssh/id_b");
	assert_int_equal(protect__refresh(f->p), 1);
	assert_int_equal(bits(f, "ssh/id_b"), 1);
	assert_int_equal(nr_entries(f), 2);
	assert_int_equal(protect__refresh(f->p), 0);

	/* Renamed in, and replacing a file by a rename. */
	touch(f, "tmp/c");
	assert_int_equal(rename(at(f, "tmp/c"), at(f, "ssh/id_c")), 0);
	assert_int_equal(protect__refresh(f->p), 1);
	assert_int_equal(bits(f, "ssh/id_c"), 1);
	old = st_of(f, "ssh/id_a");
	touch(f, "tmp/a");
	assert_int_equal(rename(at(f, "tmp/a"), at(f, "ssh/id_a")), 0);
	assert_int_equal(protect__refresh(f->p), 1);
	assert_int_equal(bits_of(f, &old), 0);
	assert_int_equal(bits(f, "ssh/id_a"), 1);
	assert_int_equal(nr_entries(f), 3);
}

static void test_missing_dirs(void **state)
{
	struct fix *f = *state;
	const char *paths[] = { at(f, "a/b/c/*.pem"), at(f, "d/e/f.pem") };
	struct protect_set set = { .name = "s", .paths = paths, .nr_paths = 2 };
	uint64_t rescans;

	f->p = protect__new(&set, 1);
	assert_non_null(f->p);
	assert_int_equal(nr_entries(f), 0);

	/* One level at a time: each rescans, and watches one deeper. */
	rescans = stats(f).rescans;
	mk(f, "a");
	assert_int_equal(protect__refresh(f->p), 0);
	assert_int_equal(stats(f).rescans, rescans + 1);
	mk(f, "a/b");
	assert_int_equal(protect__refresh(f->p), 0);
	mk(f, "a/b/c");
	assert_int_equal(protect__refresh(f->p), 0);
	assert_int_equal(stats(f).rescans, rescans + 3);
	touch(f, "a/b/c/k.pem");
	assert_int_equal(protect__refresh(f->p), 1);
	assert_int_equal(bits(f, "a/b/c/k.pem"), 1);

	/* The whole chain at once, before a refresh. */
	mk(f, "d");
	mk(f, "d/e");
	touch(f, "d/e/f.pem");
	assert_int_equal(protect__refresh(f->p), 1);
	assert_int_equal(bits(f, "d/e/f.pem"), 1);
	assert_int_equal(nr_entries(f), 2);
}

static void test_glob_in_the_middle(void **state)
{
	struct fix *f = *state;

	mk(f, "ff");
	mk(f, "ff/p1");
	touch(f, "ff/p1/logins.json");
	open1(f, "ff/*/logins.json", NULL);
	assert_int_equal(nr_entries(f), 1);
	assert_int_equal(stats(f).watches, 2);		/* ff, ff/p1 */
	mk(f, "ff/p2");
	assert_int_equal(protect__refresh(f->p), 0);
	assert_int_equal(stats(f).watches, 3);
	touch(f, "ff/p2/logins.json");
	assert_int_equal(protect__refresh(f->p), 1);
	assert_int_equal(bits(f, "ff/p2/logins.json"), 1);
	assert_int_equal(nr_entries(f), 2);
}

static void test_delete(void **state)
{
	struct fix *f = *state;
	struct stat gone;

	mk(f, "ssh");
	touch(f, "ssh/id_a");
	open1(f, "ssh/id_*", NULL);
	gone = st_of(f, "ssh/id_a");
	assert_int_equal(unlink(at(f, "ssh/id_a")), 0);
	assert_int_equal(protect__refresh(f->p), 1);
	assert_int_equal(bits_of(f, &gone), 0);
	assert_int_equal(nr_entries(f), 0);

	/* The directory goes, then comes back with a key in it. */
	assert_int_equal(rmdir(at(f, "ssh")), 0);
	assert_int_equal(protect__refresh(f->p), 0);
	mk(f, "ssh");
	protect__refresh(f->p);
	touch(f, "ssh/id_b");
	assert_int_equal(protect__refresh(f->p), 1);
	assert_int_equal(bits(f, "ssh/id_b"), 1);
}

static void test_nothing_pending(void **state)
{
	struct fix *f = *state;
	uint64_t rescans;

	mk(f, "ssh");
	touch(f, "ssh/id_a");
	open1(f, "ssh/id_*", NULL);
	rescans = stats(f).rescans;
	assert_int_equal(protect__refresh(f->p), 0);
	assert_int_equal(protect__refresh(f->p), 0);
	/* Names no pattern can match: no rescan at all. */
	touch(f, "ssh/notes.txt");
	touch(f, "other");
	assert_int_equal(protect__refresh(f->p), 0);
	assert_int_equal(stats(f).rescans, rescans);
	/* A matching name changing nothing: a rescan, table unchanged. */
	touch(f, "ssh/id_a");
	assert_int_equal(protect__refresh(f->p), 0);
	assert_int_equal(stats(f).rescans, rescans + 1);
}

static void test_dotfiles_only_explicitly(void **state)
{
	struct fix *f = *state;
	uint64_t rescans;

	mk(f, "d");
	open1(f, "d/*", NULL);
	rescans = stats(f).rescans;
	touch(f, "d/.hidden");
	assert_int_equal(protect__refresh(f->p), 0);
	assert_int_equal(stats(f).rescans, rescans);
	assert_int_equal(nr_entries(f), 0);
}

static void test_rescan(void **state)
{
	struct fix *f = *state;

	mk(f, "ssh");
	touch(f, "ssh/id_a");
	open1(f, "ssh/id_*", NULL);
	assert_int_equal(protect__rescan(f->p), 0);
	touch(f, "ssh/id_b");
	assert_int_equal(protect__rescan(f->p), 1);
	assert_int_equal(bits(f, "ssh/id_b"), 1);
	/* The creation's event is still pending: same table. */
	assert_int_equal(protect__refresh(f->p), 0);
	assert_int_equal(stats(f).rescans, 4);
}

static void test_sorted(void **state)
{
	struct fix *f = *state;
	char rel[32];

	mk(f, "a");
	mk(f, "b");
	for (int i = 0; i < 300; i++) {
		snprintf(rel, sizeof(rel), "%c/%d", i % 2 ? 'a' : 'b', i);
		touch(f, rel);
	}
	open_sets(f, (const char *const[]){ "a/*", "b/*" }, 2);
	assert_int_equal(nr_entries(f), 300);
	for (int i = 0; i < 300; i++) {
		snprintf(rel, sizeof(rel), "%c/%d", i % 2 ? 'a' : 'b', i);
		assert_int_equal(bits(f, rel), i % 2 ? 1 : 2);	/* sorted too */
	}
}

static void test_entry_cap(void **state)
{
	struct fix *f = *state;
	const struct protect_entry *e;
	char rel[32];
	size_t n;

	mk(f, "big");
	for (int i = 0; i <= ENTRIES_MAX; i++) {
		snprintf(rel, sizeof(rel), "big/%d", i);
		touch(f, rel);
	}
	/* Both sets match every file: the cap counts inodes, not matches. */
	open_sets(f, (const char *const[]){ "big/*", "big/*" }, 2);
	e = protect__entries(f->p, &n);
	assert_int_equal(n, ENTRIES_MAX);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(e[i].bits, 3);
		if (i)
			assert_true(e[i - 1].dev < e[i].dev ||
				    (e[i - 1].dev == e[i].dev &&
				     e[i - 1].ino < e[i].ino));
	}
	/* The one left out, once per set reaching it after the cap. */
	assert_in_range(stats(f).truncated, 1, 2);
}

static void test_watch_cap(void **state)
{
	struct fix *f = *state;
	char rel[32];

	mk(f, "w");
	for (int i = 0; i < WATCHES_MAX + 4; i++) {
		snprintf(rel, sizeof(rel), "w/%d", i);
		mk(f, rel);
		snprintf(rel, sizeof(rel), "w/%d/f", i);
		touch(f, rel);
	}
	open1(f, "w/*/f", NULL);
	/* w and its WATCHES_MAX + 4 directories: 5 too many. Every file is
	 * still found. */
	assert_int_equal(stats(f).watches, WATCHES_MAX);
	assert_int_equal(stats(f).watch_failures, 5);
	assert_int_equal(nr_entries(f), WATCHES_MAX + 4);
	assert_int_equal(protect__rescan(f->p), 0);
	assert_int_equal(stats(f).watches, WATCHES_MAX);
}

static void test_fd(void **state)
{
	struct fix *f = *state;
	int fd;

	open1(f, "nothing", NULL);
	fd = protect__fd(f->p);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

/* "~/" covers /root, whatever passwd says; a path neither absolute nor
 * under "~/" is ignored. Writes a file in /root when it can. */
static void test_home(void **state)
{
	struct fix *f = *state;
	char file[] = "/root/.vigil-protect-XXXXXX", pat[64];
	const char *paths[] = { pat, "relative/path", "~/.ssh/id_*" };
	struct protect_set set = { .name = "h", .paths = paths, .nr_paths = 3 };
	int fd = mkstemp(file);
	struct stat st;

	snprintf(pat, sizeof(pat), "~/%s", file + strlen("/root/"));
	f->p = protect__new(&set, 1);
	assert_non_null(f->p);
	assert_true(stats(f).watches >= 1);		/* /etc for passwd */
	if (fd < 0)
		return;
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	assert_int_equal(bits_of(f, &st), 1);
	unlink(file);
	assert_int_equal(protect__refresh(f->p), 1);
	assert_int_equal(bits_of(f, &st), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_match_exclude),
		T(test_hard_link_once),
		T(test_symlink_protects_target),
		T(test_new_file_seen),
		T(test_missing_dirs),
		T(test_glob_in_the_middle),
		T(test_delete),
		T(test_nothing_pending),
		T(test_dotfiles_only_explicitly),
		T(test_rescan),
		T(test_sorted),
		T(test_entry_cap),
		T(test_watch_cap),
		T(test_fd),
		T(test_home),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
