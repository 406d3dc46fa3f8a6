// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The benchmark's floor: one empty program on every hook vigil uses, so the
 * cost measured with these attached is what the kernel charges for running
 * any BPF program there at all. Whatever vigil costs above it is vigil's own.
 */
#define VIGIL_PATH_LOADS	/* the walk as file.bpf.c makes it */
#include "path.bpf.h"		/* vigil's own: vmlinux.h, its maps, the walk */

/*
 * With `floor --record` (record set at load; otherwise the verifier drops
 * the branch and sys_exit stays empty), the least a recorder of opens
 * must do: at the exit of each open or openat in the sandbox root, one
 * clock read, the caller's path argument copied, and one record the size
 * of vigil's (its fixed part, the argument, and as much again where vigil
 * puts the path it resolves) sent through a ring buffer that floor.c
 * reads and discards. What vigil costs above this is resolving what was
 * opened and judging it. With `floor --resolve` (resolve set too), the
 * record also holds the path of the file opened, resolved from the new
 * fd by vigil's own walk (bpf/path.bpf.h): what vigil costs above that is
 * judging it and the identity it records.
 */
#define REC_MAX (2 * VIGIL_PATH_MAX)
#define REC_FIXED 112		/* sizeof(struct vigil_open), bpf/records.h */
#define NR_OPEN 2		/* x86_64 open; NR_OPENAT: arch.bpf.h */

const volatile bool record;
const volatile bool resolve;
const volatile __u64 root_cgid;
const volatile int root_level;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[REC_MAX]);
} scratch SEC(".maps");

SEC("tp_btf/sys_enter")
int sys_enter(void *ctx)
{
	return 0;
}

static __always_inline int record__open(struct pt_regs *regs, long ret)
{
	__u32 zero = 0, m = 0;
	char *rec;
	long n;

	if (bpf_get_current_ancestor_cgroup_id(root_level) != root_cgid)
		return 0;
	rec = bpf_map_lookup_elem(&scratch, &zero);
	if (!rec)
		return 0;
	*(__u64 *)rec = bpf_ktime_get_boot_ns();
	n = bpf_probe_read_user_str(rec + REC_FIXED, 1024, (void *)
				    (regs->orig_ax == NR_OPENAT ? regs->si
								: regs->di));
	n = n > 0 ? n : 0;
	if (resolve) {
		struct file *f = ret >= 0 ? fd__file(ret) : NULL;
		__u32 flags = 0;

		/* where vigil puts it: after the fixed part, before the
		 * argument (here after it, the same bytes either way) */
		m = path__copy(rec + REC_FIXED + (n & 1023), f, &flags);
	}
	bpf_ringbuf_output(&ring, rec, (REC_FIXED + n + (resolve ? m : n)) &
				       (REC_MAX - 1), BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	if (record && (regs->orig_ax == NR_OPENAT || regs->orig_ax == NR_OPEN))
		return record__open(regs, ret);
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

