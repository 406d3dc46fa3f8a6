/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One file per learning profile. Each profile in `baseline_mode: learn`
 * saves what it learnt into its `baseline:` file whole (replace.h), so
 * two learning into one file would each overwrite the other's sessions,
 * the last save winning. Files are told apart by what they are: an
 * existing file by its device and inode (two spellings of a path, a
 * symlink, a hard link are one file), one yet to be made by its path
 * (through a dangling symlink, the path it names) with its directory's
 * symlinks resolved and ".", ".." and "//" folded.
 * A profile that only scores against (detects with) a learner's file is
 * fine: it reads, never writes.
 */
#ifndef VIGIL_LEARNFILES_H
#define VIGIL_LEARNFILES_H

#include "ruleset.h"

/* Reports (rules__error, FILE:LINE:COL of the second profile's
 * `baseline:`) every learning profile whose file another learns into. */
void learnfiles__check(struct ruleset *rs);

#endif /* VIGIL_LEARNFILES_H */
