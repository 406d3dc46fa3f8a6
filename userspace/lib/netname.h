/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Address families and protocols by the names the record format uses
 * ("inet6", "tcp", "stream", ...), both ways. */
#ifndef VIGIL_NETNAME_H
#define VIGIL_NETNAME_H

#include <stdint.h>

/* "inet", "inet6", "unix", "packet", "netlink" or "other". */
const char *net__family_name(uint16_t family);
/* AF_*, or 0 for an unknown name. */
uint16_t net__family_parse(const char *name);
/* A unix socket's type name, or an inet protocol's ("tcp", "udp", ...);
 * NULL for an inet protocol without a name (records give its number). */
const char *net__proto_name(uint16_t family, uint16_t proto,
			    uint16_t sock_type);

/* A standard fd's kind (enum vigil_fdtype): "none", "file", "dir", "tty",
 * "chr", "pipe", "unix", "inet", "sock" or "other". */
const char *fdtype__name(uint8_t type);
/* The enum vigil_fdtype of a name, or -1. */
int fdtype__parse(const char *name);

#endif /* VIGIL_NETNAME_H */
