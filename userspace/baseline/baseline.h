/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A baseline: what the agents of one profile did in the sessions it was
 * learnt from (learn.h), to score new sessions against (novelty.h).
 * Programs with their parent programs, file activity per operation and
 * unix sockets as path patterns (ptree.h), destinations as networks and
 * ports, listeners, syscalls and credential changes as words, and
 * per-session rates as robust statistics.
 *
 * Its file is one line per pattern, sorted, so that two baselines diff
 * line by line (docs/baseline.md):
 *
 *   vigil-baseline 1
 *   profile coding
 *   sessions 24
 *   exec /usr/bin/git parent=/usr/bin/bash sessions=9
 *   read /usr/lib/python3.11/\*\* sessions=24
 *   write /tmp/x/\*\* sessions=12
 *   connect tcp 127.0.0.0/8:32768-65535 sessions=3
 *   syscall ptrace sessions=1
 *   dns pypi.org sessions=5
 *   rate execs_per_min median=14 mad=4 max=61 sessions=24
 */
#ifndef VIGIL_BASELINE_H
#define VIGIL_BASELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "profile.h"
#include "ptree.h"

#define BASELINE_VERSION 1

/* The path pattern trees, by the word their lines start with. */
enum bl_tree {
	BL_EXEC,		/* programs, with their parents */
	BL_READ,		/* files opened for reading */
	BL_WRITE,		/* for writing, creating, truncating */
	BL_UNIX,		/* unix sockets connected to */
	BL_FILE_OP,		/* file records: BL_FILE_OP + op - 1 */
	BL_TREES = BL_FILE_OP + VIGIL_FILE_OPS - 1,
};

/* The sets of words: BL_DNS holds names queried, "*.PARENT" for the
 * names under a parent that many were seen under (learn.c). */
enum bl_set { BL_LISTEN, BL_SYSCALL, BL_CRED, BL_DNS, BL_SETS };

/* The rates learnt per session: the busiest minute's. */
enum bl_rate { RATE_EXECS, RATE_OPENS, RATE_BYTES_OUT, BL_RATES };

/* A destination: a network, a port range, a protocol. */
struct bl_dest {
	struct dest d;
	uint8_t proto;		/* IPPROTO_TCP, IPPROTO_UDP, 0 any */
	uint32_t sessions;
};

struct bl_word {
	char *word;
	uint32_t sessions;
};

struct bl_words {
	struct bl_word *v;	/* sorted by word */
	size_t n;
};

/* The busiest minute of each session, robustly: the median, the median
 * absolute deviation from it, the highest. */
struct bl_stat {
	double median, mad, max;
	uint32_t sessions;	/* 0: not learnt */
};

struct baseline {
	char *profile;
	uint32_t sessions;
	struct ptree trees[BL_TREES];
	struct bl_dest *dests;
	size_t nr_dests;
	struct bl_words words[BL_SETS];
	struct bl_stat rates[BL_RATES];
	char *file;		/* loaded from, or NULL */
};

/* The words of each line kind. */
const char *bl_tree__name(int tree);
const char *bl_set__name(int set);
const char *bl_rate__name(int rate);

struct baseline *baseline__new(const char *profile);
void baseline__free(struct baseline *bl);	/* NULL-safe */

/* Reads a baseline file; every mistake is logged as FILE:LINE:COL:
 * message. NULL on any. */
struct baseline *baseline__load(const char *path);
/* Writes bl in its file's form. 0 or -EIO. */
int baseline__write(const struct baseline *bl, FILE *out);
/* The patterns it holds (tree patterns, destinations, words). */
size_t baseline__patterns(const struct baseline *bl);
/* Adds other's patterns and sessions into bl (rates: the wider). */
int baseline__merge(struct baseline *bl, const struct baseline *other);

/* Building (learn.c, the file's reader): a word, a destination, with the
 * sessions that had them (added to those already there). 0 or -ENOMEM. */
int bl_words__add(struct bl_words *w, const char *word, uint32_t sessions);
int baseline__add_dest(struct baseline *bl, const struct bl_dest *d);

/* Lookups, for scoring. */
bool bl_words__has(const struct bl_words *w, const char *word,
		   uint32_t *sessions);
const struct bl_dest *baseline__dest(const struct baseline *bl, uint8_t proto,
				     const struct addr *a, uint16_t port);
/* The value above which a session's minute is an anomaly: 1.5 times
 * the busiest session's, or 8 robust deviations above the median, and
 * never below a floor (60 execs, 3000 opens, 1 MiB out). */
double baseline__rate_limit(const struct baseline *bl, int rate);

/* Room for an escaped path (ptree__escape: 3 bytes a byte at worst). */
#define FILEPATH_ESC_MAX (3 * 4096 + 16)

/* A destination as its line writes it: "tcp 10.0.0.0/8:443". */
void bl_dest__text(const struct bl_dest *d, char *buf, size_t len);

#endif /* VIGIL_BASELINE_H */
