// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Names in allowlists: a DNS response that reaches a sandbox from a
 * resolver its profile lists (UDP or TCP port 53), to a question for a
 * name the profile allows (egress_names), grants the sandbox every A and
 * AAAA address of its answer section (the CNAME chain from that name and
 * the addresses it ends in) on the name's ports, for the record's TTL
 * bounded to [DNS_TTL_MIN_S, DNS_TTL_MAX_S], each with the budget of the
 * entry that gave its port (net.bpf.c: egress__budget). Read at the
 * cgroup's ingress, before the resolver's caller sees the answer, so its
 * connect right after finds the grant. No packet is ever dropped here.
 */
#include "dns.bpf.h"
#include "skb.bpf.h"

#define DNS_ANSWERS_MAX	16	/* answer records read */
#define DNS_TYPE_A	1
#define DNS_TYPE_AAAA	28
#define DNS_TTL_MIN_S	5	/* a 0-second answer still lets its caller
				 * connect */
#define DNS_TTL_MAX_S	3600	/* an address learnt once is asked again */

/* Granting the answers' addresses, one answer record a step. */
struct answers {
	struct vigil_allow ports;
	struct __sk_buff *skb;
	__u64 sandbox;
	__u32 off;		/* the next record, in the packet */
	__u32 end;		/* of the message */
};

/* Past a record's owner name, which every resolver compresses to a
 * pointer at the question or at a name before it (the root: a single
 * NUL). A name written out in full ends the walk: its addresses are not
 * granted, which refuses rather than allows. A loop over its labels
 * here would have the verifier walk each of its steps for each answer. */
static __always_inline bool name__skip(struct __sk_buff *skb, __u32 *off)
{
	__u8 b = pkt__u8(skb, *off);

	if (!b) {
		*off += 1;
		return true;
	}
	if ((b & 0xc0) == 0xc0) {
		*off += 2;
		return true;
	}
	return false;
}

static __always_inline void answer__grant(const struct answers *a,
					  const struct dest *d, __u32 ttl)
{
	struct vigil_grant_key k = { .prefixlen = 32 + 64 + 128,
				     .sandbox_cgid = a->sandbox };
	struct vigil_grant g = {};

	if (ttl < DNS_TTL_MIN_S)
		ttl = DNS_TTL_MIN_S;
	if (ttl > DNS_TTL_MAX_S)
		ttl = DNS_TTL_MAX_S;
	g.expires_ns = bpf_ktime_get_boot_ns() + ttl * 1000000000ULL;
	__builtin_memcpy(k.addr, d->addr, 16);
	for (int i = 0; i < VIGIL_ALLOW_PORTS; i++) {
		if (i >= a->ports.nr)
			break;
		/* A name has one port or every port (userspace/rules). */
		k.port = a->ports.lo[i] == a->ports.hi[i] ? a->ports.lo[i] : 0;
		/* The address spends the name's entry's budget. */
		g.budget = a->ports.budget[i];
		bpf_map_update_elem(&egress_grants, &k, &g, BPF_ANY);
	}
}

static long answer__step(__u32 i, void *ctx)
{
	struct answers *a = ctx;
	__u32 ttl, off = a->off;
	__u16 type, rdlen;
	__u8 addr[16];
	struct dest d;

	if (!name__skip(a->skb, &off) || off + 10 > a->end)
		return 1;
	type = pkt__u16(a->skb, off);
	ttl = (__u32)pkt__u16(a->skb, off + 4) << 16 |
	      pkt__u16(a->skb, off + 6);
	rdlen = pkt__u16(a->skb, off + 8);
	off += 10;
	a->off = off + rdlen;
	if (a->off > a->end)
		return 1;
	if (type == DNS_TYPE_A && rdlen == 4 &&
	    !bpf_skb_load_bytes(a->skb, off, addr, 4))
		dest__v4(&d, addr, 0);
	else if (type == DNS_TYPE_AAAA && rdlen == 16 &&
		 !bpf_skb_load_bytes(a->skb, off, addr, 16))
		dest__v6(&d, addr, 0);
	else
		return 0;	/* a CNAME of the chain, or another type */
	answer__grant(a, &d, ttl);
	return 0;
}

/* A response with one question, no error, and answers, at off of skb:
 * its addresses granted when the question is allowed. */
static __always_inline void dns__learn(struct __sk_buff *skb, __u64 sandbox,
				       __u32 profile, __u32 off)
{
	struct answers a = { .skb = skb, .sandbox = sandbox,
			     .off = off + DNS_HDR, .end = skb->len };
	__u16 flags, ancount;

	if (skb->len < off + DNS_HDR + 5)
		return;
	flags = pkt__u16(skb, off + 2);
	ancount = pkt__u16(skb, off + 6);
	if (!(flags & 0x8000) || (flags & 0xf) || pkt__u16(skb, off + 4) != 1 ||
	    !ancount)
		return;
	if (!qname__allowed(skb, profile, &a.off, &a.ports))
		return;
	a.off += 4;		/* qtype, qclass */
	bpf_loop(ancount < DNS_ANSWERS_MAX ? ancount : DNS_ANSWERS_MAX,
		 answer__step, &a, 0);
}

SEC("cgroup_skb/ingress")
int dns_ingress(struct __sk_buff *skb)
{
	struct vigil_flow_key k = { .sandbox_cgid = scope__of(skb) };
	struct vigil_policy *p;
	struct dest src;
	__u32 l4;
	int l3;

	if (!k.sandbox_cgid)
		return 1;
	l3 = skb__l3(skb, &k, true);
	if (l3 < 0 || (k.proto != IPPROTO_UDP && k.proto != IPPROTO_TCP))
		return 1;
	l4 = skb__l4(skb, l3, &k, true);
	if (!l4 || k.port != DNS_PORT)
		return 1;
	p = policy__of(k.sandbox_cgid);
	dest__of_flow(&src, &k);
	/* Only a resolver the profile lists teaches it addresses. */
	if (!p || !egress__listed(p->profile, &src))
		return 1;
	/* Over TCP, a message follows its two-byte length; one that starts
	 * in an earlier segment is not read. */
	dns__learn(skb, k.sandbox_cgid, p->profile,
		   l3 + l4 + (k.proto == IPPROTO_TCP ? 2 : 0));
	return 1;
}
