/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The metrics endpoint's address, as the config file and --metrics give
 * it: IPv4 or [IPv6] with a port ("127.0.0.1:9310", "[::1]:9310";
 * "localhost:PORT" is 127.0.0.1). Parsed when the setting is read, so a
 * bad one is refused before anything is loaded. */
#ifndef VIGIL_METRICS_ADDR_H
#define VIGIL_METRICS_ADDR_H

#include <stdbool.h>
#include <sys/socket.h>

#define METRICS_DEFAULT_ADDR "127.0.0.1:9310"

struct metrics_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	bool loopback;
};

/* Parses text into a; 0, or -EINVAL with the reason logged, naming
 * where (the flag or FILE:LINE:COL). */
int metrics_addr__parse(const char *text, struct metrics_addr *a,
			const char *where);

#endif /* VIGIL_METRICS_ADDR_H */
