/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The keys a BPF map holds before it is rewritten in place (a reload),
 * so that what the new rules write again stays in the map throughout
 * and only the keys they no longer have are deleted, afterwards.
 */
#ifndef VIGIL_MAPKEYS_H
#define VIGIL_MAPKEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "mapmodel.h"

struct mapkeys {
	unsigned char *keys;	/* n keys of size bytes each */
	bool *kept;
	size_t n, size;
};

/* Reads every key of the map fd; 0 or a negative errno. */
int mapkeys__read(struct mapkeys *m, int fd, size_t key_size);
/* key was written again: it stays. */
void mapkeys__keep(struct mapkeys *m, const void *key);
/* Deletes the keys not kept from the map and its model (none for
 * NULL), and frees m. */
void mapkeys__prune(struct mapkeys *m, struct mapmodel *model);

#endif /* VIGIL_MAPKEYS_H */
