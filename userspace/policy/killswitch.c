// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "killswitch.h"
#include "cgroup.h"
#include "log.h"

#define ACT_FREEZE_MS     1000	/* fallback kill: waiting for the freeze */
#define ACT_RESIGNAL_MS   100	/* fallback kill: between signal rounds */
#define ACT_EVENTS_LEN    256	/* cgroup.events is "populated 1\nfrozen 0\n" */

/* Deadlines are on the monotonic clock: suspend must not count. */
static uint64_t killswitch__deadline(int timeout_ms)
{
	return clock__ns(CLOCK_MONOTONIC) +
	       (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000;
}

/* Milliseconds left until deadline, rounded up so poll() never wakes
 * just before it; 0 once it has passed. */
static int killswitch__left_ms(uint64_t deadline)
{
	uint64_t now = clock__ns(CLOCK_MONOTONIC);

	return now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
}

/* Whether rel is "/" followed by components, none empty, "." or "..". */
static bool killswitch__clean_rel(const char *rel)
{
	const char *p = rel, *end;
	size_t n;

	if (*p != '/')
		return false;
	while (*p == '/') {
		end = strchrnul(p + 1, '/');
		n = end - (p + 1);
		if (n == 0 || (n == 1 && p[1] == '.') ||
		    (n == 2 && p[1] == '.' && p[2] == '.'))
			return false;
		p = end;
	}
	return true;
}

/* The root rel lies strictly below, or NULL. A root is never "/", but a
 * hand-built struct roots is not trusted to keep that promise. */
static const struct root *killswitch__root_of(const struct roots *r, const char *rel)
{
	for (int i = 0; i < r->nr; i++) {
		const char *root = r->root[i].rel;
		size_t n = strlen(root);

		if (n > 1 && strncmp(rel, root, n) == 0 && rel[n] == '/' &&
		    rel[n + 1])
			return &r->root[i];
	}
	return NULL;
}

static bool killswitch__is_root(const struct roots *r, const char *rel)
{
	for (int i = 0; i < r->nr; i++)
		if (strcmp(rel, r->root[i].rel) == 0)
			return true;
	return false;
}

static int killswitch__statx(const char *path, struct statx *stx)
{
	return statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW,
		     STATX_TYPE | STATX_MNT_ID, stx);
}

/* The directory must exist on the cgroup2 mount itself: not a file, and
 * not something mounted over a sandbox's directory (another file system:
 * st_dev; a bind mount of another cgroup: the mount id, since 5.8). */
static int killswitch__check_dir(const char *mount, const char *dir)
{
	struct statx st, mst;

	if (killswitch__statx(dir, &st) || killswitch__statx(mount, &mst)) {
		log__errno(errno, "refusing to act on %s", dir);
		return -EPERM;
	}
	if (!S_ISDIR(st.stx_mode) || st.stx_dev_major != mst.stx_dev_major ||
	    st.stx_dev_minor != mst.stx_dev_minor ||
	    ((st.stx_mask & mst.stx_mask & STATX_MNT_ID) &&
	     st.stx_mnt_id != mst.stx_mnt_id)) {
		log_error("refusing to act on %s: not a cgroup directory on the "
			  "cgroup2 mount %s", dir, mount);
		return -EPERM;
	}
	return 0;
}

int killswitch__sandbox_dir(const struct roots *r, const char *cgroup_rel,
		     char out[PATH_MAX])
{
	const char *why = NULL;

	if (!cgroup_rel)
		cgroup_rel = "";
	if (!killswitch__clean_rel(cgroup_rel))
		why = strcmp(cgroup_rel, "/") ? "not a clean absolute path"
					      : "the cgroup2 mount itself";
	else if (killswitch__is_root(r, cgroup_rel))
		why = "a sandbox root itself";
	else if (!killswitch__root_of(r, cgroup_rel))
		why = "not below any sandbox root";
	if (why) {
		log_error("refusing to act on cgroup \"%s\": %s", cgroup_rel,
			  why);
		return -EPERM;
	}
	if (snprintf(out, PATH_MAX, "%s%s", r->mount, cgroup_rel) >= PATH_MAX) {
		log_error("refusing to act on cgroup \"%s\": path too long",
			  cgroup_rel);
		return -ENAMETOOLONG;
	}
	return killswitch__check_dir(r->mount, out);
}

