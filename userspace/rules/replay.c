// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <yajl/yajl_tree.h>

#include "dnsrec.h"
#include "flags.h"
#include "netname.h"
#include "replay.h"
#include "ruleset.h"
#include "syscalls.h"

struct replay {
	const struct ruleset *rs;	/* names the file sets, or NULL */
	yajl_val doc;		/* the current line's, strings point here */
	/* Sandboxes outlive a line: rules keep state per sandbox. */
	struct sandboxes *sandboxes;
	uint64_t next_cgid;	/* for records without a cgroup_id */
	struct vigil_hdr hdr;
	struct proc procs[PROC_MAX_DEPTH + 1];
	char *argv;
	size_t argv_cap;
};

struct replay *replay__new(const struct ruleset *rs,
			   struct sandboxes *sandboxes)
{
	struct replay *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->rs = rs;
	r->sandboxes = sandboxes;
	r->next_cgid = 1ull << 62;
	return r;
}

void replay__free(struct replay *r)
{
	if (!r)
		return;
	yajl_tree_free(r->doc);
	free(r->argv);
	free(r);
}

/* ---------------------------------------------------------------- values */

static yajl_val get(yajl_val v, const char *key)
{
	const char *path[] = { key, NULL };

	return v ? yajl_tree_get(v, path, yajl_t_any) : NULL;
}

static const char *str(yajl_val v, const char *key)
{
	yajl_val s = get(v, key);

	return YAJL_IS_STRING(s) ? YAJL_GET_STRING(s) : NULL;
}

static struct bytes bytes(yajl_val v, const char *key)
{
	const char *s = str(v, key);

	return (struct bytes){ s ? s : "", s ? strlen(s) : 0 };
}

static long long num(yajl_val v, const char *key)
{
	yajl_val n = get(v, key);

	return YAJL_IS_INTEGER(n) ? YAJL_GET_INTEGER(n) : 0;
}

/* RFC 3339 as vigil writes it ("2026-12-02T17:32:45.723979113Z"), in ns
 * since the epoch: replayed windows and decay run on recorded time. */
