// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process creation and exit inside sandboxes, so the collector keeps an
 * exact process table. Threads are not processes: a clone that shares the
 * thread group and the exit of a thread that leaves others behind are not
 * reported. Every child, threads too, inherits its parent's sandbox
 * (escape.bpf.h).
 */
#include "escape.bpf.h"

SEC("tp_btf/sched_process_fork")
int BPF_PROG(proc_fork, struct task_struct *parent, struct task_struct *child)
{
	__u64 sb = scope__sandbox();
	struct vigil_fork *e;

	escape__fork(child, sb);
	if (!sb || child->pid != child->tgid)
		return 0;
	e = reserve(sizeof(*e), VIGIL_EV_FORK, sb, 0, LANE_RARE);
	if (!e)
		return 0;
	e->child_pid = child->tgid;
	e->__pad = 0;
	submit(e);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(proc_exit, struct task_struct *p)
{
	__u64 sb = scope__sandbox();
	struct vigil_exit *e;

	/* signal->live reaches 0 when the last thread of the group exits. */
	if (!sb || BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	e = reserve(sizeof(*e), VIGIL_EV_EXIT, sb, 0, LANE_RARE);
	if (!e)
		return 0;
	e->exit_code = p->exit_code;
	e->__pad = 0;
	submit(e);
	return 0;
}
