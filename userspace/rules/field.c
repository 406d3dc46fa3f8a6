// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <asm/fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "bytes.h"
#include "dnsrec.h"
#include "dnsname.h"
#include "field.h"
#include "filepath.h"
#include "dropped.h"
#include "exeallow.h"
#include "flags.h"
#include "netname.h"
#include "profile.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* How an FT_LIST value is walked. */
enum list_how {
	LIST_NUL,	/* NUL-separated bytes (argv) */
	LIST_STRS,	/* an array of C strings */
	LIST_ANC_EXE,	/* the ancestors' executables */
	LIST_ANC_NAME,	/* their base names */
	LIST_BITS,	/* set bits, named by aux (taints, file sets) */
};

static struct bytes bytes__of(const char *s)
{
	return (struct bytes){ s, s ? strlen(s) : 0 };
}

static bool str__set(struct fval *v, struct bytes b)
{
	v->type = FT_STR;
	v->s = b;
	return true;
}

static bool num__set(struct fval *v, int64_t n)
{
	v->type = FT_NUM;
	v->n = n;
	return true;
}

static bool bool__set(struct fval *v, bool b)
{
	v->type = FT_BOOL;
	v->b = b;
	return true;
}

static bool list__set(struct fval *v, enum list_how how, const void *cur,
		      const void *end, const void *aux)
{
	v->type = FT_LIST;
	v->list.how = how;
	v->list.cur = cur;
	v->list.end = end;
	v->list.aux = aux;
	return true;
}

static bool addr__set(struct fval *v, uint16_t family, const uint8_t *a)
{
	v->type = FT_ADDR;
	return cidr__addr(&v->addr, family, a);
}

/* ---------------------------------------------------------------- common */

static bool get_type(const struct field_ctx *c, struct fval *v)
{
	return str__set(v, bytes__of(event__type_name(c->ev->kind)));
}

static bool get_sandbox_id(const struct field_ctx *c, struct fval *v)
{
	return c->ev->sandbox && str__set(v, bytes__of(c->ev->sandbox->id));
}

static bool get_sandbox_profile(const struct field_ctx *c, struct fval *v)
{
	return c->profile && str__set(v, bytes__of(c->profile->name));
}

static bool get_taints(const struct field_ctx *c, struct fval *v)
{
	return list__set(v, LIST_BITS, (const void *)(uintptr_t)c->taints,
			 NULL, c->taint_names);
}

/* A record's file sets by name; without names (a collector that loaded
 * no rules) none. */
static bool filesets__set(const struct field_ctx *c, struct fval *v,
			  uint64_t bits)
{
	const char *const *names = c->ev->fileset_names;

	return list__set(v, LIST_BITS,
			 (const void *)(uintptr_t)(names ? bits : 0), NULL,
			 names);
}

/* The kernel killed the task at this open, exec or syscall (enforce:
 * kernel). */
static bool get_kernel_killed(const struct field_ctx *c, struct fval *v)
{
	const struct vigil_hdr *h = c->ev->hdr;

	return bool__set(v, h && (h->flags & VIGIL_F_KILLED));
}

/* ---------------------------------------------------------------- process */

#define HDR_NUM(fn, member)						\
	static bool fn(const struct field_ctx *c, struct fval *v)	\
	{								\
		return num__set(v, c->ev->hdr->member);			\
	}
HDR_NUM(get_pid, pid)
HDR_NUM(get_ppid, ppid)
HDR_NUM(get_uid, uid)
HDR_NUM(get_gid, gid)

static bool get_comm(const struct field_ctx *c, struct fval *v)
{
	const char *comm = c->ev->hdr->comm;

	return str__set(v, (struct bytes){ comm, strnlen(comm, VIGIL_COMM_LEN) });
}

static bool proc__exe(const struct proc *p, struct bytes *out)
{
	if (!p || !p->exe)
		return false;
	*out = (struct bytes){ p->exe, p->exe_len };
	return true;
}

static bool get_exe(const struct field_ctx *c, struct fval *v)
{
	struct bytes b;

	return proc__exe(c->ev->proc, &b) && str__set(v, b);
}

static bool get_name(const struct field_ctx *c, struct fval *v)
{
	struct bytes b;

	if (proc__exe(c->ev->proc, &b))
		return str__set(v, bytes__base(b.p, b.len));
	return get_comm(c, v);
}

static bool get_parent_exe(const struct field_ctx *c, struct fval *v)
{
	struct bytes b;

	return c->ev->proc && proc__exe(c->ev->proc->parent, &b) &&
	       str__set(v, b);
}

static bool get_parent_name(const struct field_ctx *c, struct fval *v)
{
	return get_parent_exe(c, v) && str__set(v, bytes__base(v->s.p, v->s.len));
}

static bool get_anc_exe(const struct field_ctx *c, struct fval *v)
{
	return c->ev->proc &&
	       list__set(v, LIST_ANC_EXE, c->ev->proc->parent, NULL, NULL);
}

static bool get_anc_name(const struct field_ctx *c, struct fval *v)
{
	return c->ev->proc &&
	       list__set(v, LIST_ANC_NAME, c->ev->proc->parent, NULL, NULL);
}

/* ---------------------------------------------------------------- exec */

