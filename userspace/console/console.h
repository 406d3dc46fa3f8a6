/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The web console (vigil daemon --console ADDR): one self-contained page
 * (GET /) showing the sandboxes, the last alerts and the pending
 * approvals live, over server-sent events (GET /events), with Approve
 * and Deny buttons that ask for a reason (POST /api/decide). It serves
 * on libmicrohttpd's threads, one per connection, and asks the daemon
 * through its control socket like any client (state.h).
 *
 * Only operators act: the events and every decision need the token of a
 * root-only file made at start (token.h): ?token= for the events (an
 * EventSource sets no header), the X-Vigil-Token header for a decision
 * (which a page of another origin cannot send without a preflight the
 * console never grants). A decision without a reason is refused. The
 * console binds loopback only, unless remote is set and TLS configured
 * (a libmicrohttpd built with GnuTLS: checked, refused otherwise).
 */
#ifndef VIGIL_CONSOLE_H
#define VIGIL_CONSOLE_H

#include <stdbool.h>

#include "metrics_addr.h"

struct console_opts {
	struct metrics_addr addr;
	bool remote;		/* a non-loopback address is allowed ... */
	const char *tls_cert;	/* ... with these (PEM files) */
	const char *tls_key;
	const char *token_file;
	const char *control;	/* the daemon's control socket */
};

struct console;

/* Listens (before anything costly is loaded, so a taken port or a bad
 * setting is found at once) and writes the token file. 0 or a negative
 * errno, the reason logged. */
int console__start(struct console **out, const struct console_opts *o);
/* NULL-safe. Ends the event streams and stops serving. */
void console__stop(struct console *c);

#endif /* VIGIL_CONSOLE_H */
