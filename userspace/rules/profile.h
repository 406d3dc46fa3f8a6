/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Agent profiles: what a kind of agent may do (destinations, executables),
 * how its rules are tuned, and the risk thresholds at which vigil alerts,
 * freezes and kills. A sandbox names its profile in trusted.vigil.profile;
 * one without, or naming none that exists, gets "default".
 */
#ifndef VIGIL_PROFILE_H
#define VIGIL_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cidr.h"
#include "event.h"
#include "records.h"

#define PROFILE_DEFAULT "default"
/* A request nobody decides is denied after this by default. */
#define PROFILE_APPROVAL_TIMEOUT_NS (300ULL * 1000000000)

/* The ladder a sandbox climbs (none, alert, freeze, kill), and ask: a
 * rule's action only, never a rung. A rule that asks holds the step it
 * matched for a human (userspace/approval) and leaves the ladder alone. */
enum act_level { LEVEL_NONE, LEVEL_ALERT, LEVEL_FREEZE, LEVEL_KILL,
		 LEVEL_ASK };

/* A destination the profile allows: a network and a port range. */
struct dest {
	struct addr net;
	uint8_t prefix;		/* bits */
	uint16_t port_lo, port_hi;	/* 0-65535 for any */
	uint16_t budget_id;	/* the kernel's egress_budgets slot, 0: none */
	uint64_t budget;	/* payload bytes a sandbox may send to it */
	char *text;		/* as written (budgeted entries only) */
};

/* A DNS name the profile allows: the name itself, or (wildcard) every
 * name below it ("*.githubusercontent.com"), on one port or all. */
struct name_dest {
	char *name;		/* lowercase, no trailing dot, no "*." */
	bool wildcard;
	uint16_t port;		/* 0: every port */
	uint16_t budget_id;	/* as struct dest's */
	uint64_t budget;
	char *text;
};

/* A rule as one profile tunes it (defaults: the rule's own). */
struct rule_tune {
	bool disabled;
	double score;
	enum act_level action;
};

struct profile {
	char *name;
	/* 1, 2, ... in ruleset__profile_at()'s order: the kernel's key for
	 * its allowlist, 0 being none. */
	uint32_t id;
	struct dest *dests;
	size_t nr_dests;
	struct name_dest *names;	/* the names among allow.destinations */
	size_t nr_names;
	char **exes;		/* globs; none means any executable */
	size_t nr_exes;
	double threshold[LEVEL_KILL + 1];	/* by level; [NONE] unused */
	uint64_t half_life_ns;	/* risk halves in this time */
	uint64_t freeze_timeout_ns;	/* 0: a freeze waits for a human */
	/* Payload bytes a sandbox may send outside the allowed destinations
	 * before the kernel drops the rest; 0: no budget. */
	uint64_t egress_budget;
	/* What the kernel does with a connect or send to a destination the
	 * profile does not allow: enum vigil_egress (deny by default). */
	uint32_t egress;
	/* The kernel kills the sandbox's tasks once the daemon's heartbeat
	 * is older than this (bpf/vigil.bpf.h: failsafe); 0: never. */
	uint64_t fail_closed_ns;
	/* The baseline its sandboxes are scored against (baseline/), as
	 * `baseline:` names it (relative to the rule file's directory
	 * made absolute), or NULL; and what each anomaly adds to the risk,
	 * by enum anomaly_what. */
	char *baseline;
	/* baseline_mode: learn: the daemon learns the sandboxes' records
	 * into that file instead of scoring them (baseline/learning.h). */
	bool baseline_learn;
	double anomaly_score[ANOMALY_KINDS];
	/* A pending request (action: ask) is decided this long after it
	 * was made, by approval_default: allowed or (the default) denied. */
	uint64_t approval_timeout_ns;
	bool approval_default_allow;
	struct rule_tune *tune;	/* by rule index */
	const char *file;	/* where it was defined */
	int line;
};

/* Parses "CIDR", "CIDR:PORT", "CIDR:LO-HI", "[V6CIDR]:PORT" or an
 * address alone. Returns 0 or -EINVAL. */
int dest__parse(const char *text, struct dest *d);

/* Parses "NAME", "NAME:PORT", "*.NAME[:PORT]" ("*" for every port).
 * Returns 0 or -EINVAL (not a name: an address, a port range, a label
 * over 63 bytes, a name over VIGIL_DNS_NAME_MAX). */
int name_dest__parse(const char *text, struct name_dest *n);
/* Whether entry o allows every name that entry n does: the same entry,
 * or a wildcard above it. */
bool name_dest__covers(const struct name_dest *o, const struct name_dest *n);

bool profile__allows_dest(const struct profile *p, const struct addr *a,
			  uint16_t port);
/* The allow.destinations entry of p that allows a on port (-1: on some
 * port), or NULL: the most specific (the first of those), whose budget
 * the kernel applies (userspace/enforce: allow__ports); what `vigil
 * profile check` names. */
const struct dest *profile__dest_entry(const struct profile *p,
				       const struct addr *a, int port);
/* The name entry of p that allows name n (no wildcard) on port (-1: on
 * some port), or NULL: the most specific of those that cover it, as the
 * kernel's lookup merges the ports of every entry above a name into
 * that name's own (userspace/enforce/names.c). */
const struct name_dest *profile__name_entry(const struct profile *p,
					    const struct name_dest *n,
					    int port);
bool profile__allows_exe(const struct profile *p, const char *exe,
			 size_t len);
/* Thresholds 20/60/100, a 10-minute half-life, no freeze timeout, no
 * egress budget, egress denied outside the allowlist, requests denied
 * after 5 minutes, no baseline; anomalies score 10 (programs,
 * destinations, listeners, credentials), 5 (files, syscalls, rates). */
void profile__defaults(struct profile *p);
void profile__free(struct profile *p);

#endif /* VIGIL_PROFILE_H */
