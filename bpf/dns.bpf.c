// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Names in allowlists: a DNS response that reaches a sandbox from a
 * resolver its profile lists (UDP or TCP port 53), to a question for a
 * name the profile allows (egress_names), grants the sandbox every A and
 * AAAA address of its answer section (the CNAME chain from that name and
 * the addresses it ends in) on the name's ports, for the record's TTL
 * bounded to [DNS_TTL_MIN_S, VIGIL_DNS_TTL_MAX_S], each with the budget
 * of the entry that gave its port (net.bpf.c: egress__budget). Read at the
 * cgroup's ingress, before the resolver's caller sees the answer, so its
 * connect right after finds the grant. No packet is ever dropped here.
 *
 * Every response from a listed resolver is recorded too (a dns record
 * with VIGIL_DNS_ANSWER: rcode, up to VIGIL_DNS_ADDRS addresses, the
 * lowest TTL, the CNAMEs counted, whether it granted), under the task
 * whose query it answers.
 */
#include "dns.bpf.h"
#include "skb.bpf.h"

#define DNS_ANSWERS_MAX	16	/* answer records read */
#define DNS_TYPE_A	1
#define DNS_TYPE_AAAA	28
#define DNS_TYPE_CNAME	5
#define DNS_TTL_MIN_S	5	/* a 0-second answer still lets its caller
				 * connect */

/* Reading the answer section, one answer record a step: its addresses
 * into the record, and granted when the question is allowed. */
