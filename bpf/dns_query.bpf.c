// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * DNS filtering: every query a sandbox sends over UDP to port 53 is read
 * at the cgroup's egress, after the connect and sendmsg hooks let it go
 * to a resolver, and recorded (struct vigil_dns). A query whose one
 * question names nothing the profile's allow.destinations allows is
 * dropped under egress: deny, so it never reaches the resolver: a
 * resolver an allowlist needs is no channel out for other names. Read
 * here rather than in the sendmsg hook, which sees the destination but
 * not the payload. A query the kernel cannot judge (more than one
 * question, a name too long for the allowlists, a compressed or
 * truncated one) is not allowed either.
 */
#include "dns.bpf.h"
#include "skb.bpf.h"

#define DNS_QR		0x8000	/* the flags' response bit */

/* The record of a query whose name starts at first, len bytes of it
 * kept. */
static __always_inline void dns__record(struct __sk_buff *skb,
					const struct vigil_flow_key *k,
					__u32 first, __u64 len, __u16 qtype,
					__u8 verdict, __u32 flags)
{
	struct vigil_dns *e = reserve(sizeof(*e), VIGIL_EV_DNS,
				      k->sandbox_cgid, flags, LANE_COMMON);

	if (!e)
		return;
	e->family = k->family;
	e->port = k->port;
	__builtin_memcpy(e->addr, k->addr, sizeof(e->addr));
	e->qtype = qtype;
	e->verdict = verdict;
	e->qname_len = 0;
	/* Bounded for the verifier: 1 to VIGIL_DNS_NAME_MAX bytes. */
	asm volatile("" : "+r"(len));
	len &= 2 * VIGIL_DNS_NAME_MAX - 1;
	if (len > VIGIL_DNS_NAME_MAX)
		len = VIGIL_DNS_NAME_MAX;
	if (len && !bpf_skb_load_bytes(skb, first, e->qname, len))
		e->qname_len = len;
	submit(e);
}

/* 1 lets the query (a message at off) go, 0 drops it. */
static __always_inline int dns__query(struct __sk_buff *skb,
				      const struct vigil_flow_key *k,
				      const struct vigil_policy *p, __u32 off)
{
	__u32 first = off + DNS_HDR, end = first;
	struct qname q = {};
	__u8 verdict = VIGIL_VERDICT_ALLOW;
	bool whole;

	if (skb->len < first + 1 || (pkt__u16(skb, off + 2) & DNS_QR))
		return 1;	/* not a query: a server's answer */
	whole = qname__measure(skb, &end, &q);
	if (!whole || pkt__u16(skb, off + 4) != 1 ||
	    !qname__entry(skb, p->profile, first, &q))
		verdict = p->egress == VIGIL_EGRESS_DENY ? VIGIL_VERDICT_DENY
							 : VIGIL_VERDICT_MONITOR;
	if (whole)
		dns__record(skb, k, first, q.len, pkt__u16(skb, end), verdict,
			    0);
	else
		dns__record(skb, k, first, skb->len - first, 0, verdict,
			    VIGIL_F_PATH_TRUNC);
	return verdict != VIGIL_VERDICT_DENY;
}

SEC("cgroup_skb/egress")
int dns_egress(struct __sk_buff *skb)
{
	struct vigil_flow_key k = { .sandbox_cgid = scope__of(skb) };
	struct vigil_policy *p;
	__u32 l4;
	int l3;

	if (!k.sandbox_cgid)
		return 1;
	l3 = skb__l3(skb, &k, false);
	if (l3 < 0 || k.proto != IPPROTO_UDP)
		return 1;
	l4 = skb__l4(skb, l3, &k, false);
	if (!l4 || k.port != DNS_PORT)
		return 1;
	p = policy__of(k.sandbox_cgid);
	/* No policy: user space judges nothing (no rules). */
	if (!p)
		return 1;
	return dns__query(skb, &k, p, l3 + l4);
}
