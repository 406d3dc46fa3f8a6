// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Syscalls a sandboxed agent has no business making, because they reach
 * the host: ptrace, bpf, mount and the new mount API, unshare, setns,
 * module loading, io_uring_setup (io_uring bypasses these tracepoints),
 * keyctl (the watched syscalls of userspace/lib/syscalls.c). The loader
 * registers this one handler for each at syscall exit, so the record says
 * whether it worked; their arguments are numbers and flags, read from the
 * registers the call left. A policy may deny some outright (enforce:
 * kernel on a syscall rule).
 */
#include "enforce.bpf.h"

/* Kills the caller when its sandbox's policy denies this syscall: it
 * completes, but the task never returns to use what it got (an io_uring,
 * whose submissions no tracepoint would see, a mount, a module). */
static __always_inline __u32 syscall__enforce(__u64 sandbox, __u32 nr,
					      bool compat)
{
	__u64 *bit = bpf_map_lookup_elem(compat ? (void *)&compat_syscall_bits
						: (void *)&syscall_bits, &nr);
	struct vigil_policy *p;

	if (!bit || !*bit)
		return 0;
	p = policy__of(sandbox);
	if (!p || !(p->syscall_kill & *bit) || bpf_send_signal(SIGKILL))
		return 0;
	return VIGIL_F_KILLED;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(syscall_exit, struct pt_regs *regs, long ret)
{
	__u64 sb = scope__sandbox();
	bool compat = task__compat();
	struct vigil_syscall e = {};

	if (!sb)
		return 0;
	/* Built on the stack: it may be a verdict, which emit() sends
	 * apart. */
	hdr__fill(&e.hdr, VIGIL_EV_SYSCALL, sb);
	e.nr = sys__nr(regs);
	e.hdr.flags = (compat ? VIGIL_F_COMPAT : 0) |
		      syscall__enforce(sb, e.nr, compat);
	e.ret = ret;
	for (int i = 0; i < 4; i++)
		e.args[i] = sys__arg(regs, i, compat);
	emit(&e, sizeof(e), sizeof(e), LANE_RARE);
	return 0;
}