struct answers {
	struct vigil_allow ports;
	struct __sk_buff *skb;
	struct vigil_dns *e;
	__u64 sandbox;
	__u32 off;		/* the next record, in the packet */
	__u32 end;		/* of the message */
	bool grant;
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

/* addr: v4-mapped or v6, as the grants key it. */
static __always_inline void answer__grant(const struct answers *a,
					  const __u8 *addr, __u32 ttl)
{
	struct vigil_grant_key k = { .prefixlen = 32 + 64 + 128,
				     .sandbox_cgid = a->sandbox };
	struct vigil_grant g = {};

	if (ttl < DNS_TTL_MIN_S)
		ttl = DNS_TTL_MIN_S;
	if (ttl > VIGIL_DNS_TTL_MAX_S)
		ttl = VIGIL_DNS_TTL_MAX_S;
	g.expires_ns = bpf_ktime_get_boot_ns() + ttl * 1000000000ULL;
	__builtin_memcpy(k.addr, addr, 16);
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

/* An address of the answer (addr: v4-mapped or v6) into the record,
 * while there is room. */
static __always_inline void answer__keep(struct vigil_dns *e, __u8 family,
					 const __u8 *addr, __u32 ttl)
{
	__u32 n = e->naddrs;
	__u8 *slot;

	if (n >= VIGIL_DNS_ADDRS) {
		e->reply |= VIGIL_DNS_CUT;
		return;
	}
	slot = e->addrs[n & (VIGIL_DNS_ADDRS - 1)];
	if (family == AF_INET)
		__builtin_memcpy(slot, addr + 12, 4);
	else
		__builtin_memcpy(slot, addr, 16);
	e->addr_family[n & (VIGIL_DNS_ADDRS - 1)] = family;
	e->naddrs = n + 1;
	if (!n || ttl < e->ttl)
		e->ttl = ttl;
}

static long answer__step(__u32 i, void *ctx)
{
	struct answers *a = ctx;
	struct vigil_dns *e = a->e;
	__u32 ttl, off = a->off;
	__u16 type, rdlen;
	__u8 addr[16] = { [10] = 0xff, [11] = 0xff };
	__u8 family;

	if (!name__skip(a->skb, &off) || off + 10 > a->end)
		goto cut;
	type = pkt__u16(a->skb, off);
	ttl = (__u32)pkt__u16(a->skb, off + 4) << 16 |
	      pkt__u16(a->skb, off + 6);
	rdlen = pkt__u16(a->skb, off + 8);
	off += 10;
	a->off = off + rdlen;
	if (a->off > a->end)
		goto cut;
	if (type == DNS_TYPE_CNAME)
		e->cnames++;
	if (type == DNS_TYPE_A && rdlen == 4 &&
	    !bpf_skb_load_bytes(a->skb, off, &addr[12], 4))
		family = AF_INET;
	else if (type == DNS_TYPE_AAAA && rdlen == 16 &&
		 !bpf_skb_load_bytes(a->skb, off, addr, 16))
		family = AF_INET6;
	else
		return 0;	/* a CNAME of the chain, or another type */
	answer__keep(e, family, addr, ttl);
	if (a->grant) {
		answer__grant(a, addr, ttl);
		e->reply |= VIGIL_DNS_GRANTED;
	}
	return 0;
cut:
	e->reply |= VIGIL_DNS_CUT;
	return 1;
}

/* The answer record's header: the one of the query it answers (by the
 * sandbox's port and the message's id), else no task's, since the task
 * current at ingress is whichever the packet interrupted. */
static __always_inline void answer__hdr(struct vigil_hdr *h,
					struct __sk_buff *skb, __u64 sandbox,
					__u32 l3, __u32 off)
{
	struct dns_ask_key key;
	struct vigil_hdr *asked;

	dns__ask_key(&key, skb, sandbox, l3, off, true);
	asked = bpf_map_lookup_elem(&dns_asks, &key);
	if (asked) {
		*h = *asked;
		bpf_map_delete_elem(&dns_asks, &key);
	} else {
		__builtin_memset(h, 0, sizeof(*h));
		h->cgroup_id = bpf_skb_cgroup_id(skb);
		h->sandbox_cgid = sandbox;
	}
	h->type = VIGIL_EV_DNS;
	h->flags = 0;
	h->ktime_ns = bpf_ktime_get_boot_ns();
}

/* The record of a response (the message at off, to end) from a resolver
 * the profile lists; its addresses granted when its one question is
 * allowed and it carries no error. */
static __always_inline void dns__answer(struct __sk_buff *skb,
					const struct vigil_flow_key *k,
					__u32 profile, __u32 l3, __u32 off,
					__u32 end)
{
	struct vigil_dns *e = (struct vigil_dns *)dns_rec__get();
	struct answers a = { .skb = skb, .sandbox = k->sandbox_cgid,
			     .end = end };
	__u32 first = off + DNS_HDR, qend = first;
	struct vigil_allow *allow;
	struct qname q = {};
	__u16 flags, ancount;

	if (!e || !(pkt__u16(skb, off + 2) & DNS_QR))
		return;
	answer__hdr(&e->hdr, skb, k->sandbox_cgid, l3, off);
	__builtin_memset(&e->reply, 0, sizeof(*e) -
			 __builtin_offsetof(struct vigil_dns, reply));
	flags = pkt__u16(skb, off + 2);
	ancount = pkt__u16(skb, off + 6);
	e->verdict = VIGIL_VERDICT_NONE;
	e->reply = VIGIL_DNS_ANSWER | (end < skb->len ? VIGIL_DNS_CUT : 0);
	e->rcode = flags & 0xf;
	if (!qname__measure(skb, &qend, &q) || pkt__u16(skb, off + 4) != 1 ||
	    qend + 4 > end) {
		e->hdr.flags = VIGIL_F_PATH_TRUNC;
		dns__question(e, skb, k, first, end - first, 0);
		emit(e, sizeof(*e), sizeof(*e), LANE_COMMON);
		return;
	}
	dns__question(e, skb, k, first, q.len, pkt__u16(skb, qend));
	allow = qname__entry(skb, profile, first, &q);
	if (allow) {
		a.ports = *allow;
		a.grant = !e->rcode;
	}
	if (ancount > DNS_ANSWERS_MAX) {
		ancount = DNS_ANSWERS_MAX;
		e->reply |= VIGIL_DNS_CUT;
	}
	a.e = e;
	a.off = qend + 4;	/* qtype, qclass */
	bpf_loop(ancount, answer__step, &a, 0);
	emit(e, sizeof(*e), sizeof(*e), LANE_COMMON);
}

SEC("cgroup_skb/ingress")
int dns_ingress(struct __sk_buff *skb)
{
	struct vigil_flow_key k = { .sandbox_cgid = scope__of(skb) };
	struct vigil_policy *p;
	struct dest src;
	__u32 l4, off, end;
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
	off = l3 + l4;
	if (dns__frame(skb, k.proto, &off, &end) > 0 &&
	    off + DNS_HDR + 1 <= end)
		dns__answer(skb, &k, p->profile, l3, off, end);
	return 1;
}
