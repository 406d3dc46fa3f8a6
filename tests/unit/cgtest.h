/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * For tests that act on real cgroups (root only): a test root of their
 * own, vigil-unit-<pid> under the cgroup2 mount (found in /proc/self/mounts),
 * sandboxes below it holding only children the test forked, and a cleanup
 * that kills and removes all of it even after a failed case. Include after
 * <cmocka.h>.
 *
 * The test process becomes a child subreaper, so what its children leave
 * behind is reparented to it and reaped in cleanup; every child dies with
 * its parent (PR_SET_PDEATHSIG), so a crashed test leaves no process.
 */
#ifndef VIGIL_TEST_CGTEST_H
#define VIGIL_TEST_CGTEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "roots.h"

struct cgtest {
	char mount[PATH_MAX];	/* the cgroup2 mount */
	char rel[64];		/* the test root below it: "/vigil-unit-<pid>" */
	char root[PATH_MAX];	/* the test root, absolute */
	struct roots roots;	/* with that one root */
};

/* mount/rel/fmt..., absolute. */
static inline const char *cgtest__path(const struct cgtest *t, char *out,
				       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline const char *cgtest__path(const struct cgtest *t, char *out,
				       const char *fmt, ...)
{
	char sub[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sub, sizeof(sub), fmt, ap);
	va_end(ap);
	snprintf(out, PATH_MAX, "%s/%s", t->root, sub);
	return out;
}

/* The test root, or -1 (with the reason printed) when not root or there
 * is no cgroup2 mount: these tests fail rather than skip. */
static inline int cgtest__init(struct cgtest *t)
{
	const char *root = t->root;

	memset(t, 0, sizeof(*t));
	if (geteuid() != 0) {
		print_error("these tests act on real cgroups: run them as "
			    "root\n");
		return -1;
	}
	if (cgroup__mount(t->mount)) {
		print_error("no cgroup2 file system in /proc/self/mounts\n");
		return -1;
	}
	snprintf(t->rel, sizeof(t->rel), "/vigil-unit-%d", (int)getpid());
	snprintf(t->root, sizeof(t->root), "%s%s", t->mount, t->rel);
	if (mkdir(t->root, 0755) || roots__init(&t->roots, &root, 1)) {
		print_error("cannot create the test root %s: %s\n", t->root,
			    strerror(errno));
		rmdir(t->root);
		return -1;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	return 0;
}

static inline void cgtest__write(const char *dir, const char *file,
				 const char *val)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, val, strlen(val)) < 0)
			print_error("cannot write %s: %s\n", path,
				    strerror(errno));
		close(fd);
	}
}

/* Whether cgroup.events of dir says "populated 0" (or dir is gone). */
static inline bool cgtest__empty(const char *dir)
{
	char path[PATH_MAX], buf[256] = "";
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && strstr(buf, "populated 0");
}

static inline void cgtest__rmdir_tree(const char *dir);

/* Removes the cgroups below dir, bottom up. */
static inline void cgtest__rmdir_below(const char *dir)
{
	char sub[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		cgtest__rmdir_tree(sub);
	}
	if (d)
		closedir(d);
}

/* Removes dir's cgroups below it, bottom up, then dir. */
static inline void cgtest__rmdir_tree(const char *dir)
{
	cgtest__rmdir_below(dir);
	if (rmdir(dir) && errno != ENOENT)
		print_error("cannot remove %s: %s\n", dir, strerror(errno));
}

/* Kills what is in dir (the test's own: it is below the test root),
 * waits up to 5 s for it to empty, reaps, removes dir and what is below
 * it, unless keep_top. Plain file writes, not killswitch.c: cleanup must work
 * even where killswitch.c does not. */
static inline void cgtest__destroy(const char *dir, bool keep_top)
{
	cgtest__write(dir, "cgroup.freeze", "0");
	cgtest__write(dir, "cgroup.kill", "1");
	for (int i = 0; i < 5000 && !cgtest__empty(dir); i++)
		usleep(1000);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (keep_top)
		cgtest__rmdir_below(dir);
	else
		cgtest__rmdir_tree(dir);
}

/* A cgroup below the test root (and the ones above it), absolute path in
 * out. */
static inline const char *cgtest__mkdir(const struct cgtest *t, char *out,
					const char *sub)
{
	char part[PATH_MAX];
	const char *slash = sub;

	while ((slash = strchr(slash, '/'))) {
		snprintf(part, sizeof(part), "%.*s", (int)(slash - sub), sub);
		cgtest__path(t, out, "%s", part);
		mkdir(out, 0755);
		slash++;
	}
	cgtest__path(t, out, "%s", sub);
	if (mkdir(out, 0755) && errno != EEXIST)
		fail_msg("cannot create cgroup %s: %s", out, strerror(errno));
	return out;
}

/*
 * Forks a child that runs fn(arg) once the parent has moved it into the
 * cgroup dir, and _exits 0 after (fn normally never returns). The child
 * dies with the test process.
 */
static inline pid_t cgtest__spawn(const char *dir, void (*fn)(void *),
				  void *arg)
{
	int go[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(99);
		close(go[0]);
		fn(arg);
		_exit(0);
	}
	close(go[0]);
	if (cgroup__enter(dir, pid)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("cannot move child %d into %s", (int)pid, dir);
	}
	assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
	return pid;
}

/* Sleeps forever: a sandbox member that only waits to be acted on. */
static inline void cgtest__idle(void *arg)
{
	for (;;)
		pause();
}

#endif /* VIGIL_TEST_CGTEST_H */