static bool get_exec_file(const struct field_ctx *c, struct fval *v)
{
	return c->ev->exec.file.len && str__set(v, c->ev->exec.file);
}

static bool get_exec_script(const struct field_ctx *c, struct fval *v)
{
	return c->ev->exec.script.len && str__set(v, c->ev->exec.script);
}

static bool get_exec_env(const struct field_ctx *c, struct fval *v)
{
	const struct bytes *a = &c->ev->exec.env;

	return list__set(v, LIST_NUL, a->p, a->p + a->len, NULL);
}

static bool get_exec_euid(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, c->ev->exec.euid);
}

static bool get_exec_old_euid(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, c->ev->exec.old_euid);
}

/* The file (or script) was written by a fetcher or a decoder. */
static bool get_exec_dropped(const struct field_ctx *c, struct fval *v)
{
	const char *how = drop__how_name(c->ev->exec.dropped);

	return how && str__set(v, bytes__of(how));
}

/* The exec changed the effective uid or gid: a setuid or setgid file. */
static bool get_exec_setid(const struct field_ctx *c, struct fval *v)
{
	const struct ev_exec *e = &c->ev->exec;

	return bool__set(v, e->euid != e->old_euid || e->egid != e->old_egid);
}

static bool get_exec_arg(const struct field_ctx *c, struct fval *v)
{
	return str__set(v, c->ev->exec.arg);
}

/* The resolved file's name, or the path asked for when exec failed. */
static bool get_exec_name(const struct field_ctx *c, struct fval *v)
{
	const struct ev_exec *e = &c->ev->exec;
	const struct bytes *b = e->file.len ? &e->file : &e->arg;

	return str__set(v, bytes__base(b->p, b->len));
}

static bool get_exec_argv(const struct field_ctx *c, struct fval *v)
{
	const struct bytes *a = &c->ev->exec.argv;

	return list__set(v, LIST_NUL, a->p, a->p + a->len, NULL);
}

/* argv joined by spaces, for rules about whole command lines. */
static bool get_exec_cmdline(const struct field_ctx *c, struct fval *v)
{
	static __thread char buf[VIGIL_ARGV_MAX];
	const struct bytes *a = &c->ev->exec.argv;
	size_t len = a->len < sizeof(buf) ? a->len : sizeof(buf);

	memcpy(buf, a->p, len);
	while (len && buf[len - 1] == '\0')
		len--;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	return str__set(v, (struct bytes){ buf, len });
}

static bool get_exec_argc(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, c->ev->exec.argc);
}

static bool get_exec_ret(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, c->ev->exec.ret);
}

static bool get_exec_fileset(const struct field_ctx *c, struct fval *v)
{
	return filesets__set(c, v, c->ev->exec.filesets);
}

/* What the new image's fd 0, 1 or 2 was ("inet" for a reverse shell). */
#define EXEC_STDIO(fn, fd)						\
	static bool fn(const struct field_ctx *c, struct fval *v)	\
	{								\
		uint8_t t = c->ev->exec.stdio[fd];			\
									\
		return str__set(v, bytes__of(fdtype__name(t)));		\
	}
EXEC_STDIO(get_exec_stdin, 0)
EXEC_STDIO(get_exec_stdout, 1)
EXEC_STDIO(get_exec_stderr, 2)

/* As the kernel judges it (exeallow.h): a "#!" script too. */
static bool get_exec_allowed(const struct field_ctx *c, struct fval *v)
{
	const struct ev_exec *e = &c->ev->exec;
	uint32_t flags = c->ev->hdr ? c->ev->hdr->flags : 0;

	return c->profile && e->file.len &&
	       bool__set(v, exeallow__judge(c->profile, e, flags) ==
			    EXE_LISTED);
}

/* ---------------------------------------------------------------- open */

static bool get_open_path(const struct field_ctx *c, struct fval *v)
{
	return c->ev->open.path.len && str__set(v, c->ev->open.path);
}

static bool get_open_arg(const struct field_ctx *c, struct fval *v)
{
	return str__set(v, c->ev->open.arg);
}

static bool get_open_name(const struct field_ctx *c, struct fval *v)
{
	const struct bytes *b = &c->ev->open.path;

	return b->len && str__set(v, bytes__base(b->p, b->len));
}

static bool get_open_flags(const struct field_ctx *c, struct fval *v)
{
	static __thread const char *names[OPEN_FLAGS_MAX];
	size_t n = open_flags__names(c->ev->open.flags, names, OPEN_FLAGS_MAX);

	return list__set(v, LIST_STRS, names, names + n, NULL);
}

static bool get_open_write(const struct field_ctx *c, struct fval *v)
{
	return bool__set(v, open_flags__write(c->ev->open.flags));
}

static bool get_open_fileset(const struct field_ctx *c, struct fval *v)
{
	return filesets__set(c, v, c->ev->open.filesets);
}

static bool get_open_ret(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, c->ev->open.ret);
}

static bool get_open_ino(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, (int64_t)c->ev->open.ino);
}

static bool get_open_dev(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, c->ev->open.dev);
}

/* ---------------------------------------------------------------- file */

/* The path a file record's name stands for (filepath.h), in a buffer of
 * the thread's per name, so a condition may hold both at once. */
