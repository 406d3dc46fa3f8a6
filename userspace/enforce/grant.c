// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "clock.h"
#include "grant.h"
#include "mapmodel.h"
#include "records.h"

static int grant__key(struct vigil_grant_key *k, uint64_t sandbox,
		      const struct addr *net, uint8_t prefix, uint16_t port)
{
	memset(k, 0, sizeof(*k));
	k->port = port;
	k->sandbox_cgid = sandbox;
	if (net->family == AF_INET && prefix <= 32) {
		k->addr[10] = k->addr[11] = 0xff;
		memcpy(&k->addr[12], net->a, 4);
		k->prefixlen = 32 + 64 + 96 + prefix;
	} else if (net->family == AF_INET6 && prefix <= 128) {
		memcpy(k->addr, net->a, 16);
		k->prefixlen = 32 + 64 + prefix;
	} else {
		return -EINVAL;
	}
	return 0;
}

int grant__add(struct mapmodel *grants, uint64_t sandbox,
	       const struct addr *net, uint8_t prefix, uint16_t port,
	       uint64_t ttl_ns)
{
	struct vigil_grant_key k;
	struct vigil_grant g = {
		.expires_ns = ttl_ns ? clock__boot_ns() + ttl_ns : 0,
	};
	int err = grant__key(&k, sandbox, net, prefix, port);

	if (err)
		return err;
	return mapmodel__put(grants, &k, &g);
}

bool grant__dns(const void *key, const void *value, uint64_t now)
{
	const struct vigil_grant_key *k = key;
	const struct vigil_grant *g = value;

	return k->prefixlen == 32 + 64 + 128 && g->expires_ns &&
	       g->expires_ns <= now + VIGIL_DNS_TTL_MAX_S * 1000000000ULL;
}

int grant__revoke(struct mapmodel *grants, uint64_t sandbox,
		  const struct addr *net, uint8_t prefix, uint16_t port)
{
	struct vigil_grant_key k;
	int err = grant__key(&k, sandbox, net, prefix, port);

	if (err)
		return err;
	return mapmodel__del(grants, &k);
}

static bool grant__of(const void *key, void *sandbox)
{
	return ((const struct vigil_grant_key *)key)->sandbox_cgid ==
	       *(uint64_t *)sandbox;
}

int grant__forget(struct mapmodel *grants, uint64_t sandbox)
{
	struct vigil_grant_key k, next;
	void *prev = NULL;
	int n = 0;

	/* Deleting the key just read restarts nothing: the next one is
	 * read from the last key kept (an LPM trie walks in order). */
	while (!bpf_map_get_next_key(grants->fd, prev, &next)) {
		if (next.sandbox_cgid == sandbox &&
		    !mapmodel__del(grants, &next)) {
			n++;
			continue;
		}
		k = next;
		prev = &k;
	}
	/* and those the kernel no longer had */
	mapmodel__forget_if(grants, grant__of, &sandbox);
	return n;
}
