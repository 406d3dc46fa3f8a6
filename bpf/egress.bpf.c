// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Egress control: the cgroup connect and sendmsg hooks on each root see
 * every inet connect and unconnected send of a sandbox before anything
 * goes on the wire, whatever made it: connect(2), sendto, sendmsg and
 * sendmmsg (each message), TCP fast open, io_uring, ia32 socketcall.
 * A destination neither the profile's list nor a grant of the sandbox
 * allows is refused with EPERM when the profile says egress: deny, and
 * only judged under egress: monitor. The verdict goes into the connect
 * record: the syscall tracepoint's when connect(2) is in flight, else a
 * record of the hook's own (a connect the tracepoints miss, a refused
 * send).
 */
#include "egress.bpf.h"

/* The destination the caller gave. Each hook may read only its own
 * family's fields (v6 true in the v6 hooks: a constant once inlined),
 * and each word of user_ip6 at a constant offset. */
static __always_inline void dest__of_ctx(struct dest *d,
					 const struct bpf_sock_addr *ctx,
					 bool v6)
{
	__u16 port = bpf_ntohs((__u16)ctx->user_port);
	__u32 w[4];

	if (!v6) {
		w[0] = ctx->user_ip4;
		dest__v4(d, w, port);
		return;
	}
	w[0] = ctx->user_ip6[0];
	w[1] = ctx->user_ip6[1];
	w[2] = ctx->user_ip6[2];
	w[3] = ctx->user_ip6[3];
	dest__v6(d, w, port);
}

/* A record of the hook's own: the destination as the caller gave it. */
static __always_inline void egress__record(const struct bpf_sock_addr *ctx,
					   __u64 sandbox, const struct dest *d,
					   __u8 verdict, __u8 op, bool v6)
{
	struct vigil_connect *e = reserve(sizeof(*e), VIGIL_EV_CONNECT,
					  sandbox,
					  task__compat() ? VIGIL_F_COMPAT : 0,
					  LANE_RARE);

	if (!e)
		return;
	e->ret = verdict == VIGIL_VERDICT_DENY ? -1 /* EPERM */ : 0;
	e->proto = ctx->protocol;
	e->sock_type = ctx->type;
	__builtin_memset(&e->sa, 0, sizeof(e->sa));
	e->sa.family = v6 ? AF_INET6 : AF_INET;
	e->sa.port = d->port;
	if (!v6)
		__builtin_memcpy(e->sa.addr, &d->addr[12], 4);
	else
		__builtin_memcpy(e->sa.addr, d->addr, 16);
	e->verdict = verdict;
	e->op = op;
	e->__pad[0] = e->__pad[1] = 0;
	submit(e);
}

/* The verdict on the destination of ctx for the sandbox. */
static __always_inline __u8 egress__verdict(const struct bpf_sock_addr *ctx,
					    __u64 sandbox, struct dest *d,
					    bool v6)
{
	struct vigil_policy *p = policy__of(sandbox);

	dest__of_ctx(d, ctx, v6);
	/* No policy (user space judges nothing: no rules): not judged. */
	if (!p)
		return VIGIL_VERDICT_NONE;
	if (egress__allows(p, sandbox, d))
		return VIGIL_VERDICT_ALLOW;
	return p->egress == VIGIL_EGRESS_DENY ? VIGIL_VERDICT_DENY
					      : VIGIL_VERDICT_MONITOR;
}

#define SOL_TCP			6
#define TCP_USER_TIMEOUT	18
#define DNS_TCP_TIMEOUT_MS	5000

/*
 * A DNS query over TCP that the egress program drops (dns_query.bpf.h)
 * gives its sender no error: TCP sends it again, each copy dropped, and
 * a stub resolver without a timeout of its own there (glibc's) would
 * wait until TCP gives up, some fifteen minutes. A user timeout on
 * sandbox connections to port 53 ends one once sent data goes
 * unacknowledged that long, ETIMEDOUT to the caller. A resolver's
 * kernel acknowledges a query at once, however long the answer takes.
 */
static __always_inline void egress__dns_timeout(struct bpf_sock_addr *ctx,
						const struct dest *d)
{
	int ms = DNS_TCP_TIMEOUT_MS;

	if (d->port == 53 && ctx->protocol == IPPROTO_TCP)
		bpf_setsockopt(ctx, SOL_TCP, TCP_USER_TIMEOUT, &ms,
			       sizeof(ms));
}

/* 1 lets the connect go on, 0 refuses it with EPERM. */
static __always_inline int egress__connect(struct bpf_sock_addr *ctx,
					   bool v6)
{
	__u64 sb = scope__sandbox();
	struct net_args *a;
	struct dest d;
	__u8 v;

	if (!sb)
		return 1;
	v = egress__verdict(ctx, sb, &d, v6);
	if (v != VIGIL_VERDICT_DENY)
		egress__dns_timeout(ctx, &d);
	a = inflight__get(&net_inflight);
	if (a && a->sandbox && a->call == NET_CONNECT)
		a->verdict = v;	/* connect(2): its exit records it */
	else
		egress__record(ctx, sb, &d, v, VIGIL_CONNECT_HOOK, v6);
	return v != VIGIL_VERDICT_DENY;
}

/* An unconnected send: only a refusal is recorded (the flows count the
 * rest). */
static __always_inline int egress__send(struct bpf_sock_addr *ctx, bool v6)
{
	__u64 sb = scope__sandbox();
	struct dest d;

	if (!sb || egress__verdict(ctx, sb, &d, v6) != VIGIL_VERDICT_DENY)
		return 1;
	egress__record(ctx, sb, &d, VIGIL_VERDICT_DENY, VIGIL_CONNECT_SEND,
		       v6);
	return 0;
}

SEC("cgroup/connect4")
int egress_connect4(struct bpf_sock_addr *ctx)
{
	return egress__connect(ctx, false);
}

SEC("cgroup/connect6")
int egress_connect6(struct bpf_sock_addr *ctx)
{
	return egress__connect(ctx, true);
}

SEC("cgroup/sendmsg4")
int egress_sendmsg4(struct bpf_sock_addr *ctx)
{
	return egress__send(ctx, false);
}

SEC("cgroup/sendmsg6")
int egress_sendmsg6(struct bpf_sock_addr *ctx)
{
	return egress__send(ctx, true);
}
