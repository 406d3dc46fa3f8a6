// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "syscalls.h"

/* Splits the data[] area of a record into consecutive strings. */
struct cursor {
	const char *p;
	size_t left;
};

static int cursor__take(struct cursor *c, size_t len, struct bytes *out)
{
	if (len > c->left)
		return -EINVAL;
	out->p = c->p;
	out->len = len;
	c->p += len;
	c->left -= len;
	return 0;
}

static struct cursor cursor__after(const void *rec, size_t fixed, size_t size)
{
	return (struct cursor){ (const char *)rec + fixed, size - fixed };
}

/* argv cut at the kernel's limit may end inside an argument: only whole
 * arguments are reported. */
static void argv__trim(struct bytes *argv)
{
	while (argv->len && argv->p[argv->len - 1] != '\0')
		argv->len--;
}

static int decode__exec(const struct vigil_exec *r, size_t size,
			struct ev_exec *e)
{
	struct cursor c = cursor__after(r, sizeof(*r), size);

	e->ret = r->ret;
	e->dev = r->dev;
	e->ino = r->ino;
	e->sys = r->sys;
	e->argc = r->argc;
	e->filesets = r->filesets;
	memcpy(e->stdio, r->stdio, sizeof(e->stdio));
	e->old_euid = r->old_euid;
	e->old_egid = r->old_egid;
	e->euid = r->euid;
	e->egid = r->egid;
	e->script_dev = r->script_dev;
	e->script_ino = r->script_ino;
	e->dropped = 0;
	if (cursor__take(&c, r->file_len, &e->file) ||
	    cursor__take(&c, r->arg_len, &e->arg) ||
	    cursor__take(&c, r->argv_len, &e->argv) ||
	    cursor__take(&c, r->script_len, &e->script) ||
	    cursor__take(&c, r->env_len, &e->env))
		return -EINVAL;
	if (r->hdr.flags & VIGIL_F_ARGV_TRUNC)
		argv__trim(&e->argv);
	argv__trim(&e->env);	/* every kept variable ends in its NUL */
	return 0;
}

static int decode__open(const struct vigil_open *r, size_t size,
			struct ev_open *e)
{
	struct cursor c = cursor__after(r, sizeof(*r), size);

	e->ret = r->ret;
	e->flags = r->open_flags;
	e->mode = r->mode;
	e->dev = r->dev;
	e->ino = r->ino;
	e->sys = r->sys;
	e->filesets = r->filesets;
	if (cursor__take(&c, r->path_len, &e->path) ||
	    cursor__take(&c, r->arg_len, &e->arg))
		return -EINVAL;
	return 0;
}

static int decode__file(const struct vigil_file *r, size_t size,
			struct ev_file *e)
{
	struct cursor c = cursor__after(r, sizeof(*r), size);

	e->ret = r->ret;
	e->op = r->op;
	e->sys = r->sys;
	e->mode = r->mode;
	e->uid = r->uid;
	e->gid = r->gid;
	e->at_flags = r->at_flags;
	e->length = r->length;
	if (!r->op || r->op >= VIGIL_FILE_OPS ||
	    cursor__take(&c, r->base_len, &e->base) ||
	    cursor__take(&c, r->arg_len, &e->arg) ||
	    cursor__take(&c, r->base2_len, &e->base2) ||
	    cursor__take(&c, r->arg2_len, &e->arg2))
		return -EINVAL;
	return 0;
}

static void decode__cred(const struct vigil_cred *r, struct ev_cred *e)
{
	e->nr = r->nr;
	e->ret = r->ret;
	e->name = syscalls__any_name(r->nr, r->hdr.flags & VIGIL_F_COMPAT);
	e->old_ids = r->old_ids;
	e->new_ids = r->new_ids;
	e->ngroups_old = r->ngroups_old;
	e->ngroups_new = r->ngroups_new;
	e->cap_eff_old = r->cap_eff_old;
	e->cap_eff_new = r->cap_eff_new;
	e->cap_prm_new = r->cap_prm_new;
	memcpy(e->args, r->args, sizeof(e->args));
}

static int decode__socket(const struct vigil_socket *r, struct ev_socket *e)
{
	e->ret = r->ret;
	e->op = r->op;
	e->family = r->family;
	e->sock_type = r->sock_type;
	e->proto = r->proto;
	e->backlog = r->backlog;
	e->sa = r->sa;
	if (e->sa.path_len > VIGIL_UNIX_MAX)
		e->sa.path_len = VIGIL_UNIX_MAX;
	return r->op && r->op < VIGIL_SOCKET_OPS ? 0 : -EINVAL;
}

