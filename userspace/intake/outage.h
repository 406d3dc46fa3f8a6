/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemon's heartbeat in the pinned daemon_state map (struct
 * vigil_daemon): its run, last seq and reported drops, refreshed every
 * tick. The next daemon to adopt the pinned state reads it to write a gap
 * record: from the last heartbeat to the adoption, and what was lost.
 */
#ifndef VIGIL_OUTAGE_H
#define VIGIL_OUTAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "drops.h"
#include "event.h"

/* This daemon's state, written at every beat. */
struct outage_beat {
	const uint8_t *run_id;	/* 16 bytes */
	uint64_t seq;
	uint64_t drops_reported;	/* drops__kernel() */
	bool serving;		/* false on a clean stop */
};

/* Fills ev with the gap since the daemon that last beat in map_fd, if
 * one did; d: the drop counters as read at start. Returns whether. */
bool outage__gap(int map_fd, const struct drops *d, uint64_t now_ns,
		 struct event *ev);
/* Records this daemon's heartbeat (now) and state. */
int outage__beat(int map_fd, const struct outage_beat *b, uint64_t now_ns);

#endif /* VIGIL_OUTAGE_H */
