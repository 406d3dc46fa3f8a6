/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A pending request and a decision, shared by the parts of approval/:
 * the table (approval.c), its grants (grant.c), its records (note.c) and
 * its state directory (store.c). */
#ifndef VIGIL_APPROVAL_TYPES_H
#define VIGIL_APPROVAL_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"

#define APPROVAL_ID_LEN  8		/* hex digits */
#define APPROVAL_MAX     1024		/* pending at once */
#define APPROVAL_TARGET  512		/* bytes of a step's target kept */

enum approval_step { STEP_EXEC, STEP_OPEN, STEP_CONNECT, STEP_FREEZE };

/* How the step is held: the kernel killed the task before the step
 * happened (a retry may follow), or the whole sandbox is frozen. */
enum approval_held { HELD_KERNEL, HELD_FREEZE };

struct approval_req {
	char id[APPROVAL_ID_LEN + 1];
	uint64_t cgid;
	char sandbox[256];
	char profile[128];
	char rule[128];
	enum approval_step step;
	enum approval_held held;
	char target[APPROVAL_TARGET];	/* path, "ADDR port N", or summary */
	uint32_t dev;			/* exec, open */
	uint64_t ino;
	uint16_t family, port;		/* connect: the destination */
	uint8_t addr[16];
	uint32_t pid;
	char comm[17];
	char ancestry[APPROVAL_TARGET];	/* "exe[pid] < exe[pid] ..." */
	int64_t created_ns, deadline_ns;	/* CLOCK_REALTIME */
	bool default_allow;
	uint64_t trigger_seq;
};

/* A decision, from an operator or a timer. */
struct approval_verdict {
	bool approve;
	const char *by;		/* "operator", "timeout" */
	const char *reason;	/* required from operators */
	uint64_t ttl_s;		/* 0: the grant lasts as long as its owner */
	bool scope_profile;	/* the grant is the profile's, kept */
	const char *channel;	/* "cli", "console", NULL */
	const struct ev_operator *operator;	/* NULL for timers */
};

static inline const char *approval__step_name(enum approval_step s)
{
	static const char *const names[] = {
		[STEP_EXEC] = "exec", [STEP_OPEN] = "open",
		[STEP_CONNECT] = "connect", [STEP_FREEZE] = "freeze",
	};

	return s <= STEP_FREEZE ? names[s] : "?";
}

#endif /* VIGIL_APPROVAL_TYPES_H */
