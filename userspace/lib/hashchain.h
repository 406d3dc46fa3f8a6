/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A hash chain of JSON lines, the audit trail's format. Link n is one line
 *
 *	{"audit":N,"prev":"HEX","record":RECORD,"hash":"HEX"}
 *
 * where RECORD is any JSON text without a newline, prev is link n-1's hash
 * (64 zeros for link 1) and hash is the SHA-256 of the line's bytes up to
 * (not including) `,"hash":`. Changing, removing or reordering a link
 * breaks the hash, the numbering or the prev of the link at that place.
 * Nothing here knows what the records mean.
 */
#ifndef VIGIL_HASHCHAIN_H
#define VIGIL_HASHCHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

/* A link's bytes besides its record, newline included. */
#define HASHCHAIN_OVERHEAD 200

struct hashchain {
	uint64_t n;			/* links so far */
	uint8_t hash[SHA256_LEN];	/* the last link's, zeros before */
};

enum hashchain_fault {
	HASHCHAIN_OK,
	HASHCHAIN_FORMAT,	/* not a link: torn, or not this format */
	HASHCHAIN_NUMBER,	/* not the next number: one removed or moved */
	HASHCHAIN_PREV,		/* does not follow the link before it */
	HASHCHAIN_HASH,		/* its bytes are not the ones hashed */
};

/* Writes link c->n + 1 of record (len bytes) into out (at least len +
 * HASHCHAIN_OVERHEAD bytes) and advances c. Returns the line's length,
 * its newline included, or -ENOMEM. */
int hashchain__link(struct hashchain *c, const char *record, size_t len,
		    char *out);
/* Checks that line (len bytes, no newline) is the link after c, and
 * advances c over it when it is. */
enum hashchain_fault hashchain__check(struct hashchain *c, const char *line,
				      size_t len);
/* Reads a link's number and hash without checking what precedes it (the
 * last link of a file a writer continues). */
enum hashchain_fault hashchain__peek(const char *line, size_t len,
				     struct hashchain *at);
/* The chain as it was before line's link, from what the link says of it
 * (its number less one, its prev), unchecked: where the verification of
 * a trail whose first files are gone starts. */
enum hashchain_fault hashchain__before(const char *line, size_t len,
				       struct hashchain *before);
const char *hashchain__fault_name(enum hashchain_fault f);

#endif /* VIGIL_HASHCHAIN_H */
