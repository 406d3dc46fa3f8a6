/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The command's standard error under `vigil run`, relayed to vigil's own
 * line by line, each line with RELAY_PREFIX in front and its control
 * characters escaped (text.h). The command shares no terminal stream
 * with vigil's messages: a line it writes can neither start with
 * "vigil: " nor move the cursor over one of vigil's, and vigil's own
 * lines never land in the middle of one of its lines.
 *
 * Nothing is lost or reordered: every byte read goes out, in order. A
 * line is held until its newline, so a line longer than RELAY_LINE_MAX
 * goes out in pieces, each on a line of its own, and a last line
 * without a newline gets one.
 */
#ifndef VIGIL_RELAY_H
#define VIGIL_RELAY_H

#include <stddef.h>

#define RELAY_PREFIX   "| "
#define RELAY_LINE_MAX 4096

struct relay {
	int rfd;		/* vigil's end, non-blocking */
	int wfd;		/* the command's end, until it has it */
	int out;		/* where lines go */
	size_t len;		/* bytes of an unfinished line in buf */
	char buf[RELAY_LINE_MAX];
	char line[sizeof(RELAY_PREFIX) + 4 * RELAY_LINE_MAX + 1];
};

/* A pipe whose lines go to out. Both ends are close-on-exec: the command
 * gets relay->wfd by dup2. Returns 0 or a negative errno (logged). */
int relay__open(struct relay *r, int out);
/* After the fork: vigil's copy of the command's end goes, so the pipe
 * ends when the command's processes are gone. */
void relay__started(struct relay *r);
/* Relays what the pipe holds now, without waiting. */
void relay__pump(struct relay *r);
/* Relays what is left, an unfinished line included, and closes. Call it
 * once the command's processes are gone; a writer that survives them
 * loses what it writes later. */
void relay__close(struct relay *r);

#endif /* VIGIL_RELAY_H */
