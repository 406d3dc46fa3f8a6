/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The DNS names of the profiles' allowlists in the kernel's egress_names
 * map (struct vigil_name_key): the answers to them become grants
 * (bpf/dns.bpf.c).
 */
#ifndef VIGIL_NAMES_H
#define VIGIL_NAMES_H

#include "mapkeys.h"
#include "mapmodel.h"
#include "profile.h"
#include "records.h"

/* The key of name n of profile: its wire form, and whether it stands
 * for every name below it. */
void names__key(uint32_t profile, const struct name_dest *n,
		struct vigil_name_key *k);
/* Writes every name of p with its ports and those of every wildcard of
 * p above it, marking each key kept in before (a reload; NULL if none);
 * errors are logged. */
void names__load(struct mapmodel *names, const struct profile *p,
		 struct mapkeys *before);

#endif /* VIGIL_NAMES_H */
