// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "dnsrec.h"
#include "dropped.h"
#include "evidence.h"
#include "filepath.h"
#include "flags.h"
#include "log.h"
#include "netname.h"
#include "render.h"
#include "syscalls.h"

/* A run id as 32 lowercase hex digits. */
static void render__hex(const uint8_t id[RENDER_RUN_ID_LEN],
			char out[2 * RENDER_RUN_ID_LEN + 1])
{
	for (int i = 0; i < RENDER_RUN_ID_LEN; i++)
		sprintf(out + 2 * i, "%02x", id[i]);
}

static int render__run_id(struct render *r)
{
	if (getrandom(r->run_id, sizeof(r->run_id), 0) !=
	    (ssize_t)sizeof(r->run_id)) {
		log__errno(errno, "cannot draw a run id from getrandom");
		return -errno;
	}
	render__hex(r->run_id, r->run_id_hex);
	return 0;
}

int render__init(struct render *r)
{
	memset(r, 0, sizeof(*r));
	r->json = json__new();
	if (!r->json)
		return -ENOMEM;
	if (gethostname(r->host, sizeof(r->host) - 1))
		strcpy(r->host, "unknown");
	render__sync_clock(r);
	return render__run_id(r);
}

void render__fini(struct render *r)
{
	json__free(r->json);
	r->json = NULL;
}

void render__sync_clock(struct render *r)
{
	r->boot_to_real_ns = clock__ns(CLOCK_REALTIME) -
			     clock__ns(CLOCK_BOOTTIME);
}

static void render__time_as(struct render *r, const char *key,
			    uint64_t ktime_ns)
{
	char buf[TIMEFMT_LEN];
	int64_t ns;
	size_t len;

	/* Only a corrupt record can overflow; it renders as the epoch. */
	if (ktime_ns > INT64_MAX ||
	    __builtin_add_overflow((int64_t)ktime_ns, r->boot_to_real_ns, &ns) ||
	    ns < 0)
		ns = 0;
	len = timefmt__rfc3339(&r->tf, buf, ns / 1000000000, ns % 1000000000);
	json__strn(r->json, key, buf, len);
}

static void render__time(struct render *r, uint64_t ktime_ns)
{
	render__time_as(r, JSON_KEY(r->json, "time"), ktime_ns);
}

static void render__gap(struct render *r, const struct event *ev)
{
	const struct ev_gap *g = &ev->gap;
	char prev[2 * RENDER_RUN_ID_LEN + 1];

	render__hex(g->previous_run_id, prev);
	json__obj_begin(r->json, JSON_KEY(r->json, "gap"));
	render__time_as(r, JSON_KEY(r->json, "from"), g->from_ns);
	render__time_as(r, JSON_KEY(r->json, "to"), ev->ktime_ns);
	json__str(r->json, JSON_KEY(r->json, "previous_run_id"), prev);
	json__uint(r->json, JSON_KEY(r->json, "previous_seq"), g->previous_seq);
	json__str(r->json, JSON_KEY(r->json, "previous_end"), g->clean ? "stopped" : "died");
	json__uint(r->json, JSON_KEY(r->json, "lost"), g->lost);
	json__obj_end(r->json);
}

static void render__sandbox(struct json *j, const struct sandbox *sb)
{
	if (!sb) {
		json__null(j, JSON_KEY(j, "sandbox"));
		return;
	}
	json__obj_begin(j, JSON_KEY(j, "sandbox"));
	json__str(j, JSON_KEY(j, "id"), sb->id);
	json__str(j, JSON_KEY(j, "cgroup"), sb->cgroup);
	json__uint(j, JSON_KEY(j, "cgroup_id"), sb->cgid);
	json__obj_begin(j, JSON_KEY(j, "labels"));
	for (size_t i = 0; i < sb->nr_labels; i++)
		json__strn(j, sb->labels[i].key, sb->labels[i].value,
			   sb->labels[i].value_len);
	json__obj_end(j);
	if (sb->profile)
		json__strn(j, JSON_KEY(j, "profile"), sb->profile, sb->profile_len);
	else
		json__null(j, JSON_KEY(j, "profile"));
	json__obj_end(j);
}

