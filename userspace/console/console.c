// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <microhttpd.h>
#include <yajl/yajl_tree.h>

#include "console.h"
#include "json.h"
#include "log.h"
#include "mkdirs.h"
#include "page.h"
#include "state.h"
#include "token.h"

#define CONSOLE_CLIENTS  32		/* connections at once */
#define CONSOLE_BODY_MAX 4096		/* bytes of a decision's body */
#define POLL_MS          500		/* the events' look at the daemon */
#define KEEPALIVE_POLLS  30		/* a comment line when nothing new */
#define PEM_MAX          (64 << 10)

/* The page may run only its own inline script and talk to its origin. */
#define CSP "default-src 'none'; script-src 'unsafe-inline'; " \
	    "style-src 'unsafe-inline'; connect-src 'self'"

struct console {
	struct MHD_Daemon *d;
	char token[TOKEN_HEX + 1];
	const char *control;
	atomic_bool stopping;
	char *cert, *key;	/* PEM, for TLS */
};

/* ------------------------------------------------------------ replies */

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     const char *type, const char *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, (void *)body, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_error(struct MHD_Connection *conn,
				   unsigned int status, const char *text)
{
	char *body = NULL;
	struct json *j = json__new();
	const char *buf;
	size_t len;

	if (!j)
		return MHD_NO;
	json__begin(j);
	json__bool(j, "ok", false);
	json__str(j, "error", text);
	if (!json__end(j, &buf, &len))
		body = strndup(buf, len);
	json__free(j);
	return body ? reply(conn, status, "application/json", body,
			    strlen(body), MHD_RESPMEM_MUST_FREE) : MHD_NO;
}

static enum MHD_Result reply_page(struct MHD_Connection *conn)
{
	return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8",
		     console_page, (size_t)(console_page_end - console_page),
		     MHD_RESPMEM_PERSISTENT);
}

/* ------------------------------------------------------------ events */

/* One client's event stream: the last state sent, and what is left of
 * the message being sent. */
struct stream {
	struct console *c;
	char *last;
	char *msg;
	size_t len, off;
};

/* The next message: the state when it changed, or a comment line that
 * keeps the connection (and proxies) awake. */
static void stream__next(struct stream *s)
{
	struct timespec nap = { 0, POLL_MS * 1000000L };
	char *snap;

	free(s->msg);
	s->msg = NULL;
	for (int i = 0; i < KEEPALIVE_POLLS && !s->c->stopping; i++) {
		snap = state__snapshot(s->c->control);
		if (snap && (!s->last || strcmp(snap, s->last))) {
			free(s->last);
			s->last = snap;
			if (asprintf(&s->msg, "data: %s\n\n", snap) < 0)
				s->msg = NULL;
			break;
		}
		free(snap);
		nanosleep(&nap, NULL);
	}
	if (!s->msg)
		s->msg = strdup(": idle\n\n");
	s->len = s->msg ? strlen(s->msg) : 0;
	s->off = 0;
}

