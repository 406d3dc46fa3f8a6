/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Protected files by identity: the rules' filesets (globs over paths)
 * resolved to (device, inode), so that no other name for a file (hard
 * link, symlink, "..", bind mount, /proc/self/root) dodges its
 * protection; kept fresh by inotify as files come and go. */
#ifndef VIGIL_PROTECT_H
#define VIGIL_PROTECT_H

#include <stddef.h>
#include <stdint.h>

struct protect_set {            /* one fileset, as the rules define it */
	const char *name;
	const char *const *paths;   /* absolute globs (glob(3) syntax); "~/..." = every user's home */
	size_t nr_paths;
	const char *const *exclude; /* globs, fnmatch flags 0, against the candidate's full path */
	size_t nr_exclude;
};

/* dev is stat(2)'s st_dev in 32 bits: the kernel's new_encode_dev(), not
 * the MAJOR << 20 | MINOR of its own sb->s_dev. */
struct protect_entry { uint64_t ino; uint32_t dev; uint64_t bits; };

/* The table's order, by (dev, ino), as a qsort(3) comparison. */
int protect_entry__cmp(const void *a, const void *b);

struct protect;

/* Resolves every set (bit i = sets[i], n <= 64; sets are copied) and sets
 * inotify watches. NULL on -ENOMEM; other problems logged and counted,
 * never fatal. */
struct protect *protect__new(const struct protect_set *sets, size_t n);
void protect__free(struct protect *p);
/* The inotify fd (non-blocking, cloexec), for a caller that waits on it;
 * -1 if inotify is unavailable (poll(2) skips it). The collector does not
 * wait: it calls protect__refresh (through enforce__refresh) at every
 * turn of its loop. */
int protect__fd(const struct protect *p);
/* Drains pending inotify events; if any could change a set, re-resolves
 * everything and re-arms watches. Returns 1 when the table changed, 0
 * when not, negative errno on error. Cheap when nothing is pending. */
int protect__refresh(struct protect *p);
/* Re-resolves now regardless of events (same return). */
int protect__rescan(struct protect *p);
/* The current table, sorted by (dev, ino), one entry per inode (bits
 * ORed). Valid until the next refresh or rescan. */
const struct protect_entry *protect__entries(const struct protect *p,
					     size_t *n);

/* rescans, watch_failures and truncated count up over p's life (a
 * directory that cannot be watched, or a file beyond the size cap, counts
 * again at each rescan); watches is the number now set. */
struct protect_stats { uint64_t rescans, watch_failures, truncated; size_t watches; };
void protect__stats(const struct protect *p, struct protect_stats *out);

#endif /* VIGIL_PROTECT_H */
