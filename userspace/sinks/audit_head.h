/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The audit trail's head file: the number and hash of the last link
 * synced, one fixed-size line ("%020llu HEX\n") rewritten in place, so
 * one sector write replaces it whole. */
#ifndef VIGIL_AUDIT_HEAD_H
#define VIGIL_AUDIT_HEAD_H

#include "hashchain.h"

#define AUDIT_HEAD_LEN (20 + 1 + 2 * SHA256_LEN + 1)

/* Writes c and syncs it: 0, or -1 with errno set. */
int audit_head__write(int fd, const struct hashchain *c);
/* 0, -ENODATA for an empty head, -EINVAL (logged: not a head) or
 * another negative errno. */
int audit_head__read(int fd, struct hashchain *c);

#endif /* VIGIL_AUDIT_HEAD_H */