static ssize_t stream__read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	size_t n;

	if (s->off == s->len)
		stream__next(s);
	if (s->c->stopping || !s->msg)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = s->len - s->off < max ? s->len - s->off : max;
	memcpy(buf, s->msg + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static void stream__free(void *cls)
{
	struct stream *s = cls;

	free(s->last);
	free(s->msg);
	free(s);
}

static enum MHD_Result reply_events(struct console *c,
				    struct MHD_Connection *conn)
{
	struct stream *s = calloc(1, sizeof(*s));
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!s)
		return MHD_NO;
	s->c = c;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 << 10,
					      stream__read, s, stream__free);
	if (!r) {
		stream__free(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/event-stream");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* ------------------------------------------------------------ decisions */

struct body {
	size_t len;
	bool too_long;
	char buf[CONSOLE_BODY_MAX + 1];
};

static const char *member__str(yajl_val obj, const char *key)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(obj, path, yajl_t_any);

	return YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

/* The control socket's request for a decision the page posted:
 * {"id","decision":"approve"|"deny","reason"[,"ttl"][,"scope"]}. The
 * daemon checks each value; here only their kinds. NULL with err set. */
static char *decision__line(yajl_val req, const char **err)
{
	const char *ttl_path[] = { "ttl", NULL };
	const char *verb = member__str(req, "decision");
	yajl_val ttl = yajl_tree_get(req, ttl_path, yajl_t_any);
	struct json *j;
	const char *buf;
	char *line = NULL;
	size_t len;

	if (!verb || (strcmp(verb, "approve") && strcmp(verb, "deny"))) {
		*err = "\"decision\" must be approve or deny";
		return NULL;
	}
	if (ttl && !YAJL_IS_INTEGER(ttl)) {
		*err = "\"ttl\" must be whole seconds";
		return NULL;
	}
	j = json__new();
	if (!j)
		return NULL;
	json__begin(j);
	json__str(j, "cmd", verb);
	json__str(j, "id", member__str(req, "id") ?: "");
	json__str(j, "reason", member__str(req, "reason") ?: "");
	if (ttl)
		json__int(j, "ttl", YAJL_GET_INTEGER(ttl));
	if (member__str(req, "scope"))
		json__str(j, "scope", member__str(req, "scope"));
	json__str(j, "channel", "console");
	if (!json__end(j, &buf, &len))
		line = strndup(buf, len);
	json__free(j);
	*err = line ? NULL : "out of memory";
	return line;
}

static enum MHD_Result decide(struct console *c, struct MHD_Connection *conn,
			      struct body *b)
{
	char perr[128];
	const char *err = NULL;
	yajl_val req;
	char *line, *answer;

	if (b->too_long)
		return reply_error(conn, MHD_HTTP_CONTENT_TOO_LARGE,
				   "body too long");
	b->buf[b->len] = '\0';
	req = yajl_tree_parse(b->buf, perr, sizeof(perr));
	line = YAJL_IS_OBJECT(req) ? decision__line(req, &err) : NULL;
	yajl_tree_free(req);
	if (!line)
		return reply_error(conn, MHD_HTTP_BAD_REQUEST,
				   err ?: "not one JSON object");
	answer = state__call(c->control, line);
	free(line);
	if (!answer)
		return reply_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				   "the daemon does not answer");
	return reply(conn, strstr(answer, "\"ok\":true") == answer + 1 ?
			   MHD_HTTP_OK : MHD_HTTP_CONFLICT,
		     "application/json", answer, strlen(answer),
		     MHD_RESPMEM_MUST_FREE);
}

/* Gathers a POST's body over the calls MHD makes; true once whole. */
static bool body__gather(void **state, const char *upload,
			 size_t *upload_len)
{
	struct body *b = *state;

	if (!*upload_len)
		return true;
	if (b->len + *upload_len > CONSOLE_BODY_MAX)
		b->too_long = true;
	else
		memcpy(b->buf + b->len, upload, *upload_len);
	if (!b->too_long)
		b->len += *upload_len;
	*upload_len = 0;
	return false;
}

/* ------------------------------------------------------------ routing */

static bool authorized(struct console *c, struct MHD_Connection *conn,
		       bool header)
{
	const char *given = header ?
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					    "X-Vigil-Token") :
		MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
					    "token");

	return token__matches(c->token, given);
}

static enum MHD_Result serve_get(struct console *c,
				 struct MHD_Connection *conn, const char *url)
{
	if (!strcmp(url, "/"))
		return reply_page(conn);
	if (strcmp(url, "/events"))
		return reply_error(conn, MHD_HTTP_NOT_FOUND, "not found");
	if (!authorized(c, conn, false))
		return reply_error(conn, MHD_HTTP_FORBIDDEN,
				   "a valid ?token= is needed");
	return reply_events(c, conn);
}

static enum MHD_Result serve(void *ctx, struct MHD_Connection *conn,
			     const char *url, const char *method,
			     const char *version, const char *upload,
			     size_t *upload_len, void **state)
{
	struct console *c = ctx;

	if (!strcmp(method, MHD_HTTP_METHOD_GET))
		return serve_get(c, conn, url);
	if (strcmp(method, MHD_HTTP_METHOD_POST))
		return reply_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				   "GET or POST only");
	if (strcmp(url, "/api/decide"))
		return reply_error(conn, MHD_HTTP_NOT_FOUND, "not found");
	if (!*state) {
		/* Refused before a byte of the body is read. */
		if (!authorized(c, conn, true))
			return reply_error(conn, MHD_HTTP_FORBIDDEN,
					   "the X-Vigil-Token header must "
					   "hold the console token");
		*state = calloc(1, sizeof(struct body));
		return *state ? MHD_YES : MHD_NO;
	}
	if (!body__gather(state, upload, upload_len))
		return MHD_YES;
	return decide(c, conn, *state);
}

