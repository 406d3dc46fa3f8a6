/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Acting on a sandbox's cgroup (v2): resolving it safely, freezing,
 * thawing, killing, listing its processes.
 *
 * Every action takes the absolute directory killswitch__sandbox_dir resolved:
 * that is the one check that the target lies strictly below a sandbox
 * root, so nothing here can freeze or kill the host. Waits sleep in
 * poll() on cgroup.events, which the kernel notifies (POLLPRI|POLLERR)
 * whenever "populated" or "frozen" changes; nothing busy-sleeps.
 */
#ifndef VIGIL_KILLSWITCH_H
#define VIGIL_KILLSWITCH_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "roots.h"

/* Resolves a sandbox's cgroup path below the cgroup2 mount ("/vigil/sb1",
 * as struct sandbox.cgroup holds it) into the absolute directory out.
 * Refuses with -EPERM, the reason logged: anything not strictly below one
 * of r's roots (the mount itself, a root itself, a sibling sharing a
 * root's prefix), a path not starting with '/', with ".", ".." or empty
 * components, and anything that is not an existing directory on the
 * cgroup2 mount (st_dev, and the mount id where the kernel reports it,
 * compared with the mount's: nothing mounted over a sandbox). Returns 0,
 * -EPERM, or -ENAMETOOLONG. */
int killswitch__sandbox_dir(const struct roots *r, const char *cgroup_rel,
		     char out[PATH_MAX]);

/* cgroup.freeze = 1, then waits up to timeout_ms for cgroup.events to say
 * "frozen 1". Returns 0, -ETIMEDOUT (the freeze stays requested) or a
 * negative errno. */
int killswitch__freeze(const char *dir, int timeout_ms);
/* cgroup.freeze = 0. Returns 0 or a negative errno. */
int killswitch__thaw(const char *dir);

/* 1 if a process lives in dir or below it, 0 if none, or -errno. */
int killswitch__populated(const char *dir);
/* 1 if dir is frozen, 0 if not, or -errno. */
int killswitch__frozen(const char *dir);

/* Kills every process in dir and the cgroups below it: cgroup.kill, or,
 * where that file does not exist (kernels before 5.14),
 * killswitch__kill_by_signal. Waits up to timeout_ms in all for "populated 0"
 * (a frozen sandbox dies too, and stays frozen). On success stores in *empty_ns (may be NULL)
 * the CLOCK_BOOTTIME ns at which the cgroup was seen empty. Returns 0,
 * -ETIMEDOUT (still populated) or a negative errno. */
int killswitch__kill(const char *dir, int timeout_ms, uint64_t *empty_ns);

/* killswitch__kill's way on kernels without cgroup.kill, exposed for tests:
 * freezes dir (so nothing in it forks while it is listed), then in rounds
 * until dir is empty or timeout_ms has passed sends SIGKILL to every
 * process in dir and below it and waits for "populated 0"; thaws at the
 * end unless a freeze had been requested before. A pid is signalled through a pidfd, and
 * only if, once the pidfd pins it, the process still lies in dir: a pid
 * freed and reused outside the sandbox is never hit. Returns and stores
 * as killswitch__kill. */
int killswitch__kill_by_signal(const char *dir, int timeout_ms, uint64_t *empty_ns);

#endif /* VIGIL_KILLSWITCH_H */
