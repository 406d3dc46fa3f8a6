/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel's side of the rules, kept in step by user space: protected
 * files (the rules' file sets resolved to inodes, refreshed when their
 * directories change), each sandbox's policy (which sets kill on open or
 * exec, its egress budget) and every profile's allowlist. A sandbox the
 * kernel meets before user space has placed it gets the default profile's
 * policy (key 0), so a fresh sandbox is never unguarded.
 */
#ifndef VIGIL_ENFORCE_H
#define VIGIL_ENFORCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader.h"
#include "ruleset.h"
#include "sandbox.h"

struct enforce;

/* Resolves the file sets and fills the maps, and places each sandbox of
 * sandboxes under its profile's policy when it is discovered. NULL on
 * -ENOMEM; map errors are logged and leave that part unenforced. */
struct enforce *enforce__new(const struct ruleset *rs,
			     const struct enforce_maps *maps,
			     struct sandboxes *sandboxes);
void enforce__free(struct enforce *e);
/* A reload, in two steps so that the rules in force change only when
 * every stage has what it needs. stage resolves rs's files and reads
 * the allowlist: 0, or -ENOMEM with nothing changed. Then either
 * unstage (another stage failed) or commit, which cannot fail: it
 * rewrites the maps in place, never losing what both sets protect, and
 * places every known sandbox under its profile in rs. rs must outlive
 * e. */
int enforce__stage(struct enforce *e, const struct ruleset *rs);
void enforce__unstage(struct enforce *e);
void enforce__commit(struct enforce *e);
/* The shortest fail_closed of any profile, 0 when none fails closed: the
 * kernel's first test (loader__set_fail_closed). */
uint64_t enforce__fail_closed_ns(const struct enforce *e);
/* Whether some profile has the kernel judge its programs (exes.h): the
 * kernel's first test at exec (loader__set_exe_judged). */
bool enforce__exe_judged(const struct enforce *e);
/* Puts back what someone else wrote into the maps this module owns
 * (mapmodel.h: root in a sandbox can), each from what the daemon wrote
 * there; now is CLOCK_BOOTTIME. Each map repaired is logged and named
 * in names[] (at most max); returns how many. */
size_t enforce__rewrite(struct enforce *e, uint64_t now,
			const char **names, size_t max);
/* Picks up changes to the protected directories; cheap when there are
 * none, so call it on every poll. */
void enforce__refresh(struct enforce *e);
/* Places a sandbox under its profile's policy (sandbox_hooks.added). */
void enforce__place(void *e, struct sandbox *sb);
/* Forgets a sandbox that is gone (sandbox_hooks.removed), its grants
 * too. */
void enforce__forget(void *e, struct sandbox *sb);
/* A human allowed a file that a rule asks for (struct vigil_file_grant:
 * owner a sandbox's cgroup id, or VIGIL_FILE_GRANT_PROFILE | a profile's
 * id) until until_ns (CLOCK_BOOTTIME; 0 for ever): the kernel lets the
 * open or exec happen. An exec grant binds to the file as it first runs
 * (struct vigil_file_grant_val): fresh (a new decision) starts unbound,
 * else (a grant put back at start) the binding the map kept stays. 0 or
 * a negative errno (logged). */
int enforce__grant_file(struct enforce *e, const struct vigil_file_grant *k,
			uint64_t until_ns, bool fresh);
void enforce__ungrant_file(struct enforce *e,
			   const struct vigil_file_grant *k);
/* Lets sandbox reach net/prefix on port (0: any) for ttl_ns (0: while
 * it lives) whatever its profile says, as grant__add (grant.h) does: for
 * an approved connect. 0 or -errno. */
int enforce__grant(struct enforce *e, uint64_t sandbox,
		   const struct addr *net, uint8_t prefix, uint16_t port,
		   uint64_t ttl_ns);

#endif /* VIGIL_ENFORCE_H */
