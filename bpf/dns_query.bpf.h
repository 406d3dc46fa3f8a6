/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * DNS filtering: every query a sandbox sends to port 53, over UDP or
 * over TCP after its two-byte length, is read at the cgroup's egress
 * (net.bpf.c's net_egress calls dns__egress for port 53, so each packet
 * is parsed once), after the connect and sendmsg hooks let it go to a
 * resolver, and recorded (struct vigil_dns). A query whose one question
 * names nothing the profile's allow.destinations allows is dropped
 * under egress: deny, so it never reaches the resolver: a resolver an
 * allowlist needs is no channel out for other names. Read here rather
 * than in the sendmsg hook, which sees the destination but not the
 * payload. What the kernel cannot judge is not allowed either (fails
 * closed): more than one question, a name too long for the allowlists,
 * a compressed or truncated one, a message with the response bit, and
 * over TCP a segment that is not exactly one whole message (a message
 * split over segments, two in one, or what continues one).
 */
#ifndef VIGIL_DNS_QUERY_BPF_H
#define VIGIL_DNS_QUERY_BPF_H

#include "dns.bpf.h"

/* The record of a query whose name starts at first, len bytes of it
 * kept; one that may be answered leaves its header in dns_asks, for
 * the answer's record (dns.bpf.c). */
static __always_inline void dns__record(struct __sk_buff *skb,
					const struct vigil_flow_key *k,
					const struct dns_ask_key *ask,
					__u32 first, __u64 len, __u16 qtype,
					__u8 verdict, __u32 flags)
{
	struct vigil_dns *e = reserve(sizeof(*e), VIGIL_EV_DNS,
				      k->sandbox_cgid, flags, LANE_COMMON);

	if (!e)
		return;
	__builtin_memset(&e->reply, 0, sizeof(*e) -
			 __builtin_offsetof(struct vigil_dns, reply));
	dns__question(e, skb, k, first, len, qtype);
	e->verdict = verdict;
	if (verdict != VIGIL_VERDICT_DENY)
		bpf_map_update_elem(&dns_asks, ask, &e->hdr, BPF_ANY);
	submit(e);
}

/* 1 lets the query (a message at off, framed as dns__frame says) go,
 * 0 drops it. */
static __always_inline int dns__query(struct __sk_buff *skb,
				      const struct vigil_flow_key *k,
				      const struct vigil_policy *p, __u32 l3,
				      __u32 off, int framed)
{
	__u32 first = off + DNS_HDR, end = first;
	__u8 verdict = VIGIL_VERDICT_ALLOW;
	struct dns_ask_key ask;
	struct qname q = {};
	bool whole = false;

	dns__ask_key(&ask, skb, k->sandbox_cgid, l3, off, false);
	if (framed > 0 && first < skb->len &&
	    !(pkt__u16(skb, off + 2) & DNS_QR))
		whole = qname__measure(skb, &end, &q);
	if (!whole || pkt__u16(skb, off + 4) != 1 ||
	    !qname__entry(skb, p->profile, first, &q))
		verdict = p->egress == VIGIL_EGRESS_DENY ? VIGIL_VERDICT_DENY
							 : VIGIL_VERDICT_MONITOR;
	if (whole)
		dns__record(skb, k, &ask, first, q.len, pkt__u16(skb, end),
			    verdict, 0);
	else
		dns__record(skb, k, &ask, first,
			    skb->len > first ? skb->len - first : 0, 0,
			    verdict, VIGIL_F_PATH_TRUNC);
	return verdict != VIGIL_VERDICT_DENY;
}

/*
 * The DNS path of the egress program, for a packet to port 53 whose
 * payload starts at off (l3: its transport header): 1 lets it go, 0
 * drops it. A subprogram of its own: the verifier walks it once, and
 * the rest of the sandbox's packets never enter it.
 */
static __always_inline int dns__egress(struct __sk_buff *skb,
				  const struct vigil_flow_key *k, __u32 l3,
				  __u32 off)
{
	struct vigil_policy *p = policy__of(k->sandbox_cgid);
	__u32 end;
	int framed;

	/* No policy: user space judges nothing (no rules). */
	if (!p || (k->proto != IPPROTO_UDP && k->proto != IPPROTO_TCP))
		return 1;
	framed = dns__frame(skb, k->proto, &off, &end);
	if (!framed)
		return 1;	/* TCP's handshake, ACKs, FIN: no message */
	/* Over TCP the segment must be one whole message, no more. */
	if (end != skb->len)
		framed = -1;
	return dns__query(skb, k, p, l3, off, framed);
}

#endif /* VIGIL_DNS_QUERY_BPF_H */
