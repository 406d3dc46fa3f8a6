/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* cgroup v2 file system access: finding the mount, ids, levels, and the
 * writes to a cgroup's interface files, and the walk of its processes.
 * Acting on a sandbox (freeze, kill) is killswitch.h's. */
#ifndef VIGIL_CGROUP_H
#define VIGIL_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Writes the cgroup2 mount point (from /proc/self/mounts) into out.
 * Returns 0, or -ENOENT when no cgroup2 file system is mounted. */
int cgroup__mount(char out[PATH_MAX]);

/* A cgroup directory's id: the inode number of the directory. 0 on error
 * (errno set). */
uint64_t cgroup__id(const char *path);

/* The cgroup directory path opened (O_RDONLY, close-on-exec), if it is
 * still the one with this id (not a later one of the same name); -1
 * otherwise. An open directory's extended attributes stay readable
 * after it is removed. */
int cgroup__open(const char *path, uint64_t id);

/* Checks that path is a directory on the cgroup2 file system mounted at
 * mount; fills rel with its path below the mount ("/" for the mount
 * itself) and *level with its depth (0 for the mount itself). Returns 0 or
 * a negative errno with a message already logged. */
int cgroup__resolve(const char *mount, const char *path, char rel[PATH_MAX],
		    int *level);

/* Creates dir (0755) if missing. */
int cgroup__mkdir(const char *dir);
/* Moves pid into the cgroup dir. */
int cgroup__enter(const char *dir, pid_t pid);
/* Writes val to the interface file dir/file (e.g. "cgroup.freeze").
 * Returns 0 or a negative errno; nothing is logged. */
int cgroup__write(const char *dir, const char *file, const char *val);
/* pid's cgroup in the unified hierarchy (the "0::" line of
 * /proc/PID/cgroup), as a path below the mount ("/vigil/sb1"). Returns 0,
 * -ENOENT when pid is gone (or has no such line), another -errno. */
int cgroup__of_pid(pid_t pid, char out[PATH_MAX]);
/* Whether the cgroup path is rel or lies below it ("/a/b" is within
 * "/a", "/ab" is not). */
bool cgroup__is_within(const char *path, const char *rel);
/* Whether pid's cgroup is rel or lies below it. False for "/" (no
 * sandbox is the whole machine) and when pid is gone. */
bool cgroup__pid_within(pid_t pid, const char *rel);

/* Called for each pid of a walk; a negative return ends the walk with
 * that error, a positive one ends it with success. */
typedef int (*cgroup_pid_fn)(pid_t pid, void *ctx);
/* Calls fn for each pid in dir and every cgroup below it (cgroup.procs,
 * recursively). A cgroup removed during the walk held nothing to report.
 * Returns 0 or the negative errno that ended it. */
int cgroup__each_pid(const char *dir, cgroup_pid_fn fn, void *ctx);
/* The pids in dir and every cgroup below it, at most max of them. A
 * process moving between cgroups during the walk may be listed twice or
 * not at all. Returns the count or -errno. */
int cgroup__pids(const char *dir, pid_t *pids, int max);

#endif /* VIGIL_CGROUP_H */