static void render__proc(struct json *j, const struct event *ev)
{
	const struct vigil_hdr *h = ev->hdr;
	const struct proc *p = ev->proc;

	json__obj_begin(j, JSON_KEY(j, "proc"));
	json__uint(j, JSON_KEY(j, "pid"), h->pid);
	json__uint(j, JSON_KEY(j, "tid"), h->tid);
	json__uint(j, JSON_KEY(j, "ppid"), h->ppid);
	json__uint(j, JSON_KEY(j, "uid"), h->uid);
	json__uint(j, JSON_KEY(j, "gid"), h->gid);
	json__strn(j, JSON_KEY(j, "comm"), h->comm, strnlen(h->comm, sizeof(h->comm)));
	json__strn(j, JSON_KEY(j, "exe"), p ? p->exe : "", p && p->exe ? p->exe_len : 0);
	json__str(j, JSON_KEY(j, "exec_id"), p ? p->exec_id : "");
	json__uint(j, JSON_KEY(j, "cgroup_id"), h->cgroup_id);
	json__obj_end(j);
	json__arr_begin(j, JSON_KEY(j, "ancestors"));
	for (int depth = 0; p && (p = p->parent) && depth < PROC_MAX_DEPTH;
	     depth++) {
		json__obj_begin(j, NULL);
		json__uint(j, JSON_KEY(j, "pid"), p->pid);
		json__strn(j, JSON_KEY(j, "exe"), p->exe ? p->exe : "", p->exe_len);
		json__str(j, JSON_KEY(j, "exec_id"), p->exec_id);
		json__obj_end(j);
	}
	json__arr_end(j);
}

static void render__bytes(struct json *j, const char *key,
			  const struct bytes *b)
{
	json__strn(j, key, b->p, b->len);
}

/* The fields exec and open share: outcome and the file's identity. */
static void render__file_result(struct json *j, const struct event *ev,
				int32_t ret, uint32_t dev, uint64_t ino,
				uint16_t sys)
{
	json__int(j, JSON_KEY(j, "ret"), ret);
	json__uint(j, JSON_KEY(j, "dev"), dev);
	json__uint(j, JSON_KEY(j, "ino"), ino);
	json__bool(j, JSON_KEY(j, "deleted"), ev->hdr->flags & VIGIL_F_DELETED);
	/* The walk gave up (too deep or too long): the path is its tail. */
	json__bool(j, JSON_KEY(j, "path_truncated"), ev->hdr->flags & VIGIL_F_PATH_TRUNC);
	json__str(j, JSON_KEY(j, "syscall"), syscalls__sys_name(sys));
	json__bool(j, JSON_KEY(j, "kernel_killed"), ev->hdr->flags & VIGIL_F_KILLED);
}

/* The protected file sets the file belongs to, by name. */
static void render__filesets(struct json *j, const struct event *ev,
			     uint64_t bits)
{
	json__arr_begin(j, JSON_KEY(j, "filesets"));
	for (; bits; bits &= bits - 1) {
		int i = __builtin_ctzll(bits);

		json__str(j, NULL, ev->fileset_names && ev->fileset_names[i]
				   ? ev->fileset_names[i] : "unknown");
	}
	json__arr_end(j);
}

static void render__stdio(struct json *j, const uint8_t stdio[3])
{
	static const char *const keys[3] = { "stdin", "stdout", "stderr" };

	json__obj_begin(j, JSON_KEY(j, "stdio"));
	for (int i = 0; i < 3; i++)
		json__str(j, keys[i], fdtype__name(stdio[i]));
	json__obj_end(j);
}

/* The effective ids before and after: they differ for a setuid or
 * setgid file. */
static void render__exec_ids(struct json *j, const struct ev_exec *e)
{
	json__uint(j, JSON_KEY(j, "old_euid"), e->old_euid);
	json__uint(j, JSON_KEY(j, "euid"), e->euid);
	json__uint(j, JSON_KEY(j, "old_egid"), e->old_egid);
	json__uint(j, JSON_KEY(j, "egid"), e->egid);
}

/* What wrote the file: "fetched", "decoded", or null. */
static void render__dropped(struct json *j, uint8_t how)
{
	const char *name = drop__how_name(how);

	if (name)
		json__str(j, JSON_KEY(j, "dropped"), name);
	else
		json__null(j, JSON_KEY(j, "dropped"));
}