static bool file__path_set(struct fval *v, const struct bytes *base,
			   const struct bytes *arg, int which)
{
	static __thread char buf[2][FILEPATH_MAX];

	if (!base->len && !arg->len)
		return false;
	return str__set(v, (struct bytes){ buf[which],
		filepath__join(base, arg, buf[which], FILEPATH_MAX) });
}

/* None for a memfd: its name is a label anyone may spell as a path
 * (file.arg has it). */
static bool get_file_path(const struct field_ctx *c, struct fval *v)
{
	const struct ev_file *f = &c->ev->file;

	return f->op != VIGIL_FILE_MEMFD &&
	       file__path_set(v, &f->base, &f->arg, 0);
}

static bool get_file_path2(const struct field_ctx *c, struct fval *v)
{
	const struct ev_file *f = &c->ev->file;

	return file__op_two(f->op) &&
	       file__path_set(v, &f->base2, &f->arg2, 1);
}

/* What the call made or changed: the new name of rename and link, the
 * link symlink made, else the one name. */
static bool get_file_dest(const struct field_ctx *c, struct fval *v)
{
	return file__op_two(c->ev->file.op) ? get_file_path2(c, v)
					    : get_file_path(c, v);
}

static bool get_file_arg(const struct field_ctx *c, struct fval *v)
{
	return str__set(v, c->ev->file.arg);
}

static bool get_file_op(const struct field_ctx *c, struct fval *v)
{
	return str__set(v, bytes__of(file__op_name(c->ev->file.op)));
}

static bool get_file_ret(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, c->ev->file.ret);
}

/* The mode chmod or mkdir asked for; none for the other ops. */
static bool get_file_mode(const struct field_ctx *c, struct fval *v)
{
	const struct ev_file *f = &c->ev->file;

	return (f->op == VIGIL_FILE_CHMOD || f->op == VIGIL_FILE_MKDIR) &&
	       num__set(v, f->mode);
}

static bool get_file_setid(const struct field_ctx *c, struct fval *v)
{
	return get_file_mode(c, v) && bool__set(v, v->n & 06000);
}

/* The owner chown gives; none when it leaves it ((uid_t)-1). */
static bool get_file_uid(const struct field_ctx *c, struct fval *v)
{
	const struct ev_file *f = &c->ev->file;

	return f->op == VIGIL_FILE_CHOWN && f->uid != (uint32_t)-1 &&
	       num__set(v, f->uid);
}

static bool get_file_gid(const struct field_ctx *c, struct fval *v)
{
	const struct ev_file *f = &c->ev->file;

	return f->op == VIGIL_FILE_CHOWN && f->gid != (uint32_t)-1 &&
	       num__set(v, f->gid);
}

/* ---------------------------------------------------------------- cred */

static bool get_cred_syscall(const struct field_ctx *c, struct fval *v)
{
	return str__set(v, bytes__of(c->ev->cred.name));
}

static bool get_cred_ret(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, c->ev->cred.ret);
}

#define CRED_ID(fn, which, member)					\
	static bool fn(const struct field_ctx *c, struct fval *v)	\
	{								\
		return num__set(v, c->ev->cred.which.member);		\
	}
CRED_ID(get_cred_uid, new_ids, uid)
CRED_ID(get_cred_euid, new_ids, euid)
CRED_ID(get_cred_gid, new_ids, gid)
CRED_ID(get_cred_egid, new_ids, egid)
CRED_ID(get_cred_old_uid, old_ids, uid)
CRED_ID(get_cred_old_euid, old_ids, euid)

/* One of the task's uids became 0 that was not, and it was not root
 * already (effective uid 0): it gained root. runuser and su, as root,
 * lend the real uid to the user for PAM and take it back; that gains
 * nothing. */
static bool get_cred_to_root(const struct field_ctx *c, struct fval *v)
{
	const struct vigil_ids *o = &c->ev->cred.old_ids;
	const struct vigil_ids *n = &c->ev->cred.new_ids;

	return bool__set(v, o->euid &&
			    ((!n->uid && o->uid) || !n->euid ||
			     (!n->suid && o->suid) || (!n->fsuid && o->fsuid)));
}

/* Effective capabilities the task did not have before the call. */
static bool get_cred_caps_gained(const struct field_ctx *c, struct fval *v)
{
	const struct ev_cred *e = &c->ev->cred;

	return bool__set(v, e->cap_eff_new & ~e->cap_eff_old);
}

/* ---------------------------------------------------------------- socket */

static bool get_sock_op(const struct field_ctx *c, struct fval *v)
{
	return str__set(v, bytes__of(socket__op_name(c->ev->socket.op)));
}

static bool get_sock_family(const struct field_ctx *c, struct fval *v)
{
	return str__set(v, bytes__of(net__family_name(c->ev->socket.family)));
}

/* A raw inet socket (crafted packets, sniffing), or a packet socket
 * (every frame of its interfaces). Not a raw netlink socket: glibc's
 * getaddrinfo opens one to learn the host's addresses. */
static bool get_sock_raw(const struct field_ctx *c, struct fval *v)
{
	const struct ev_socket *s = &c->ev->socket;
	bool inet = s->family == AF_INET || s->family == AF_INET6;

	return bool__set(v, s->family == AF_PACKET ||
			    (inet && (s->sock_type == SOCK_RAW ||
				      s->sock_type == SOCK_PACKET)));
}

