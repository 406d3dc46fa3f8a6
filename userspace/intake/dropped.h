/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Files dropped to be run: written by a process whose image received
 * network data (a successful inet connect or accept) or decodes (base64,
 * xxd, uudecode, openssl), followed by inode (so a rename keeps it)
 * until another writer opens the file to write. A file is written
 * through the fd its writer opened, often by a shell's redirection just
 * before it exec'd the fetcher or the decoder, so a process's last
 * files opened for writing are marked too when it execs a decoder or
 * receives network data. A compiler's or a linker's output is no drop,
 * and nothing a package installer (pip, npm, cargo, go, ...) writes is.
 */
#ifndef VIGIL_DROPPED_H
#define VIGIL_DROPPED_H

#include <stddef.h>

#include "event.h"

enum drop_how {
	DROP_NONE = 0,
	DROP_FETCHED,		/* its writer had received network data */
	DROP_DECODED,		/* its writer was a decoder */
};

struct dropped;

/* max: files followed at most; the oldest is forgotten past it. */
struct dropped *dropped__new(size_t max);
void dropped__free(struct dropped *d);

/* Follows one record of process p (its table entry, which it updates):
 * an exec gets ev->exec.dropped. */
void dropped__see(struct dropped *d, struct event *ev, struct proc *p);

/* "fetched", "decoded", or NULL for DROP_NONE. */
const char *drop__how_name(uint8_t how);

#endif /* VIGIL_DROPPED_H */
