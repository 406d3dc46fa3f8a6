// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The control socket's server side. Everything is non-blocking: the
 * daemon calls control__serve after each turn of its poll loop, a call
 * with no client waiting costs one accept(2), and a batch of clients is
 * read side by side under one deadline, so no client can hold the
 * collector up for longer than CONTROL_CLIENT_MS. The client side is here
 * too, so the protocol's framing lives in one file.
 */
#include "control.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "clock.h"
#include "log.h"

#define CONTROL_BATCH   16	/* clients read side by side */
#define CONTROL_BACKLOG 64
#define CONTROL_ERR_MAX 256	/* an error text in a reply */

struct client {
	int fd;
	size_t len;
	char buf[CONTROL_MAX_REQUEST + 2];	/* the line, '\n', NUL */
};

struct control {
	int fd;
	bool bound;			/* path is ours to remove */
	dev_t dev;			/* the socket file we bound */
	ino_t ino;
	bool accept_failing;		/* logged once until accept works */
	const struct control_ops *ops;
	void *ctx;
	struct json *j;			/* the reply being built */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct client clients[CONTROL_BATCH];
};

/* What reading a client's request came to. */
enum request_state {
	REQ_MORE,	/* no whole line yet */
	REQ_LINE,	/* a line, or the bytes before end of file */
	REQ_TOO_LONG,	/* CONTROL_MAX_REQUEST bytes and no newline */
	REQ_GONE,	/* closed without a request, or a socket error */
};

/* The socket's directory, made private when we create it; an existing
 * one (the administrator's choice, or /tmp in tests) is left alone: the
 * socket's own mode and the peer check are what keep others out. */
static int control__make_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0700) && errno != EEXIST) {
		log__errno(errno, "cannot create %s", dir);
		return -errno;
	}
	return 0;
}

/* 1 if a server answers a connect on path, 0 if none does. */
static int control__probe(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r, err;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strcpy(sa.sun_path, path);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	err = errno;
	close(fd);
	/* EAGAIN: its backlog is full, but it is there. */
	if (r == 0 || err == EAGAIN)
		return 1;
	return err == ECONNREFUSED || err == ENOENT ? 0 : -err;
}

/* A socket left behind by a daemon that died goes; anything else at path
 * stays, and so do we not start. */
static int control__clear_stale(const char *path)
{
	struct stat st;
	int r;

	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		log__errno(errno, "control socket %s", path);
		return -errno;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_error("%s exists and is not a socket; not replacing it",
			  path);
		return -EEXIST;
	}
	r = control__probe(path);
	if (r > 0) {
		log_error("another vigil daemon answers on %s", path);
		return -EADDRINUSE;
	}
	if (r < 0 || (unlink(path) && errno != ENOENT)) {
		r = r < 0 ? r : -errno;
		log__errno(r, "cannot replace the stale socket %s", path);
		return r;
	}
	log_debug("replaced the stale socket %s", path);
	return 0;
}

static int control__listen(struct control *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int r;

	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (c->fd < 0)
		return -errno;
	strcpy(sa.sun_path, c->path);
	/* bind creates the file with 0777 & ~umask: setting the umask, not
	 * chmod afterwards, leaves no moment at which others may connect.
	 * The umask is per process; another thread creating a file just
	 * now gets a stricter mode, never a looser one. */
	old = umask(0177);
	r = bind(c->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r)
		return -errno;
	c->bound = true;
	if (lstat(c->path, &st) == 0) {
		c->dev = st.st_dev;
		c->ino = st.st_ino;
	}
	return listen(c->fd, CONTROL_BACKLOG) ? -errno : 0;
}

int control__prepare(const char *path)
{
	size_t max = sizeof(((struct control *)0)->path) - 1;

	if (!path[0] || strlen(path) > max) {
		log_error("control socket path \"%s\": 1 to %zu bytes", path,
			  max);
		return -ENAMETOOLONG;
	}
	return control__make_dir(path) ?: control__clear_stale(path);
}

