/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The path a file record's name stands for: the raw argument joined to
 * the directory the kernel resolved it against, with ".", ".." and
 * repeated slashes folded as text. The kernel gives no dentry for the
 * name itself at a syscall tracepoint, so a symlink inside it is not
 * followed (docs/record-format.md, file records).
 */
#ifndef VIGIL_FILEPATH_H
#define VIGIL_FILEPATH_H

#include <stddef.h>

#include "bytes.h"

/* Room for a joined path: a base and an argument of VIGIL_PATH_MAX. */
#define FILEPATH_MAX 8192

/*
 * Writes the path of arg (absolute, or relative to base) into out
 * (capacity cap >= 2, not NUL-terminated) and returns its length. A
 * relative arg without a base (a symlink's target) is returned as it is.
 * A path longer than cap ends at the last component that fit.
 */
size_t filepath__join(const struct bytes *base, const struct bytes *arg,
		      char *out, size_t cap);

#endif /* VIGIL_FILEPATH_H */