size_t dns__name_text(const uint8_t *wire, size_t len, char *out)
{
	size_t at = 0;

	/* The text is one byte shorter than the wire form (the first
	 * length byte goes), so it fits with its NUL. */
	if (len > VIGIL_DNS_NAME_MAX)
		len = VIGIL_DNS_NAME_MAX;
	for (size_t i = 0; i < len && wire[i]; ) {
		size_t n = wire[i++];

		if (n > len - i)
			n = len - i;
		if (at)
			out[at++] = '.';
		memcpy(&out[at], &wire[i], n);
		at += n;
		i += n;
	}
	out[at] = '\0';
	return at;
}

static int decode__dns(const struct vigil_dns *r, struct ev_dns *e)
{
	e->qname_len = dns__name_text(r->qname, r->qname_len, e->qname);
	e->qtype = r->qtype;
	e->verdict = r->verdict;
	e->truncated = r->hdr.flags & VIGIL_F_PATH_TRUNC;
	e->family = r->family;
	e->port = r->port;
	memcpy(e->addr, r->addr, sizeof(e->addr));
	e->proto = r->proto;
	if (r->verdict >= VIGIL_VERDICTS)
		return -EINVAL;
	return dns__reply_decode(r, e);
}

static int decode__connect(const struct vigil_connect *r,
			   struct ev_connect *e)
{
	e->ret = r->ret;
	e->proto = r->proto;
	e->sock_type = r->sock_type;
	e->sa = r->sa;
	e->verdict = r->verdict;
	e->via = r->op;
	if (e->sa.path_len > VIGIL_UNIX_MAX)
		e->sa.path_len = VIGIL_UNIX_MAX;
	return r->verdict < VIGIL_VERDICTS && r->op < VIGIL_CONNECT_OPS
		       ? 0 : -EINVAL;
}

static void decode__syscall(const struct vigil_syscall *s,
			    struct ev_syscall *e)
{
	e->nr = s->nr;
	e->ret = s->ret;
	memcpy(e->args, s->args, sizeof(e->args));
	e->name = syscalls__name(s->nr, s->hdr.flags & VIGIL_F_COMPAT);
	if (!e->name)
		e->name = "unknown";
}

static void decode__budget(const struct vigil_budget *r, struct ev_budget *e)
{
	e->sandbox_cgid = r->hdr.sandbox_cgid;
	e->budget = r->budget;
	e->spent = r->spent;
	e->profile = r->profile;
	e->family = r->family;
	e->port = r->port;
	e->proto = r->proto;
	memcpy(e->addr, r->addr, sizeof(e->addr));
	memcpy(e->entry, r->entry, sizeof(e->entry));
	e->entry[sizeof(e->entry) - 1] = '\0';
}

/* The name becomes a path component under a root: it must be one. */
static bool name__is_component(const struct bytes *n)
{
	return n->len && memchr(n->p, '/', n->len) == NULL &&
	       memchr(n->p, '\0', n->len) == NULL &&
	       !(n->len == 1 && n->p[0] == '.') &&
	       !(n->len == 2 && n->p[0] == '.' && n->p[1] == '.');
}

static int decode__cgroup(const struct vigil_cgroup *r, struct ev_cgroup *e)
{
	e->root = r->root;
	e->name.p = r->name;
	e->name.len = r->name_len;
	if (e->root >= VIGIL_MAX_ROOTS || e->name.len >= sizeof(r->name) ||
	    !name__is_component(&e->name))
		return -EINVAL;
	return 0;
}

static void decode__escape(const struct vigil_escape *r, struct ev_escape *e)
{
	e->how = r->how;
	e->cgroup_id = r->cgroup_id;
	e->into_cgid = r->into_sandbox;
	e->moved_pid = r->moved_pid;
	e->moved_killed = r->moved_killed;
	e->signal = r->signal;
}

/* The smallest valid size of each kernel record type. */
static size_t decode__min_size(uint16_t type)
{
	switch (type) {
	case VIGIL_EV_EXEC: return sizeof(struct vigil_exec);
	case VIGIL_EV_FORK: return sizeof(struct vigil_fork);
	case VIGIL_EV_EXIT: return sizeof(struct vigil_exit);
	case VIGIL_EV_OPEN: return sizeof(struct vigil_open);
	case VIGIL_EV_CONNECT: return sizeof(struct vigil_connect);
	case VIGIL_EV_SYSCALL: return sizeof(struct vigil_syscall);
	case VIGIL_EV_BUDGET: return sizeof(struct vigil_budget);
	case VIGIL_EV_CGROUP_MKDIR:
	case VIGIL_EV_CGROUP_RMDIR: return sizeof(struct vigil_cgroup);
	case VIGIL_EV_ESCAPE: return sizeof(struct vigil_escape);
	case VIGIL_EV_FILE: return sizeof(struct vigil_file);
	case VIGIL_EV_CRED: return sizeof(struct vigil_cred);
	case VIGIL_EV_SOCKET: return sizeof(struct vigil_socket);
	case VIGIL_EV_DNS: return sizeof(struct vigil_dns);
	default: return 0;
	}
}