int control__open(struct control **out, const char *path,
		  const struct control_ops *ops, void *ctx)
{
	struct control *c;
	int r;

	*out = NULL;
	r = control__prepare(path);
	if (r)
		return r;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fd = -1;
	c->ops = ops;
	c->ctx = ctx;
	strcpy(c->path, path);
	c->j = json__new();
	r = c->j ? 0 : -ENOMEM;
	if (!r) {
		r = control__listen(c);
		if (r)
			log__errno(r, "cannot listen on %s", path);
	}
	if (r) {
		control__close(c);
		return r;
	}
	*out = c;
	return 0;
}

int control__fd(const struct control *c)
{
	return c->fd;
}

void control__close(struct control *c)
{
	struct stat st;

	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	/* Only the file we bound: one put there since is someone else's. */
	if (c->bound && lstat(c->path, &st) == 0 && st.st_dev == c->dev &&
	    st.st_ino == c->ino)
		unlink(c->path);
	json__free(c->j);
	free(c);
}

/* Waits until fd is ready for events or the deadline passes; 0 if
 * ready. Past the deadline it still looks once, without waiting. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left;
	int r;

	do {
		left = deadline - clock__mono_ms();
		r = poll(&p, 1, left > 0 ? (int)left : 0);
	} while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -ETIMEDOUT;
}

static int send_all(int fd, const char *buf, size_t len, long long deadline)
{
	ssize_t n;

	while (len) {
		/* MSG_NOSIGNAL: a peer gone away is no reason to die. */
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			return -errno;
		} else if (wait_fd(fd, POLLOUT, deadline)) {
			return -ETIMEDOUT;
		}
	}
	return 0;
}

static enum request_state client__read(struct client *cl)
{
	size_t cap = CONTROL_MAX_REQUEST + 1;	/* the line and its '\n' */
	ssize_t n;
	char *nl;

	n = recv(cl->fd, cl->buf + cl->len, cap - cl->len, 0);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? REQ_MORE : REQ_GONE;
	/* End of file ends the line too: a client may shut down its side
	 * instead of sending the newline. */
	if (n == 0)
		return cl->len ? REQ_LINE : REQ_GONE;
	nl = memchr(cl->buf + cl->len, '\n', (size_t)n);
	cl->len += (size_t)n;
	if (nl) {
		cl->len = (size_t)(nl - cl->buf);
		return REQ_LINE;
	}
	return cl->len == cap ? REQ_TOO_LONG : REQ_MORE;
}

/* Who is asking, from the kernel (SO_PEERCRED): only root is served. */
static bool peer__is_root(int fd, struct control_peer *peer)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return false;
	log_debug("control: request from pid %d uid %u", cred.pid,
		  cred.uid);
	*peer = (struct control_peer){ .uid = cred.uid, .pid = cred.pid };
	return cred.uid == 0;
}

/* yajl's tree hands strings over NUL-terminated, so a "\u0000" escape
 * would cut a sandbox id short and name another sandbox. An escape is a
 * backslash preceded by an even number of backslashes. */
static bool request__has_nul(const char *line, size_t len)
{
	const char *p, *q;

	if (memchr(line, '\0', len))
		return true;
	for (p = strstr(line, "\\u0000"); p; p = strstr(p + 1, "\\u0000")) {
		for (q = p; q > line && q[-1] == '\\'; q--)
			;
		if ((p - q) % 2 == 0)
			return true;
	}
	return false;
}

