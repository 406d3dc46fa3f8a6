/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The sandbox registry: sandbox cgroup id -> identity. A sandbox is a
 * direct child directory of a root; its identity is its directory name,
 * its path, and the trusted.vigil.* extended attributes its manager set
 * (root-only, so a sandboxed process cannot relabel itself).
 *
 * The kernel reports each sandbox made and removed (bpf/sandbox.bpf.c):
 * the registry learns a sandbox's name from its mkdir record, before the
 * first record of its processes, with its directory already open
 * (intake/opener.h), and reads its labels (set after mkdir, before a
 * process enters) at that first record, from the open directory, even
 * if it was removed meanwhile. The rmdir record follows the last record
 * of its processes: the sandbox is forgotten once its last flows are
 * out. A sandbox whose mkdir record was lost is looked up under the
 * roots at its first record.
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
struct sandbox_novelty;	/* baseline/novelty.c */

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
	struct sandbox_novelty *novel;	/* the baseline scorer's */
	uint64_t lost;		/* its records the kernel lost (its drop
				 * records' sum) */
};

struct sandboxes;

#define SANDBOX_MAX_HOOKS 4

/* Ticks (sandboxes__prune calls) a removed sandbox stays known after its
 * rmdir record, which follows every record of its processes: the last
 * bytes it sent are reported two ticks after they were counted
 * (intake/flows.c). */
#define SANDBOX_REMOVED_TICKS 2
/* Ticks between checks for directories gone without an rmdir record
 * (lost to a full ring buffer); one found gone so, or gone before its
 * first record, is kept as long again for records still on their way. */
#define SANDBOX_CHECK_TICKS 10

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

/* A sandbox made (intake/opener.h): its directory's name under the
 * root'th root, and that directory open (fd, which the registry takes)
 * or -1 to open it now. Listeners hear of it at its first record
 * (sandboxes__get). */
void sandboxes__made(struct sandboxes *s, uint64_t cgid, uint32_t root,
		     const char *name, int fd);
/* The kernel's rmdir record: the sandbox's records are all in but for
 * its last flows; it is forgotten a few ticks later. */
void sandboxes__removed(struct sandboxes *s, uint64_t cgid);
/* Hands each sandbox made since the last call to sandboxes__made;
 * returns how many mkdir records it could not decode. */
typedef unsigned int (*sandbox_source_fn)(void *src, struct sandboxes *s);
/* Where sandboxes made come from (intake/opener.c's thread; src outlives
 * the registry's lookups, or fn is NULL). A record or rmdir of a sandbox
 * not yet known takes them first, so none is named before its mkdir is
 * read, and a known sandbox's records never wait for the source. */
void sandboxes__feed(struct sandboxes *s, sandbox_source_fn fn, void *src);
/* Takes what the opener found: on each poll, so sandboxes made with no
 * record yet are known too. */
void sandboxes__take(struct sandboxes *s);
/* mkdir records the opener could not decode, counted as malformed. */
uint64_t sandboxes__malformed(const struct sandboxes *s);
/* The sandboxes already under the roots (at start, once the programs
 * report new ones), as if made now. */
void sandboxes__scan(struct sandboxes *s);

/* The sandbox with this cgroup id, listeners told on first use: the one
 * lookup of a record. A sandbox made unseen whose directory is already
 * gone gets id "cgroup-<cgid>". Removed sandboxes are found until
 * forgotten. NULL only when out of memory. */
struct sandbox *sandboxes__get(struct sandboxes *s, uint64_t cgid);
/* A sandbox listeners know of and not known gone, by cgroup id or by
 * id, or NULL; neither discovers. */
struct sandbox *sandboxes__find(struct sandboxes *s, uint64_t cgid);
struct sandbox *sandboxes__find_id(struct sandboxes *s, const char *id);
/* A sandbox known from elsewhere (records replayed, tests): a copy of
 * proto's identity (id, cgroup, profile, labels). Returns the sandbox
 * already known by proto->cgid, if any; NULL when out of memory. */
struct sandbox *sandboxes__add(struct sandboxes *s,
			       const struct sandbox *proto);
/* Call once per tick (flow interval): forgets sandboxes gone long
 * enough for their last records to be in, and now and then checks for
 * directories removed unreported. */
void sandboxes__prune(struct sandboxes *s);
/* Calls fn for every sandbox sandboxes__find would find. */
void sandboxes__each(struct sandboxes *s,
		     void (*fn)(void *arg, struct sandbox *sb), void *arg);
/* The same for every sandbox whose slots a stage may have filled: those
 * gone but not yet forgotten too (a reload moves their slots to the new
 * rules). */
void sandboxes__each_told(struct sandboxes *s,
			  void (*fn)(void *arg, struct sandbox *sb), void *arg);
/* The cgroup path of a sandbox (proctab's lookup), "" when unknown. */
const char *sandboxes__cgroup_of(void *s, uint64_t cgid);
/* Lookups made by sandboxes__get: one per record. */
uint64_t sandboxes__lookups(const struct sandboxes *s);

#endif /* VIGIL_SANDBOX_H */