static void render__exec(struct json *j, const struct event *ev)
{
	const struct ev_exec *e = &ev->exec;

	json__obj_begin(j, JSON_KEY(j, "exec"));
	render__bytes(j, JSON_KEY(j, "file"), &e->file);
	render__bytes(j, JSON_KEY(j, "script"), &e->script);
	render__bytes(j, JSON_KEY(j, "arg"), &e->arg);
	json__strs(j, JSON_KEY(j, "argv"), e->argv.p, e->argv.len);
	json__uint(j, JSON_KEY(j, "argc"), e->argc);
	json__bool(j, JSON_KEY(j, "argv_truncated"), ev->hdr->flags & VIGIL_F_ARGV_TRUNC);
	json__strs(j, JSON_KEY(j, "env"), e->env.p, e->env.len);
	json__bool(j, JSON_KEY(j, "env_truncated"), ev->hdr->flags & VIGIL_F_ENV_TRUNC);
	render__file_result(j, ev, e->ret, e->dev, e->ino, e->sys);
	render__filesets(j, ev, e->filesets);
	render__stdio(j, e->stdio);
	render__exec_ids(j, e);
	render__dropped(j, e->dropped);
	json__obj_end(j);
}

static void render__open(struct json *j, const struct event *ev)
{
	const struct ev_open *e = &ev->open;
	const char *names[OPEN_FLAGS_MAX];
	size_t n = open_flags__names(e->flags, names, OPEN_FLAGS_MAX);

	json__obj_begin(j, JSON_KEY(j, "open"));
	render__bytes(j, JSON_KEY(j, "path"), &e->path);
	render__bytes(j, JSON_KEY(j, "arg"), &e->arg);
	json__arr_begin(j, JSON_KEY(j, "flags"));
	for (size_t i = 0; i < n; i++)
		json__str(j, NULL, names[i]);
	json__arr_end(j);
	json__uint(j, JSON_KEY(j, "mode"), e->mode);
	render__file_result(j, ev, e->ret, e->dev, e->ino, e->sys);
	render__filesets(j, ev, e->filesets);
	json__obj_end(j);
}

/* One name of a file record: the path it stands for, the base the
 * kernel resolved and the raw argument, keys suffixed for the second. */
static void render__file_name(struct json *j, const char *suffix,
			      const struct bytes *base, const struct bytes *arg)
{
	char path[FILEPATH_MAX], key[8];
	size_t len = filepath__join(base, arg, path, sizeof(path));

	snprintf(key, sizeof(key), "path%s", suffix);
	json__strn(j, key, path, len);
	snprintf(key, sizeof(key), "base%s", suffix);
	render__bytes(j, key, base);
	snprintf(key, sizeof(key), "arg%s", suffix);
	render__bytes(j, key, arg);
}

static void render__file(struct json *j, const struct event *ev)
{
	const struct ev_file *f = &ev->file;

	json__obj_begin(j, "file");
	json__str(j, "op", file__op_name(f->op));
	render__file_name(j, "", &f->base, &f->arg);
	if (file__op_two(f->op))
		render__file_name(j, "2", &f->base2, &f->arg2);
	json__uint(j, "mode", f->mode);
	json__int(j, "uid", (int32_t)f->uid);
	json__int(j, "gid", (int32_t)f->gid);
	json__uint(j, "length", f->length);
	json__uint(j, "flags", f->at_flags);
	json__int(j, "ret", f->ret);
	json__bool(j, "path_truncated", ev->hdr->flags & VIGIL_F_PATH_TRUNC);
	json__str(j, "syscall", syscalls__sys_name(f->sys));
	json__obj_end(j);
}

/* A task's ids and capabilities, before or after a credential call. */
static void render__ids(struct json *j, const char *key,
			const struct vigil_ids *ids, uint32_t ngroups,
			uint64_t cap_eff)
{
	json__obj_begin(j, key);
	json__uint(j, "uid", ids->uid);
	json__uint(j, "euid", ids->euid);
	json__uint(j, "suid", ids->suid);
	json__uint(j, "fsuid", ids->fsuid);
	json__uint(j, "gid", ids->gid);
	json__uint(j, "egid", ids->egid);
	json__uint(j, "sgid", ids->sgid);
	json__uint(j, "fsgid", ids->fsgid);
	json__uint(j, "ngroups", ngroups);
	json__uint(j, "cap_effective", cap_eff);
	json__obj_end(j);
}

static void render__cred(struct json *j, const struct event *ev)
{
	const struct ev_cred *c = &ev->cred;

	json__obj_begin(j, "cred");
	json__str(j, "syscall", c->name);
	json__uint(j, "nr", c->nr);
	json__arr_begin(j, "args");
	for (int i = 0; i < 3; i++)
		json__uint(j, NULL, c->args[i]);
	json__arr_end(j);
	json__int(j, "ret", c->ret);
	render__ids(j, "old", &c->old_ids, c->ngroups_old, c->cap_eff_old);
	render__ids(j, "new", &c->new_ids, c->ngroups_new, c->cap_eff_new);
	json__uint(j, "cap_permitted", c->cap_prm_new);
	json__obj_end(j);
}