static const char *member__str(yajl_val obj, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(obj, path, yajl_t_any);

	return YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

/* A name that can be a cgroup directory and nothing else. */
static bool sandbox__name_valid(const char *s)
{
	return s[0] && strlen(s) <= NAME_MAX && !strchr(s, '/') &&
	       strcmp(s, ".") && strcmp(s, "..");
}

static bool cmd__is_action(const char *cmd)
{
	return !strcmp(cmd, "thaw") || !strcmp(cmd, "kill") ||
	       !strcmp(cmd, "freeze");
}

/* An op's return and error text into err (its own, or strerror). */
static void op__result(int r, char *err, size_t errlen)
{
	if (r == 0)
		err[0] = '\0';
	else if (!err[0])
		snprintf(err, errlen, "%s", strerror(abs(r)));
}

static bool id__valid(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return n && n <= 16;
}

/* The optional members of a decision; false with err set when one is
 * of the wrong kind. */
static bool decision__options(yajl_val req, struct control_decision *d,
			      char *err, size_t errlen)
{
	const char *ttl_path[] = { "ttl", NULL };
	yajl_val ttl = yajl_tree_get(req, ttl_path, yajl_t_any);
	const char *scope = member__str(req, "scope");

	d->channel = member__str(req, "channel");
	if (ttl && (!YAJL_IS_INTEGER(ttl) || YAJL_GET_INTEGER(ttl) < 0 ||
		    YAJL_GET_INTEGER(ttl) > CONTROL_MAX_TTL)) {
		snprintf(err, errlen, "\"ttl\" must be whole seconds, 0 to "
			 "%lld", CONTROL_MAX_TTL);
		return false;
	}
	d->ttl_s = ttl ? (uint64_t)YAJL_GET_INTEGER(ttl) : 0;
	if (scope && strcmp(scope, "sandbox") && strcmp(scope, "profile")) {
		snprintf(err, errlen, "\"scope\" must be sandbox or profile");
		return false;
	}
	d->scope_profile = scope && !strcmp(scope, "profile");
	if (d->channel && strcmp(d->channel, "cli") &&
	    strcmp(d->channel, "console")) {
		snprintf(err, errlen, "\"channel\" must be cli or console");
		return false;
	}
	return true;
}

/* approve or deny: an id, and a reason always. */
static void control__decide(struct control *c, yajl_val req, const char *cmd,
			    struct control_peer *peer, char *err,
			    size_t errlen)
{
	struct control_decision d = {
		.id = member__str(req, "id"), .approve = !strcmp(cmd, "approve"),
		.reason = peer->reason,
	};

	if (!d.id || !id__valid(d.id)) {
		snprintf(err, errlen, "missing or invalid \"id\"");
	} else if (!d.reason || !d.reason[0] ||
		   strlen(d.reason) > CONTROL_MAX_REASON) {
		snprintf(err, errlen, "%s needs a \"reason\": a string of 1 to "
			 "%d bytes", cmd, CONTROL_MAX_REASON);
	} else if (decision__options(req, &d, err, errlen)) {
		op__result(c->ops->decide ? c->ops->decide(c->ctx, &d, peer,
							   c->j, err, errlen)
					  : -ENOTSUP, err, errlen);
	}
}

/* Runs a parsed request; its reply members go into c->j (already
 * holding "ok":true), or its error text into err. */
static void control__dispatch(struct control *c, yajl_val req,
			      struct control_peer *peer, char *err,
			      size_t errlen)
{
	const char *cmd = member__str(req, "cmd");
	const char *sandbox = member__str(req, "sandbox");
	const char *reason_path[] = { "reason", NULL };
	yajl_val reason = yajl_tree_get(req, reason_path, yajl_t_any);
	int r;

	peer->reason = member__str(req, "reason");
	if (!cmd) {
		snprintf(err, errlen, "missing or non-string \"cmd\"");
	} else if (!strcmp(cmd, "status")) {
		r = c->ops->status ? c->ops->status(c->ctx, c->j) : -ENOTSUP;
		if (r)
			snprintf(err, errlen, "%s", strerror(abs(r)));
	} else if (!strcmp(cmd, "approvals")) {
		op__result(c->ops->approvals ? c->ops->approvals(c->ctx, c->j)
					     : -ENOTSUP, err, errlen);
	} else if (!strcmp(cmd, "alerts")) {
		op__result(c->ops->alerts ? c->ops->alerts(c->ctx, c->j)
					  : -ENOTSUP, err, errlen);
	} else if (!strcmp(cmd, "learning") ||
		   !strcmp(cmd, "learning-save")) {
		op__result(c->ops->learning
			   ? c->ops->learning(c->ctx,
					      !strcmp(cmd, "learning-save"),
					      c->j)
			   : -ENOTSUP, err, errlen);
	} else if (!strcmp(cmd, "approve") || !strcmp(cmd, "deny")) {
		control__decide(c, req, cmd, peer, err, errlen);
	} else if (!cmd__is_action(cmd)) {
		snprintf(err, errlen, "unknown cmd \"%s\"", cmd);
	} else if (!sandbox) {
		snprintf(err, errlen, "missing or non-string \"sandbox\"");
	} else if (!sandbox__name_valid(sandbox)) {
		snprintf(err, errlen, "invalid sandbox id \"%s\"", sandbox);
	} else if (reason && (!peer->reason ||
			      strlen(peer->reason) > CONTROL_MAX_REASON)) {
		snprintf(err, errlen, "\"reason\" must be a string of at most "
			 "%d bytes", CONTROL_MAX_REASON);
	} else {
		r = c->ops->act ? c->ops->act(c->ctx, cmd, sandbox, peer, c->j,
					      err, errlen)
				: -ENOTSUP;
		op__result(r, err, errlen);
	}
}

/* Parses and runs one request line (NUL-terminated); err set on
 * failure. */
static void control__request(struct control *c, const char *line,
			     size_t len, struct control_peer *peer,
			     char *err, size_t errlen)
{
	char perr[128];
	yajl_val req;

	if (request__has_nul(line, len)) {
		snprintf(err, errlen, "malformed request: a NUL character");
		return;
	}
	req = yajl_tree_parse(line, perr, sizeof(perr));
	if (!YAJL_IS_OBJECT(req))
		snprintf(err, errlen, "malformed request: not one JSON object");
	else
		control__dispatch(c, req, peer, err, errlen);
	yajl_tree_free(req);
}

/* Sends the reply in c->j, or an error reply if err is set or the ops
 * left the reply misbuilt. */
static void control__reply(struct control *c, int fd, const char *err,
			   long long deadline)
{
	const char *buf;
	size_t len;

	if (err[0] || json__end(c->j, &buf, &len)) {
		json__begin(c->j);
		json__bool(c->j, "ok", false);
		json__str(c->j, "error",
			  err[0] ? err : "internal error: bad reply");
		if (json__end(c->j, &buf, &len))
			return;
	}
	if (send_all(fd, buf, len, deadline) == 0)
		send_all(fd, "\n", 1, deadline);
}

static void control__answer(struct control *c, struct client *cl,
			    enum request_state st, long long deadline)
{
	char err[CONTROL_ERR_MAX] = "";
	struct control_peer peer;

	json__begin(c->j);
	json__bool(c->j, "ok", true);
	if (st == REQ_TOO_LONG) {
		snprintf(err, sizeof(err), "request longer than %d bytes",
			 CONTROL_MAX_REQUEST);
	} else if (st == REQ_MORE) {
		snprintf(err, sizeof(err), "no request within %d ms",
			 CONTROL_CLIENT_MS);
	} else if (!peer__is_root(cl->fd, &peer)) {
		snprintf(err, sizeof(err), "permission denied");
	} else {
		cl->buf[cl->len] = '\0';
		control__request(c, cl->buf, cl->len, &peer, err, sizeof(err));
	}
	control__reply(c, cl->fd, err, deadline);
}

static void client__close(struct client *cl)
{
	close(cl->fd);
	cl->fd = -1;
}

/* Up to CONTROL_BATCH waiting clients into c->clients; returns how many. */
static int control__accept(struct control *c)
{
	int n = 0, fd;

	while (n < CONTROL_BATCH) {
		fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			c->accept_failing = false;
			c->clients[n].fd = fd;
			c->clients[n++].len = 0;
		} else if (errno != EINTR && errno != ECONNABORTED) {
			break;
		}
	}
	/* Out of file descriptors, say: the socket stays readable and we
	 * come back at once; say so once, not at every turn. */
	if (n == 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    !c->accept_failing) {
		log__errno(errno, "control: cannot accept a client");
		c->accept_failing = true;
	}
	return n;
}

