/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* vigil baseline's subcommands that compare: diff (two baselines) and
 * eval (a baseline against sessions); cmd_baseline.c has the others. */
#ifndef VIGIL_CMD_BASELINE_EVAL_H
#define VIGIL_CMD_BASELINE_EVAL_H

/* argv[0] is the subcommand; the exit status is returned. */
int baseline_cmd__diff(int argc, char **argv);
int baseline_cmd__eval(int argc, char **argv);

#endif /* VIGIL_CMD_BASELINE_EVAL_H */