/* Reads a small interface file from its start, NUL-terminated. Returns
 * its length or -errno. */
static int killswitch__read(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

static int killswitch__open(const char *dir, const char *file)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= PATH_MAX)
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* The value of key ("populated", "frozen") in cgroup.events: 0, 1, or
 * -errno. */
static int killswitch__event(int fd, const char *key)
{
	char buf[ACT_EVENTS_LEN];
	size_t n = strlen(key);
	const char *line = buf;
	int err = killswitch__read(fd, buf, sizeof(buf));

	if (err < 0)
		return err;
	while (line) {
		if (strncmp(line, key, n) == 0 && line[n] == ' ')
			return line[n + 1] == '1';
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -ENODATA;
}

static int killswitch__event_of(const char *dir, const char *key)
{
	int fd = killswitch__open(dir, "cgroup.events"), v;

	if (fd < 0)
		return fd;
	v = killswitch__event(fd, key);
	close(fd);
	return v;
}

int killswitch__populated(const char *dir)
{
	return killswitch__event_of(dir, "populated");
}

int killswitch__frozen(const char *dir)
{
	return killswitch__event_of(dir, "frozen");
}

/*
 * Waits until cgroup.events says key is want. Reading the file re-arms
 * its notification, so a change between a read and the next poll() still
 * wakes it: read, check, sleep, until the deadline (one last read after
 * it). The kernel sends at most one notification per file every 10 ms
 * (CGROUP_FILE_NOTIFY_MIN_INTV) and defers the rest to a timer, so the
 * file is also re-read every WAIT_STEP_MS: a kill is seen done within a
 * millisecond, not a timer tick later. On success, *seen_ns (may be
 * NULL) is when the value was seen.
 */
#define WAIT_STEP_MS 1

static int killswitch__wait(const char *dir, const char *key, int want,
		     uint64_t deadline, uint64_t *seen_ns)
{
	struct pollfd pfd = { .events = POLLPRI };
	int v, left;

	pfd.fd = killswitch__open(dir, "cgroup.events");
	if (pfd.fd < 0)
		return pfd.fd;
	for (;;) {
		v = killswitch__event(pfd.fd, key);
		if (v < 0 || v == want)
			break;
		left = killswitch__left_ms(deadline);
		if (left == 0) {
			v = -ETIMEDOUT;
			break;
		}
		if (poll(&pfd, 1, left < WAIT_STEP_MS ? left : WAIT_STEP_MS) < 0 &&
		    errno != EINTR) {
			v = -errno;
			break;
		}
	}
	close(pfd.fd);
	if (v == want && seen_ns)
		*seen_ns = clock__boot_ns();
	return v == want ? 0 : v;
}

int killswitch__freeze(const char *dir, int timeout_ms)
{
	uint64_t deadline = killswitch__deadline(timeout_ms);
	int err = cgroup__write(dir, "cgroup.freeze", "1");

	return err ? err : killswitch__wait(dir, "frozen", 1, deadline, NULL);
}

int killswitch__thaw(const char *dir)
{
	return cgroup__write(dir, "cgroup.freeze", "0");
}

/* SIGKILL for pid, if it still lies in the cgroup ctx names (below the
 * mount) once a pidfd pins it: a pid freed and reused by a process
 * outside the sandbox after cgroup.procs was read is left alone. */
static int killswitch__signal(pid_t pid, void *ctx)
{
	const char *rel = ctx;
	int pidfd = syscall(SYS_pidfd_open, pid, 0);

	if (pidfd < 0 && errno == ENOSYS) {
		/* Before 5.3: the cgroup is frozen (or freezing), so its
		 * members hardly exit and free their pids on their own. */
		if (cgroup__pid_within(pid, rel))
			kill(pid, SIGKILL);
		return 0;
	}
	if (pidfd < 0)
		return 0;	/* gone already */
	if (cgroup__pid_within(pid, rel))
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	close(pidfd);
	return 0;
}

/* Whether a freeze of dir was requested (cgroup.freeze holds "1"); false
 * where the file does not exist (kernels before 5.2). */
static bool killswitch__freeze_requested(const char *dir)
{
	int fd = killswitch__open(dir, "cgroup.freeze");
	char buf[8] = "";

	if (fd < 0)
		return false;
	killswitch__read(fd, buf, sizeof(buf));
	close(fd);
	return buf[0] == '1';
}

/* One round: freeze (so nothing forks while the tree is listed), SIGKILL
 * every member. A frozen process still dies of SIGKILL. */
static int killswitch__signal_round(const char *dir, const char *rel, int freeze_ms)
{
	int err = killswitch__freeze(dir, freeze_ms);

	if (err && err != -ETIMEDOUT && err != -ENOENT)
		return err;
	/* A freeze that did not settle in time still holds new children;
	 * what escapes this round is caught by the next. */
	err = cgroup__each_pid(dir, killswitch__signal, (void *)rel);
	return err < 0 ? err : 0;
}

/* dir's path below the cgroup2 mount: the form /proc/PID/cgroup uses. */
static int killswitch__rel(const char *dir, char mount[PATH_MAX], const char **rel)
{
	size_t n;
	int err = cgroup__mount(mount);

	if (err)
		return err;
	n = strlen(mount);
	if (strncmp(dir, mount, n) || dir[n] != '/' || !dir[n + 1]) {
		log_error("refusing to kill %s: not below the cgroup2 mount %s",
			  dir, mount);
		return -EPERM;
	}
	*rel = dir + n;
	return 0;
}

/* Rounds until dir is empty or the deadline passes. */
static int killswitch__signal_rounds(const char *dir, const char *rel,
			      uint64_t deadline, uint64_t *empty_ns)
{
	uint64_t round;
	int left, err;

	for (;;) {
		left = killswitch__left_ms(deadline);
		err = killswitch__signal_round(dir, rel,
					left < ACT_FREEZE_MS ? left : ACT_FREEZE_MS);
		round = killswitch__deadline(ACT_RESIGNAL_MS);
		if (!err)
			err = killswitch__wait(dir, "populated", 0,
					round < deadline ? round : deadline,
					empty_ns);
		if (err != -ETIMEDOUT || killswitch__left_ms(deadline) == 0)
			return err;
	}
}

/*
 * Thawed only once empty, not between rounds: thawing while SIGKILLed
 * processes are still leaving has been seen (6.18) to leave "frozen 1" in
 * cgroup.events of a cgroup neither frozen nor asked to be.
 */
int killswitch__kill_by_signal(const char *dir, int timeout_ms, uint64_t *empty_ns)
{
	uint64_t deadline = killswitch__deadline(timeout_ms);
	char mount[PATH_MAX];
	const char *rel;
	bool was_frozen;
	int err = killswitch__rel(dir, mount, &rel);

	if (err)
		return err;
	was_frozen = killswitch__freeze_requested(dir);
	err = killswitch__signal_rounds(dir, rel, deadline, empty_ns);
	if (!was_frozen)
		killswitch__thaw(dir);
	return err;
}

int killswitch__kill(const char *dir, int timeout_ms, uint64_t *empty_ns)
{
	uint64_t deadline = killswitch__deadline(timeout_ms);
	int err = cgroup__write(dir, "cgroup.kill", "1");

	/* ENOENT from the directory itself is an error; from cgroup.kill
	 * alone it means a kernel before 5.14. */
	if (err == -ENOENT && killswitch__populated(dir) >= 0)
		return killswitch__kill_by_signal(dir, timeout_ms, empty_ns);
	if (err)
		return err;
	return killswitch__wait(dir, "populated", 0, deadline, empty_ns);
}
