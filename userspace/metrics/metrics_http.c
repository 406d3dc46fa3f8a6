// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>

#include "expo.h"
#include "log.h"
#include "metrics_http.h"

#define HTTP_CLIENTS    16	/* connections at once */
#define HTTP_TIMEOUT_S  10	/* an idle connection is closed */
#define CONTENT_TYPE    "text/plain; version=0.0.4; charset=utf-8"

struct metrics_http {
	struct MHD_Daemon *d;
	struct metrics *m;
};

static enum MHD_Result http__reply(struct MHD_Connection *conn,
				   unsigned int status, char *body,
				   size_t len, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result http__text(struct MHD_Connection *conn,
				  unsigned int status, const char *text)
{
	char *body = strdup(text);

	return body ? http__reply(conn, status, body, strlen(body),
				  "text/plain; charset=utf-8") : MHD_NO;
}

static enum MHD_Result http__metrics(struct metrics_http *h,
				     struct MHD_Connection *conn)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);

	if (!f)
		return MHD_NO;
	expo__write(h->m, f);
	if (fclose(f)) {
		free(body);
		return MHD_NO;
	}
	return http__reply(conn, MHD_HTTP_OK, body, len, CONTENT_TYPE);
}

static enum MHD_Result http__health(struct metrics_http *h,
				    struct MHD_Connection *conn)
{
	char why[160], text[192];

	if (expo__healthy(h->m, why, sizeof(why)))
		return http__text(conn, MHD_HTTP_OK, "ok\n");
	snprintf(text, sizeof(text), "unhealthy: %s\n", why);
	return http__text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, text);
}

static enum MHD_Result http__serve(void *ctx, struct MHD_Connection *conn,
				   const char *url, const char *method,
				   const char *version, const char *upload,
				   size_t *upload_len, void **state)
{
	struct metrics_http *h = ctx;

	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return http__text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "GET only\n");
	/* A body is never read: a GET that sends one is answered at once. */
	if (*upload_len)
		*upload_len = 0;
	if (!strcmp(url, "/metrics"))
		return http__metrics(h, conn);
	if (!strcmp(url, "/healthz"))
		return http__health(h, conn);
	return http__text(conn, MHD_HTTP_NOT_FOUND,
			  "not found: /metrics and /healthz are served\n");
}

int metrics_http__start(struct metrics_http **out, struct metrics *m,
			const struct metrics_addr *a, bool remote)
{
	struct metrics_http *h;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
	char host[INET6_ADDRSTRLEN] = "";

	if (!a->loopback && !remote) {
		log_error("metrics: refusing a non-loopback address without "
			  "--metrics-remote (metrics_remote: true)");
		return -EPERM;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->m = m;
	if (a->ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, http__serve, h,
				MHD_OPTION_SOCK_ADDR, &a->ss,
				MHD_OPTION_CONNECTION_LIMIT, HTTP_CLIENTS,
				MHD_OPTION_CONNECTION_TIMEOUT, HTTP_TIMEOUT_S,
				MHD_OPTION_END);
	if (!h->d) {
		int err = errno ? -errno : -EADDRINUSE;

		log__errno(err, "metrics: cannot listen");
		free(h);
		return err;
	}
	if (a->ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&a->ss)->sin6_addr,
			  host, sizeof(host));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&a->ss)->sin_addr,
			  host, sizeof(host));
	log_info("metrics on http://%s%s%s:%u/metrics",
		 a->ss.ss_family == AF_INET6 ? "[" : "", host,
		 a->ss.ss_family == AF_INET6 ? "]" : "",
		 ntohs(((struct sockaddr_in *)&a->ss)->sin_port));
	*out = h;
	return 0;
}

void metrics_http__stop(struct metrics_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