static void render__proto(struct json *j, uint16_t family, uint16_t proto,
			  uint16_t sock_type)
{
	const char *name = net__proto_name(family, proto, sock_type);

	if (name)
		json__str(j, JSON_KEY(j, "proto"), name);
	else
		json__uint(j, JSON_KEY(j, "proto"), proto);
}

/* Address text: dotted quad, RFC 5952 IPv6, or a unix path ("@" first
 * for the abstract namespace, whose names begin with NUL). */
static void render__addr(struct json *j, uint16_t family, const uint8_t *addr,
			 const char *path, size_t path_len)
{
	char text[INET6_ADDRSTRLEN];

	if (family == AF_INET || family == AF_INET6) {
		inet_ntop(family, addr, text, sizeof(text));
		json__str(j, JSON_KEY(j, "addr"), text);
	} else if (family == AF_UNIX && path_len && path[0] == '\0') {
		char abstract[VIGIL_UNIX_MAX + 1] = "@";

		memcpy(abstract + 1, path + 1, path_len - 1);
		json__strn(j, JSON_KEY(j, "addr"), abstract, path_len);
	} else {
		json__strn(j, JSON_KEY(j, "addr"), path, family == AF_UNIX ?
			   strnlen(path, path_len) : 0);
	}
}

/* An inet destination the kernel saw at packet level (flow, budget). */
static void render__dest(struct json *j, uint16_t family, const uint8_t *addr,
			 uint16_t port, uint8_t proto)
{
	json__str(j, JSON_KEY(j, "family"), net__family_name(family));
	render__addr(j, family, addr, "", 0);
	json__uint(j, JSON_KEY(j, "port"), port);
	render__proto(j, family, proto, 0);
}

static void render__connect(struct json *j, const struct event *ev)
{
	const struct ev_connect *e = &ev->connect;

	json__obj_begin(j, JSON_KEY(j, "connect"));
	json__str(j, JSON_KEY(j, "family"), net__family_name(e->sa.family));
	render__addr(j, e->sa.family, e->sa.addr, e->sa.path, e->sa.path_len);
	json__uint(j, JSON_KEY(j, "port"), e->sa.port);
	render__proto(j, e->sa.family, e->proto, e->sock_type);
	json__int(j, JSON_KEY(j, "ret"), e->ret);
	json__str(j, JSON_KEY(j, "verdict"), verdict__name(e->verdict));
	json__str(j, JSON_KEY(j, "via"), connect__via_name(e->via));
	json__obj_end(j);
}

/* A socket's type by name ("stream", "dgram", "raw", ...), else its
 * number. */
static void render__sock_type(struct json *j, uint32_t type)
{
	static const char *const types[] = {
		[SOCK_STREAM] = "stream", [SOCK_DGRAM] = "dgram",
		[SOCK_RAW] = "raw", [SOCK_RDM] = "rdm",
		[SOCK_SEQPACKET] = "seqpacket", [SOCK_PACKET] = "packet",
	};

	if (type < sizeof(types) / sizeof(types[0]) && types[type])
		json__str(j, "sock_type", types[type]);
	else
		json__uint(j, "sock_type", type);
}

static void render__socket(struct json *j, const struct event *ev)
{
	const struct ev_socket *s = &ev->socket;

	json__obj_begin(j, "socket");
	json__str(j, "op", socket__op_name(s->op));
	json__str(j, "family", net__family_name(s->family));
	json__uint(j, "family_nr", s->family);
	render__sock_type(j, s->sock_type);
	json__uint(j, "proto", s->proto);
	render__addr(j, s->sa.family, s->sa.addr, s->sa.path, s->sa.path_len);
	json__uint(j, "port", s->sa.port);
	json__uint(j, "backlog", s->backlog);
	json__int(j, "ret", s->ret);
	json__obj_end(j);
}

/* A response's side of a dns record. */
static void render__dns_reply(struct json *j, const struct ev_dns *d)
{
	char rcode[DNS_RCODE_TEXT];
	const char *a;
	size_t at = 0;

	json__str(j, "rcode", dns__rcode_text(d->rcode, rcode));
	json__arr_begin(j, "answers");
	while ((a = dns__answers_next(d, &at)))
		json__str(j, NULL, a);
	json__arr_end(j);
	json__bool(j, "answers_truncated", d->cut);
	json__uint(j, "cnames", d->cnames);
	json__uint(j, "ttl", d->ttl);
	json__bool(j, "granted", d->granted);
}