int event__decode(const void *data, size_t size, struct event *ev)
{
	const struct vigil_hdr *h = data;
	size_t min;

	if (size < sizeof(*h) || h->size > size)
		return -EINVAL;
	size = h->size;
	min = decode__min_size(h->type);
	if (!min || size < min)
		return -EINVAL;
	memset(ev, 0, sizeof(*ev));
	ev->kind = (enum event_kind)h->type;
	ev->ktime_ns = h->ktime_ns;
	ev->hdr = h;
	switch (h->type) {
	case VIGIL_EV_EXEC:
		return decode__exec(data, size, &ev->exec);
	case VIGIL_EV_OPEN:
		return decode__open(data, size, &ev->open);
	case VIGIL_EV_CONNECT:
		return decode__connect(data, &ev->connect);
	case VIGIL_EV_FILE:
		return decode__file(data, size, &ev->file);
	case VIGIL_EV_CRED:
		decode__cred(data, &ev->cred);
		return 0;
	case VIGIL_EV_SOCKET:
		return decode__socket(data, &ev->socket);
	case VIGIL_EV_DNS:
		return decode__dns(data, &ev->dns);
	case VIGIL_EV_FORK:
		ev->child_pid = ((const struct vigil_fork *)data)->child_pid;
		return 0;
	case VIGIL_EV_SYSCALL:
		decode__syscall(data, &ev->syscall);
		return 0;
	case VIGIL_EV_ESCAPE:
		decode__escape(data, &ev->escape);
		return 0;
	case VIGIL_EV_BUDGET:
		/* Sent from packet context: there is no process to name. */
		decode__budget(data, &ev->budget);
		ev->hdr = NULL;
		return 0;
	case VIGIL_EV_CGROUP_MKDIR:
	case VIGIL_EV_CGROUP_RMDIR:
		return decode__cgroup(data, &ev->cgroup);
	default:
		ev->exit_code = ((const struct vigil_exit *)data)->exit_code;
		return 0;
	}
}

const char *event__type_name(enum event_kind kind)
{
	switch (kind) {
	case EVENT_EXEC: return "exec";
	case EVENT_FORK: return "fork";
	case EVENT_EXIT: return "exit";
	case EVENT_OPEN: return "open";
	case EVENT_CONNECT: return "connect";
	case EVENT_SYSCALL: return "syscall";
	case EVENT_BUDGET: return "budget";
	case EVENT_MKDIR: return "mkdir";
	case EVENT_RMDIR: return "rmdir";
	case EVENT_ESCAPE: return "escape";
	case EVENT_FILE: return "file";
	case EVENT_CRED: return "cred";
	case EVENT_SOCKET: return "socket";
	case EVENT_DNS: return "dns";
	case EVENT_FLOW: return "flow";
	case EVENT_DROP: return "drop";
	case EVENT_ALERT: return "alert";
	case EVENT_ACTION: return "action";
	case EVENT_GAP: return "gap";
	case EVENT_REPEAT: return "repeat";
	case EVENT_ANOMALY: return "anomaly";
	case EVENT_APPROVAL: return "approval";
	case EVENT_LIFECYCLE: return "lifecycle";
	case EVENT_AUDIT: return "audit";
	}
	return "unknown";
}

static const char *const escape_hows[] = {
	[VIGIL_ESCAPE_OPEN] = "open",
	[VIGIL_ESCAPE_CLONE] = "clone",
	[VIGIL_ESCAPE_MOVE] = "move",
	[VIGIL_ESCAPE_SIGNAL] = "signal",
};

#define NR_HOWS (sizeof(escape_hows) / sizeof(escape_hows[0]))

const char *escape__how_name(uint16_t how)
{
	return how < NR_HOWS && escape_hows[how] ? escape_hows[how]
						 : "unknown";
}

uint16_t escape__how_parse(const char *name)
{
	for (uint16_t i = 1; i < NR_HOWS; i++)
		if (!strcmp(escape_hows[i], name))
			return i;
	return 0;
}

static const char *const anomaly_whats[ANOMALY_KINDS] = {
	[ANOMALY_EXEC] = "exec",
	[ANOMALY_FILE] = "file",
	[ANOMALY_CONNECT] = "connect",
	[ANOMALY_LISTEN] = "listen",
	[ANOMALY_SYSCALL] = "syscall",
	[ANOMALY_CRED] = "cred",
	[ANOMALY_RATE] = "rate",
};

const char *anomaly__what_name(uint16_t what)
{
	return what < ANOMALY_KINDS ? anomaly_whats[what] : "unknown";
}

