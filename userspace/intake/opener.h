/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel's mkdir records of sandboxes (bpf/sandbox.bpf.c), read by a
 * thread of their own that opens each new sandbox's directory at once.
 * A manager labels a sandbox after mkdir and may remove it milliseconds
 * later; the collector's thread, busy with the records before, or simply
 * not scheduled, would often come too late, while a directory held open
 * keeps its labels readable after rmdir (intake/sandbox.c reads them at
 * the sandbox's first record). The registry takes what the thread found
 * (opener__feed) whenever a record names a sandbox it does not know,
 * reading the ring itself if the thread lags, so a sandbox is known before
 * the first record of its processes.
 */
#ifndef VIGIL_OPENER_H
#define VIGIL_OPENER_H

#include <stddef.h>
#include <stdint.h>

#include "records.h"
#include "roots.h"

/* A sandbox made. */
struct opened {
	uint64_t cgid;
	uint32_t root;		/* below the roots' nr */
	char name[VIGIL_NAME_MAX];	/* a path component, NUL-terminated */
	int fd;			/* its directory, or -1: already gone */
};

struct opener;

/* Starts the thread on the ring buffer ring_fd; roots outlive it.
 * 0 or a negative errno. */
int opener__start(struct opener **out, int ring_fd, const struct roots *roots);
/* Hands fn each sandbox made since the last call, in mkdir order; fn
 * owns the fd. Returns how many records were malformed meanwhile. */
unsigned int opener__take(struct opener *o,
			  void (*fn)(void *ctx, const struct opened *r),
			  void *ctx);
struct sandboxes;
/* opener__take into the registry s: a sandbox_source_fn. */
unsigned int opener__feed(void *o, struct sandboxes *s);
/* Ends the thread, closes what was not taken. NULL-safe. */
void opener__stop(struct opener *o);

#endif /* VIGIL_OPENER_H */
