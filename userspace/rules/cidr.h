/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Addresses as rules and profiles compare them, and the networks
 * ("10.0.0.0/8", "::1") they are tested against. A v4-mapped IPv6
 * address (::ffff:a.b.c.d) is folded to IPv4 everywhere, so that a v4
 * peer reached over a v6 socket is the same peer to every rule. */
#ifndef VIGIL_CIDR_H
#define VIGIL_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct addr {
	uint16_t family;	/* AF_INET or AF_INET6; 0 when none */
	uint8_t a[16];		/* network order, v4 in the first four */
};

/* out from a record's family and address bytes (4 or 16 of them);
 * false, with out zeroed, for a family other than AF_INET and
 * AF_INET6. */
bool cidr__addr(struct addr *out, uint16_t family, const uint8_t *a);
/* Parses "ADDR" or "ADDR/BITS" into net and prefix. */
int cidr__parse(const char *text, size_t len, struct addr *net,
		uint8_t *prefix);
bool cidr__match(const struct addr *net, uint8_t prefix,
		 const struct addr *a);

#endif /* VIGIL_CIDR_H */
