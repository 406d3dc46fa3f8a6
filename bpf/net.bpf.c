// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Network activity of sandboxes: connect() as records, and egress bytes per
 * destination aggregated in the flows map. Bytes are counted at packet
 * level by a cgroup_skb program on each root, so write(), sendfile(),
 * splice() and io_uring sends cannot hide; the send syscalls add the call
 * counts and the byte counts the callers saw. The same program enforces
 * each sandbox's egress budget to destinations outside its allowlist,
 * and filters DNS queries (dns_query.bpf.h): one program, so each
 * packet's headers are read once.
 */
#include "dns_query.bpf.h"
#include "egress.bpf.h"
#include "enforce.bpf.h"
#include "path.bpf.h"
#include "skb.bpf.h"

#define MMSG_MAX    1024	/* UIO_MAXIOV: sendmmsg's own limit */

static __always_inline struct vigil_flow_val *flow__get(
	struct vigil_flow_key *k)
{
	static const struct vigil_flow_val zero;
	struct vigil_flow_val *v = bpf_map_lookup_elem(&flows, k);

	if (v)
		return v;
	/* Another CPU may insert first (-EEXIST): look up again. */
	bpf_map_update_elem(&flows, k, &zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&flows, k);
	if (!v)
		drop__count(VIGIL_DROP_FLOWS);
	return v;
}

/* Saves the destination given as a sockaddr (connect, sendto, msg_name). */
static __always_inline void net__save_sa(struct net_args *a, __u64 uaddr,
					 unsigned long len)
{
	/* len stays 64-bit: a 32-bit copy may be bounded in one register
	 * and passed to the helper in another, which the verifier refuses. */
	if (!uaddr || len < 2)
		return;
	if (len > SA_MAX)
		len = SA_MAX;
	if (!bpf_probe_read_user(a->sa, len, (void *)uaddr))
		a->addrlen = len;
}

