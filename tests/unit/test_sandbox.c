// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The sandbox registry on real cgroups, as root, below a test root of
 * this test's own (cgtest.h), fed as the collector feeds it: a sandbox
 * made, labelled after mkdir and removed before its first record keeps
 * its name and labels; removed sandboxes leave the listing at once and
 * are forgotten once their last flows are out; a sandbox never found, or
 * whose rmdir record was lost, is forgotten too; directories held open
 * are bounded and released; a name reused is a new sandbox. */
#include <dirent.h>
#include <errno.h>
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
#include <sys/xattr.h>
#include <unistd.h>
#include <cmocka.h>

#include "cgtest.h"

#include "sandbox.h"

static struct cgtest t;

struct heard {
	int added, removed;
	char last_removed[64];
};

static void heard_added(void *ctx, struct sandbox *sb)
{
	((struct heard *)ctx)->added++;
}

static void heard_removed(void *ctx, struct sandbox *sb)
{
	struct heard *h = ctx;

	h->removed++;
	snprintf(h->last_removed, sizeof(h->last_removed), "%s", sb->id);
}

struct fixture {
	struct sandboxes *s;
	struct heard heard;
};

static int group_setup(void **state)
{
	return cgtest__init(&t) ? -1 : 0;
}

static int group_teardown(void **state)
{
	cgtest__destroy(t.root, false);
	return 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sandbox_hooks hooks = { heard_added, heard_removed, NULL };

	assert_non_null(f);
	f->s = sandboxes__new(&t.roots);
	assert_non_null(f->s);
	hooks.ctx = &f->heard;
	assert_int_equal(sandboxes__listen(f->s, &hooks), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sandboxes__free(f->s);
	free(f);
	cgtest__destroy(t.root, true);
	return 0;
}

/* A sandbox directory made as a manager makes it; returns its cgroup id. */
static uint64_t make_dir(const char *name, char dir[PATH_MAX])
{
	struct stat st;

	cgtest__mkdir(&t, dir, name);
	assert_int_equal(stat(dir, &st), 0);
	return st.st_ino;
}

static void label(const char *dir, const char *key, const char *value)
{
	char name[128];

	snprintf(name, sizeof(name), "%s%s", XATTR_LABEL_PREFIX, key);
	assert_int_equal(setxattr(dir, name, value, strlen(value), 0), 0);
}

static void remove_dir(const char *dir)
{
	assert_int_equal(rmdir(dir), 0);
}

/* The kernel's mkdir record, as the opener hands it over. */
static void made(struct fixture *f, uint64_t cgid, const char *name,
		 const char *dir)
{
	sandboxes__made(f->s, cgid, 0, name, cgroup__open(dir, cgid));
}

/* A sandbox made that had a record; returns its cgroup id. */
static uint64_t make_used(struct fixture *f, const char *name,
			  char dir[PATH_MAX])
{
	uint64_t cgid = make_dir(name, dir);

	made(f, cgid, name, dir);
	assert_non_null(sandboxes__get(f->s, cgid));
	return cgid;
}

static void prune(struct fixture *f, int ticks)
{
	while (ticks--)
		sandboxes__prune(f->s);
}

/* Forgotten, listeners told, at the ticks'th prune from now, not
 * before. */
static void expect_forgotten_after(struct fixture *f, int ticks)
{
	prune(f, ticks - 1);
	assert_int_equal(f->heard.removed, 0);
	prune(f, 1);
	assert_int_equal(f->heard.removed, 1);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void expect_label(const struct sandbox *sb, const char *key,
			 const char *value)
{
	for (size_t i = 0; i < sb->nr_labels; i++)
		if (!strcmp(sb->labels[i].key, key)) {
			assert_string_equal(sb->labels[i].value, value);
			return;
		}
	fail_msg("%s has no label %s", sb->id, key);
}

static void expect_identity(const struct sandbox *sb, const char *name)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), "%s/%s", t.rel, name);
	assert_string_equal(sb->id, name);
	assert_string_equal(sb->cgroup, rel);
}

/* Labelled after mkdir, removed before its first record is read: the
 * directory opened at mkdir still has them. */
static void test_labels_outlive_rmdir(void **state)
{
	struct fixture *f = *state;
	char dir[PATH_MAX];
	uint64_t cgid = make_dir("brief", dir);
	struct sandbox *sb;

	made(f, cgid, "brief", dir);
	label(dir, "session", "s-1");
	assert_int_equal(setxattr(dir, XATTR_PROFILE, "p", 1, 0), 0);
	remove_dir(dir);
	sb = sandboxes__get(f->s, cgid);
	assert_non_null(sb);
	expect_identity(sb, "brief");
	expect_label(sb, "session", "s-1");
	assert_non_null(sb->profile);
	assert_string_equal(sb->profile, "p");
	assert_int_equal(f->heard.added, 1);
	assert_ptr_equal(sandboxes__get(f->s, cgid), sb);
	assert_int_equal(f->heard.added, 1);
}

/* Sandboxes there before the collector started are made by the scan. */
static void test_scan(void **state)
{
	struct fixture *f = *state;
	char dir[PATH_MAX];
	uint64_t cgid = make_dir("before", dir);
	struct sandbox *sb;

	label(dir, "agent", "a");
	sandboxes__scan(f->s);
	remove_dir(dir);
	sb = sandboxes__get(f->s, cgid);
	expect_identity(sb, "before");
	expect_label(sb, "agent", "a");
}

