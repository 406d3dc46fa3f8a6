// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The only programs attached to the raw syscall tracepoints. Every syscall
 * on the host passes through here, so each does one thing: a tail call
 * into the handler registered for that syscall number, which falls
 * through at once when none is. ia32 syscalls have their own numbering and
 * their own tables. The handlers live in exec, file and net objects; the
 * loader fills the tables.
 */
#include "vigil.bpf.h"

#define SYSCALL_TABLE(name)					\
	struct {						\
		__uint(type, BPF_MAP_TYPE_PROG_ARRAY);		\
		__uint(max_entries, VIGIL_MAX_NR);		\
		__type(key, __u32);				\
		__type(value, __u32);				\
	} name SEC(".maps")

SYSCALL_TABLE(enter_calls);
SYSCALL_TABLE(exit_calls);
SYSCALL_TABLE(compat_enter_calls);
SYSCALL_TABLE(compat_exit_calls);

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
