/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A sandbox's last records, a ring of their JSON texts: the history an
 * action record carries as evidence of what led to it. */
#ifndef VIGIL_HISTORY_H
#define VIGIL_HISTORY_H

#include <stddef.h>

#define HISTORY_MAX   1024		/* records kept per sandbox at most */
/* The history an action record carries at most: records are whole, and
 * Kafka brokers refuse messages over 1 MB by default. */
#define HISTORY_BYTES (256 << 10)

struct history {
	char **text;
	size_t *len, *cap;
	size_t head, n;
};

/* Keeps a copy of json[0..len) in a ring of cap records (0: none). */
void history__add(struct history *h, unsigned int cap, const char *json,
		  size_t len);
/* The newest records that fit HISTORY_BYTES, oldest first, at most
 * HISTORY_MAX; they stay valid until the next history__add. */
size_t history__list(const struct history *h, unsigned int cap,
		     const char **text, size_t *len);
void history__free(struct history *h, unsigned int cap);

#endif /* VIGIL_HISTORY_H */
