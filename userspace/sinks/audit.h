/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The audit trail: every decision (alert, action, the daemon's start and
 * stop with its rules' digests) appended to FILE as a link of a SHA-256
 * hash chain (lib/hashchain.h), and each link forwarded to another sink
 * (Kafka's vigil.audit topic) as a record of kind EVENT_AUDIT.
 *
 * Durability: an action or lifecycle link is fsynced before write
 * returns, so before the sinks after this one (the JSON output, Kafka)
 * or an operator's reply report the act; alerts, which can come in
 * floods, are fsynced together at the end of the collector's poll
 * (flush). After each sync, FILE.head holds the last synced link's
 * number and hash, the anchor that makes a truncation at a record
 * boundary evident. A daemon continues the chain of the file it finds.
 */
#ifndef VIGIL_AUDIT_H
#define VIGIL_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "hashchain.h"
#include "sink.h"

#define AUDIT_HEAD_SUFFIX ".head"

/* The sink, placed before the sinks it must precede; forward (may be
 * NULL) gets each link and stays the caller's. NULL on error (logged):
 * an unwritable file, or one whose last record is torn or altered, or
 * shorter than its head says. */
struct sink *sink__audit(const char *path, struct sink *forward);

struct audit_report {
	uint64_t first;		/* the first link's number */
	uint64_t records;	/* good links read */
	uint64_t bad;		/* the first bad record's number, 0: none */
	uint64_t line;		/* its line */
	uint64_t head;		/* what FILE.head names, 0: no head */
	int file;		/* the file the bad record or error is in */
	char why[256];		/* what is wrong, "" when nothing */
};

/* Checks one chain through the files in order (a rotated trail: the
 * oldest first, the one being written last) and the head of the last.
 * With continued, the first file may start after record 1 (the files
 * before it are gone): its first link's tie to them is taken on trust.
 * Returns 0 when intact, 1 when not (r says where and why), or a
 * negative errno (r->file unreadable). */
int audit__verify(const char *const *paths, int n, bool continued,
		  struct audit_report *r);

#endif /* VIGIL_AUDIT_H */
