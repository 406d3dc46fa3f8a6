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

#include <sys/types.h>

#include "evidence_types.h"
#include "json.h"

/* What evidence__render writes at most, about: with the history an
 * action record carries (POLICY_HISTORY_BYTES), under Kafka's default
 * 1 MB message limit. */
#define EVIDENCE_RENDER_BYTES (640 << 10)

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
