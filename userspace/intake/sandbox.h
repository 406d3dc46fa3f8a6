/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The sandbox registry: sandbox cgroup id -> identity. A sandbox is a
 * direct child directory of a root; its identity is its directory name,
 * its path, and the trusted.vigil.* extended attributes its manager set
 * (root-only, so a sandboxed process cannot relabel itself). Sandboxes are
 * discovered when their first record arrives, so ones created at any time
 * are known without notification.
 */
#ifndef VIGIL_SANDBOX_H
#define VIGIL_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include "roots.h"

#define XATTR_PROFILE      "trusted.vigil.profile"
#define XATTR_LABEL_PREFIX "trusted.vigil.label."

struct label {
	char *key;
	char *value;
	size_t value_len;	/* values are bytes, not C strings */
};

struct sandbox {
	uint64_t cgid;
	char *id;		/* directory name */
	char *cgroup;		/* path below the cgroup2 mount */
	char *profile;		/* NULL when unset */
	size_t profile_len;
	struct label *labels;
	size_t nr_labels;
};

struct sandboxes;

/* Told of each sandbox when it is discovered and when it is forgotten. */
struct sandbox_hooks {
	void (*added)(void *ctx, const struct sandbox *sb);
	void (*removed)(void *ctx, uint64_t cgid);
	void *ctx;
};

struct sandboxes *sandboxes__new(const struct roots *roots);
void sandboxes__set_hooks(struct sandboxes *s, const struct sandbox_hooks *h);
void sandboxes__free(struct sandboxes *s);
/* The sandbox with this cgroup id, discovered on first use. Never NULL: a
 * sandbox whose directory is already gone gets id "cgroup-<cgid>". */
const struct sandbox *sandboxes__get(struct sandboxes *s, uint64_t cgid);
/* Forgets sandboxes whose directories are gone (call periodically). */
void sandboxes__prune(struct sandboxes *s);

/* Reads the trusted.vigil.* attributes of dir into sb. */
int sandbox__read_labels(struct sandbox *sb, const char *dir);

#endif /* VIGIL_SANDBOX_H */