static void render__dns(struct json *j, const struct event *ev)
{
	const struct ev_dns *d = &ev->dns;
	char qtype[DNS_QTYPE_TEXT];

	json__obj_begin(j, "dns");
	json__strn(j, "qname", d->qname, d->qname_len);
	json__bool(j, "truncated", d->truncated);
	json__str(j, "qtype", dns__qtype_text(d->qtype, qtype));
	json__str(j, "verdict", verdict__name(d->verdict));
	json__str(j, "family", net__family_name(d->family));
	render__addr(j, d->family, d->addr, "", 0);
	json__uint(j, "port", d->port);
	render__proto(j, d->family, d->proto, 0);
	json__bool(j, "response", d->response);
	if (d->response)
		render__dns_reply(j, d);
	json__obj_end(j);
}

static void render__flow(struct json *j, const struct event *ev)
{
	const struct ev_flow *f = &ev->flow;

	json__obj_begin(j, JSON_KEY(j, "flow"));
	render__dest(j, f->key.family, f->key.addr, f->key.port, f->key.proto);
	json__uint(j, JSON_KEY(j, "bytes"), f->val.bytes);
	json__uint(j, JSON_KEY(j, "packets"), f->val.packets);
	json__uint(j, JSON_KEY(j, "send_calls"), f->val.send_calls);
	json__uint(j, JSON_KEY(j, "send_bytes"), f->val.send_bytes);
	json__uint(j, JSON_KEY(j, "interval_ms"), f->interval_ms);
	json__obj_end(j);
}

static void render__budget(struct json *j, const struct event *ev)
{
	const struct ev_budget *b = &ev->budget;

	json__obj_begin(j, JSON_KEY(j, "budget"));
	json__uint(j, JSON_KEY(j, "limit"), b->budget);
	json__uint(j, JSON_KEY(j, "spent"), b->spent);
	render__dest(j, b->family, b->addr, b->port, b->proto);
	json__uint(j, JSON_KEY(j, "profile_id"), b->profile);
	if (b->entry[0])
		json__str(j, JSON_KEY(j, "entry"), b->entry);
	json__obj_end(j);
}

static void render__syscall(struct json *j, const struct event *ev)
{
	const struct ev_syscall *s = &ev->syscall;

	json__obj_begin(j, JSON_KEY(j, "syscall"));
	json__str(j, JSON_KEY(j, "name"), s->name);
	json__uint(j, JSON_KEY(j, "nr"), s->nr);
	json__arr_begin(j, JSON_KEY(j, "args"));
	for (int i = 0; i < 4; i++)
		json__uint(j, NULL, s->args[i]);
	json__arr_end(j);
	json__int(j, JSON_KEY(j, "ret"), s->ret);
	json__bool(j, JSON_KEY(j, "kernel_killed"), ev->hdr->flags & VIGIL_F_KILLED);
	json__obj_end(j);
}

static void render__escape(struct json *j, const struct event *ev)
{
	const struct ev_escape *e = &ev->escape;

	json__obj_begin(j, JSON_KEY(j, "escape"));
	json__str(j, JSON_KEY(j, "how"), escape__how_name(e->how));
	json__uint(j, JSON_KEY(j, "cgroup_id"), e->cgroup_id);
	if (e->into)
		json__str(j, JSON_KEY(j, "into"), e->into);
	else
		json__null(j, JSON_KEY(j, "into"));
	if (e->moved_pid)
		json__uint(j, JSON_KEY(j, "moved_pid"), e->moved_pid);
	else
		json__null(j, JSON_KEY(j, "moved_pid"));
	json__bool(j, JSON_KEY(j, "moved_killed"), e->moved_killed);
	if (e->signal)
		json__uint(j, JSON_KEY(j, "signal"), e->signal);
	else
		json__null(j, JSON_KEY(j, "signal"));
	json__bool(j, JSON_KEY(j, "kernel_killed"), ev->hdr->flags & VIGIL_F_KILLED);
	json__obj_end(j);
}