static bool get_sock_port(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, c->ev->socket.sa.port);
}

static bool get_sock_addr(const struct field_ctx *c, struct fval *v)
{
	const struct vigil_sockaddr *sa = &c->ev->socket.sa;

	return addr__set(v, sa->family, sa->addr);
}

static bool get_sock_ret(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, c->ev->socket.ret);
}

/* ---------------------------------------------------------------- dns */

static bool get_dns_qname(const struct field_ctx *c, struct fval *v)
{
	const struct ev_dns *d = &c->ev->dns;

	return str__set(v, (struct bytes){ d->qname, d->qname_len });
}

/* A type without a name here is only dns.qtype_nr's. */
static bool get_dns_qtype(const struct field_ctx *c, struct fval *v)
{
	char buf[DNS_QTYPE_TEXT];
	const char *t = dns__qtype_text(c->ev->dns.qtype, buf);

	return t != buf && str__set(v, bytes__of(t));
}

static bool get_dns_qtype_nr(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, c->ev->dns.qtype);
}

static bool get_dns_verdict(const struct field_ctx *c, struct fval *v)
{
	return str__set(v, bytes__of(verdict__name(c->ev->dns.verdict)));
}

static bool get_dns_truncated(const struct field_ctx *c, struct fval *v)
{
	return bool__set(v, c->ev->dns.truncated);
}

static bool get_dns_server(const struct field_ctx *c, struct fval *v)
{
	return addr__set(v, c->ev->dns.family, c->ev->dns.addr);
}

static bool get_dns_labels(const struct field_ctx *c, struct fval *v)
{
	struct dnsname_stats s;

	dnsname__stats(c->ev->dns.qname, c->ev->dns.qname_len, &s);
	return num__set(v, s.labels);
}

static bool get_dns_label_max(const struct field_ctx *c, struct fval *v)
{
	struct dnsname_stats s;

	dnsname__stats(c->ev->dns.qname, c->ev->dns.qname_len, &s);
	return num__set(v, s.label_max);
}

static bool get_dns_entropy(const struct field_ctx *c, struct fval *v)
{
	struct dnsname_stats s;

	dnsname__stats(c->ev->dns.qname, c->ev->dns.qname_len, &s);
	return num__set(v, s.entropy);
}

static bool get_dns_parent(const struct field_ctx *c, struct fval *v)
{
	const struct ev_dns *d = &c->ev->dns;
	size_t at = dnsname__parent(d->qname, d->qname_len);

	return str__set(v, (struct bytes){ d->qname + at,
					   d->qname_len - at });
}

static bool get_dns_proto(const struct field_ctx *c, struct fval *v)
{
	const struct ev_dns *d = &c->ev->dns;
	const char *name = net__proto_name(d->family, d->proto, 0);

	return name && str__set(v, bytes__of(name));
}

static bool get_dns_response(const struct field_ctx *c, struct fval *v)
{
	return bool__set(v, c->ev->dns.response);
}

/* A response's fields; a query has none of them. */
static bool get_dns_rcode(const struct field_ctx *c, struct fval *v)
{
	char buf[DNS_RCODE_TEXT];
	const char *t = dns__rcode_text(c->ev->dns.rcode, buf);

	return c->ev->dns.response && t != buf && str__set(v, bytes__of(t));
}

static bool get_dns_answers(const struct field_ctx *c, struct fval *v)
{
	const struct ev_dns *d = &c->ev->dns;

	return d->response && list__set(v, LIST_NUL, d->answers,
					d->answers + d->answers_len, NULL);
}

static bool get_dns_ttl(const struct field_ctx *c, struct fval *v)
{
	return c->ev->dns.response && num__set(v, c->ev->dns.ttl);
}

static bool get_dns_cnames(const struct field_ctx *c, struct fval *v)
{
	return c->ev->dns.response && num__set(v, c->ev->dns.cnames);
}

static bool get_dns_granted(const struct field_ctx *c, struct fval *v)
{
	return c->ev->dns.response && bool__set(v, c->ev->dns.granted);
}

static bool get_dns_answers_cut(const struct field_ctx *c, struct fval *v)
{
	return c->ev->dns.response && bool__set(v, c->ev->dns.cut);
}

/* ---------------------------------------------------------------- net */

static bool get_conn_addr(const struct field_ctx *c, struct fval *v)
{
	const struct vigil_sockaddr *sa = &c->ev->connect.sa;

	return addr__set(v, sa->family, sa->addr);
}

static bool get_conn_path(const struct field_ctx *c, struct fval *v)
{
	const struct vigil_sockaddr *sa = &c->ev->connect.sa;

	return sa->family == AF_UNIX &&
	       str__set(v, (struct bytes){ sa->path, sa->path_len });
}

static bool get_conn_port(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, c->ev->connect.sa.port);
}

static bool get_conn_family(const struct field_ctx *c, struct fval *v)
{
	return str__set(v, bytes__of(net__family_name(c->ev->connect.sa.family)));
}

static bool get_conn_proto(const struct field_ctx *c, struct fval *v)
{
	const struct ev_connect *e = &c->ev->connect;
	const char *name = net__proto_name(e->sa.family, e->proto, e->sock_type);

	return name && str__set(v, bytes__of(name));
}

static bool get_conn_ret(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, c->ev->connect.ret);
}

