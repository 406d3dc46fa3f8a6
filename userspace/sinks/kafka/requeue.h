/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Records librdkafka hands back undelivered, put back in the order they
 * were produced. librdkafka reports a partition's purged records newest
 * first (queued ones before those its broker thread held), so they are
 * collected here and spooled oldest first once the poll that reported
 * them is over.
 */
#ifndef VIGIL_REQUEUE_H
#define VIGIL_REQUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "spool.h"

struct requeue_entry {
	uint64_t seq;		/* order of production */
	struct spool_rec rec;	/* strings owned by the entry */
};

struct requeue {
	struct requeue_entry *e;
	size_t len, cap;
};

/* Copies r; returns 0 or -ENOMEM. */
int requeue__push(struct requeue *q, uint64_t seq, const struct spool_rec *r);
/* Hands every entry to put, oldest first, and empties the queue. */
void requeue__drain(struct requeue *q,
		    void (*put)(void *ctx, const struct spool_rec *r),
		    void *ctx);
void requeue__free(struct requeue *q);

#endif /* VIGIL_REQUEUE_H */
