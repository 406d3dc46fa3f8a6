/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A snapshot of a sandbox's processes (evidence.h): made by evidence.c,
 * its sockets filled in by evidence_sock.c, rendered by
 * evidence_render.c. Types and bounds only, so that each of them can
 * include it without including the others. */
#ifndef VIGIL_EVIDENCE_TYPES_H
#define VIGIL_EVIDENCE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

#endif /* VIGIL_EVIDENCE_TYPES_H */