static __always_inline struct net_args *net__enter(__u16 call, int fd,
						   bool compat)
{
	__u64 sb = scope__sandbox();
	struct net_args *a;

	if (!sb)
		return NULL;
	a = inflight__new(&net_inflight);
	if (!a)
		return NULL;
	a->sandbox = sb;
	a->fd = fd;
	a->call = call;
	a->compat = compat;
	a->addrlen = 0;
	a->mmsg = 0;
	a->verdict = VIGIL_VERDICT_NONE;
	return a;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(net_connect, struct pt_regs *regs, long id)
{
	bool c = task__compat();
	struct net_args *a = net__enter(NET_CONNECT, sys__arg(regs, 0, c), c);

	if (a)
		net__save_sa(a, sys__arg(regs, 1, c), sys__arg(regs, 2, c));
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(net_sendto, struct pt_regs *regs, long id)
{
	bool c = task__compat();
	struct net_args *a = net__enter(NET_SEND, sys__arg(regs, 0, c), c);

	if (a)
		net__save_sa(a, sys__arg(regs, 4, c), sys__arg(regs, 5, c));
	return 0;
}

/* msg_name of a user msghdr, native or compat layout. */
static __always_inline void net__save_msg_name(struct net_args *a,
					       __u64 msg)
{
	__u64 name = user__ptr((void *)msg, a->compat);
	__s32 len = 0;

	bpf_probe_read_user(&len, sizeof(len),
			    (void *)(msg + (a->compat ? 4 : 8)));
	if (len > 0)
		net__save_sa(a, name, len);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(net_sendmsg, struct pt_regs *regs, long id)
{
	bool c = task__compat();
	struct net_args *a = net__enter(NET_SEND, sys__arg(regs, 0, c), c);

	if (a)
		net__save_msg_name(a, sys__arg(regs, 1, c));
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(net_sendmmsg, struct pt_regs *regs, long id)
{
	bool c = task__compat();
	struct net_args *a = net__enter(NET_SENDMMSG, sys__arg(regs, 0, c), c);

	/* Destination of the first message stands for all of them. */
	if (a) {
		a->mmsg = sys__arg(regs, 1, c);
		net__save_msg_name(a, a->mmsg);
	}
	return 0;
}

/* The inet part of a raw sockaddr: family, port and address; false when
 * it is no complete inet or inet6 address. */
static __always_inline bool sa__inet(const __u8 *raw, __u32 len,
				     __u16 *family, __u16 *port, __u8 *addr)
{
	*family = len >= 2 ? *(__u16 *)raw : 0;
	if (*family == AF_INET && len >= 8) {
		*port = bpf_ntohs(*(__u16 *)(raw + 2));
		__builtin_memcpy(addr, raw + 4, 4);
		return true;
	}
	if (*family == AF_INET6 && len >= 24) {
		*port = bpf_ntohs(*(__u16 *)(raw + 2));
		__builtin_memcpy(addr, raw + 8, 16);
		return true;
	}
	return false;
}

static __always_inline void sockaddr__parse(const __u8 *raw, __u32 len,
					    struct vigil_sockaddr *out)
{
	__builtin_memset(out, 0, sizeof(*out));
	if (sa__inet(raw, len, &out->family, &out->port, out->addr) ||
	    out->family != AF_UNIX)
		return;
	out->path_len = len - 2;
	__builtin_memcpy(out->path, raw + 2, VIGIL_UNIX_MAX);
}

static __always_inline struct sock *sock__of_fd(int fd)
{
	struct file *f = fd__file(fd);

	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	return file__sock(f);
}

/* The connected peer of a socket, for sends that name no destination. */
static __always_inline void sock__peer(struct sock *sk,
				       struct vigil_flow_key *k)
{
	k->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	k->port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	/* Sizes spelled out: BPF_CORE_READ_INTO would read sizeof(addr[0]). */
	if (k->family == AF_INET)
		bpf_core_read(k->addr, 4, &sk->__sk_common.skc_daddr);
	else if (k->family == AF_INET6)
		bpf_core_read(k->addr, 16, &sk->__sk_common.skc_v6_daddr);
}

static __always_inline void net__connect_exit(struct net_args *a, long ret)
{
	struct vigil_connect *e = reserve(sizeof(*e), VIGIL_EV_CONNECT,
					  a->sandbox,
					  a->compat ? VIGIL_F_COMPAT : 0,
					  LANE_RARE);
	struct sock *sk = sock__of_fd(a->fd);

	if (!e)
		return;
	e->ret = ret;
	e->proto = sk ? BPF_CORE_READ(sk, sk_protocol) : 0;
	e->sock_type = sk ? BPF_CORE_READ(sk, sk_type) : 0;
	sockaddr__parse(a->sa, a->addrlen, &e->sa);
	e->verdict = a->verdict;
	e->op = VIGIL_CONNECT_CALL;
	e->__pad[0] = e->__pad[1] = 0;
	submit(e);
}

/* Summing the msg_len of each message a sendmmsg call sent, one bpf_loop
 * step per message. */
struct mmsg_sum {
	__u64 mmsg;		/* user array of struct mmsghdr */
	__u64 step;		/* sizeof(struct mmsghdr), native or compat */
	__u64 lenoff;		/* offset of msg_len in it */
	__u64 total;
};

static long mmsg__step_cb(__u32 i, void *ctx)
{
	struct mmsg_sum *m = ctx;
	__u32 n = 0;

	bpf_probe_read_user(&n, sizeof(n),
			    (void *)(m->mmsg + i * m->step + m->lenoff));
	m->total += n;
	return 0;
}

static __always_inline __u64 net__mmsg_bytes(struct net_args *a, long sent)
{
	struct mmsg_sum m = {
		.mmsg = a->mmsg,
		.step = a->compat ? 32 : 64,
		.lenoff = a->compat ? 28 : 56,
	};

	bpf_loop(sent < MMSG_MAX ? sent : MMSG_MAX, mmsg__step_cb, &m, 0);
	return m.total;
}

static __always_inline void net__send_exit(struct net_args *a, long ret)
{
	struct sock *sk = sock__of_fd(a->fd);
	struct vigil_flow_key k = { .sandbox_cgid = a->sandbox };
	struct vigil_flow_val *v;

	if (ret <= 0 || !sk)
		return;
	if (a->addrlen)
		sa__inet(a->sa, a->addrlen, &k.family, &k.port, k.addr);
	else
		sock__peer(sk, &k);
	if (k.family != AF_INET && k.family != AF_INET6)
		return;	/* unix and others: no packet-level flow to join */
	k.proto = BPF_CORE_READ(sk, sk_protocol);
	k.epoch = flow_epoch;
	v = flow__get(&k);
	if (!v)
		return;
	__sync_fetch_and_add(&v->send_calls, 1);
	__sync_fetch_and_add(&v->send_bytes,
			     a->call == NET_SENDMMSG ? net__mmsg_bytes(a, ret)
						     : ret);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(net_exit, struct pt_regs *regs, long ret)
{
	struct net_args *a = inflight__get(&net_inflight);

	if (!a || !a->sandbox)
		return 0;
	if (a->call == NET_CONNECT)
		net__connect_exit(a, ret);
	else
		net__send_exit(a, ret);
	a->sandbox = 0;
	return 0;
}

/* The spending map (egress_spent, egress_entry_spent) keeps under key,
 * made on first use. */
static __always_inline struct vigil_spent *spent__get(void *map,
						      const void *key)
{
	static const struct vigil_spent zero;
	struct vigil_spent *s = bpf_map_lookup_elem(map, key);

	if (s)
		return s;
	/* Another CPU may insert first (-EEXIST): look up again. */
	bpf_map_update_elem(map, key, &zero, BPF_NOEXIST);
	s = bpf_map_lookup_elem(map, key);
	if (!s)
		drop__count(VIGIL_DROP_BUDGET);
	return s;
}

/* The budget record, once per sandbox and budget; no task context here.
 * Made in budget_scratch: the entry's text does not fit the stack. */
static __always_inline void budget__report(struct __sk_buff *skb,
					   const struct vigil_flow_key *k,
					   const struct vigil_policy *p,
					   __u64 limit, const char *entry,
					   __u64 spent)
{
	__u32 zero = 0;
	struct vigil_budget *b = bpf_map_lookup_elem(&budget_scratch, &zero);

	if (!b)
		return;
	b->hdr = (struct vigil_hdr){ .type = VIGIL_EV_BUDGET };
	b->hdr.ktime_ns = bpf_ktime_get_boot_ns();
	b->hdr.cgroup_id = bpf_skb_cgroup_id(skb);
	b->hdr.sandbox_cgid = k->sandbox_cgid;
	b->budget = limit;
	b->spent = spent;
	b->profile = p->profile;
	b->family = k->family;
	b->port = k->port;
	b->proto = k->proto;
	__builtin_memset(b->__pad, 0, sizeof(b->__pad));
	__builtin_memcpy(b->addr, k->addr, sizeof(b->addr));
	if (entry)
		__builtin_memcpy(b->entry, entry, sizeof(b->entry));
	else
		__builtin_memset(b->entry, 0, sizeof(b->entry));
	emit(b, sizeof(*b), sizeof(*b), LANE_RARE);
}

/* 1 to let the packet go, 0 to drop it: once the payload counted in s
 * would exceed limit, that packet and every later one counted there are
 * dropped, pure ACKs included, so the connection is severed before user
 * space acts. */
static __always_inline int budget__spend(struct __sk_buff *skb,
					 const struct vigil_flow_key *k,
					 const struct vigil_policy *p,
					 struct vigil_spent *s, __u64 limit,
					 const char *entry, __u64 payload)
{
	if (!s->dropped_packets && s->bytes + payload <= limit) {
		__sync_fetch_and_add(&s->bytes, payload);
		return 1;
	}
	__sync_fetch_and_add(&s->dropped_bytes, payload);
	__sync_fetch_and_add(&s->dropped_packets, 1);
	if (__sync_val_compare_and_swap(&s->reported, 0, 1) == 0)
		budget__report(skb, k, p, limit, entry, s->bytes);
	return 0;
}

/* What an allowed destination's entry lets the sandbox send. */
static __always_inline int budget__entry(struct __sk_buff *skb,
					 const struct vigil_flow_key *k,
					 const struct vigil_policy *p,
					 __u32 budget, __u64 payload)
{
	struct vigil_entry_budget *eb = bpf_map_lookup_elem(&egress_budgets,
							    &budget);
	struct vigil_entry_spent_key key = { .sandbox_cgid = k->sandbox_cgid,
					     .budget = budget };
	struct vigil_spent *s;

	if (!eb || !eb->bytes)
		return 1;
	s = spent__get(&egress_entry_spent, &key);
	return s ? budget__spend(skb, k, p, s, eb->bytes, eb->entry, payload)
		 : 1;
}

/*
 * 1 to let the packet go, 0 to drop it. An allowed destination spends
 * its entry's own budget, if it has one; every destination outside the
 * allowlist spends the profile's egress_budget together.
 */
static __always_inline int egress__budget(struct __sk_buff *skb,
					  const struct vigil_flow_key *k,
					  __u64 payload)
{
	struct vigil_policy *p = policy__of(k->sandbox_cgid);
	struct vigil_spent *s;
	struct dest d;
	int budget;

	if (!p || (!p->egress_budget && !p->entry_budgets))
		return 1;
	dest__of_flow(&d, k);
	budget = egress__budget_of(p, k->sandbox_cgid, &d);
	if (budget > 0)
		return budget__entry(skb, k, p, budget, payload);
	if (budget == 0 || !p->egress_budget)
		return 1;
	s = spent__get(&egress_spent, &k->sandbox_cgid);
	return s ? budget__spend(skb, k, p, s, p->egress_budget, NULL, payload)
		 : 1;
}

SEC("cgroup_skb/egress")
int net_egress(struct __sk_buff *skb)
{
	struct vigil_flow_key k = { .sandbox_cgid = scope__of(skb) };
	struct vigil_flow_val *v;
	__u64 payload;
	int l3;
	__u32 hdrs;

	if (!k.sandbox_cgid)
		return 1;
	l3 = skb__l3(skb, &k, false);
	if (l3 < 0)
		return 1;
	hdrs = l3 + skb__l4(skb, l3, &k, false);
	/* A DNS query is judged first; one dropped never left, so it is
	 * neither counted nor charged. */
	if (k.port == DNS_PORT && !dns__egress(skb, &k, l3, hdrs))
		return 0;
	/* GSO packets carry many segments behind one header set, so len
	 * minus headers is still exactly the payload. */
	payload = skb->len > hdrs ? skb->len - hdrs : 0;
	k.epoch = flow_epoch;
	v = flow__get(&k);
	if (v) {
		__sync_fetch_and_add(&v->bytes, payload);
		__sync_fetch_and_add(&v->packets, 1);
	}
	return egress__budget(skb, &k, payload);
}

/* ------------------------------------------------- socket, bind, listen */

#define SOCK_TYPE_MASK 0xf	/* socket()'s type without its flags */
#define EAGAIN 11

/* The local address a socket is bound to (inet: the kernel's, port
 * assigned). */
static __always_inline void sock__local(struct sock *sk,
					struct vigil_sockaddr *sa)
{
	sa->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	sa->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (sa->family == AF_INET)
		bpf_core_read(sa->addr, 4, &sk->__sk_common.skc_rcv_saddr);
	else if (sa->family == AF_INET6)
		bpf_core_read(sa->addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
}

/* The peer of an accepted inet socket. */
static __always_inline void sock__remote(struct sock *sk,
					 struct vigil_sockaddr *sa)
{
	struct vigil_flow_key k = {};

	sock__peer(sk, &k);
	sa->family = k.family;
	sa->port = k.port;
	__builtin_memcpy(sa->addr, k.addr, sizeof(sa->addr));
}

/* Fills e from the socket behind fd; false when fd is no socket. */
static __always_inline bool socket__of_fd(struct vigil_socket *e, int fd)
{
	struct sock *sk = sock__of_fd(fd);

	if (!sk)
		return false;
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->sock_type = BPF_CORE_READ(sk, sk_type);
	e->proto = BPF_CORE_READ(sk, sk_protocol);
	if (e->op == VIGIL_SOCKET_ACCEPT && e->family != AF_UNIX)
		sock__remote(sk, &e->sa);
	else if (e->op != VIGIL_SOCKET_SOCKET && e->family != AF_UNIX)
		sock__local(sk, &e->sa);
	return true;
}

/* bind's address as asked (a failed bind, a unix path). */
static __always_inline void socket__asked(struct vigil_socket *e,
					  unsigned long uaddr,
					  unsigned long len)
{
	__u8 raw[SA_MAX] = {};

	if (!uaddr || len < 2)
		return;
	if (len > SA_MAX)
		len = SA_MAX;
	if (!bpf_probe_read_user(raw, len, (void *)uaddr))
		sockaddr__parse(raw, len, &e->sa);
}

static __always_inline int socket__exit(struct pt_regs *regs, long ret,
					__u16 op)
{
	__u64 sb = scope__sandbox();
	bool c = task__compat();
	struct vigil_socket e = {};
	int fd = op == VIGIL_SOCKET_SOCKET ||
		 (op == VIGIL_SOCKET_ACCEPT && ret >= 0) ? ret
							 : sys__arg(regs, 0, c);

	if (!sb || (op == VIGIL_SOCKET_ACCEPT && ret == -EAGAIN))
		return 0;
	hdr__fill(&e.hdr, VIGIL_EV_SOCKET, sb);
	e.hdr.flags = c ? VIGIL_F_COMPAT : 0;
	e.ret = ret;
	e.op = op;
	if (op == VIGIL_SOCKET_LISTEN)
		e.backlog = sys__arg(regs, 1, c);
	/* A failed bind or listen still names a socket; a failed socket()
	 * only its arguments. */
	if (!((op != VIGIL_SOCKET_SOCKET || ret >= 0) && socket__of_fd(&e, fd)) &&
	    op == VIGIL_SOCKET_SOCKET) {
		e.family = sys__arg(regs, 0, c);
		e.sock_type = sys__arg(regs, 1, c) & SOCK_TYPE_MASK;
		e.proto = sys__arg(regs, 2, c);
	}
	if (op == VIGIL_SOCKET_BIND && (ret < 0 || e.family == AF_UNIX))
		socket__asked(&e, sys__arg(regs, 1, c), sys__arg(regs, 2, c));
	emit(&e, sizeof(e), sizeof(e), LANE_RARE);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(net_socket_exit, struct pt_regs *regs, long ret)
{
	return socket__exit(regs, ret, VIGIL_SOCKET_SOCKET);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(net_bind_exit, struct pt_regs *regs, long ret)
{
	return socket__exit(regs, ret, VIGIL_SOCKET_BIND);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(net_listen_exit, struct pt_regs *regs, long ret)
{
	return socket__exit(regs, ret, VIGIL_SOCKET_LISTEN);
}

/* accept and accept4: the new socket and its peer. */
SEC("tp_btf/sys_exit")
int BPF_PROG(net_accept_exit, struct pt_regs *regs, long ret)
{
	return socket__exit(regs, ret, VIGIL_SOCKET_ACCEPT);
}