static bool get_conn_verdict(const struct field_ctx *c, struct fval *v)
{
	return str__set(v, bytes__of(verdict__name(c->ev->connect.verdict)));
}

static bool get_conn_via(const struct field_ctx *c, struct fval *v)
{
	return str__set(v, bytes__of(connect__via_name(c->ev->connect.via)));
}

/* Whether the profile allows a destination: family and address as the
 * record has them, and port. Only network destinations are judged; a
 * unix socket is local. */
static bool allowed__set(const struct field_ctx *c, struct fval *v,
			 uint16_t family, const uint8_t *addr, uint16_t port)
{
	struct addr a;

	if (!c->profile || !cidr__addr(&a, family, addr))
		return false;
	return bool__set(v, profile__allows_dest(c->profile, &a, port));
}

static bool get_conn_allowed(const struct field_ctx *c, struct fval *v)
{
	const struct vigil_sockaddr *sa = &c->ev->connect.sa;

	return allowed__set(c, v, sa->family, sa->addr, sa->port);
}

static bool get_flow_addr(const struct field_ctx *c, struct fval *v)
{
	const struct vigil_flow_key *k = &c->ev->flow.key;

	return addr__set(v, k->family, k->addr);
}

static bool get_flow_port(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, c->ev->flow.key.port);
}

/* An inet protocol by name; none for one without a name. */
static bool proto__set(struct fval *v, uint16_t family, uint8_t proto)
{
	const char *name = net__proto_name(family, proto, 0);

	return name && str__set(v, bytes__of(name));
}

static bool get_flow_proto(const struct field_ctx *c, struct fval *v)
{
	const struct vigil_flow_key *k = &c->ev->flow.key;

	return proto__set(v, k->family, k->proto);
}

static bool get_flow_bytes(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, (int64_t)c->ev->flow.val.bytes);
}

static bool get_flow_packets(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, (int64_t)c->ev->flow.val.packets);
}

static bool get_drop_lost(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, (int64_t)c->ev->drop.lost);
}

static bool get_drop_kills(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, (int64_t)c->ev->drop.kills);
}

static bool get_repeat_count(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, (int64_t)c->ev->repeat.val.count);
}

static bool get_anomaly_what(const struct field_ctx *c, struct fval *v)
{
	return str__set(v, bytes__of(anomaly__what_name(c->ev->anomaly.what)));
}

static bool get_anomaly_op(const struct field_ctx *c, struct fval *v)
{
	return str__set(v, bytes__of(c->ev->anomaly.op));
}

static bool get_anomaly_item(const struct field_ctx *c, struct fval *v)
{
	return str__set(v, bytes__of(c->ev->anomaly.item));
}

static bool get_anomaly_nearest(const struct field_ctx *c, struct fval *v)
{
	return str__set(v, bytes__of(c->ev->anomaly.nearest));
}

static bool get_anomaly_seen(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, c->ev->anomaly.seen);
}

static bool get_anomaly_score(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, (int64_t)c->ev->anomaly.score);
}

static bool get_flow_allowed(const struct field_ctx *c, struct fval *v)
{
	const struct vigil_flow_key *k = &c->ev->flow.key;

	return allowed__set(c, v, k->family, k->addr, k->port);
}

static bool get_budget_addr(const struct field_ctx *c, struct fval *v)
{
	return addr__set(v, c->ev->budget.family, c->ev->budget.addr);
}

static bool get_budget_port(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, c->ev->budget.port);
}

static bool get_budget_proto(const struct field_ctx *c, struct fval *v)
{
	const struct ev_budget *b = &c->ev->budget;

	return proto__set(v, b->family, b->proto);
}

static bool get_budget_limit(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, (int64_t)c->ev->budget.budget);
}

static bool get_budget_spent(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, (int64_t)c->ev->budget.spent);
}

static bool get_budget_entry(const struct field_ctx *c, struct fval *v)
{
	return str__set(v, bytes__of(c->ev->budget.entry));
}

/* ---------------------------------------------------------------- syscall */

static bool get_sys_name(const struct field_ctx *c, struct fval *v)
{
	return str__set(v, bytes__of(c->ev->syscall.name));
}

static bool get_sys_ret(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, c->ev->syscall.ret);
}

#define SYS_ARG(fn, n)							\
	static bool fn(const struct field_ctx *c, struct fval *v)	\
	{								\
		return num__set(v, (int64_t)c->ev->syscall.args[n]);	\
	}
SYS_ARG(get_sys_arg0, 0)
SYS_ARG(get_sys_arg1, 1)

/* ---------------------------------------------------------------- exit */

static bool get_exit_code(const struct field_ctx *c, struct fval *v)
{
	int s = c->ev->exit_code;

	return num__set(v, WIFEXITED(s) ? WEXITSTATUS(s) : 0);
}

static bool get_exit_signal(const struct field_ctx *c, struct fval *v)
{
	int s = c->ev->exit_code;

	return num__set(v, WIFSIGNALED(s) ? WTERMSIG(s) : 0);
}

static bool get_child_pid(const struct field_ctx *c, struct fval *v)
{
	return num__set(v, c->ev->child_pid);
}

