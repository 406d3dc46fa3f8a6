/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * open(2) flags as the names the record format lists ("O_RDONLY", ...).
 * Flags are the kernel's values for the host architecture, as BPF reports
 * them; these are not always glibc's (O_LARGEFILE is 0 in glibc on 64-bit
 * hosts but the kernel sets 0100000 on every 64-bit open).
 */
#ifndef VIGIL_FLAGS_H
#define VIGIL_FLAGS_H

#include <stdbool.h>
#include <stddef.h>

/* Names open_flags__names can produce at most: the access mode, every
 * named flag, and one string for unknown bits. */
#define OPEN_FLAGS_MAX 19

/* Fills names with the access mode first ("O_RDONLY", "O_WRONLY",
 * "O_RDWR", or "O_ACCMODE" for the ioctl-only mode 3), then each set flag
 * in a fixed order (O_CREAT O_EXCL O_NOCTTY O_TRUNC O_APPEND O_NONBLOCK
 * O_DSYNC O_ASYNC O_DIRECT O_LARGEFILE O_DIRECTORY O_NOFOLLOW O_NOATIME
 * O_CLOEXEC O_SYNC O_PATH O_TMPFILE), then any unknown bits as one "0x..."
 * string. O_SYNC and O_TMPFILE are shown alone, not with the O_DSYNC and
 * O_DIRECTORY bits they contain.
 *
 * Returns the number of names written, at most cap; OPEN_FLAGS_MAX always
 * suffices. Names are static strings except the "0x..." one, which lives
 * in a thread-local buffer valid until the thread's next call. */
size_t open_flags__names(unsigned int flags, const char **names, size_t cap);

/* The bits one name stands for (the inverse, for replayed records); 0
 * for O_RDONLY and for unknown names. */
unsigned int open_flags__bits(const char *name);

/* The open may write: opened to write, create, truncate or append. */
bool open_flags__write(unsigned int flags);

#endif /* VIGIL_FLAGS_H */
