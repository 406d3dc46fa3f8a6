/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Grants: destinations one sandbox may reach for a while beside its
 * profile's allow.destinations, kept in the kernel's egress_grants map
 * (bpf/README.md, "Grants"), which the cgroup hooks read before they
 * refuse a connect or a send. The addresses a sandbox's allowed names
 * resolve to and an approved connect are granted this way; the kernel
 * drops a grant once it has expired.
 */
#ifndef VIGIL_GRANT_H
#define VIGIL_GRANT_H

#include <stdbool.h>
#include <stdint.h>

#include "cidr.h"
#include "mapmodel.h"

/* Grants sandbox the network net/prefix (an address: 32 or 128 bits)
 * on port (0: every port) for ttl_ns from now (0: until revoked or the
 * sandbox is gone). A v4 network is keyed as v4-mapped, so a v6 socket's
 * connect to ::ffff:a.b.c.d finds it. Replaces an earlier grant of the
 * same key. 0 or -errno. */
int grant__add(struct mapmodel *grants, uint64_t sandbox,
	       const struct addr *net, uint8_t prefix, uint16_t port,
	       uint64_t ttl_ns);
/* Removes that grant; 0 or -errno (-ENOENT when there was none). */
int grant__revoke(struct mapmodel *grants, uint64_t sandbox,
		  const struct addr *net, uint8_t prefix, uint16_t port);
/* Whether a grant (struct vigil_grant_key, struct vigil_grant) may be
 * one the kernel made from a DNS answer (bpf/dns.bpf.c): one address,
 * lapsing within VIGIL_DNS_TTL_MAX_S of now (CLOCK_BOOTTIME). */
bool grant__dns(const void *key, const void *value, uint64_t now);
/* Removes every grant of sandbox (it is gone); how many. */
int grant__forget(struct mapmodel *grants, uint64_t sandbox);

#endif /* VIGIL_GRANT_H */
