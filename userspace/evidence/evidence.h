/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Evidence: what a responder needs about a sandbox before it is killed,
 * taken from /proc while the sandbox is frozen. Every process of the
 * sandbox's cgroup tree with its identity, command line, working
 * directory and open files; a socket is resolved to its addresses and
 * state from the process's network namespace tables.
 *
 * Everything is bounded, since the processes described are the untrusted
 * ones: at most EVIDENCE_MAX_PROCS processes, EVIDENCE_MAX_FDS fds each,
 * EVIDENCE_MAX_ARGV bytes of command line, PATH_MAX per path.
 */
#ifndef VIGIL_EVIDENCE_H
#define VIGIL_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "json.h"

#define EVIDENCE_MAX_PROCS 256
#define EVIDENCE_MAX_FDS   64
#define EVIDENCE_MAX_ARGV  4096
#define EVIDENCE_ADDR_LEN  112	/* a unix socket path: up to 108 bytes */

struct evidence_sock {
	char proto[8];		/* "tcp", "tcp6", "udp", "udp6", "unix" */
	/* "127.0.0.1:8080", "[::1]:443"; a unix socket's path in local
	 * ("@name" when abstract), its remote "" (not in /proc) */
	char local[EVIDENCE_ADDR_LEN], remote[EVIDENCE_ADDR_LEN];
	char state[16];		/* "ESTABLISHED", "LISTEN", "CONNECTED", ... */
};

struct evidence_fd {
	int fd;
	char *target;		/* readlink of /proc/PID/fd/N: "/home/x/f",
				 * "socket:[123]", "pipe:[9]" */
	struct evidence_sock *sock;	/* NULL unless found in the tables */
};

/* What evidence__render writes at most, about: with the history an
 * action record carries (POLICY_HISTORY_BYTES), under Kafka's default
 * 1 MB message limit. */
#define EVIDENCE_RENDER_BYTES (640 << 10)

struct evidence_proc {
	pid_t pid, ppid;
	uid_t uid;		/* real uid */
	char *exe, *cwd, *comm;	/* NULL when unreadable */
	char *argv;		/* /proc/PID/cmdline: NUL-separated */
	size_t argv_len;
	bool argv_truncated;	/* longer than EVIDENCE_MAX_ARGV */
	struct evidence_fd *fds;	/* ascending fd numbers */
	size_t nr_fds;
	bool fds_truncated;	/* more than EVIDENCE_MAX_FDS */
};

struct evidence {
	struct evidence_proc *procs;	/* ascending pids */
	size_t nr_procs;
	bool procs_truncated;	/* more than EVIDENCE_MAX_PROCS */
	uint64_t taken_ns;	/* CLOCK_BOOTTIME */
};

/* Snapshot of every process in the cgroup dir and the cgroups below it
 * (cgroup__pids). A process that vanishes mid-read is left out, never an
 * error; so is everything when dir cannot be listed (logged). Returns
 * NULL only on allocation failure. */
struct evidence *evidence__take(const char *dir);
/* The same for the processes pids[0..n) (deduplicated; at most
 * EVIDENCE_MAX_PROCS are read): evidence__take's second half, for tests
 * and callers that listed the processes themselves. */
struct evidence *evidence__take_pids(const pid_t *pids, size_t n);
void evidence__free(struct evidence *e);	/* NULL-safe */

/* Emits e as the object member key (null when e is NULL):
 * {"taken_at_ns", "processes": [{"pid", "ppid", "uid", "comm", "exe",
 * "cwd", "argv": [...], "argv_truncated", "fds": [{"fd", "target",
 * "socket": {"proto", "local", "remote", "state"} when resolved}],
 * "fds_truncated"}], "processes_truncated"}. Processes come in tree order:
 * each after its parent when the parent is in e, and otherwise by pid. */
void evidence__render(struct json *j, const char *key,
		      const struct evidence *e);

#endif /* VIGIL_EVIDENCE_H */