/* Reads the first n clients side by side until each has sent its line or
 * the deadline passes, answering each as soon as it has. */
static void control__serve_batch(struct control *c, int n)
{
	long long deadline = clock__mono_ms() + CONTROL_CLIENT_MS;
	struct pollfd p[CONTROL_BATCH];
	enum request_state st;
	long long left;
	int i, pending = n;

	for (i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = c->clients[i].fd,
					.events = POLLIN };
	while (pending && (left = deadline - clock__mono_ms()) > 0) {
		if (poll(p, (nfds_t)n, (int)left) < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			st = client__read(&c->clients[i]);
			if (st == REQ_MORE)
				continue;
			if (st != REQ_GONE)
				control__answer(c, &c->clients[i], st,
						deadline);
			client__close(&c->clients[i]);
			p[i].fd = -1;
			pending--;
		}
	}
	/* A slow op may have used up the time of clients whose lines are
	 * waiting: one last look before they are told they were late. */
	for (i = 0; i < n; i++) {
		if (p[i].fd < 0)
			continue;
		st = client__read(&c->clients[i]);
		if (st != REQ_GONE)
			control__answer(c, &c->clients[i], st, deadline);
		client__close(&c->clients[i]);
	}
}

void control__serve(struct control *c)
{
	long long start = clock__mono_ms();
	int n;

	/* A full batch may have left more behind; take them too unless the
	 * caller has already waited long enough. */
	do {
		n = control__accept(c);
		if (n)
			control__serve_batch(c, n);
	} while (n == CONTROL_BATCH &&
		 clock__mono_ms() - start < CONTROL_CLIENT_MS);
}