static uint64_t time__ns(const char *s)
{
	struct tm tm = { 0 };
	const char *frac;
	uint64_t ns = 0;
	int digits = 0;

	if (!s || !(frac = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return 0;
	if (*frac == '.')
		for (frac++; *frac >= '0' && *frac <= '9'; frac++)
			if (digits++ < 9)
				ns = ns * 10 + (*frac - '0');
	while (digits++ < 9)
		ns *= 10;
	return (uint64_t)timegm(&tm) * 1000000000 + ns;
}

/* ---------------------------------------------------------------- parts */

static struct sandbox *sandbox__of(struct replay *r, yajl_val v)
{
	const char *profile = str(v, "profile");
	struct sandbox proto = {
		.cgid = num(v, "cgroup_id"), .id = (char *)str(v, "id"),
		.cgroup = (char *)str(v, "cgroup"), .profile = (char *)profile,
		.profile_len = profile ? strlen(profile) : 0,
	};
	struct sandbox *sb;

	if (!proto.id)
		return NULL;
	if (!proto.cgid) {	/* hand-written records: the id names it */
		sb = sandboxes__find_id(r->sandboxes, proto.id);
		if (sb)
			return sb;
		proto.cgid = r->next_cgid++;
	}
	return sandboxes__add(r->sandboxes, &proto);
}

static void proc__fill(struct proc *p, uint32_t pid, const char *exe)
{
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->exe = (char *)exe;
	p->exe_len = exe ? strlen(exe) : 0;
}

/* The process and its ancestors, as a parent chain. */
static void proc__of(struct replay *r, yajl_val v, yajl_val anc,
		     struct event *ev)
{
	const char *comm = str(v, "comm");
	size_t n = YAJL_IS_ARRAY(anc) ? anc->u.array.len : 0;

	memset(&r->hdr, 0, sizeof(r->hdr));
	r->hdr.pid = num(v, "pid");
	r->hdr.tid = num(v, "tid");
	r->hdr.ppid = num(v, "ppid");
	r->hdr.uid = num(v, "uid");
	r->hdr.gid = num(v, "gid");
	if (comm)
		memcpy(r->hdr.comm, comm, strnlen(comm, sizeof(r->hdr.comm)));
	proc__fill(&r->procs[0], r->hdr.pid, str(v, "exe"));
	if (n > PROC_MAX_DEPTH)
		n = PROC_MAX_DEPTH;
	for (size_t i = 0; i < n; i++) {
		yajl_val a = anc->u.array.values[i];

		proc__fill(&r->procs[i + 1], num(a, "pid"), str(a, "exe"));
		r->procs[i].parent = &r->procs[i + 1];
	}
	ev->hdr = &r->hdr;
	ev->proc = &r->procs[0];
}

/* File set names back to the rule set's bits. A name the rules do not
 * define would be replayed as no set at all: the line is refused. */
static int filesets__of(const struct replay *r, yajl_val v, uint64_t *bits,
			char *err, size_t errlen)
{
	yajl_val sets = get(v, "filesets");

	if (sets && !YAJL_IS_ARRAY(sets)) {
		snprintf(err, errlen, "\"filesets\" is not a list");
		return -EINVAL;
	}
	for (size_t i = 0; sets && i < sets->u.array.len; i++) {
		const char *name = YAJL_GET_STRING(sets->u.array.values[i]);
		int bit = name && r->rs ? ruleset__fileset(r->rs, name,
							   strlen(name)) : -1;

		if (bit < 0) {
			snprintf(err, errlen, "unknown fileset \"%s\"",
				 name ? name : "(not a string)");
			return -EINVAL;
		}
		*bits |= 1ull << bit;
	}
	return 0;
}

/* What open and exec records share: the file's sets, and whether the
 * kernel killed the task (enforce: kernel). */
static int file__of(struct replay *r, yajl_val v, uint64_t *filesets,
		    char *err, size_t errlen)
{
	if (YAJL_IS_TRUE(get(v, "kernel_killed")))
		r->hdr.flags |= VIGIL_F_KILLED;
	return filesets__of(r, v, filesets, err, errlen);
}

/* "stdio": {"stdin": "inet", ...}; a record without it had them closed. */
static int stdio__of(yajl_val v, uint8_t stdio[3], char *err, size_t errlen)
{
	static const char *const keys[3] = { "stdin", "stdout", "stderr" };
	yajl_val fds = get(v, "stdio");

	for (int i = 0; i < 3; i++) {
		const char *name = str(fds, keys[i]);
		int type = name ? fdtype__parse(name) : VIGIL_FD_NONE;

		if (type < 0) {
			snprintf(err, errlen, "unknown fd type \"%s\" in "
				 "\"stdio\"", name);
			return -EINVAL;
		}
		stdio[i] = type;
	}
	return 0;
}

static int exec__of(struct replay *r, yajl_val v, struct ev_exec *e,
		    char *err, size_t errlen)
{
	yajl_val argv = get(v, "argv");
	size_t len = 0;

	e->file = bytes(v, "file");
	e->arg = bytes(v, "arg");
	e->ret = num(v, "ret");
	e->argc = num(v, "argc");
	for (size_t i = 0; YAJL_IS_ARRAY(argv) && i < argv->u.array.len; i++) {
		const char *a = YAJL_GET_STRING(argv->u.array.values[i]);
		size_t alen = a ? strlen(a) + 1 : 0;

		if (len + alen > VIGIL_ARGV_MAX)
			break;
		if (len + alen > r->argv_cap) {
			char *p = realloc(r->argv, VIGIL_ARGV_MAX);

			if (!p) {
				snprintf(err, errlen, "out of memory");
				return -ENOMEM;
			}
			r->argv = p;
			r->argv_cap = VIGIL_ARGV_MAX;
		}
		memcpy(r->argv + len, a, alen);
		len += alen;
	}
	e->argv = (struct bytes){ r->argv, len };
	return file__of(r, v, &e->filesets, err, errlen) ?:
	       stdio__of(v, e->stdio, err, errlen);
}

static int open__of(struct replay *r, yajl_val v, struct ev_open *o,
		    char *err, size_t errlen)
{
	yajl_val flags = get(v, "flags");

	o->path = bytes(v, "path");
	o->arg = bytes(v, "arg");
	o->ret = num(v, "ret");
	o->mode = num(v, "mode");
	o->dev = num(v, "dev");
	o->ino = num(v, "ino");
	for (size_t i = 0; YAJL_IS_ARRAY(flags) && i < flags->u.array.len; i++) {
		const char *f = YAJL_GET_STRING(flags->u.array.values[i]);

		if (f)
			o->flags |= open_flags__bits(f);
	}
	return file__of(r, v, &o->filesets, err, errlen);
}

static void fileop__of(yajl_val v, struct ev_file *f)
{
	const char *op = str(v, "op");

	f->op = op ? file__op_parse(op) : 0;
	f->base = bytes(v, "base");
	f->arg = bytes(v, "arg");
	f->base2 = bytes(v, "base2");
	f->arg2 = bytes(v, "arg2");
	f->ret = num(v, "ret");
	f->mode = num(v, "mode");
	f->uid = num(v, "uid");
	f->gid = num(v, "gid");
	f->at_flags = num(v, "flags");
	f->length = num(v, "length");
}

static void ids__of(yajl_val v, struct vigil_ids *ids, uint32_t *ngroups,
		    uint64_t *cap_eff)
{
	ids->uid = num(v, "uid");
	ids->euid = num(v, "euid");
	ids->suid = num(v, "suid");
	ids->fsuid = num(v, "fsuid");
	ids->gid = num(v, "gid");
	ids->egid = num(v, "egid");
	ids->sgid = num(v, "sgid");
	ids->fsgid = num(v, "fsgid");
	*ngroups = num(v, "ngroups");
	*cap_eff = num(v, "cap_effective");
}

static void cred__of(yajl_val v, struct ev_cred *c)
{
	const char *name = str(v, "syscall");

	/* Names outlive the line: the table's, or "unknown". */
	c->nr = num(v, "nr");
	c->name = name ? syscalls__any_name(c->nr, false) : "unknown";
	c->ret = num(v, "ret");
	ids__of(get(v, "old"), &c->old_ids, &c->ngroups_old, &c->cap_eff_old);
	ids__of(get(v, "new"), &c->new_ids, &c->ngroups_new, &c->cap_eff_new);
	c->cap_prm_new = num(v, "cap_permitted");
}

static uint8_t proto__of(const char *name)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP,
					  IPPROTO_ICMP, IPPROTO_ICMPV6,
					  IPPROTO_SCTP };

	for (size_t i = 0; name && i < sizeof(protos); i++)
		if (!strcmp(net__proto_name(AF_INET, protos[i], 0), name))
			return protos[i];
	return 0;
}

