/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Pending requests: a step a rule with `action: ask` matched waits for a
 * human. Each request has an id, its sandbox, the process and its
 * ancestry, the step (the program, the file, the destination), the rule
 * that asked and a deadline (the profile's approval_timeout, past which
 * approval_default decides). A decision is taken once: the first to
 * decide wins, the others are told it is decided. An approved open or
 * exec becomes a grant the kernel honours (enforce__grant), for the
 * sandbox or, with scope profile, for every sandbox of its profile, the
 * latter written to the profile's overlay file so that it outlives the
 * daemon. Requests and grants are kept in a state directory, so a
 * restarted daemon restores what is pending and decides, by timeout,
 * what lapsed meanwhile: nothing is lost.
 *
 * Every request and decision is an approval record, queued here and
 * drained by the policy (approvals__next) like its own records.
 * What a decision does to a frozen sandbox (thaw, kill) is the caller's.
 */
#ifndef VIGIL_APPROVAL_H
#define VIGIL_APPROVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "enforce.h"
#include "event.h"
#include "approval_types.h"
#include "json.h"
#include "ruleset.h"

#define APPROVAL_DIR     "/var/lib/vigil/approvals"

struct approvals_opts {
	const char *dir;	/* state and overlays; NULL: kept in memory */
	/* Refuse dir when another vigil keeps its requests there; else
	 * only warn (daemons of other roots sharing the default). */
	bool own;
	const struct ruleset *rs;
	struct sandboxes *sandboxes;
	struct enforce *enforce;	/* NULL: grants in user space only */
};

struct approvals;

/* Loads the state directory: restores pending requests (an approval
 * record "restored" each), decides by timeout those whose deadline
 * passed, puts the grants back. NULL on -ENOMEM or an unusable
 * directory (logged). */
struct approvals *approvals__new(const struct approvals_opts *o);
void approvals__free(struct approvals *a);	/* NULL-safe */

/* The record ev (whose sandbox's profile rule asked for) becomes a
 * pending request held as said; one already pending for the same step
 * (a retry) is returned instead. NULL when none could be made (full,
 * logged). */
const struct approval_req *approvals__ask(struct approvals *a,
					  const struct event *ev,
					  const struct rule *rule,
					  enum approval_held held);
/* A live grant covers the step ev is (an approved retry): no request. */
bool approvals__granted(struct approvals *a, const struct event *ev);

/* Decides request id. Exactly one decision wins: a request decided
 * already, or unknown, is -ENOENT with err saying so. On success *out is
 * the request as it was, for the caller's act (a frozen sandbox). */
int approvals__decide(struct approvals *a, const char *id,
		      const struct approval_verdict *v,
		      struct approval_req *out, char *err, size_t errlen);
/* Decides by timeout the next request whose deadline is before now
 * (CLOCK_REALTIME ns), as its profile says (*v), and returns it as
 * approvals__decide does; false when none. Also lets lapsed grants go. */
bool approvals__expired(struct approvals *a, int64_t now,
			struct approval_req *out, struct approval_verdict *v);
/* "approvals":[{...}] for the control socket. */
void approvals__list(struct approvals *a, struct json *j);
/* The next approval record, oldest first, valid until the next call;
 * NULL when none. */
struct event *approvals__next(struct approvals *a);
/* A reload: profiles are looked up by name in rs from now on.
 * NULL-safe. */
void approvals__rules(struct approvals *a, const struct ruleset *rs);
/* The sandbox is gone: its grants go (sandbox_hooks.removed).
 * NULL-safe. */
void approvals__forget(struct approvals *a, const struct sandbox *sb);

#endif /* VIGIL_APPROVAL_H */
