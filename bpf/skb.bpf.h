/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Packet headers as the cgroup_skb programs read them (the packet starts
 * at its IP header there): the peer's address and port, and where the
 * payload starts. Shared by the egress program (net.bpf.c) and the
 * DNS answers read at ingress (dns.bpf.c).
 */
#ifndef VIGIL_SKB_BPF_H
#define VIGIL_SKB_BPF_H

#include "vigil.bpf.h"

#define ETH_P_IP    0x0800
#define ETH_P_IPV6  0x86DD
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_HOPOPTS 0
#define IPPROTO_ROUTING 43
#define IPPROTO_DSTOPTS 60
#define IPV6_EXT_MAX 4	/* extension headers skipped before giving up */

/* IPv6 header and the extension headers after it (BIG TCP on loopback
 * puts a hop-by-hop jumbo header before TCP): the peer's address (the
 * destination, the source of an incoming packet: in) and upper protocol
 * into k, length of all of them out. */
static __always_inline int skb__l3_v6(struct __sk_buff *skb,
				      struct vigil_flow_key *k, bool in)
{
	struct ipv6hdr ip6;
	__u8 ext[2];		/* next header, length in 8-byte units - 1 */
	__u32 off = sizeof(ip6);

	if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)))
		return -1;
	k->family = AF_INET6;
	k->proto = ip6.nexthdr;
	__builtin_memcpy(k->addr, in ? &ip6.saddr : &ip6.daddr, 16);
	for (int i = 0; i < IPV6_EXT_MAX; i++) {
		if (k->proto != IPPROTO_HOPOPTS && k->proto != IPPROTO_ROUTING &&
		    k->proto != IPPROTO_DSTOPTS)
			break;
		if (bpf_skb_load_bytes(skb, off, ext, sizeof(ext)))
			return -1;
		k->proto = ext[0];
		off += (ext[1] + 1) * 8;
	}
	return off;
}

/* L3 header of a packet: the peer's address into k (in: the packet
 * comes in), header length out. */
static __always_inline int skb__l3(struct __sk_buff *skb,
				   struct vigil_flow_key *k, bool in)
{
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
			return -1;
		k->family = AF_INET;
		k->proto = ip.protocol;
		__builtin_memcpy(k->addr, in ? &ip.saddr : &ip.daddr, 4);
		/* A later fragment has no L4 header to skip. */
		if (bpf_ntohs(ip.frag_off) & 0x1fff)
			k->proto = 0;
		return ip.ihl * 4;
	}
	if (skb->protocol == bpf_htons(ETH_P_IPV6))
		return skb__l3_v6(skb, k, in);
	return -1;
}

/* L4 header length at off, the peer's port into k. */
static __always_inline __u32 skb__l4(struct __sk_buff *skb, __u32 off,
				     struct vigil_flow_key *k, bool in)
{
	struct tcphdr tcp;
	struct udphdr udp;

	if (k->proto == IPPROTO_TCP &&
	    !bpf_skb_load_bytes(skb, off, &tcp, sizeof(tcp))) {
		k->port = bpf_ntohs(in ? tcp.source : tcp.dest);
		return tcp.doff * 4;
	}
	if (k->proto == IPPROTO_UDP &&
	    !bpf_skb_load_bytes(skb, off, &udp, sizeof(udp))) {
		k->port = bpf_ntohs(in ? udp.source : udp.dest);
		return sizeof(udp);
	}
	return 0;
}

#endif /* VIGIL_SKB_BPF_H */
