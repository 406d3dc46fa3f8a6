/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A DNS message's question as the cgroup_skb programs read it: whether
 * the profile allows its name, at ingress for the answers that teach
 * the kernel a name's addresses (dns.bpf.c) and at egress for the
 * queries it filters (dns_query.bpf.h).
 *
 * The message is read from the packet a field at a time with
 * bpf_skb_load_bytes, which checks each offset itself: an offset that
 * indexed a buffer would have to be proven in bounds, and the verifier
 * would then walk every loop step apart.
 */
#ifndef VIGIL_DNS_BPF_H
#define VIGIL_DNS_BPF_H

#include "egress.bpf.h"
#include "skb.bpf.h"

#define DNS_PORT	53
#define DNS_HDR		12	/* id, flags, four counts */
#define DNS_QR		0x8000	/* the flags' response bit */
#define DNS_LABELS_MAX	16	/* labels of a question's name read; a name
				 * with more is not allowed */

/* The byte at off of the message at base; 0 past the packet's end, which
 * ends every name walk. */
static __always_inline __u8 pkt__u8(struct __sk_buff *skb, __u32 off)
{
	__u8 b = 0;

	bpf_skb_load_bytes(skb, off, &b, 1);
	return b;
}

static __always_inline __u16 pkt__u16(struct __sk_buff *skb, __u32 off)
{
	__u16 v = 0;

	bpf_skb_load_bytes(skb, off, &v, 2);
	return bpf_ntohs(v);
}

#define SUFFIXES_MAX	8	/* the name's last label starts kept */
#define SUFFIX_MASK	(SUFFIXES_MAX - 1)

/* The question's name (at off): its length in wire form without the
 * final NUL, its labels and the offsets of the last SUFFIXES_MAX of
 * them; false when it is too long for the allowlists or malformed
 * (compression has no place in a question). *off ends past it. */
struct qname {
	__u32 len;
	__u32 labels;
	__u32 start[SUFFIXES_MAX];
};

static __always_inline bool qname__measure(struct __sk_buff *skb,
					   __u32 *off, struct qname *q)
{
	__u32 first = *off;

	for (int i = 0; i < DNS_LABELS_MAX; i++) {
		__u8 b = pkt__u8(skb, *off);

		if (!b) {
			q->len = *off - first;
			*off += 1;
			return q->labels && q->len <= VIGIL_DNS_NAME_MAX;
		}
		if (b & 0xc0)
			return false;
		q->start[q->labels & SUFFIX_MASK] = *off;
		q->labels++;
		*off += b + 1;
	}
	return false;
}

/* The entry for the name in wire form at off, len bytes to its end. */
static __always_inline struct vigil_allow *
name__lookup(struct __sk_buff *skb, __u32 profile, __u32 wildcard,
	     __u32 off, __u64 len)
{
	struct vigil_name_key k = { .profile = profile, .wildcard = wildcard };

	/* Bounded for the verifier: 1 to VIGIL_DNS_NAME_MAX bytes. */
	asm volatile("" : "+r"(len));
	len &= 2 * VIGIL_DNS_NAME_MAX - 1;
	if (!len || len > VIGIL_DNS_NAME_MAX ||
	    bpf_skb_load_bytes(skb, off, k.name, len))
		return NULL;
	return bpf_map_lookup_elem(&egress_names, &k);
}

/* The entry that allows the question's name q (at first): its own,
 * else the most specific wildcard above it (of the SUFFIXES_MAX - 1
 * nearest); NULL for a name the profile does not allow. */
static __always_inline struct vigil_allow *
qname__entry(struct __sk_buff *skb, __u32 profile, __u32 first,
	     const struct qname *q)
{
	struct vigil_allow *a, *hit, *wild = NULL;
	__u32 end = first + q->len;

	a = name__lookup(skb, profile, 0, first, q->len);
	/* Wildcards from the last label up; the longest match wins. A
	 * fixed count of steps, so the verifier walks them once per
	 * number of labels. */
	for (__u32 k = 1; k < SUFFIXES_MAX && !a; k++) {
		__u32 at;

		if (k >= q->labels)
			break;
		at = q->start[(q->labels - k) & SUFFIX_MASK];
		hit = name__lookup(skb, profile, 1, at, end - at);
		if (hit)
			wild = hit;
	}
	return a ?: wild;
}

/* Where the DNS message of a payload at *off starts and ends: there
 * for UDP; over TCP after its two-byte length. 1 when the packet holds
 * the whole message (*end: its end; the packet may hold more after it),
 * 0 for a TCP segment with no payload (a handshake, a bare ACK, a FIN),
 * -1 when no whole message starts there: a message split over segments,
 * or a segment that continues one, is not read. */
static __always_inline int dns__frame(struct __sk_buff *skb, __u8 proto,
				      __u32 *off, __u32 *end)
{
	__u32 len;

	*end = skb->len;
	if (proto != IPPROTO_TCP)
		return *off < *end ? 1 : -1;
	if (*off >= *end)
		return 0;
	if (*off + 2 > *end)
		return -1;
	len = pkt__u16(skb, *off);
	*off += 2;
	if (len < DNS_HDR || *off + len > *end)
		return -1;
	*end = *off + len;
	return 1;
}

/* The question part of a dns record: the resolver (k), the protocol, the
 * question's type and the first len bytes of its name (at first). */
static __always_inline void dns__question(struct vigil_dns *e,
					  struct __sk_buff *skb,
					  const struct vigil_flow_key *k,
					  __u32 first, __u64 len, __u16 qtype)
{
	e->family = k->family;
	e->port = k->port;
	__builtin_memcpy(e->addr, k->addr, sizeof(e->addr));
	e->proto = k->proto;
	e->qtype = qtype;
	e->qname_len = 0;
	/* Bounded for the verifier: 1 to VIGIL_DNS_NAME_MAX bytes. */
	asm volatile("" : "+r"(len));
	len &= 2 * VIGIL_DNS_NAME_MAX - 1;
	if (len > VIGIL_DNS_NAME_MAX)
		len = VIGIL_DNS_NAME_MAX;
	if (len && !bpf_skb_load_bytes(skb, first, e->qname, len))
		e->qname_len = len;
}

/* The key of a query in dns_asks: its sandbox, the sandbox's own port
 * (the source at egress, the destination of the answer at ingress) and
 * the message's id (at off). */
static __always_inline void dns__ask_key(struct dns_ask_key *key,
					 struct __sk_buff *skb, __u64 sandbox,
					 __u32 l3, __u32 off, bool in)
{
	key->sandbox_cgid = sandbox;
	key->port = pkt__u16(skb, l3 + (in ? 2 : 0));
	key->id = pkt__u16(skb, off);
	key->__pad = 0;
}

#endif /* VIGIL_DNS_BPF_H */