int control__connect(const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	/* A blocking connect to a daemon whose backlog is full waits for
	 * room, for at most the send timeout. */
	struct timeval tv = { .tv_sec = timeout_ms / 1000,
			      .tv_usec = timeout_ms % 1000 * 1000 };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

/* Room for at least one more read in the reply buffer. */
static int reply__reserve(char **buf, size_t len, size_t *cap)
{
	size_t want = len + 4096 + 1;
	char *p;

	if (want <= *cap)
		return 0;
	if (want > CONTROL_MAX_REPLY + 4096 + 1)
		return -EMSGSIZE;
	want = *cap ? *cap * 2 : 8192;
	p = realloc(*buf, want);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = want;
	return 0;
}

/* Reads up to the first newline or end of file into *buf. */
static int reply__read(int fd, char **buf, size_t *len, long long deadline)
{
	size_t cap = 0;
	ssize_t n;
	char *nl;
	int r;

	for (;;) {
		r = reply__reserve(buf, *len, &cap);
		if (!r)
			r = wait_fd(fd, POLLIN, deadline);
		if (r)
			return r;
		n = recv(fd, *buf + *len, cap - *len - 1, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;
		nl = memchr(*buf + *len, '\n', (size_t)n);
		*len += (size_t)n;
		if (nl) {
			*len = (size_t)(nl - *buf);
			return 0;
		}
	}
}

int control__call(int fd, const char *line, int timeout_ms, char **reply)
{
	long long deadline = clock__mono_ms() + timeout_ms;
	char *buf = NULL;
	size_t len = 0;
	int r, err;

	*reply = NULL;
	r = send_all(fd, line, strlen(line), deadline);
	if (!r)
		r = send_all(fd, "\n", 1, deadline);
	/* A daemon that refused the request may have closed already, with
	 * its answer waiting: read it whatever the send came to. */
	err = reply__read(fd, &buf, &len, deadline);
	if (err == 0 && len > 0) {
		buf[len] = '\0';
		*reply = buf;
		return 0;
	}
	free(buf);
	return r ?: err ?: -ECONNRESET;
}
