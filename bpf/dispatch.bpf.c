// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The only programs attached to the raw syscall tracepoints. Every syscall
 * on the host passes through here, so each does one thing: a tail call
 * into the handler registered for that syscall number, which falls
 * through at once when none is. ia32 syscalls have their own numbering and
 * their own tables (maps.bpf.h). The handlers live in exec, file, net and
 * syscall.bpf.c; the loader fills the tables from the one syscall table,
 * userspace/lib/syscalls.c.
 */
#include "vigil.bpf.h"

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	if (task__compat())
		bpf_tail_call(ctx, &compat_enter_calls, id);
	else
		bpf_tail_call(ctx, &enter_calls, id);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	long id = sys__nr(regs);

	if (task__compat())
		bpf_tail_call(ctx, &compat_exit_calls, id);
	else
		bpf_tail_call(ctx, &exit_calls, id);
	return 0;
}
