// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics_addr.h"

static int addr__port(const char *text, const char *where, uint16_t *port)
{
	char *end;
	unsigned long p;

	errno = 0;
	p = strtoul(text, &end, 10);
	if (!*text || *end || errno || p == 0 || p > 65535) {
		log_error("%s: \"%s\" is not a port (1-65535)", where, text);
		return -EINVAL;
	}
	*port = p;
	return 0;
}

static int addr__v6(const char *text, struct metrics_addr *a,
		    const char *where)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;
	const char *close = strchr(text, ']');
	char host[INET6_ADDRSTRLEN];
	uint16_t port;

	if (!close || close[1] != ':' || close - text - 1 >= (long)sizeof(host)) {
		log_error("%s: expected [IPV6]:PORT, got \"%s\"", where, text);
		return -EINVAL;
	}
	memcpy(host, text + 1, close - text - 1);
	host[close - text - 1] = '\0';
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1) {
		log_error("%s: \"%s\" is not an IPv6 address", where, host);
		return -EINVAL;
	}
	if (addr__port(close + 2, where, &port))
		return -EINVAL;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	a->len = sizeof(*s6);
	a->loopback = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
	return 0;
}

static int addr__v4(const char *text, struct metrics_addr *a,
		    const char *where)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;
	const char *colon = strrchr(text, ':');
	char host[INET_ADDRSTRLEN + 16];
	uint16_t port;

	if (!colon || colon - text >= (long)sizeof(host)) {
		log_error("%s: expected IPV4:PORT or [IPV6]:PORT, got \"%s\"",
			  where, text);
		return -EINVAL;
	}
	memcpy(host, text, colon - text);
	host[colon - text] = '\0';
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) {
		log_error("%s: \"%s\" is not an IPv4 address", where, host);
		return -EINVAL;
	}
	if (addr__port(colon + 1, where, &port))
		return -EINVAL;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	a->len = sizeof(*s4);
	a->loopback = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	return 0;
}

int metrics_addr__parse(const char *text, struct metrics_addr *a,
			const char *where)
{
	memset(a, 0, sizeof(*a));
	return text[0] == '[' ? addr__v6(text, a, where) :
				addr__v4(text, a, where);
}
