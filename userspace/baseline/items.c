// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "items.h"
#include "netname.h"

#define WRITE_FLAGS (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND)

static void item__path(struct item *it, int tree, const char *p, size_t len)
{
	it->what = tree == BL_UNIX ? ANOMALY_CONNECT : tree == BL_EXEC
		   ? ANOMALY_EXEC : ANOMALY_FILE;
	it->tree = tree;
	pcomps__split(p, len, &it->pc);
}

static bool exec__item(const struct event *ev, struct item *it)
{
	const struct proc *parent = ev->proc ? ev->proc->parent : NULL;

	if (ev->exec.ret || !ev->exec.file.len)
		return false;
	item__path(it, BL_EXEC, ev->exec.file.p, ev->exec.file.len);
	if (parent && parent->exe)
		it->parent = (struct bytes){ parent->exe, parent->exe_len };
	return true;
}

static bool file__item(const struct event *ev, struct item *it)
{
	const struct ev_file *f = &ev->file;
	size_t len;

	if (f->ret || !f->op || f->op >= VIGIL_FILE_OPS)
		return false;
	len = filepath__join(&f->base, &f->arg, it->path, sizeof(it->path));
	item__path(it, BL_FILE_OP + f->op - 1, it->path, len);
	return true;
}

static bool dest__item(struct item *it, uint16_t family, const uint8_t *a,
		       uint16_t port, uint8_t proto)
{
	if (!cidr__addr(&it->addr, family, a))
		return false;
	it->what = ANOMALY_CONNECT;
	it->dest = true;
	it->port = port;
	it->proto = proto;
	return true;
}

static bool connect__item(const struct event *ev, struct item *it)
{
	const struct vigil_sockaddr *sa = &ev->connect.sa;

	if (sa->family == AF_UNIX) {
		if (!sa->path_len || sa->path[0] == '\0')
			return false;	/* abstract: no path to learn */
		/* A live record's length is the sockaddr's: the path ends at
		 * its NUL, what follows is whatever the caller's buffer held. */
		item__path(it, BL_UNIX, sa->path,
			   strnlen(sa->path, sa->path_len));
		return true;
	}
	return dest__item(it, sa->family, sa->addr, sa->port,
			  ev->connect.proto);
}

static const char *uid__class(uint32_t uid)
{
	return uid ? "user" : "root";
}

static bool word__item(struct item *it, int set, uint16_t what)
{
	it->set = set;
	it->what = what;
	return true;
}

/* "listen tcp loopback:8080", "socket inet6 raw": where, not which
 * ephemeral port. */
static bool socket__item(const struct event *ev, struct item *it)
{
	const struct ev_socket *s = &ev->socket;
	const char *fam = net__family_name(s->family ? s->family
						     : s->sa.family);
	struct addr a;
	const char *where = "any";

	if (s->ret < 0)
		return false;
	if (s->op == VIGIL_SOCKET_SOCKET) {
		snprintf(it->word, sizeof(it->word), "socket %s %u", fam,
			 s->sock_type);
		return word__item(it, BL_LISTEN, ANOMALY_LISTEN);
	}
	if (cidr__addr(&a, s->sa.family, s->sa.addr)) {
		static const uint8_t zero[16];

		where = a.family == AF_INET && a.a[0] == 127 ? "loopback"
			: !memcmp(a.a, zero, 16) ? "any" : "host";
		if (a.family == AF_INET6 && !memcmp(a.a, zero, 15) &&
		    a.a[15] == 1)
			where = "loopback";
	}
	if (s->sa.port >= 32768)
		snprintf(it->word, sizeof(it->word), "%s %s %s:ephemeral",
			 socket__op_name(s->op), fam, where);
	else
		snprintf(it->word, sizeof(it->word), "%s %s %s:%u",
			 socket__op_name(s->op), fam, where, s->sa.port);
	return word__item(it, BL_LISTEN, ANOMALY_LISTEN);
}

static bool cred__item(const struct event *ev, struct item *it)
{
	const struct ev_cred *c = &ev->cred;

	if (c->ret < 0)
		snprintf(it->word, sizeof(it->word), "%s failed", c->name);
	else
		snprintf(it->word, sizeof(it->word), "%s %s>%s", c->name,
			 uid__class(c->old_ids.euid),
			 uid__class(c->new_ids.euid));
	return word__item(it, BL_CRED, ANOMALY_CRED);
}

/* A name as DNS compares it: case folded, without the root's dot. */
static bool dns__item(const struct event *ev, struct item *it)
{
	char name[VIGIL_DNS_NAME_MAX];
	size_t len = ev->dns.qname_len;

	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	while (len && ev->dns.qname[len - 1] == '.')
		len--;
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		name[i] = tolower((unsigned char)ev->dns.qname[i]);
	ptree__escape(name, len, it->word, sizeof(it->word));
	return word__item(it, BL_DNS, ANOMALY_CONNECT);
}

bool item__of(const struct event *ev, struct item *it)
{
	it->tree = it->set = -1;
	it->dest = false;
	it->parent = (struct bytes){ "", 0 };
	switch (ev->kind) {
	case EVENT_EXEC:
		return exec__item(ev, it);
	case EVENT_OPEN:
		if (ev->open.ret < 0)
			return false;
		item__path(it, ev->open.flags & WRITE_FLAGS ? BL_WRITE
							    : BL_READ,
			   ev->open.path.p, ev->open.path.len);
		return true;
	case EVENT_FILE:
		return file__item(ev, it);
	case EVENT_CONNECT:
		return connect__item(ev, it);
	case EVENT_FLOW:
		return dest__item(it, ev->flow.key.family, ev->flow.key.addr,
				  ev->flow.key.port, ev->flow.key.proto);
	case EVENT_SYSCALL:
		snprintf(it->word, sizeof(it->word), "%s", ev->syscall.name);
		return word__item(it, BL_SYSCALL, ANOMALY_SYSCALL);
	case EVENT_SOCKET:
		return socket__item(ev, it);
	case EVENT_CRED:
		return cred__item(ev, it);
	case EVENT_DNS:
		return dns__item(ev, it);
	default:
		return false;
	}
}

void item__rates(const struct event *ev, uint64_t amounts[BL_RATES])
{
	amounts[RATE_EXECS] = ev->kind == EVENT_EXEC && !ev->exec.ret;
	amounts[RATE_OPENS] = ev->kind == EVENT_OPEN;
	amounts[RATE_BYTES_OUT] = ev->kind == EVENT_FLOW ? ev->flow.val.bytes
							 : 0;
}

void pcomps__text(const struct pcomps *pc, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < pc->n && o + 2 < len; i++) {
		if (i || !bytes__is(pc->c[0].p, pc->c[0].len, "~"))
			buf[o++] = '/';
		o += ptree__escape(pc->c[i].p, pc->c[i].len, buf + o, len - o);
	}
	if (!o && len > 1)
		snprintf(buf, len, "/");
}