static void request__done(void *ctx, struct MHD_Connection *conn,
			  void **state, enum MHD_RequestTerminationCode why)
{
	free(*state);
	*state = NULL;
}

/* ------------------------------------------------------------ lifetime */

static char *pem__read(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = f ? calloc(1, PEM_MAX + 1) : NULL;

	if (buf && !fread(buf, 1, PEM_MAX, f)) {
		free(buf);
		buf = NULL;
	}
	if (f)
		fclose(f);
	if (!buf)
		log_error("console: cannot read %s", path);
	return buf;
}

/* Loopback, or a remote address with TLS the library can do. */
static int console__tls(struct console *c, const struct console_opts *o)
{
	if (o->addr.loopback && !o->tls_cert)
		return 0;
	if (!o->addr.loopback && !o->remote) {
		log_error("console: refusing a non-loopback address without "
			  "--console-remote");
		return -EPERM;
	}
	if (!o->tls_cert || !o->tls_key) {
		log_error("console: a non-loopback address needs TLS: "
			  "--console-tls-cert and --console-tls-key");
		return -EPERM;
	}
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		log_error("console: this libmicrohttpd has no TLS; refusing "
			  "a non-loopback address");
		return -ENOTSUP;
	}
	c->cert = pem__read(o->tls_cert);
	c->key = pem__read(o->tls_key);
	return c->cert && c->key ? 0 : -EINVAL;
}

static int console__listen(struct console *c, const struct console_opts *o)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;

	if (o->addr.ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (c->cert)
		c->d = MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL,
			serve, c, MHD_OPTION_SOCK_ADDR, &o->addr.ss,
			MHD_OPTION_CONNECTION_LIMIT, CONSOLE_CLIENTS,
			MHD_OPTION_NOTIFY_COMPLETED, request__done, c,
			MHD_OPTION_HTTPS_MEM_CERT, c->cert,
			MHD_OPTION_HTTPS_MEM_KEY, c->key, MHD_OPTION_END);
	else
		c->d = MHD_start_daemon(flags, 0, NULL, NULL, serve, c,
			MHD_OPTION_SOCK_ADDR, &o->addr.ss,
			MHD_OPTION_CONNECTION_LIMIT, CONSOLE_CLIENTS,
			MHD_OPTION_NOTIFY_COMPLETED, request__done, c,
			MHD_OPTION_END);
	if (c->d)
		return 0;
	log__errno(errno ? -errno : -EADDRINUSE, "console: cannot listen");
	return errno ? -errno : -EADDRINUSE;
}

static void console__say(const struct console_opts *o, bool tls)
{
	char host[INET6_ADDRSTRLEN] = "";
	bool v6 = o->addr.ss.ss_family == AF_INET6;

	if (v6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&o->addr.ss)->sin6_addr,
			  host, sizeof(host));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&o->addr.ss)->sin_addr,
			  host, sizeof(host));
	log_info("console on http%s://%s%s%s:%u/ (token in %s)",
		 tls ? "s" : "", v6 ? "[" : "", host, v6 ? "]" : "",
		 ntohs(((struct sockaddr_in *)&o->addr.ss)->sin_port),
		 o->token_file);
}

int console__start(struct console **out, const struct console_opts *o)
{
	struct console *c = calloc(1, sizeof(*c));
	char dir[PATH_MAX], *slash;
	int err;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->control = o->control;
	snprintf(dir, sizeof(dir), "%s", o->token_file);
	slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	err = console__tls(c, o) ?:
	      (slash && slash != dir ? mkdirs(dir, 0700, "token directory")
				     : 0) ?:
	      token__make(o->token_file, c->token) ?:
	      console__listen(c, o);
	if (err) {
		console__stop(c);
		return err;
	}
	console__say(o, c->cert != NULL);
	*out = c;
	return 0;
}

void console__stop(struct console *c)
{
	if (!c)
		return;
	c->stopping = true;
	if (c->d)
		MHD_stop_daemon(c->d);
	free(c->cert);
	free(c->key);
	free(c);
}
