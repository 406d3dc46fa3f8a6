/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The process table of all sandboxes, kept exact from fork, exec and exit
 * records. A process that started before vigil is loaded from /proc, with
 * its ancestors inside the same sandbox, the first time one of its records
 * arrives. An exited process stays while a live descendant still names it
 * as an ancestor.
 */
#ifndef VIGIL_PROCTAB_H
#define VIGIL_PROCTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "records.h"

#define PROC_EXEC_ID_LEN 48
#define PROC_MAX_DEPTH   64	/* ancestors reported at most */
#define PROC_WROTE       4	/* files a process opened to write, kept */

/* What dropped.c follows of a process: the files it opened for writing
 * last (kept across exec: its fds are), whether its image received
 * network data or decodes, or installs packages. */
struct proc_drops {
	struct { uint32_t dev; uint64_t ino; } wrote[PROC_WROTE];
	uint8_t nwrote;		/* entries used, a ring past PROC_WROTE */
	uint8_t how;		/* enum drop_how of what this image writes */
	bool installer;
};

struct proc {
	uint32_t pid;
	uint32_t ppid;
	char comm[VIGIL_COMM_LEN + 1];
	char *exe;
	size_t exe_len;
	char exec_id[PROC_EXEC_ID_LEN];	/* "<pid>-<boot ns of exec>" */
	struct proc *parent;	/* NULL above the sandbox's first process */
	struct proc_drops drops;	/* what it wrote and fetched (dropped.h) */
};

struct proctab;

/* The cgroup path (below the cgroup2 mount) of a sandbox, so processes
 * that predate vigil are followed up to the sandbox's first process. */
typedef const char *(*proctab_cgroup_fn)(void *ctx, uint64_t sandbox_cgid);

/* sandbox_cgroup may be NULL: ancestors of such processes then stop at
 * the first one not already in the table. */
struct proctab *proctab__new(proctab_cgroup_fn sandbox_cgroup, void *ctx);
void proctab__free(struct proctab *t);

/* The process a record's header names, loaded from /proc when new. */
struct proc *proctab__get(struct proctab *t, const struct vigil_hdr *h);
/* A new process forked by the one h names. */
void proctab__fork(struct proctab *t, const struct vigil_hdr *h,
		   uint32_t child);
/* The process h names now runs file. */
void proctab__exec(struct proctab *t, const struct vigil_hdr *h,
		   const char *file, size_t len);
/* The process h names has exited. */
void proctab__exit(struct proctab *t, const struct vigil_hdr *h);
/* Live processes in the table. */
size_t proctab__size(const struct proctab *t);

#endif /* VIGIL_PROCTAB_H */
