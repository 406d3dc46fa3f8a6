/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Whether a sandbox may reach a destination: its profile's list
 * (egress_allow) or a grant of its own that has not expired
 * (egress_grants). Shared by the cgroup hooks that refuse connects and
 * sends (egress.bpf.c) and the budget at packet level (net.bpf.c).
 */
#ifndef VIGIL_EGRESS_BPF_H
#define VIGIL_EGRESS_BPF_H

#include "vigil.bpf.h"

/* A destination as both maps key it: v4 as v4-mapped v6. */
struct dest {
	__u8 addr[16];
	__u16 port;		/* host order */
};

static __always_inline void dest__v4(struct dest *d, const void *addr4,
				     __u16 port)
{
	__builtin_memset(d->addr, 0, 10);
	d->addr[10] = d->addr[11] = 0xff;
	__builtin_memcpy(&d->addr[12], addr4, 4);
	d->port = port;
}

static __always_inline void dest__v6(struct dest *d, const void *addr16,
				     __u16 port)
{
	__builtin_memcpy(d->addr, addr16, 16);
	d->port = port;
}

/* The peer in a flow key, as the allow maps key it. */
static __always_inline void dest__of_flow(struct dest *d,
					  const struct vigil_flow_key *k)
{
	if (k->family == AF_INET)
		dest__v4(d, k->addr, k->port);
	else
		dest__v6(d, k->addr, k->port);
}

/* The budget of the profile's list entry for d on its port: 0 for none,
 * -1 when the list lacks d. The first range that has the port wins (user
 * space puts the most specific entry's first). */
static __always_inline int egress__listed_budget(__u32 profile,
						 const struct dest *d)
{
	struct vigil_allow_key key = { .prefixlen = 32 + 128,
				       .profile = profile };
	struct vigil_allow *a;

	__builtin_memcpy(key.addr, d->addr, 16);
	a = bpf_map_lookup_elem(&egress_allow, &key);
	if (!a)
		return -1;
	for (int i = 0; i < VIGIL_ALLOW_PORTS; i++) {
		if (i >= a->nr)
			break;
		if (d->port >= a->lo[i] && d->port <= a->hi[i])
			return a->budget[i];
	}
	return -1;
}

/* Whether the profile's list has d, with its port. */
static __always_inline bool egress__listed(__u32 profile,
					   const struct dest *d)
{
	return egress__listed_budget(profile, d) >= 0;
}

/* The budget of a live grant of sandbox for d on port (0: the any-port
 * grants), -1 for no live grant. An expired one is removed, so a shorter
 * grant it shadowed shows through from the next lookup. */
static __always_inline int grant__budget(__u64 sandbox, const struct dest *d,
					 __u16 port)
{
	struct vigil_grant_key key = { .prefixlen = 32 + 64 + 128,
				       .port = port, .sandbox_cgid = sandbox };
	struct vigil_grant *g;

	__builtin_memcpy(key.addr, d->addr, 16);
	g = bpf_map_lookup_elem(&egress_grants, &key);
	if (!g)
		return -1;
	if (!g->expires_ns || bpf_ktime_get_boot_ns() < g->expires_ns)
		return g->budget;
	bpf_map_delete_elem(&egress_grants, &key);
	return -1;
}

static __always_inline int egress__granted_budget(__u64 sandbox,
						  const struct dest *d)
{
	int b = grant__budget(sandbox, d, d->port);

	return b >= 0 ? b : grant__budget(sandbox, d, 0);
}

static __always_inline bool egress__granted(__u64 sandbox,
					    const struct dest *d)
{
	return egress__granted_budget(sandbox, d) >= 0;
}

/* Whether sandbox, under policy p, may reach d. */
static __always_inline bool egress__allows(const struct vigil_policy *p,
					   __u64 sandbox, const struct dest *d)
{
	return egress__listed(p->profile, d) || egress__granted(sandbox, d);
}

/* The budget of what allows sandbox d: 0 none, -1 nothing allows it. */
static __always_inline int egress__budget_of(const struct vigil_policy *p,
					     __u64 sandbox,
					     const struct dest *d)
{
	int b = egress__listed_budget(p->profile, d);

	return b >= 0 ? b : egress__granted_budget(sandbox, d);
}

#endif /* VIGIL_EGRESS_BPF_H */
