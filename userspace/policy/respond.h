/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Acting on a sandbox: freeze (evidence first), kill (evidence, then
 * cgroup.kill, then confirmation that the cgroup is empty), thaw; each
 * reported by one queued action record, refused outside the sandbox
 * roots. respond.c owns the policy's slot in a sandbox's record. */
#ifndef VIGIL_RESPOND_H
#define VIGIL_RESPOND_H

#include "policy_types.h"

/* The policy's slot of sb, made on first use; NULL when out of memory. */
struct sandbox_act *respond__slot(struct sandbox *sb);
/* Frees sb's slot: the sandbox is gone. */
void respond__forget(struct policy *p, struct sandbox *sb);
/* Does req to sb and queues its action record. */
void respond__act(struct policy *p, struct sandbox *sb,
		  const struct act_req *req);

#endif /* VIGIL_RESPOND_H */