#define EXEC    EVBIT(EVENT_EXEC)
#define OPEN    EVBIT(EVENT_OPEN)
#define CONNECT EVBIT(EVENT_CONNECT)
#define FLOW    EVBIT(EVENT_FLOW)
#define BUDGET  EVBIT(EVENT_BUDGET)
#define FILE_EV EVBIT(EVENT_FILE)
#define CRED    EVBIT(EVENT_CRED)
#define SOCKET  EVBIT(EVENT_SOCKET)
#define ANOMALY EVBIT(EVENT_ANOMALY)
#define DNS     EVBIT(EVENT_DNS)

static const struct field fields[] = {
	{ "event.type", FT_STR, EV_SANDBOXED, FL_TEXT, get_type },
	{ "sandbox.id", FT_STR, EV_SANDBOXED, FL_TEXT, get_sandbox_id },
	{ "sandbox.profile", FT_STR, EV_SANDBOXED, FL_TEXT, get_sandbox_profile },
	{ "sandbox.taint", FT_LIST, EV_SANDBOXED, FL_TEXT, get_taints },
	{ "event.kernel_killed", FT_BOOL, OPEN | EXEC | EVBIT(EVENT_SYSCALL),
	  FL_TEXT, get_kernel_killed },
	{ "proc.pid", FT_NUM, EV_PROCESS, FL_TEXT, get_pid },
	{ "proc.ppid", FT_NUM, EV_PROCESS, FL_TEXT, get_ppid },
	{ "proc.uid", FT_NUM, EV_PROCESS, FL_TEXT, get_uid },
	{ "proc.gid", FT_NUM, EV_PROCESS, FL_TEXT, get_gid },
	{ "proc.comm", FT_STR, EV_PROCESS, FL_TEXT, get_comm },
	{ "proc.exe", FT_STR, EV_PROCESS, FL_PATH, get_exe },
	{ "proc.name", FT_STR, EV_PROCESS, FL_TEXT, get_name },
	{ "parent.exe", FT_STR, EV_PROCESS, FL_PATH, get_parent_exe },
	{ "parent.name", FT_STR, EV_PROCESS, FL_TEXT, get_parent_name },
	{ "ancestors.exe", FT_LIST, EV_PROCESS, FL_PATH, get_anc_exe },
	{ "ancestors.name", FT_LIST, EV_PROCESS, FL_TEXT, get_anc_name },
	{ "exec.file", FT_STR, EXEC, FL_PATH, get_exec_file },
	{ "exec.arg", FT_STR, EXEC, FL_PATH, get_exec_arg },
	{ "exec.script", FT_STR, EXEC, FL_PATH, get_exec_script },
	{ "exec.env", FT_LIST, EXEC, FL_TEXT, get_exec_env },
	{ "exec.euid", FT_NUM, EXEC, FL_TEXT, get_exec_euid },
	{ "exec.old_euid", FT_NUM, EXEC, FL_TEXT, get_exec_old_euid },
	{ "exec.setid", FT_BOOL, EXEC, FL_TEXT, get_exec_setid },
	{ "exec.dropped", FT_STR, EXEC, FL_TEXT, get_exec_dropped },
	{ "exec.name", FT_STR, EXEC, FL_TEXT, get_exec_name },
	{ "exec.argv", FT_LIST, EXEC, FL_TEXT, get_exec_argv },
	{ "exec.cmdline", FT_STR, EXEC, FL_TEXT, get_exec_cmdline },
	{ "exec.argc", FT_NUM, EXEC, FL_TEXT, get_exec_argc },
	{ "exec.ret", FT_NUM, EXEC, FL_TEXT, get_exec_ret },
	{ "exec.allowed", FT_BOOL, EXEC, FL_TEXT, get_exec_allowed },
	{ "exec.fileset", FT_LIST, EXEC, FL_FILESET, get_exec_fileset },
	{ "exec.stdin", FT_STR, EXEC, FL_FDTYPE, get_exec_stdin },
	{ "exec.stdout", FT_STR, EXEC, FL_FDTYPE, get_exec_stdout },
	{ "exec.stderr", FT_STR, EXEC, FL_FDTYPE, get_exec_stderr },
	{ "open.path", FT_STR, OPEN, FL_PATH, get_open_path },
	{ "open.arg", FT_STR, OPEN, FL_PATH, get_open_arg },
	{ "open.name", FT_STR, OPEN, FL_TEXT, get_open_name },
	{ "open.flags", FT_LIST, OPEN, FL_TEXT, get_open_flags },
	{ "open.write", FT_BOOL, OPEN, FL_TEXT, get_open_write },
	{ "open.ret", FT_NUM, OPEN, FL_TEXT, get_open_ret },
	{ "open.dev", FT_NUM, OPEN, FL_TEXT, get_open_dev },
	{ "open.ino", FT_NUM, OPEN, FL_TEXT, get_open_ino },
	{ "open.fileset", FT_LIST, OPEN, FL_FILESET, get_open_fileset },
	{ "file.op", FT_STR, FILE_EV, FL_TEXT, get_file_op },
	{ "file.path", FT_STR, FILE_EV, FL_PATH, get_file_path },
	{ "file.path2", FT_STR, FILE_EV, FL_PATH, get_file_path2 },
	{ "file.dest", FT_STR, FILE_EV, FL_PATH, get_file_dest },
	{ "file.arg", FT_STR, FILE_EV, FL_PATH, get_file_arg },
	{ "file.ret", FT_NUM, FILE_EV, FL_TEXT, get_file_ret },
	{ "file.mode", FT_NUM, FILE_EV, FL_TEXT, get_file_mode },
	{ "file.setid", FT_BOOL, FILE_EV, FL_TEXT, get_file_setid },
	{ "file.uid", FT_NUM, FILE_EV, FL_TEXT, get_file_uid },
	{ "file.gid", FT_NUM, FILE_EV, FL_TEXT, get_file_gid },
	{ "cred.syscall", FT_STR, CRED, FL_TEXT, get_cred_syscall },
	{ "cred.ret", FT_NUM, CRED, FL_TEXT, get_cred_ret },
	{ "cred.uid", FT_NUM, CRED, FL_TEXT, get_cred_uid },
	{ "cred.euid", FT_NUM, CRED, FL_TEXT, get_cred_euid },
	{ "cred.gid", FT_NUM, CRED, FL_TEXT, get_cred_gid },
	{ "cred.egid", FT_NUM, CRED, FL_TEXT, get_cred_egid },
	{ "cred.old_uid", FT_NUM, CRED, FL_TEXT, get_cred_old_uid },
	{ "cred.old_euid", FT_NUM, CRED, FL_TEXT, get_cred_old_euid },
	{ "cred.to_root", FT_BOOL, CRED, FL_TEXT, get_cred_to_root },
	{ "cred.caps_gained", FT_BOOL, CRED, FL_TEXT, get_cred_caps_gained },
	{ "socket.op", FT_STR, SOCKET, FL_TEXT, get_sock_op },
	{ "socket.family", FT_STR, SOCKET, FL_TEXT, get_sock_family },
	{ "socket.raw", FT_BOOL, SOCKET, FL_TEXT, get_sock_raw },
	{ "socket.addr", FT_ADDR, SOCKET, FL_TEXT, get_sock_addr },
	{ "socket.port", FT_NUM, SOCKET, FL_TEXT, get_sock_port },
	{ "socket.ret", FT_NUM, SOCKET, FL_TEXT, get_sock_ret },
	{ "dns.qname", FT_STR, DNS, FL_TEXT, get_dns_qname },
	{ "dns.qtype", FT_STR, DNS, FL_TEXT, get_dns_qtype },
	{ "dns.qtype_nr", FT_NUM, DNS, FL_TEXT, get_dns_qtype_nr },
	{ "dns.verdict", FT_STR, DNS, FL_TEXT, get_dns_verdict },
	{ "dns.truncated", FT_BOOL, DNS, FL_TEXT, get_dns_truncated },
	{ "dns.server", FT_ADDR, DNS, FL_TEXT, get_dns_server },
	{ "dns.labels", FT_NUM, DNS, FL_TEXT, get_dns_labels },
	{ "dns.label_max", FT_NUM, DNS, FL_TEXT, get_dns_label_max },
	{ "dns.entropy", FT_NUM, DNS, FL_TEXT, get_dns_entropy },
	{ "dns.parent", FT_STR, DNS, FL_TEXT, get_dns_parent },
	{ "dns.proto", FT_STR, DNS, FL_TEXT, get_dns_proto },
	{ "dns.response", FT_BOOL, DNS, FL_TEXT, get_dns_response },
	{ "dns.rcode", FT_STR, DNS, FL_TEXT, get_dns_rcode },
	{ "dns.answers", FT_LIST, DNS, FL_TEXT, get_dns_answers },
	{ "dns.ttl", FT_NUM, DNS, FL_TEXT, get_dns_ttl },
	{ "dns.cnames", FT_NUM, DNS, FL_TEXT, get_dns_cnames },
	{ "dns.granted", FT_BOOL, DNS, FL_TEXT, get_dns_granted },
	{ "dns.answers_truncated", FT_BOOL, DNS, FL_TEXT, get_dns_answers_cut },
	{ "connect.addr", FT_ADDR, CONNECT, FL_TEXT, get_conn_addr },
	{ "connect.path", FT_STR, CONNECT, FL_TEXT, get_conn_path },
	{ "connect.port", FT_NUM, CONNECT, FL_TEXT, get_conn_port },
	{ "connect.family", FT_STR, CONNECT, FL_TEXT, get_conn_family },
	{ "connect.proto", FT_STR, CONNECT, FL_TEXT, get_conn_proto },
	{ "connect.ret", FT_NUM, CONNECT, FL_TEXT, get_conn_ret },
	{ "connect.verdict", FT_STR, CONNECT, FL_TEXT, get_conn_verdict },
	{ "connect.via", FT_STR, CONNECT, FL_TEXT, get_conn_via },
	{ "connect.allowed", FT_BOOL, CONNECT, FL_TEXT, get_conn_allowed },
	{ "flow.addr", FT_ADDR, FLOW, FL_TEXT, get_flow_addr },
	{ "flow.port", FT_NUM, FLOW, FL_TEXT, get_flow_port },
	{ "flow.proto", FT_STR, FLOW, FL_TEXT, get_flow_proto },
	{ "flow.bytes", FT_NUM, FLOW, FL_TEXT, get_flow_bytes },
	{ "flow.packets", FT_NUM, FLOW, FL_TEXT, get_flow_packets },
	{ "flow.allowed", FT_BOOL, FLOW, FL_TEXT, get_flow_allowed },
	{ "budget.addr", FT_ADDR, BUDGET, FL_TEXT, get_budget_addr },
	{ "budget.port", FT_NUM, BUDGET, FL_TEXT, get_budget_port },
	{ "budget.proto", FT_STR, BUDGET, FL_TEXT, get_budget_proto },
	{ "budget.limit", FT_NUM, BUDGET, FL_TEXT, get_budget_limit },
	{ "budget.spent", FT_NUM, BUDGET, FL_TEXT, get_budget_spent },
	{ "budget.entry", FT_STR, BUDGET, FL_TEXT, get_budget_entry },
	{ "syscall.name", FT_STR, EVBIT(EVENT_SYSCALL), FL_TEXT, get_sys_name },
	{ "syscall.ret", FT_NUM, EVBIT(EVENT_SYSCALL), FL_TEXT, get_sys_ret },
	{ "syscall.arg0", FT_NUM, EVBIT(EVENT_SYSCALL), FL_TEXT, get_sys_arg0 },
	{ "syscall.arg1", FT_NUM, EVBIT(EVENT_SYSCALL), FL_TEXT, get_sys_arg1 },
	{ "exit.code", FT_NUM, EVBIT(EVENT_EXIT), FL_TEXT, get_exit_code },
	{ "exit.signal", FT_NUM, EVBIT(EVENT_EXIT), FL_TEXT, get_exit_signal },
	{ "fork.child_pid", FT_NUM, EVBIT(EVENT_FORK), FL_TEXT, get_child_pid },
	{ "drop.lost", FT_NUM, EVBIT(EVENT_DROP), FL_TEXT, get_drop_lost },
	{ "drop.kernel_kills", FT_NUM, EVBIT(EVENT_DROP), FL_TEXT,
	  get_drop_kills },
	{ "repeat.count", FT_NUM, EVBIT(EVENT_REPEAT), FL_TEXT,
	  get_repeat_count },
	{ "anomaly.what", FT_STR, ANOMALY, FL_TEXT, get_anomaly_what },
	{ "anomaly.op", FT_STR, ANOMALY, FL_TEXT, get_anomaly_op },
	{ "anomaly.item", FT_STR, ANOMALY, FL_TEXT, get_anomaly_item },
	{ "anomaly.nearest", FT_STR, ANOMALY, FL_TEXT, get_anomaly_nearest },
	{ "anomaly.seen", FT_NUM, ANOMALY, FL_TEXT, get_anomaly_seen },
	{ "anomaly.score", FT_NUM, ANOMALY, FL_TEXT, get_anomaly_score },
};

