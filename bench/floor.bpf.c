// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The benchmark's floor: one empty program on every hook vigil uses, so the
 * cost measured with these attached is what the kernel charges for running
 * any BPF program there at all. Whatever vigil costs above it is vigil's own.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tp_btf/sys_enter")
int sys_enter(void *ctx)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int sys_exit(void *ctx)
{
	return 0;
}

SEC("tp_btf/sched_process_fork")
int sched_process_fork(void *ctx)
{
	return 0;
}

SEC("tp_btf/sched_process_exec")
int sched_process_exec(void *ctx)
{
	return 0;
}

SEC("tp_btf/sched_process_exit")
int sched_process_exit(void *ctx)
{
	return 0;
}

/* 1 lets the packet through. */
SEC("cgroup_skb/egress")
int cgroup_skb_egress(struct __sk_buff *skb)
{
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