/* An address as records write it: inet text or a unix path. */
static void sockaddr__of(yajl_val v, struct vigil_sockaddr *sa)
{
	const char *addr = str(v, "addr");

	sa->family = net__family_parse(str(v, "family") ? str(v, "family") : "");
	sa->port = num(v, "port");
	if (!addr)
		return;
	if (sa->family == AF_UNIX) {
		sa->path_len = strnlen(addr, VIGIL_UNIX_MAX);
		memcpy(sa->path, addr, sa->path_len);
	} else if (inet_pton(sa->family, addr, sa->addr) != 1) {
		sa->family = 0;
	}
}

/* sock_type as records write it: a name, or a number without one. */
static uint32_t sock_type__of(yajl_val v)
{
	static const char *const names[] = {
		[SOCK_STREAM] = "stream", [SOCK_DGRAM] = "dgram",
		[SOCK_RAW] = "raw", [SOCK_RDM] = "rdm",
		[SOCK_SEQPACKET] = "seqpacket", [SOCK_PACKET] = "packet",
	};
	const char *name = str(v, "sock_type");

	for (uint32_t i = 0; name && i < sizeof(names) / sizeof(*names); i++)
		if (names[i] && !strcmp(names[i], name))
			return i;
	return num(v, "sock_type");
}

/* A name of the record's that a reader may not know reads as 0. */
static uint8_t name__of(int parsed)
{
	return parsed < 0 ? 0 : parsed;
}

static void connect__of(yajl_val v, struct ev_connect *c)
{
	const char *verdict = str(v, "verdict"), *via = str(v, "via");

	sockaddr__of(v, &c->sa);
	c->ret = num(v, "ret");
	c->proto = proto__of(str(v, "proto"));
	c->verdict = verdict ? name__of(verdict__parse(verdict)) : 0;
	c->via = via ? name__of(connect__via_parse(via)) : 0;
}

static void socket__of(yajl_val v, struct ev_socket *s)
{
	const char *op = str(v, "op");

	s->op = op ? socket__op_parse(op) : 0;
	sockaddr__of(v, &s->sa);
	s->family = num(v, "family_nr");
	s->sock_type = sock_type__of(v);
	s->proto = num(v, "proto");
	s->backlog = num(v, "backlog");
	s->ret = num(v, "ret");
}

/* A response's side of a dns record. */
static void dns_reply__of(yajl_val v, struct ev_dns *d)
{
	const char *rcode = str(v, "rcode");
	yajl_val answers = get(v, "answers");
	int n = rcode ? dns__rcode_parse(rcode) : -1;

	d->rcode = n < 0 ? 0 : n;
	d->cut = YAJL_IS_TRUE(get(v, "answers_truncated"));
	d->granted = YAJL_IS_TRUE(get(v, "granted"));
	d->cnames = num(v, "cnames");
	d->ttl = num(v, "ttl");
	for (size_t i = 0; YAJL_IS_ARRAY(answers) &&
			   i < answers->u.array.len; i++) {
		const char *a = YAJL_GET_STRING(answers->u.array.values[i]);

		if (a)
			dns__answers_add(d, a);
	}
}

