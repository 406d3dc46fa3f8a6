// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * For bench/egress.py alone: a second cgroup_skb/egress program that
 * reads a packet's IP and transport headers and looks for port 53, as
 * the separate DNS query program did on every packet before it became
 * a branch of net_egress. Attached next to the daemon's, its time per
 * packet is what the merge saves each packet (less the old program's
 * sandbox test, which this one skips: the figure errs low).
 */
#include "skb.bpf.h"

/* Packets to port 53 seen: what the parse found, so it is not idle. */
__u64 bench_dns_packets;

SEC("cgroup_skb/egress")
int bench_parse(struct __sk_buff *skb)
{
	struct vigil_flow_key k = {};
	int l3 = skb__l3(skb, &k, false);

	if (l3 < 0 || (k.proto != IPPROTO_UDP && k.proto != IPPROTO_TCP))
		return 1;
	if (skb__l4(skb, l3, &k, false) && k.port == 53)
		__sync_fetch_and_add(&bench_dns_packets, 1);
	return 1;
}