static void render__exit(struct json *j, const struct event *ev)
{
	int status = ev->exit_code;

	json__obj_begin(j, JSON_KEY(j, "exit"));
	json__int(j, JSON_KEY(j, "code"), WIFEXITED(status) ? WEXITSTATUS(status) : 0);
	json__int(j, JSON_KEY(j, "signal"), WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	json__bool(j, JSON_KEY(j, "core_dumped"), WIFSIGNALED(status) && WCOREDUMP(status));
	json__obj_end(j);
}

/* A sandbox's share of the losses, by record type: a type's name for
 * those with a name, its number for the others. */
static void render__drop_types(struct json *j, const struct ev_drop *d)
{
	char num[16];

	json__obj_begin(j, "types");
	for (int i = 0; i < VIGIL_KINDS; i++) {
		const char *name = event__type_name(i);

		if (!d->by_type[i])
			continue;
		if (!strcmp(name, "unknown")) {
			snprintf(num, sizeof(num), "%d", i);
			name = num;
		}
		json__uint(j, name, d->by_type[i]);
	}
	json__obj_end(j);
	json__uint(j, "kernel_kills", d->kills);
}

/* The record numbers a consumer will not see: those the ring buffer's
 * losses would have had. */
static void render__skipped(struct json *j, const struct ev_drop *d,
			    uint64_t seq)
{
	if (!d->skipped_from) {
		json__null(j, "skipped_seq");
		return;
	}
	json__obj_begin(j, "skipped_seq");
	json__uint(j, "from", d->skipped_from);
	json__uint(j, "to", seq - 1);
	json__obj_end(j);
}

const char *render__drop_reason(int reason)
{
	static const char *const reasons[VIGIL_DROP_MAX] = {
		[VIGIL_DROP_RINGBUF] = "ringbuf",
		[VIGIL_DROP_FLOWS] = "flows",
		[VIGIL_DROP_INFLIGHT] = "inflight",
		[VIGIL_DROP_BUDGET] = "budget",
	};

	return reasons[reason];
}

static void render__drop(struct json *j, const struct event *ev)
{
	json__obj_begin(j, JSON_KEY(j, "drop"));
	json__uint(j, JSON_KEY(j, "lost"), ev->drop.lost);
	if (ev->drop.sandbox_cgid) {
		render__drop_types(j, &ev->drop);
		json__obj_end(j);
		return;
	}
	json__uint(j, JSON_KEY(j, "since_ms"), ev->drop.since_ms);
	render__skipped(j, &ev->drop, ev->seq);
	json__obj_begin(j, JSON_KEY(j, "reasons"));
	for (int i = 0; i < VIGIL_DROP_MAX; i++)
		json__uint(j, render__drop_reason(i), ev->drop.reason[i]);
	json__uint(j, JSON_KEY(j, "sinks"), ev->drop.sinks);
	json__uint(j, JSON_KEY(j, "malformed"), ev->drop.malformed);
	json__obj_end(j);
	json__obj_end(j);
}

static void render__repeat(struct json *j, const struct event *ev)
{
	const struct ev_repeat *r = &ev->repeat;
	const char *names[OPEN_FLAGS_MAX];
	size_t n = open_flags__names(r->key.open_flags, names, OPEN_FLAGS_MAX);

	json__obj_begin(j, "repeat");
	json__str(j, "type", event__type_name(r->key.type));
	json__uint(j, "pid", r->key.pid);
	json__uint(j, "count", r->val.count);
	json__int(j, "ret", r->key.ret);
	json__uint(j, "dev", r->key.dev);
	json__uint(j, "ino", r->key.ino);
	json__arr_begin(j, "flags");
	for (size_t i = 0; i < n; i++)
		json__str(j, NULL, names[i]);
	json__arr_end(j);
	json__str(j, "syscall", syscalls__sys_name(r->key.sys));
	/* from the first repeat to the last */
	json__uint(j, "span_ms", (r->val.last_ns - r->val.first_ns) / 1000000);
	json__uint(j, "interval_ms", r->interval_ms);
	json__obj_end(j);
}

/* The record an alert or an anomaly is about. */
static void render__trigger(struct json *j, uint64_t seq, const char *type)
{
	json__obj_begin(j, JSON_KEY(j, "trigger"));
	json__uint(j, JSON_KEY(j, "seq"), seq);
	json__str(j, JSON_KEY(j, "type"), type);
	json__obj_end(j);
}

static void render__anomaly(struct json *j, const struct event *ev)
{
	const struct ev_anomaly *a = &ev->anomaly;

	json__obj_begin(j, JSON_KEY(j, "anomaly"));
	json__str(j, JSON_KEY(j, "what"), anomaly__what_name(a->what));
	json__str(j, JSON_KEY(j, "op"), a->op);
	json__str(j, JSON_KEY(j, "item"), a->item);
	json__str(j, JSON_KEY(j, "nearest"), a->nearest);
	json__uint(j, JSON_KEY(j, "seen"), a->seen);
	json__uint(j, JSON_KEY(j, "sessions"), a->sessions);
	json__double(j, JSON_KEY(j, "rarity"), a->rarity);
	if (a->what == ANOMALY_RATE) {
		json__double(j, JSON_KEY(j, "value"), a->value);
		json__double(j, JSON_KEY(j, "limit"), a->limit);
	}
	json__double(j, JSON_KEY(j, "score"), a->score);
	json__str(j, JSON_KEY(j, "profile"), a->profile);
	render__trigger(j, a->trigger_seq, a->trigger_type);
	json__obj_end(j);
}

static void render__alert(struct json *j, const struct event *ev)
{
	const struct ev_alert *a = &ev->alert;

	json__obj_begin(j, JSON_KEY(j, "alert"));
	json__str(j, JSON_KEY(j, "rule"), a->rule);
	json__str(j, JSON_KEY(j, "description"), a->description);
	json__str(j, JSON_KEY(j, "severity"), a->severity);
	json__arr_begin(j, JSON_KEY(j, "tags"));
	for (size_t i = 0; i < a->nr_tags; i++)
		json__str(j, NULL, a->tags[i]);
	json__arr_end(j);
	json__double(j, JSON_KEY(j, "score"), a->score);
	json__double(j, JSON_KEY(j, "risk"), a->risk);
	json__str(j, JSON_KEY(j, "profile"), a->profile);
	render__trigger(j, a->trigger_seq, a->trigger_type);
	json__str(j, JSON_KEY(j, "message"), a->message);
	json__obj_end(j);
}

static void render__history(struct json *j, const struct ev_action *a)
{
	json__arr_begin(j, JSON_KEY(j, "last_records"));
	for (size_t i = 0; i < a->nr_history; i++)
		json__raw(j, NULL, a->history[i], a->history_len[i]);
	json__arr_end(j);
}

/* The person behind an operator's act: null for vigil's own acts. */
static void render__operator(struct json *j, const struct ev_operator *o)
{
	if (!o) {
		json__null(j, "operator");
		return;
	}
	json__obj_begin(j, "operator");
	json__uint(j, "uid", o->uid);
	json__str(j, "user", o->user);
	json__int(j, "pid", o->pid);
	if (o->login_uid != (uint32_t)-1)
		json__uint(j, "login_uid", o->login_uid);
	else
		json__null(j, "login_uid");
	json__str(j, "login_user", o->login_user);
	json__str(j, "reason", o->reason);
	json__obj_end(j);
}

static void render__lifecycle(struct json *j, const struct event *ev)
{
	const struct ev_lifecycle *l = &ev->lifecycle;

	json__obj_begin(j, "lifecycle");
	json__str(j, "event", l->event);
	json__str(j, "version", VIGIL_VERSION);
	json__int(j, "pid", getpid());
	json__arr_begin(j, "rules");
	for (size_t i = 0; i < l->nr_rules; i++) {
		json__obj_begin(j, NULL);
		json__str(j, "name", l->rule_names[i]);
		json__str(j, "sha256", l->rule_sha256[i]);
		json__obj_end(j);
	}
	json__arr_end(j);
	json__str(j, "rules_sha256", l->rules_sha256);
	json__str(j, "signal", l->signal);
	json__arr_begin(j, "programs");
	for (size_t i = 0; i < l->nr_programs; i++)
		json__str(j, NULL, l->programs[i]);
	json__arr_end(j);
	json__arr_begin(j, "maps");
	for (size_t i = 0; i < l->nr_maps; i++)
		json__str(j, NULL, l->maps[i]);
	json__arr_end(j);
	json__obj_end(j);
}

static void render__action(struct json *j, const struct event *ev)
{
	const struct ev_action *a = &ev->action;

	json__obj_begin(j, JSON_KEY(j, "action"));
	json__str(j, JSON_KEY(j, "action"), a->action);
	json__str(j, JSON_KEY(j, "reason"), a->reason);
	json__str(j, JSON_KEY(j, "rule"), a->rule);
	json__double(j, JSON_KEY(j, "risk"), a->risk);
	json__double(j, JSON_KEY(j, "threshold"), a->threshold < 0 ? NAN : a->threshold);
	json__str(j, JSON_KEY(j, "profile"), a->profile);
	if (a->trigger_seq)
		json__uint(j, JSON_KEY(j, "trigger_seq"), a->trigger_seq);
	else
		json__null(j, JSON_KEY(j, "trigger_seq"));
	json__str(j, JSON_KEY(j, "outcome"), a->outcome);
	json__str(j, JSON_KEY(j, "error"), a->error);
	json__double(j, JSON_KEY(j, "latency_ms"), a->latency_ms < 0 ? NAN : a->latency_ms);
	json__str(j, JSON_KEY(j, "kernel_verdict"), a->kernel_verdict);
	render__operator(j, a->operator);
	json__str(j, JSON_KEY(j, "evidence_file"), a->evidence_file);
	if (a->evidence) {
		evidence__render(j, "evidence", a->evidence);
		render__history(j, a);
	}
	json__obj_end(j);
}

static void render__approval(struct render *r, const struct event *ev)
{
	const struct ev_approval *a = &ev->approval;
	struct json *j = r->json;
	char when[TIMEFMT_LEN];

	json__obj_begin(j, "approval");
	json__str(j, "id", a->id);
	json__str(j, "event", a->event);
	json__str(j, "decision", a->decision);
	json__str(j, "by", a->by);
	json__str(j, "step", a->step);
	json__str(j, "target", a->target);
	if (a->ino) {
		json__uint(j, "dev", a->dev);
		json__uint(j, "ino", a->ino);
	}
	json__str(j, "rule", a->rule);
	json__str(j, "profile", a->profile);
	json__str(j, "held", a->held);
	timefmt__rfc3339(&r->tf, when, a->deadline_ns / 1000000000,
			 a->deadline_ns % 1000000000);
	json__str(j, "deadline", when);
	if (a->trigger_seq)
		json__uint(j, "trigger_seq", a->trigger_seq);
	else
		json__null(j, "trigger_seq");
	json__str(j, "scope", a->scope);
	json__uint(j, "ttl_s", a->ttl_s);
	json__str(j, "channel", a->channel);
	json__str(j, "reason", a->reason);
	render__operator(j, a->operator);
	json__obj_end(j);
}

static void render__body(struct render *r, const struct event *ev)
{
	struct json *j = r->json;

	switch (ev->kind) {
	case EVENT_EXEC: render__exec(j, ev); break;
	case EVENT_OPEN: render__open(j, ev); break;
	case EVENT_FILE: render__file(j, ev); break;
	case EVENT_CRED: render__cred(j, ev); break;
	case EVENT_SOCKET: render__socket(j, ev); break;
	case EVENT_DNS: render__dns(j, ev); break;
	case EVENT_CONNECT: render__connect(j, ev); break;
	case EVENT_SYSCALL: render__syscall(j, ev); break;
	case EVENT_BUDGET: render__budget(j, ev); break;
	case EVENT_ESCAPE: render__escape(j, ev); break;
	case EVENT_FLOW: render__flow(j, ev); break;
	case EVENT_EXIT: render__exit(j, ev); break;
	case EVENT_DROP: render__drop(j, ev); break;
	case EVENT_ALERT: render__alert(j, ev); break;
	case EVENT_ACTION: render__action(j, ev); break;
	case EVENT_GAP: render__gap(r, ev); break;
	case EVENT_REPEAT: render__repeat(j, ev); break;
	case EVENT_ANOMALY: render__anomaly(j, ev); break;
	case EVENT_LIFECYCLE: render__lifecycle(j, ev); break;
	case EVENT_APPROVAL: render__approval(r, ev); break;
	case EVENT_FORK:
		json__obj_begin(j, JSON_KEY(j, "fork"));
		json__uint(j, JSON_KEY(j, "child_pid"), ev->child_pid);
		json__obj_end(j);
		break;
	case EVENT_MKDIR:
	case EVENT_RMDIR:
	case EVENT_AUDIT:
		break;	/* the registry's and the audit sink's, never emitted */
	}
}

int render__event(struct render *r, const struct event *ev, const char **buf,
		  size_t *len)
{
	struct json *j = r->json;

	json__begin(j);
	json__str(j, JSON_KEY(j, "schema"), RENDER_SCHEMA);
	json__uint(j, JSON_KEY(j, "seq"), ev->seq);
	json__str(j, JSON_KEY(j, "run_id"), r->run_id_hex);
	render__time(r, ev->ktime_ns);
	json__str(j, JSON_KEY(j, "host"), r->host);
	json__str(j, JSON_KEY(j, "type"), event__type_name(ev->kind));
	render__sandbox(j, ev->sandbox);
	if (ev->hdr)
		render__proc(j, ev);
	render__body(r, ev);
	return json__end(j, buf, len);
}
