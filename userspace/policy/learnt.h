/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The control socket's "learning" and "learning-save": what the learning
 * profiles (baseline_mode: learn) have learnt, saved first if asked. */
#ifndef VIGIL_LEARNT_H
#define VIGIL_LEARNT_H

#include "control.h"
#include "policy_types.h"

int learnt__op(void *ctx, bool save, struct json *j);

#endif /* VIGIL_LEARNT_H */
