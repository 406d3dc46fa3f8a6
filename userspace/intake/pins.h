/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemon's pinned state in bpffs, so enforcement outlives the
 * process that loaded it. One directory per daemon instance holds every
 * map by name and, in a "links-N" directory per generation, every link:
 * a restarted daemon reuses the maps, attaches its own programs, pins
 * their links as a new generation and only then removes the old one, so
 * the kernel never runs without the programs (an overlap, never a gap).
 * The directory is locked (flock) while a daemon or `vigil unpin` uses it.
 */
#ifndef VIGIL_PINS_H
#define VIGIL_PINS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "roots.h"

#define PINS_BPFFS "/sys/fs/bpf"
#define PINS_DEFAULT_BASE PINS_BPFFS "/vigil"

struct bpf_link;
struct bpf_object;

struct pins {
	char dir[PATH_MAX];
	int fd;			/* the directory, locked; -1: not pinning */
	bool adopted;		/* maps were pinned by an earlier daemon */
	char gen[32];		/* this daemon's links directory */
};

/* The default directory of these roots: PINS_DEFAULT_BASE/NAME, NAME the
 * roots below the cgroup2 mount joined by '+', '/' and '.' as '_' (bpffs
 * refuses names with a dot). */
int pins__default_dir(const struct roots *r, char *out, size_t size);

/* Mounts bpffs if needed, creates and locks dir. Returns 0, or a negative
 * errno logged (-EBUSY: another daemon holds it). */
int pins__open(struct pins *p, const char *dir);
/* Before load: every map of obj (not the internal .rodata and .bss) is
 * reused from its pin, or created and pinned. */
int pins__maps(struct pins *p, struct bpf_object *obj);
/* Pins link as name in this daemon's generation. */
int pins__link(struct pins *p, struct bpf_link *link, const char *name);
/* Pins fd at path again when someone removed it (root anywhere can rm
 * under bpffs): this daemon holds every object, but the next one adopts
 * only what is pinned, and a link nobody pins dies with this process.
 * Returns 1 when it was pinned again, else 0 (NULL path: not pinned). */
int pins__again(struct pins *p, const char *path, int fd);
/* Removes the earlier generations' links, so their programs detach: call
 * once this daemon's links are all attached and pinned. */
int pins__retire(struct pins *p);
/* Unlocks; the pins stay. NULL-safe for a pins never opened. */
void pins__close(struct pins *p);
/* vigil unpin: removes everything pinned in dir, which detaches the
 * programs. Returns 0 (*removed: whether there was anything), or a
 * negative errno logged. */
int pins__remove(const char *dir, bool *removed);

#endif /* VIGIL_PINS_H */
