/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The state directory: state.json holds the pending requests and the
 * sandboxes' grants, profile-NAME.json each profile's grants (its
 * overlay: what operators allowed every sandbox of the profile, read at
 * every start). Every change rewrites them whole, through a file synced
 * and renamed over the old, so a crash leaves the old state or the new,
 * never half of one. Root only (0600 in a 0700 directory): the requests
 * name what agents tried.
 */
#ifndef VIGIL_STORE_H
#define VIGIL_STORE_H

#include "permit.h"
#include "note.h"

struct store {
	const char *dir;		/* NULL: nothing kept */
	const struct ruleset *rs;
	struct approval_req *pending;	/* APPROVAL_MAX of them */
	size_t *nr_pending;
	struct permits *grants;
	int lock_fd;			/* the directory, flock()ed; -1 */
	bool own;			/* refuse it when another has it */
};

/* A request's members that the state file and the control socket's
 * listing share (id, sandbox, profile, rule, target, pid, comm,
 * ancestry). */
void store__req_named(struct json *j, const struct approval_req *r);
/* Writes the state file and every overlay that exists, or profile's
 * (non-NULL) whether it exists or not. 0 or a negative errno (logged). */
int store__save(const struct store *s, const char *profile);
/* Takes the directory for this process (a daemon's and a run's, or two
 * daemons', would overwrite each other's state: with own, the second is
 * refused with -EBUSY, else warned), then reads it back: pending requests (each queued as
 * "restored" in q) and grants (put in the kernel). A file that is not
 * vigil's is an error naming it, not something to overwrite. 0 or a
 * negative errno. */
int store__load(struct store *s, struct notes *q);
/* Lets the directory go. */
void store__close(struct store *s);

#endif /* VIGIL_STORE_H */
