// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "records.h"
#include "netname.h"

static const struct {
	uint16_t family;
	const char *name;
} families[] = {
	{ AF_INET, "inet" }, { AF_INET6, "inet6" }, { AF_UNIX, "unix" },
	{ AF_PACKET, "packet" }, { AF_NETLINK, "netlink" },
};

const char *net__family_name(uint16_t family)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (families[i].family == family)
			return families[i].name;
	return "other";
}

uint16_t net__family_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (!strcmp(families[i].name, name))
			return families[i].family;
	return 0;
}

const char *net__proto_name(uint16_t family, uint16_t proto,
			    uint16_t sock_type)
{
	static const char *const unix_types[] = {
		[SOCK_STREAM] = "stream", [SOCK_DGRAM] = "dgram",
		[SOCK_SEQPACKET] = "seqpacket",
	};

	if (family == AF_UNIX)
		return sock_type < 6 && unix_types[sock_type]
			       ? unix_types[sock_type] : "other";
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	case IPPROTO_SCTP: return "sctp";
	default: return NULL;
	}
}

static const char *const fdtypes[] = {
	[VIGIL_FD_NONE] = "none", [VIGIL_FD_FILE] = "file",
	[VIGIL_FD_DIR] = "dir", [VIGIL_FD_TTY] = "tty", [VIGIL_FD_CHR] = "chr",
	[VIGIL_FD_PIPE] = "pipe", [VIGIL_FD_UNIX] = "unix",
	[VIGIL_FD_INET] = "inet", [VIGIL_FD_SOCK] = "sock",
	[VIGIL_FD_OTHER] = "other",
};

const char *fdtype__name(uint8_t type)
{
	return type < sizeof(fdtypes) / sizeof(fdtypes[0]) ? fdtypes[type]
							   : "other";
}

int fdtype__parse(const char *name)
{
	for (size_t i = 0; i < sizeof(fdtypes) / sizeof(fdtypes[0]); i++)
		if (!strcmp(fdtypes[i], name))
			return i;
	return -1;
}
