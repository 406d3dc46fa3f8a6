/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The on-disk spool of records a sink could not deliver yet: a directory of
 * append-only segment files, replayed in order. Each frame carries its
 * length and a CRC, so a torn tail (a crash mid-write) or a corrupted frame
 * is detected, reported and skipped, and the valid frames around it are
 * still delivered. Delivery is acknowledged per record; the position up to
 * which everything is delivered is kept in a cursor file, so a restart
 * replays only what may not have arrived.
 */
#ifndef VIGIL_SPOOL_H
#define VIGIL_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One record as a sink needs it to deliver it again. */
struct spool_rec {
	uint8_t topic;		/* the sink's topic index */
	const char *type;	/* record type ("exec", "alert", ...) */
	size_t type_len;
	const char *key;
	size_t key_len;
	const char *value;
	size_t value_len;
};

struct spool_stats {
	uint64_t appended;	/* records written */
	uint64_t replayed;	/* records read back for delivery */
	uint64_t acked;		/* records delivered after replay */
	uint64_t corrupt_bytes;	/* bytes skipped as torn or corrupt */
	uint64_t bytes;		/* on disk now */
	uint64_t lost;		/* appended, then not written: the disk refused */
};

struct spool;

/* Opens (creating) dir; max_bytes bounds what spool__append accepts for
 * records that may be dropped. Returns 0 or a negative errno, logged. */
int spool__open(struct spool **out, const char *dir, uint64_t max_bytes);
/* Persists the cursor, closes. NULL-safe. */
void spool__close(struct spool *s);

/* Appends a record. must_keep records (alerts, actions) are kept even past
 * max_bytes; others get -ENOSPC there. The record goes to disk with the
 * next spool__flush (or sooner). */
int spool__append(struct spool *s, const struct spool_rec *r, bool must_keep);
/* Writes what was appended since the last call. Returns 0, or -EIO when
 * the disk refused it: those records are lost (counted in the stats,
 * logged). */
int spool__flush(struct spool *s);
/* Writes what was appended, starts making it durable (fdatasync, on a
 * thread of its own, so the caller never waits for the disk) and writes
 * the cursor. */
int spool__sync(struct spool *s);

/* True when every appended record has been read back and acknowledged. */
bool spool__drained(const struct spool *s);
/* True when every appended record has been read back (handed out by
 * spool__next since the last rewind), acknowledged or not. */
bool spool__caught_up(const struct spool *s);
/* Reads the next record to deliver into *r (valid until the next call)
 * and its id for spool__ack. Returns 0, -ENODATA when nothing is left to
 * read, -EBUSY when too many records await acknowledgement. */
int spool__next(struct spool *s, struct spool_rec *r, uint64_t *id);
/* The delivery outcome of a record from spool__next. A failure rewinds the
 * reader to the first record not yet delivered, so order is kept. */
void spool__ack(struct spool *s, uint64_t id, bool delivered);

/* Takes back the record spool__next just returned (it could not be
 * offered for delivery): the next call returns it again. */
void spool__unread(struct spool *s, uint64_t id);

void spool__stats(const struct spool *s, struct spool_stats *st);

#endif /* VIGIL_SPOOL_H */