static void dns__of(yajl_val v, struct ev_dns *d)
{
	const char *qname = str(v, "qname"), *qtype = str(v, "qtype");
	const char *verdict = str(v, "verdict");
	struct vigil_sockaddr sa = { 0 };
	int type = qtype ? dns__qtype_parse(qtype) : -1;

	if (qname) {
		d->qname_len = strnlen(qname, sizeof(d->qname) - 1);
		memcpy(d->qname, qname, d->qname_len);
	}
	d->qtype = type < 0 ? 0 : type;
	d->verdict = verdict ? name__of(verdict__parse(verdict)) : 0;
	d->truncated = YAJL_IS_TRUE(get(v, "truncated"));
	sockaddr__of(v, &sa);
	d->family = sa.family;
	d->port = sa.port;
	memcpy(d->addr, sa.addr, sizeof(d->addr));
	d->proto = proto__of(str(v, "proto"));
	d->response = YAJL_IS_TRUE(get(v, "response"));
	if (d->response)
		dns_reply__of(v, d);
}

static void flow__of(yajl_val v, struct ev_flow *f)
{
	struct vigil_sockaddr sa = { 0 };

	sockaddr__of(v, &sa);
	f->key.family = sa.family;
	f->key.port = sa.port;
	memcpy(f->key.addr, sa.addr, sizeof(f->key.addr));
	f->key.proto = proto__of(str(v, "proto"));
	f->val.bytes = num(v, "bytes");
	f->val.packets = num(v, "packets");
	f->val.send_calls = num(v, "send_calls");
	f->val.send_bytes = num(v, "send_bytes");
	f->interval_ms = num(v, "interval_ms");
}

static void budget__of(yajl_val v, const struct sandbox *sb,
		       struct ev_budget *b)
{
	struct vigil_sockaddr sa = { 0 };

	sockaddr__of(v, &sa);
	b->sandbox_cgid = sb->cgid;
	b->family = sa.family;
	b->port = sa.port;
	memcpy(b->addr, sa.addr, sizeof(b->addr));
	b->proto = proto__of(str(v, "proto"));
	b->budget = num(v, "limit");
	b->spent = num(v, "spent");
	b->profile = num(v, "profile_id");
	snprintf(b->entry, sizeof(b->entry), "%s", str(v, "entry") ?: "");
}

static void syscall__of(struct replay *r, yajl_val v, struct ev_syscall *s)
{
	yajl_val args = get(v, "args");
	const char *name = str(v, "name");

	/* Names outlive the line: the watched table's, or "unknown". */
	s->name = name && syscalls__nr(name) >= 0
		? syscalls__name(syscalls__nr(name), false) : "unknown";
	s->nr = num(v, "nr");
	s->ret = num(v, "ret");
	if (YAJL_IS_TRUE(get(v, "kernel_killed")))
		r->hdr.flags |= VIGIL_F_KILLED;
	for (size_t i = 0; YAJL_IS_ARRAY(args) && i < args->u.array.len &&
			   i < 4; i++)
		if (YAJL_IS_INTEGER(args->u.array.values[i]))
			s->args[i] = YAJL_GET_INTEGER(args->u.array.values[i]);
}

static void escape__of(struct replay *r, yajl_val v, struct ev_escape *e)
{
	const char *how = str(v, "how");

	e->how = how ? escape__how_parse(how) : 0;
	e->cgroup_id = num(v, "cgroup_id");
	e->into = str(v, "into");
	e->moved_pid = num(v, "moved_pid");
	e->moved_killed = YAJL_IS_TRUE(get(v, "moved_killed"));
	e->signal = num(v, "signal") & 0xff;
	if (YAJL_IS_TRUE(get(v, "kernel_killed")))
		r->hdr.flags |= VIGIL_F_KILLED;
}

/* exit's code and signal back into a wait(2) status. */
static uint32_t status__of(yajl_val v)
{
	long long sig = num(v, "signal");

	if (sig)
		return (sig & 0x7f) | (get(v, "core_dumped") &&
				       YAJL_IS_TRUE(get(v, "core_dumped"))
				       ? 0x80 : 0);
	return (num(v, "code") & 0xff) << 8;
}