const struct field *field__find(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (bytes__is(name, len, fields[i].name))
			return &fields[i];
	return NULL;
}

/* The record kinds rules can name, by the records' own type names. */
static const enum event_kind rule_kinds[] = {
	EVENT_EXEC, EVENT_FORK, EVENT_EXIT, EVENT_OPEN, EVENT_CONNECT,
	EVENT_FLOW, EVENT_SYSCALL, EVENT_BUDGET, EVENT_ESCAPE, EVENT_DROP,
	EVENT_REPEAT, EVENT_FILE, EVENT_CRED, EVENT_SOCKET, EVENT_DNS,
	EVENT_ANOMALY,
};

uint32_t field__event_bit(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(rule_kinds); i++)
		if (bytes__is(name, len, event__type_name(rule_kinds[i])))
			return EVBIT(rule_kinds[i]);
	return 0;
}

static bool next__nul(struct fval *v, struct bytes *out)
{
	const char *cur = v->list.cur, *end = v->list.end;
	struct bytes rest = { cur, (size_t)(end - cur) };

	if (!bytes__next_str(&rest, out))
		return false;
	v->list.cur = rest.p;
	return true;
}

/* A bit without a name (a file set the kernel knows and the rules no
 * longer do) is no value at all. */
static bool next__bit(struct fval *v, struct bytes *out)
{
	uint64_t bits = (uintptr_t)v->list.cur;
	const char *const *names = v->list.aux;
	const char *name = NULL;

	for (; bits && !name; bits &= bits - 1)
		name = names[__builtin_ctzll(bits)];
	v->list.cur = (const void *)(uintptr_t)bits;
	if (!name)
		return false;
	*out = bytes__of(name);
	return true;
}

bool fval__next(struct fval *v, struct bytes *out)
{
	const struct proc *p = v->list.cur;

	switch (v->list.how) {
	case LIST_NUL:
		return next__nul(v, out);
	case LIST_STRS:
		if (v->list.cur == v->list.end)
			return false;
		*out = bytes__of(*(const char *const *)v->list.cur);
		v->list.cur = (const char *const *)v->list.cur + 1;
		return true;
	case LIST_ANC_EXE:
	case LIST_ANC_NAME:
		/* An ancestor without a known executable is skipped. */
		while (p && !p->exe)
			p = p->parent;
		if (!p)
			return false;
		*out = v->list.how == LIST_ANC_EXE
			       ? (struct bytes){ p->exe, p->exe_len }
			       : bytes__base(p->exe, p->exe_len);
		v->list.cur = p->parent;
		return true;
	case LIST_BITS:
		return next__bit(v, out);
	}
	return false;
}
