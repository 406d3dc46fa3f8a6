/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the console shows and does, asked of the daemon like any client
 * does, through its control socket: the console's thread never touches
 * the collector's state, and its decisions are served on the
 * collector's thread like the CLI's, one at a time. */
#ifndef VIGIL_STATE_H
#define VIGIL_STATE_H

/* Sends one request line; the reply line (the caller frees it), or NULL
 * when the daemon cannot be reached (logged at debug level). */
char *state__call(const char *control, const char *line);
/* {"status":REPLY,"approvals":REPLY,"alerts":REPLY} of the three
 * requests; the caller frees it. NULL when the daemon cannot be
 * reached. */
char *state__snapshot(const char *control);

#endif /* VIGIL_STATE_H */
