/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where records go. The collector hands each record, with its JSON text,
 * to every sink in turn: JSON Lines (jsonl.c) and Kafka (kafka/). A sink
 * never blocks the collector and counts its own failures.
 */
#ifndef VIGIL_SINK_H
#define VIGIL_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct sink {
	const char *name;
	/* json: the record's text, no trailing newline. */
	int (*write)(struct sink *s, const struct event *ev, const char *json,
		     size_t len);
	int (*flush)(struct sink *s);
	/* Optional: after a flush, opens the sink's file again by its name
	 * (the old one was rotated away); the old stays in use on failure. */
	int (*reopen)(struct sink *s);
	void (*close)(struct sink *s);
	uint64_t written;	/* records written (delivered, for Kafka) */
	uint64_t failed;	/* records it could not write: errors */
	uint64_t dropped;	/* records it let go by design (a full spool) */
	/* A sink with a destination elsewhere (Kafka): records it set
	 * aside to send later, the bytes waiting, and whether the
	 * destination takes records now. */
	uint64_t spooled;
	uint64_t backlog_bytes;
	bool reachable;
};

/* A sink writing JSON Lines to path ("-" for stdout). NULL on error,
 * logged. */
struct sink *sink__jsonl(const char *path);
/* A sink writing each action record that names an evidence file (in dir)
 * to that file, keeping the newest max files. NULL when out of memory. */
struct sink *sink__evidence_file(const char *dir, unsigned int max);

#endif /* VIGIL_SINK_H */