uint16_t anomaly__what_parse(const char *name)
{
	uint16_t i = 0;

	while (i < ANOMALY_KINDS && strcmp(anomaly_whats[i], name))
		i++;
	return i;
}

static const char *const file_ops[VIGIL_FILE_OPS] = {
	[VIGIL_FILE_MKDIR] = "mkdir",
	[VIGIL_FILE_UNLINK] = "unlink",
	[VIGIL_FILE_RMDIR] = "rmdir",
	[VIGIL_FILE_RENAME] = "rename",
	[VIGIL_FILE_LINK] = "link",
	[VIGIL_FILE_SYMLINK] = "symlink",
	[VIGIL_FILE_CHMOD] = "chmod",
	[VIGIL_FILE_CHOWN] = "chown",
	[VIGIL_FILE_TRUNCATE] = "truncate",
	[VIGIL_FILE_MEMFD] = "memfd",
};

const char *file__op_name(uint16_t op)
{
	return op < VIGIL_FILE_OPS && file_ops[op] ? file_ops[op] : "unknown";
}

uint16_t file__op_parse(const char *name)
{
	for (uint16_t i = 1; i < VIGIL_FILE_OPS; i++)
		if (!strcmp(file_ops[i], name))
			return i;
	return 0;
}

bool file__op_two(uint16_t op)
{
	return op == VIGIL_FILE_RENAME || op == VIGIL_FILE_LINK ||
	       op == VIGIL_FILE_SYMLINK;
}

/* The index of name in a table of n names, -1 when it has none. */
static int table__find(const char *const *tab, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (tab[i] && !strcmp(tab[i], name))
			return i;
	return -1;
}

static const char *const verdicts[VIGIL_VERDICTS] = {
	[VIGIL_VERDICT_NONE] = "none",
	[VIGIL_VERDICT_ALLOW] = "allow",
	[VIGIL_VERDICT_MONITOR] = "monitor",
	[VIGIL_VERDICT_DENY] = "deny",
};

const char *verdict__name(uint8_t v)
{
	return v < VIGIL_VERDICTS ? verdicts[v] : "unknown";
}

int verdict__parse(const char *name)
{
	return table__find(verdicts, VIGIL_VERDICTS, name);
}

static const char *const connect_vias[VIGIL_CONNECT_OPS] = {
	[VIGIL_CONNECT_CALL] = "syscall",
	[VIGIL_CONNECT_HOOK] = "hook",
	[VIGIL_CONNECT_SEND] = "send",
};

const char *connect__via_name(uint8_t via)
{
	return via < VIGIL_CONNECT_OPS ? connect_vias[via] : "unknown";
}

int connect__via_parse(const char *name)
{
	return table__find(connect_vias, VIGIL_CONNECT_OPS, name);
}

/* The query types worth a name: addresses, the ones tunnels favour
 * (TXT, NULL, MX, CNAME) and the rest a resolver sees daily. */
static const struct {
	uint16_t type;
	const char *name;
} dns_qtypes[] = {
	{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 10, "NULL" },
	{ 12, "PTR" }, { 15, "MX" }, { 16, "TXT" }, { 28, "AAAA" },
	{ 33, "SRV" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 255, "ANY" },
};

const char *dns__qtype_text(uint16_t qtype, char buf[DNS_QTYPE_TEXT])
{
	for (size_t i = 0; i < sizeof(dns_qtypes) / sizeof(dns_qtypes[0]); i++)
		if (dns_qtypes[i].type == qtype)
			return dns_qtypes[i].name;
	snprintf(buf, DNS_QTYPE_TEXT, "TYPE%u", qtype);
	return buf;
}

int dns__qtype_parse(const char *text)
{
	char *end;
	unsigned long n;

	for (size_t i = 0; i < sizeof(dns_qtypes) / sizeof(dns_qtypes[0]); i++)
		if (!strcmp(dns_qtypes[i].name, text))
			return dns_qtypes[i].type;
	if (strncmp(text, "TYPE", 4))
		return -1;
	n = strtoul(text + 4, &end, 10);
	return end != text + 4 && !*end && n <= 65535 ? (int)n : -1;
}

static const char *const socket_ops[VIGIL_SOCKET_OPS] = {
	[VIGIL_SOCKET_SOCKET] = "socket",
	[VIGIL_SOCKET_BIND] = "bind",
	[VIGIL_SOCKET_LISTEN] = "listen",
	[VIGIL_SOCKET_ACCEPT] = "accept",
};

const char *socket__op_name(uint16_t op)
{
	return op < VIGIL_SOCKET_OPS && socket_ops[op] ? socket_ops[op]
						       : "unknown";
}

uint16_t socket__op_parse(const char *name)
{
	for (uint16_t i = 1; i < VIGIL_SOCKET_OPS; i++)
		if (!strcmp(socket_ops[i], name))
			return i;
	return 0;
}
