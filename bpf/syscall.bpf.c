// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Syscalls a sandboxed agent has no business making, because they reach
 * the host: ptrace, bpf, mount and the new mount API, unshare, setns,
 * module loading, io_uring_setup (io_uring bypasses these tracepoints),
 * keyctl. The loader registers this one handler for each at syscall exit,
 * so the record says whether it worked; their arguments are numbers and
 * flags, read from the registers the call left.
 */
#include "vigil.bpf.h"

SEC("tp_btf/sys_exit")
int BPF_PROG(syscall_exit, struct pt_regs *regs, long ret)
{
	__u64 sb = scope__sandbox();
	bool compat = task__compat();
	struct vigil_syscall *e;

	if (!sb)
		return 0;
	e = reserve(sizeof(*e), VIGIL_EV_SYSCALL, sb);
	if (!e)
		return 0;
	e->hdr.flags = compat ? VIGIL_F_COMPAT : 0;
	e->ret = ret;
	e->nr = regs->orig_ax;
	e->__pad = 0;
	for (int i = 0; i < 4; i++)
		e->args[i] = sys__arg(regs, i, compat);
	submit(e);
	return 0;
}
