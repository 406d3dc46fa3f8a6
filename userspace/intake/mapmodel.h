/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A BPF map the daemon writes, and its own copy of what it wrote there:
 * the model a repair restores the map from. Root in a sandbox can write
 * any of vigil's maps (bpf(BPF_MAP_GET_FD_BY_ID) then an update or a
 * delete, one call each by processes sharing a file table); every write
 * of the daemon goes through mapmodel__put or mapmodel__del, and
 * mapmodel__check puts back what someone else changed: entries deleted
 * or overwritten made again, entries added removed (unless they may be
 * the kernel's own: kernels). Bytes of a value past owned
 * are the kernel's (an exec grant's binding): neither compared nor
 * restored while the entry is there.
 */
#ifndef VIGIL_MAPMODEL_H
#define VIGIL_MAPMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mapmodel_kind {
	MAPMODEL_HASH,		/* hash or LPM trie: keys come and go */
	MAPMODEL_ARRAY,		/* a zero value is no entry */
	MAPMODEL_PROGS,		/* a program array: fds in, ids out */
};

struct mapmodel {
	const char *name;	/* the map's, for the repair's record */
	int fd;
	enum mapmodel_kind kind;
	uint32_t ksize, vsize;
	uint32_t owned;		/* leading value bytes the daemon owns */
	bool lapses;		/* the value has a u64 CLOCK_BOOTTIME
				 * lapse time (0: never) at lapse_at; a
				 * lapsed entry the kernel dropped is
				 * dropped, not restored */
	uint32_t lapse_at;
	/* Whether an entry the copy lacks may be one the kernel added (a
	 * DNS answer's grant): it stays. NULL: none may. */
	bool (*kernels)(const void *key, const void *value, uint64_t now);
	uint64_t now;		/* of the check under way */
	/* The copy: open addressing, linear probing, cap a power of two. */
	unsigned char *slots;
	size_t cap, n, slot_size;
	uint32_t gen;		/* of the last check, for seen marks */
};

struct mapmodel_opts {
	const char *name;
	int fd;
	enum mapmodel_kind kind;
	uint32_t ksize, vsize;
	uint32_t owned;		/* 0: the whole value */
	bool lapses;
	uint32_t lapse_at;
	bool (*kernels)(const void *key, const void *value, uint64_t now);
};

void mapmodel__init(struct mapmodel *m, const struct mapmodel_opts *o);
void mapmodel__fini(struct mapmodel *m);
/* Takes what the map holds into the copy: the maps an earlier daemon
 * pinned hold what it wrote (a sandbox's policy is written again only at
 * its next record). Hash maps only: an array's entries are all written
 * again. 0 or -ENOMEM. */
int mapmodel__adopt(struct mapmodel *m);
/* Writes key's value into the map (a program array: value is a
 * program's fd), then into the copy. 0 or -errno, errno set, the copy
 * unchanged on a failure. */
int mapmodel__put(struct mapmodel *m, const void *key, const void *value);
/* Deletes key from the map and the copy. 0 or -errno (-ENOENT: the map
 * had none). */
int mapmodel__del(struct mapmodel *m, const void *key);
/* Drops from the copy (not the map) every key match() says, as when
 * what owns them is gone and the map's were deleted one by one. */
void mapmodel__forget_if(struct mapmodel *m,
			 bool (*match)(const void *key, void *ctx), void *ctx);
/* Compares the map with the copy and puts back what differs. now is
 * CLOCK_BOOTTIME, for lapse times. Returns how many entries it wrote
 * or deleted. */
size_t mapmodel__check(struct mapmodel *m, uint64_t now);
/* Entries in the copy. */
size_t mapmodel__size(const struct mapmodel *m);

#endif /* VIGIL_MAPMODEL_H */
