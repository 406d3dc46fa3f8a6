/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The metrics endpoint: GET /metrics (Prometheus text format) and GET
 * /healthz (200 "ok" while healthy, else 503 and why), served by
 * libmicrohttpd on a thread of its own. Nothing else is served and
 * nothing here acts: acting stays with the root-only control socket.
 *
 * The address is IPv4 or [IPv6] with a port ("127.0.0.1:9310",
 * "[::1]:9310"; "localhost:PORT" is 127.0.0.1). A non-loopback address
 * exposes what vigil sees (rule names, sandbox counts, risks) to the
 * network, so it is refused unless the caller allows it (the daemon's
 * --metrics-remote / metrics_remote: true).
 */
#ifndef VIGIL_METRICS_HTTP_H
#define VIGIL_METRICS_HTTP_H

#include "metrics.h"
#include "metrics_addr.h"

struct metrics_http;

/* Binds and starts serving m, which must outlive the server; an address
 * that is not loopback only when remote allows it (-EPERM). 0 or a
 * negative errno (logged). */
int metrics_http__start(struct metrics_http **out, struct metrics *m,
			const struct metrics_addr *a, bool remote);
/* NULL-safe; returns once no request is being served. */
void metrics_http__stop(struct metrics_http *h);

#endif /* VIGIL_METRICS_HTTP_H */
