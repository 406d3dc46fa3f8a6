// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "relay.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "text.h"

/* The pipe is drained between two polls of the collector: room for what
 * a chatty command writes meanwhile, so it seldom waits on vigil. */
#define RELAY_PIPE_BYTES (1 << 20)

int relay__open(struct relay *r, int out)
{
	int fds[2];

	r->rfd = r->wfd = -1;
	r->out = out;
	r->len = 0;
	if (pipe2(fds, O_CLOEXEC)) {
		log__errno(errno, "cannot make a pipe for %s",
			   "the command's output");
		return -errno;
	}
	r->rfd = fds[0];
	r->wfd = fds[1];
	fcntl(r->rfd, F_SETFL, O_NONBLOCK);
	fcntl(r->rfd, F_SETPIPE_SZ, RELAY_PIPE_BYTES);	/* best effort */
	return 0;
}

static void fd__close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void relay__started(struct relay *r)
{
	fd__close(&r->wfd);
}

/* One line out, in one write so that it reaches the terminal whole. A
 * failed write (vigil's stderr closed) loses the line, never the pipe's
 * draining: the command must not block on it. */
static void relay__line(struct relay *r, const char *s, size_t len)
{
	size_t n = sizeof(RELAY_PREFIX) - 1, off = 0;
	ssize_t w;

	memcpy(r->line, RELAY_PREFIX, n);
	n += text__escape(s, len, r->line + n, sizeof(r->line) - n - 1);
	r->line[n++] = '\n';
	while (off < n) {
		w = write(r->out, r->line + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += w;
	}
}

/* Whole lines out; what follows the last newline stays, unless it fills
 * the buffer. */
static void relay__lines(struct relay *r)
{
	char *start = r->buf, *end = r->buf + r->len, *nl;

	while ((nl = memchr(start, '\n', end - start))) {
		relay__line(r, start, nl - start);
		start = nl + 1;
	}
	r->len = end - start;
	memmove(r->buf, start, r->len);
	if (r->len == sizeof(r->buf)) {
		relay__line(r, r->buf, r->len);
		r->len = 0;
	}
}

/* At most a pipeful per call: a command that writes without pause
 * waits on the pipe, and the collector still gets its turn. */
void relay__pump(struct relay *r)
{
	size_t done = 0;
	ssize_t n;

	while (r->rfd >= 0 && done < RELAY_PIPE_BYTES) {
		n = read(r->rfd, r->buf + r->len, sizeof(r->buf) - r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;		/* drained for now, or ended */
		r->len += n;
		done += n;
		relay__lines(r);
	}
}

void relay__close(struct relay *r)
{
	/* Its writers gone, the pipe holds at most a pipeful. */
	relay__pump(r);
	if (r->len)
		relay__line(r, r->buf, r->len);
	r->len = 0;
	fd__close(&r->wfd);
	fd__close(&r->rfd);
}