static int body__of(struct replay *r, yajl_val body, struct event *ev,
		    char *err, size_t errlen)
{
	switch (ev->kind) {
	case EVENT_EXEC:
		return exec__of(r, body, &ev->exec, err, errlen);
	case EVENT_OPEN:
		return open__of(r, body, &ev->open, err, errlen);
	case EVENT_FILE:
		fileop__of(body, &ev->file);
		break;
	case EVENT_CRED:
		cred__of(body, &ev->cred);
		break;
	case EVENT_SOCKET:
		socket__of(body, &ev->socket);
		break;
	case EVENT_DNS:
		dns__of(body, &ev->dns);
		break;
	case EVENT_CONNECT:
		connect__of(body, &ev->connect);
		break;
	case EVENT_FLOW:
		flow__of(body, &ev->flow);
		break;
	case EVENT_EXIT:
		ev->exit_code = status__of(body);
		break;
	case EVENT_FORK:
		ev->child_pid = num(body, "child_pid");
		break;
	case EVENT_SYSCALL:
		syscall__of(r, body, &ev->syscall);
		break;
	case EVENT_BUDGET:
		budget__of(body, ev->sandbox, &ev->budget);
		break;
	case EVENT_ESCAPE:
		escape__of(r, body, &ev->escape);
		break;
	case EVENT_DROP:
		ev->drop.lost = num(body, "lost");
		ev->drop.kills = num(body, "kernel_kills");
		break;
	case EVENT_REPEAT:
		ev->repeat.val.count = num(body, "count");
		ev->repeat.key.pid = num(body, "pid");
		break;
	default:
		break;
	}
	return 0;
}

static const enum event_kind replayed[] = {
	EVENT_EXEC, EVENT_FORK, EVENT_EXIT, EVENT_OPEN, EVENT_CONNECT,
	EVENT_SYSCALL, EVENT_BUDGET, EVENT_ESCAPE, EVENT_FILE,
	EVENT_CRED, EVENT_SOCKET, EVENT_DNS, EVENT_FLOW, EVENT_DROP,
	EVENT_REPEAT,
};

int replay__parse(struct replay *r, const char *line, size_t len,
		  struct event *ev, char *err, size_t errlen)
{
	char *text = strndup(line, len);
	const char *type;
	yajl_val body;

	yajl_tree_free(r->doc);
	r->doc = text ? yajl_tree_parse(text, err, errlen) : NULL;
	free(text);
	if (!r->doc || !YAJL_IS_OBJECT(r->doc)) {
		if (r->doc)
			snprintf(err, errlen, "not a JSON object");
		/* yajl's message draws an arrow over several lines. */
		err[strcspn(err, "\n")] = '\0';
		return -EINVAL;
	}
	memset(ev, 0, sizeof(*ev));
	type = str(r->doc, "type");
	for (size_t i = 0; type && i < sizeof(replayed) / sizeof(*replayed); i++)
		if (!strcmp(type, event__type_name(replayed[i])))
			ev->kind = replayed[i];
	if (!ev->kind) {
		/* vigil's own records that rules do not see; anything else
		 * (a typo in a hand-made file) is an error, not silence. */
		if (type && (!strcmp(type, "alert") || !strcmp(type, "action") ||
			     !strcmp(type, "gap") || !strcmp(type, "anomaly")))
			return 0;
		snprintf(err, errlen, type ? "unknown type \"%s\"" :
			 "no \"type\"", type);
		return -EINVAL;
	}
	ev->fileset_names = r->rs ? r->rs->fileset_names : NULL;
	ev->seq = num(r->doc, "seq");
	ev->ktime_ns = time__ns(str(r->doc, "time"));
	/* The host's drop records are no sandbox's: rules never see them. */
	if (ev->kind == EVENT_DROP && YAJL_IS_NULL(get(r->doc, "sandbox")))
		return 0;
	ev->sandbox = sandbox__of(r, get(r->doc, "sandbox"));
	if (!ev->sandbox) {
		snprintf(err, errlen, "no sandbox.id");
		return -EINVAL;
	}
	/* Flows, budgets, drops and repeats are counted per sandbox, not
	 * per process. */
	if (ev->kind < EVENT_FLOW && ev->kind != EVENT_BUDGET)
		proc__of(r, get(r->doc, "proc"), get(r->doc, "ancestors"), ev);
	body = get(r->doc, type);
	if (!YAJL_IS_OBJECT(body)) {
		snprintf(err, errlen, "no \"%s\" object", type);
		return -EINVAL;
	}
	return body__of(r, body, ev, err, errlen) ? -EINVAL : 1;
}
