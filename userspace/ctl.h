/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* vigil status, thaw, kill and freeze: clients of a running daemon's
 * control socket (see control.h). */
#ifndef VIGIL_CTL_H
#define VIGIL_CTL_H

#include <stdbool.h>

/* Whether cmd is one of the control subcommands. */
bool cli__is_ctl(const char *cmd);
/* argv[0] is the subcommand. Returns the exit status: 0 done, 1 refused
 * by or unable to reach the daemon, 2 bad usage. */
int cli__ctl(int argc, char **argv);

#endif /* VIGIL_CTL_H */
