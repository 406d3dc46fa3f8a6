/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Who asked through the control socket, for the records of what they
 * asked: uid and pid from the kernel, names from the passwd database,
 * and the login uid behind sudo. */
#ifndef VIGIL_WHO_H
#define VIGIL_WHO_H

#include "control.h"
#include "event.h"

struct who {
	struct ev_operator op;	/* points into the names below */
	char user[64], login_user[64];
};

void who__of(const struct control_peer *peer, struct who *w);

#endif /* VIGIL_WHO_H */
