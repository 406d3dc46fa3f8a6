/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Path patterns as a tree of components, for one kind of file activity
 * (the programs executed, the files read, written, made, removed...).
 * A pattern's component is a name, "*" (any one name) or, last, "**"
 * (the directory itself and anything below it). Paths below a home
 * directory (/root, /home/USER) are matched as "~/...", so sessions of
 * different users share their patterns.
 *
 * Matching walks the tree once per component, a hash lookup each, so its
 * cost grows with the path's depth, not with the number of patterns.
 * Learning adds paths with the session that did them, then generalises:
 * names that vary from session to session (workspaces, temporary
 * directories, numbers) fold into "*", directories with many entries
 * into "dir/\*\*"; secrets (~/.ssh, ~/.aws, ...) always stay leaves.
 */
#ifndef VIGIL_PTREE_H
#define VIGIL_PTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

#define PTREE_DEPTH 64		/* components of a path, more are cut */

/* A path split into components, each with its hash. */
struct pcomps {
	size_t n;
	struct bytes c[PTREE_DEPTH];
	uint64_t h[PTREE_DEPTH];
};

/* One component of a pattern; what a pattern ending here learnt. */
struct pnode {
	char *name;
	uint32_t len;
	uint64_t hash;
	bool leaf;		/* a pattern ends here */
	bool rest;		/* "here/\*\*" */
	uint32_t sessions;	/* distinct sessions that reached it */
	uint32_t last;		/* the last of them (learning) */
	struct pnode *parent, *star;
	struct pnode **slots;	/* children by hash, open addressing */
	uint32_t nr, cap;
	/* The exec tree's: parent programs (patterns as the file writes
	 * them, escaped), sorted, and their sessions. */
	char **parents;
	uint32_t *parent_sessions;
	size_t nr_parents;
};

struct ptree {
	struct pnode root;
	size_t patterns;	/* leaf and rest marks */
};

/* Splits path (absolute) into pc, "~" standing for a home directory.
 * A pattern's text splits the same way. */
void pcomps__split(const char *path, size_t len, struct pcomps *pc);

void ptree__init(struct ptree *t);
void ptree__fini(struct ptree *t);

/* Adds the pattern (or path) pc, in session sid (counted once per
 * session on every node it passes; 0: in none, as a file is read). A last "**" marks its directory.
 * Returns the node it ends at, or NULL when out of memory. */
struct pnode *ptree__add(struct ptree *t, const struct pcomps *pc,
			 uint32_t sid);
/* A parent program (pattern) of the program n ends, with the sessions
 * that ran it so (added to those it had). 0 or -ENOMEM. */
int pnode__add_parent(struct pnode *n, const char *parent, uint32_t sessions);
/* The most specific pattern matching pc, or NULL. */
const struct pnode *ptree__match(const struct ptree *t,
				 const struct pcomps *pc);
/* The pattern nearest to pc that does not match it: the one below the
 * deepest node pc reaches, written into buf. */
void ptree__nearest(const struct ptree *t, const struct pcomps *pc,
		    char *buf, size_t len);
/* n's pattern as text (escaped as baseline files are), "~/.cache" or,
 * with rest, "~/.cache/\*\*": a node may end both. */
void pnode__pattern(const struct pnode *n, bool rest, char *buf, size_t len);

/* p[0..len) with the bytes a baseline file cannot hold bare (blanks,
 * '%', '=', anything not printable ASCII) as %XX; returns the length. */
size_t ptree__escape(const char *p, size_t len, char *out, size_t cap);

/* Learning: folds varying names and wide directories (above). fanout 0:
 * never "dir/\*\*" (programs: a new one in /usr/bin is news). */
void ptree__generalise(struct ptree *t, uint32_t sessions, uint32_t fanout);

/* Calls fn on every node that ends a pattern, in name order. */
void ptree__each(const struct ptree *t,
		 void (*fn)(const struct pnode *n, void *ctx), void *ctx);

/* Merges other's patterns into t (sessions added). 0 or -ENOMEM. */
int ptree__merge(struct ptree *t, const struct ptree *other);

#endif /* VIGIL_PTREE_H */
