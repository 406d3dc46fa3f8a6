// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup.h"
#include "log.h"

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

static int cgroup__write(const char *dir, const char *file, const char *val)
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

/* True when cgroup.events says the cgroup has no process left. */
static int cgroup__empty(const char *dir)
{
	char path[PATH_MAX], line[64];
	int empty = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "populated ", 10) == 0)
			empty = line[10] == '0';
	fclose(f);
	return empty;
}

int cgroup__kill(const char *dir, int timeout_ms)
{
	int err = cgroup__write(dir, "cgroup.kill", "1");

	if (err)
		return err;
	for (int waited = 0; waited < timeout_ms; waited++) {
		err = cgroup__empty(dir);
		if (err != 0)
			return err < 0 ? err : 0;
		usleep(1000);
	}
	return -ETIMEDOUT;
}
