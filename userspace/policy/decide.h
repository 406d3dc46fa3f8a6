/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Decisions on pending requests (approval.h), from operators through the
 * control socket and from the timer: what a decision does to a frozen
 * sandbox (approved: thawed; denied: killed, evidence first). A request
 * the kernel held needs nothing more: its grant is made, or not. */
#ifndef VIGIL_DECIDE_H
#define VIGIL_DECIDE_H

#include "control.h"
#include "policy_types.h"

/* The control socket's "approvals" and "approve"/"deny". */
int decide__list(void *ctx, struct json *j);
int decide__op(void *ctx, const struct control_decision *d,
	       const struct control_peer *peer, struct json *j, char *err,
	       size_t errlen);
/* The control socket's "alerts": the last alerts, newest first. */
int decide__alerts(void *ctx, struct json *j);
/* Decides by timeout what is past its deadline. */
void decide__tick(struct policy *p);

#endif /* VIGIL_DECIDE_H */
