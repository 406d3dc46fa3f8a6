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

struct profile;		/* rules/profile.h */
struct sandbox_risk;	/* rules/engine.h */
struct sandbox_act;	/* policy/policy_types.h */

/* One record per sandbox, owned by the registry. The stages above keep
 * their state about a sandbox in its slots, not in tables of their own,
 * so a record's one lookup finds everything; each stage frees its slot
 * when the registry says the sandbox is gone (sandbox_hooks.removed). */
struct sandbox {
	uint64_t cgid;
	char *id;		/* directory name */
	char *cgroup;		/* path below the cgroup2 mount */
	char *profile;		/* trusted.vigil.profile; NULL when unset */
	size_t profile_len;
	struct label *labels;
	size_t nr_labels;
	/* Slots, NULL until a stage fills them. */
	const struct profile *agent;	/* the profile resolved (ruleset.h) */
	struct sandbox_risk *risk;	/* the rule engine's */
	struct sandbox_act *act;	/* the policy's */
};

struct sandboxes;

#define SANDBOX_MAX_HOOKS 4

/* Told of each sandbox when it is discovered and when it is forgotten;
 * either may be NULL. Listeners are told in the order they listen, and
 * of removals in the reverse order. */
struct sandbox_hooks {
	void (*added)(void *ctx, struct sandbox *sb);
	void (*removed)(void *ctx, struct sandbox *sb);
	void *ctx;
};

/* roots: where sandboxes are discovered (NULL: only sandboxes__add). */
struct sandboxes *sandboxes__new(const struct roots *roots);
/* Tells everyone listening that every sandbox is gone, and frees them.
 * NULL-safe. */
void sandboxes__free(struct sandboxes *s);
/* 0, or -ENOSPC past SANDBOX_MAX_HOOKS. */
int sandboxes__listen(struct sandboxes *s, const struct sandbox_hooks *h);

/* The sandbox with this cgroup id, discovered on first use: the one
 * lookup of a record. A sandbox whose directory is already gone gets id
 * "cgroup-<cgid>". NULL only when out of memory. */
struct sandbox *sandboxes__get(struct sandboxes *s, uint64_t cgid);
/* A known sandbox by cgroup id or by id, or NULL; neither discovers. */
struct sandbox *sandboxes__find(struct sandboxes *s, uint64_t cgid);
struct sandbox *sandboxes__find_id(struct sandboxes *s, const char *id);
/* A sandbox known from elsewhere (records replayed, tests): a copy of
 * proto's identity (id, cgroup, profile, labels). Returns the sandbox
 * already known by proto->cgid, if any; NULL when out of memory. */
struct sandbox *sandboxes__add(struct sandboxes *s,
			       const struct sandbox *proto);
/* Forgets sandboxes whose directories are gone (call periodically). */
void sandboxes__prune(struct sandboxes *s);
/* Calls fn for every known sandbox. */
void sandboxes__each(struct sandboxes *s,
		     void (*fn)(void *arg, struct sandbox *sb), void *arg);
/* The cgroup path of a sandbox (proctab's lookup), "" when unknown. */
const char *sandboxes__cgroup_of(void *s, uint64_t cgid);
/* Lookups made by sandboxes__get: one per record. */
uint64_t sandboxes__lookups(const struct sandboxes *s);

#endif /* VIGIL_SANDBOX_H */
