// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "clock.h"
#include "grant.h"
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

int grant__add(int grants_fd, uint64_t sandbox, const struct addr *net,
	       uint8_t prefix, uint16_t port, uint64_t ttl_ns)
{
	struct vigil_grant_key k;
	struct vigil_grant g = {
		.expires_ns = ttl_ns ? clock__boot_ns() + ttl_ns : 0,
	};
	int err = grant__key(&k, sandbox, net, prefix, port);

	if (err)
		return err;
	return bpf_map_update_elem(grants_fd, &k, &g, BPF_ANY) ? -errno : 0;
}

int grant__revoke(int grants_fd, uint64_t sandbox, const struct addr *net,
		  uint8_t prefix, uint16_t port)
{
	struct vigil_grant_key k;
	int err = grant__key(&k, sandbox, net, prefix, port);

	if (err)
		return err;
	return bpf_map_delete_elem(grants_fd, &k) ? -errno : 0;
}

int grant__forget(int grants_fd, uint64_t sandbox)
{
	struct vigil_grant_key k, next;
	void *prev = NULL;
	int n = 0;

	/* Deleting the key just read restarts nothing: the next one is
	 * read from the last key kept (an LPM trie walks in order). */
	while (!bpf_map_get_next_key(grants_fd, prev, &next)) {
		if (next.sandbox_cgid == sandbox &&
		    !bpf_map_delete_elem(grants_fd, &next)) {
			n++;
			continue;
		}
		k = next;
		prev = &k;
	}
	return n;
}
