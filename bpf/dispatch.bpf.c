// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The only programs attached to the raw syscall tracepoints. Every syscall
 * on the host passes through here, so each does little: a syscall with no
 * handler costs an array lookup, an unwatched task leaves before any tail
 * call (an indirect jump, a retpoline on this kind of machine), and the
 * rest is a tail call into the handler the loader registered for that
 * syscall number. ia32 syscalls have their own numbering and their own
 * tables (maps.bpf.h). The handlers live in exec, file, net and
 * syscall.bpf.c; the loader fills the tables from the one syscall table,
 * userspace/lib/syscalls.c.
 */
#include "vigil.bpf.h"

static __always_inline __u8 route__of(long id, bool compat)
{
	if ((unsigned long)id >= VIGIL_MAX_NR)
		return 0;
	return routes[compat][id];
}

/* Whether either ABI routes number id: one that neither numbering
 * routes (close, read and write among them, native or ia32) leaves
 * before the current task is fetched, a helper call on every syscall
 * of the host. */
static __always_inline bool route__any(long id)
{
	if ((unsigned long)id >= VIGIL_MAX_NR)
		return false;
	return routes[0][id] | routes[1][id];
}

/*
 * A task may be watched: it has task storage (every task a sandbox
 * marked has; an unwatched one has none, unless some other BPF user
 * gave it some) or sits in a sandbox (not marked yet). The handler then
 * makes the full scope test. For the others this is all they pay: one
 * load and the one cgroup check.
 */
static __always_inline bool task__maybe_watched(struct task_struct *t)
{
	return t->bpf_storage || scope__in(NULL, NULL);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *t;
	bool compat;

	if (!route__any(id))
		return 0;
	t = bpf_get_current_task_btf();
	compat = task__compat_of(t);
	if (!(route__of(id, compat) & VIGIL_ROUTE_ENTER) ||
	    !task__maybe_watched(t))
		return 0;
	if (compat)
		bpf_tail_call(ctx, &compat_enter_calls, id);
	else
		bpf_tail_call(ctx, &enter_calls, id);
	return 0;
}

/* Every routed syscall has a handler at exit, and no other: a task in a
 * sandbox (which has task storage) leaves here on close, read, write...
 * without a tail call into an empty slot. At exit a task without task
 * storage has no syscall in flight: only a handler at exit alone can
 * have work, and only in a sandbox. */
SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	long id = sys__nr(regs);
	struct task_struct *t;
	bool compat;
	__u8 route;

	if (!route__any(id))
		return 0;
	t = bpf_get_current_task_btf();
	compat = task__compat_of(t);
	route = route__of(id, compat);
	if (!route)
		return 0;
	if (!t->bpf_storage &&
	    (!(route & VIGIL_ROUTE_EXIT_ALONE) || !scope__in(NULL, NULL)))
		return 0;
	if (compat)
		bpf_tail_call(ctx, &compat_exit_calls, id);
	else if (id == NR_OPENAT)
		/* A sandbox's commonest record. With a constant index the
		 * JIT jumps straight to the handler, not through an indirect
		 * branch (a retpoline or thunk on mitigated machines);
		 * bpf_tail_call_static keeps the compiler from merging this
		 * call with the one below. */
		bpf_tail_call_static(ctx, &exit_calls, NR_OPENAT);
	else
		bpf_tail_call(ctx, &exit_calls, id);
	return 0;
}
