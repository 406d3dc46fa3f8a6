/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What one record says, as a baseline sees it: a path under one of its
 * trees (a program with its parent, a file read or written or changed, a
 * unix socket), a destination, or a word (a syscall, a socket made or
 * bound or listening, a credential change, a DNS name queried). Learning and scoring read
 * records only through here, so they cannot disagree on what a record
 * means; a record kind that says nothing (fork, exit) yields nothing,
 * and no kind is required: exec, open and connect records suffice.
 */
#ifndef VIGIL_ITEMS_H
#define VIGIL_ITEMS_H

#include "baseline.h"
#include "event.h"
#include "filepath.h"

struct item {
	uint16_t what;		/* enum anomaly_what */
	int tree;		/* enum bl_tree, or -1 */
	int set;		/* enum bl_set, or -1 */
	bool dest;		/* proto, addr, port */
	struct pcomps pc;	/* tree items: the path */
	struct bytes parent;	/* exec: the parent's program, or empty */
	uint8_t proto;
	struct addr addr;
	uint16_t port;
	/* set items; a DNS name escaped (ptree__escape) */
	char word[3 * VIGIL_DNS_NAME_MAX + 16];
	char path[FILEPATH_MAX];	/* a file record's path, joined */
};

/* Fills it from ev; false when the record says nothing a baseline
 * learns (a failed exec, a fork, an exit). */
bool item__of(const struct event *ev, struct item *it);

/* The rates a record adds to (enum bl_rate), in amounts[]. */
void item__rates(const struct event *ev, uint64_t amounts[BL_RATES]);

/* A path's components joined back ("~/.aws/credentials"), escaped as a
 * baseline file writes it. */
void pcomps__text(const struct pcomps *pc, char *buf, size_t len);

#endif /* VIGIL_ITEMS_H */
