/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * fdatasync off the collector's thread. A slow disk must not delay the
 * records behind the one being spooled (nor, later, the kill path that
 * shares the thread): files to make durable are handed to a thread of
 * their own.
 */
#ifndef VIGIL_SYNCER_H
#define VIGIL_SYNCER_H

struct syncer;

int syncer__start(struct syncer **out);
/* Takes fd (a dup of the file to sync; the syncer closes it). Never waits
 * for the disk: -EBUSY when the queue is full, and fd stays the caller's. */
int syncer__submit(struct syncer *s, int fd);
/* Syncs what is queued, then ends the thread. NULL-safe. */
void syncer__stop(struct syncer *s);

#endif /* VIGIL_SYNCER_H */
