// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup.h"
#include "log.h"

#define CGROUP_MAX_DEPTH 128	/* nesting walked below a cgroup */

int cgroup__mount(char out[PATH_MAX])
{
	FILE *f = setmntent("/proc/self/mounts", "r");
	struct mntent *m;
	int err = -ENOENT;

	if (!f)
		return -errno;
	while ((m = getmntent(f))) {
		if (strcmp(m->mnt_type, "cgroup2") == 0) {
			snprintf(out, PATH_MAX, "%s", m->mnt_dir);
			err = 0;
			break;
		}
	}
	endmntent(f);
	return err;
}

uint64_t cgroup__id(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return 0;
	return st.st_ino;
}

int cgroup__open(const char *path, uint64_t id)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	if (fd >= 0 && (fstat(fd, &st) || st.st_ino != id)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int cgroup__resolve(const char *mount, const char *path, char rel[PATH_MAX],
		    int *level)
{
	char real[PATH_MAX];
	struct statfs fs;
	size_t mlen = strlen(mount);
	const char *p;

	if (!realpath(path, real) || statfs(real, &fs)) {
		log__errno(errno, "sandbox root %s", path);
		return -errno;
	}
	if (fs.f_type != CGROUP2_SUPER_MAGIC || strncmp(real, mount, mlen) ||
	    (real[mlen] && real[mlen] != '/')) {
		log_error("sandbox root %s is not a directory of the cgroup2 "
			  "file system mounted at %s", path, mount);
		return -EINVAL;
	}
	snprintf(rel, PATH_MAX, "%s", real[mlen] ? real + mlen : "/");
	*level = 0;
	for (p = rel; *p; p++)
		if (*p == '/' && p[1])
			(*level)++;
	return 0;
}

int cgroup__mkdir(const char *dir)
{
	if (mkdir(dir, 0755) && errno != EEXIST) {
		log__errno(errno, "cannot create cgroup %s", dir);
		return -errno;
	}
	return 0;
}

int cgroup__write(const char *dir, const char *file, const char *val)
{
	char path[PATH_MAX];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

int cgroup__enter(const char *dir, pid_t pid)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", pid);
	return cgroup__write(dir, "cgroup.procs", buf);
}

/* The path of the unified hierarchy's line, "0::/path\n"; -ENAMETOOLONG
 * when fgets cut the line short (no '\n' in line[0..len]). */
static int cgroup__line_path(const char *line, size_t len,
			     char out[PATH_MAX])
{
	if (line[len] != '\n' || len - 3 >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(out, line + 3, len - 3);
	out[len - 3] = '\0';
	return 0;
}

int cgroup__of_pid(pid_t pid, char out[PATH_MAX])
{
	char path[64], line[PATH_MAX + 8];
	bool line_start = true;
	int err = -ENOENT;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	/* The unified hierarchy's line is "0::/path". A line longer than the
	 * buffer comes in pieces: only a line's first piece is looked at. */
	while (err == -ENOENT && fgets(line, sizeof(line), f)) {
		len = strcspn(line, "\n");
		if (line_start && !strncmp(line, "0::", 3))
			err = cgroup__line_path(line, len, out);
		line_start = line[len] != '\0';
	}
	fclose(f);
	return err;
}

bool cgroup__is_within(const char *path, const char *rel)
{
	size_t n = strlen(rel);

	return n && !strncmp(path, rel, n) && (!path[n] || path[n] == '/');
}

bool cgroup__pid_within(pid_t pid, const char *rel)
{
	char cg[PATH_MAX];

	return strlen(rel) > 1 && !cgroup__of_pid(pid, cg) &&
	       cgroup__is_within(cg, rel);
}

static int cgroup__walk_procs(int dfd, cgroup_pid_fn fn, void *ctx)
{
	int fd = openat(dfd, "cgroup.procs", O_RDONLY | O_CLOEXEC), err = 0;
	FILE *f;
	int pid;

	if (fd < 0)
		return -errno;
	f = fdopen(fd, "r");
	if (!f) {
		err = -errno;
		close(fd);
		return err;
	}
	while (!err && fscanf(f, "%d", &pid) == 1)
		err = fn(pid, ctx);
	fclose(f);
	return err;
}

/* Calls fn for each pid in the cgroup dfd (which it closes) and below.
 * A cgroup removed during the walk held nothing to report. */
static int cgroup__walk(int dfd, int depth, cgroup_pid_fn fn, void *ctx)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int err, sub;

	if (!d) {
		err = -errno;
		close(dfd);
		return err;
	}
	err = depth > CGROUP_MAX_DEPTH ? -ELOOP :
	      cgroup__walk_procs(dfd, fn, ctx);
	if (err == -ENOENT && depth > 0)
		err = 0;
	while (!err && (de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") ||
		    !strcmp(de->d_name, ".."))
			continue;
		sub = openat(dfd, de->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			err = cgroup__walk(sub, depth + 1, fn, ctx);
		else if (errno != ENOENT)
			err = -errno;
	}
	closedir(d);
	return err;
}

int cgroup__each_pid(const char *dir, cgroup_pid_fn fn, void *ctx)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return -errno;
	return cgroup__walk(dfd, 0, fn, ctx);
}

struct pid_list {
	pid_t *pids;
	int max, n;
};

static int cgroup__collect(pid_t pid, void *ctx)
{
	struct pid_list *p = ctx;

	if (p->n == p->max)
		return 1;
	p->pids[p->n++] = pid;
	return 0;
}

int cgroup__pids(const char *dir, pid_t *pids, int max)
{
	struct pid_list p = { .pids = pids, .max = max > 0 ? max : 0 };
	int err = cgroup__each_pid(dir, cgroup__collect, &p);

	return err < 0 ? err : p.n;
}
