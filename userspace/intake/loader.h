/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BPF side's lifecycle: open the one skeleton (build/vigil.skel.h),
 * set the scope and the ring buffer's size, load, fill the syscall
 * dispatch tables from the syscall table (syscalls.h), attach. Each step
 * is checked and a failure names what the kernel lacks.
 */
#ifndef VIGIL_LOADER_H
#define VIGIL_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "roots.h"

struct bpf_object;

struct loader;

struct loader_opts {
	const struct roots *roots;
	uint64_t only_sandbox;	/* non-zero: watch this sandbox only */
	size_t ringbuf_bytes;	/* power of two, >= page size */
	/* Opens a second a process may make before the kernel counts its
	 * repeats instead of sending them (bpf/repeat.bpf.h); 0: never. */
	unsigned int repeat_rate;
	/* Pin maps and links there (pins.h), adopting what an earlier
	 * daemon pinned; NULL: nothing outlives the process. */
	const char *pin_dir;
};

/* Returns 0 with *out set, or a negative errno with the cause logged. */
int loader__start(struct loader **out, const struct loader_opts *o);
/* The programs on the sandbox roots that someone detached (root in a
 * sandbox can, with bpf(BPF_LINK_DETACH)) attached again and pinned in
 * their place, each logged and named in names[] as "PROGRAM@ROOT" (at
 * most max). Returns how many. One that cannot be attached again (its
 * root removed) is logged, named and forgotten. */
#define LOADER_NAME_MAX 96
size_t loader__relink(struct loader *l, char names[][LOADER_NAME_MAX],
		      size_t max);
/* Puts back what someone else wrote into the dispatch tables, the
 * syscalls' bits and the settings in .bss, from what the loader wrote
 * there (mapmodel.h); now is CLOCK_BOOTTIME. Each map repaired is logged
 * and named in names[] (at most max); returns how many. */
size_t loader__rewrite(struct loader *l, uint64_t now, const char **names,
		       size_t max);
/* Every pin someone removed made again (pins__again); returns how many. */
size_t loader__repin(struct loader *l);
/* Detaches every program that is not pinned; the maps stay readable. */
void loader__detach(struct loader *l);
/* Detaches and unloads everything not pinned. NULL-safe. */
void loader__stop(struct loader *l);

int loader__events_fd(const struct loader *l);
/* The copies of the kernel's verdicts (bpf/maps.bpf.h: verdicts). */
int loader__verdicts_fd(const struct loader *l);
/* The loaded programs and maps (the metrics read their run times). */
const struct bpf_object *loader__object(const struct loader *l);
/* The ring buffer of sandboxes' mkdir records (bpf/maps.bpf.h). */
int loader__mkdirs_fd(const struct loader *l);
int loader__drops_fd(const struct loader *l);
int loader__flows_fd(const struct loader *l);
int loader__repeats_fd(const struct loader *l);
/* Each sandbox's losses (struct vigil_load), and what was reported of
 * them. */
int loader__load_fd(const struct loader *l);
int loader__load_reported_fd(const struct loader *l);
/* The smallest fail-closed limit of any policy (0: none). */
void loader__set_fail_closed(struct loader *l, uint64_t min_ns);
/* Whether some policy judges execs against its profile's programs. */
void loader__set_exe_judged(struct loader *l, bool on);
/* The daemon state map (struct vigil_daemon), pinned or not. */
int loader__daemon_fd(const struct loader *l);
/* Whether the programs stay attached after this process (pinned). */
bool loader__pinned(const struct loader *l);
/* Whether the maps were an earlier daemon's, adopted. */
bool loader__adopted(const struct loader *l);
/* The kernel's enforcement maps (bpf/maps.bpf.h). */
struct enforce_maps {
	int protected;		/* (dev, ino) -> file set bits */
	int policies;		/* sandbox -> struct vigil_policy */
	int allow;		/* LPM: profile's allowed networks */
	int spent;		/* sandbox -> struct vigil_spent */
	int file_grants;	/* struct vigil_file_grant -> lapse time */
	int grants;		/* LPM: sandbox's granted destinations */
	int names;		/* LPM: profile's allowed DNS names */
	int exe_patterns;	/* profiles' executables, compiled */
	int budgets;		/* budget id -> struct vigil_entry_budget */
	int entry_spent;	/* (sandbox, budget id) -> struct vigil_spent */
	bool adopted;		/* an earlier daemon's, pinned */
};

void loader__enforce_maps(const struct loader *l, struct enforce_maps *m);
/* The flow epoch the kernel counts new bytes in. */
void loader__set_flow_epoch(struct loader *l, uint8_t epoch);

#endif /* VIGIL_LOADER_H */