static void count(void *arg, struct sandbox *sb)
{
	(*(int *)arg)++;
}

static int count_listed(struct fixture *f)
{
	int n = 0;

	sandboxes__each(f->s, count, &n);
	return n;
}

/* Removed: out of the listing at once, still named for its last
 * records, forgotten SANDBOX_REMOVED_TICKS later. */
static void test_removed_forgotten(void **state)
{
	struct fixture *f = *state;
	char dir[PATH_MAX];
	uint64_t cgid = make_used(f, "done", dir);
	struct sandbox *sb = sandboxes__get(f->s, cgid);

	assert_int_equal(count_listed(f), 1);
	remove_dir(dir);
	sandboxes__removed(f->s, cgid);
	assert_null(sandboxes__find(f->s, cgid));
	assert_null(sandboxes__find_id(f->s, "done"));
	assert_int_equal(count_listed(f), 0);
	prune(f, SANDBOX_REMOVED_TICKS - 1);
	assert_ptr_equal(sandboxes__get(f->s, cgid), sb);	/* a last flow */
	expect_forgotten_after(f, 1);
	assert_string_equal(f->heard.last_removed, "done");
}

/* Made and removed without a record: forgotten at once, unheard, and
 * its directory let go. */
static void test_removed_unused(void **state)
{
	struct fixture *f = *state;
	char dir[PATH_MAX];
	uint64_t cgid = make_dir("unused", dir);
	int fds = open_fds();

	made(f, cgid, "unused", dir);
	assert_int_equal(open_fds(), fds + 1);
	remove_dir(dir);
	sandboxes__removed(f->s, cgid);
	assert_int_equal(open_fds(), fds);
	assert_int_equal(f->heard.added + f->heard.removed, 0);
}

/* A record of a sandbox never made (its mkdir record lost) and already
 * gone: named by its id, never listed, forgotten after a check period. */
static void test_never_found_forgotten(void **state)
{
	struct fixture *f = *state;
	char dir[PATH_MAX], id[64];
	uint64_t cgid = make_dir("lost", dir);
	struct sandbox *sb;

	remove_dir(dir);
	sb = sandboxes__get(f->s, cgid);
	snprintf(id, sizeof(id), "cgroup-%llu", (unsigned long long)cgid);
	assert_string_equal(sb->id, id);
	assert_string_equal(sb->cgroup, "");
	assert_int_equal(count_listed(f), 0);
	expect_forgotten_after(f, SANDBOX_CHECK_TICKS);
}

/* Its rmdir record lost: a check finds the directory gone, and a check
 * period later it is forgotten. */
static void test_missing_dir_forgotten(void **state)
{
	struct fixture *f = *state;
	char dir[PATH_MAX];

	make_used(f, "unreported", dir);
	remove_dir(dir);
	prune(f, SANDBOX_CHECK_TICKS);		/* the check */
	assert_int_equal(count_listed(f), 0);
	expect_forgotten_after(f, SANDBOX_CHECK_TICKS);
}

/* A live sandbox is never forgotten. */
static void test_live_kept(void **state)
{
	struct fixture *f = *state;
	char dir[PATH_MAX];

	make_used(f, "live", dir);
	prune(f, 3 * SANDBOX_CHECK_TICKS);
	assert_int_equal(f->heard.removed, 0);
	assert_int_equal(count_listed(f), 1);
}

/* A name used again is another sandbox; the live one is found by id. */
static void test_name_reused(void **state)
{
	struct fixture *f = *state;
	char dir[PATH_MAX];
	uint64_t first = make_used(f, "again", dir), second;
	struct sandbox *sb;

	remove_dir(dir);
	sandboxes__removed(f->s, first);
	second = make_dir("again", dir);
	assert_true(second != first);
	made(f, second, "again", dir);
	sb = sandboxes__get(f->s, second);
	assert_int_equal(sb->cgid, second);
	assert_ptr_equal(sandboxes__find_id(f->s, "again"), sb);
}

/* Many sandboxes made and not yet used: a bounded number of directories
 * held open, every one named, and all let go at their first record. */
static void test_held_bounded(void **state)
{
	struct fixture *f = *state;
	enum { N = 300 };
	char dir[PATH_MAX], name[32];
	uint64_t cgid[N];
	int fds = open_fds();

	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "pool-%d", i);
		cgid[i] = make_dir(name, dir);
		made(f, cgid[i], name, dir);
		label(dir, "i", name);
	}
	assert_in_range(open_fds() - fds, 1, 256);
	for (int i = 0; i < N; i++) {
		struct sandbox *sb = sandboxes__get(f->s, cgid[i]);

		snprintf(name, sizeof(name), "pool-%d", i);
		expect_identity(sb, name);
		expect_label(sb, "i", name);
	}
	assert_int_equal(open_fds(), fds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_labels_outlive_rmdir),
		T(test_scan),
		T(test_removed_forgotten),
		T(test_removed_unused),
		T(test_never_found_forgotten),
		T(test_missing_dir_forgotten),
		T(test_live_kept),
		T(test_name_reused),
		T(test_held_bounded),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
