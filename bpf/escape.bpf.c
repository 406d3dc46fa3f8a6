// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Escapes by cgroup migration (escape.bpf.h says what is prevented and
 * what only punished): every migration the kernel makes, clone3 into a
 * cgroup, and the marking of tasks already in sandboxes at start-up.
 * Opens of migration files are judged with the other opens (file.bpf.c),
 * forks with the other forks (lifecycle.bpf.c).
 */
#include "escape.bpf.h"

#define CLONE_INTO_CGROUP 0x200000000ULL

extern int bpf_send_signal_task(struct task_struct *task, int sig,
				enum pid_type type, __u64 value) __ksym __weak;

/*
 * Kills what a migration took out of its sandbox. The tracepoint runs
 * with preemption off, where the kernel sends signals from one irq_work
 * per CPU: a second signal in the same run finds it busy. The process
 * moved goes first, as nothing else would reach it outside its sandbox; a
 * mover that moved another is still in its own sandbox, which is killed
 * on the record.
 */
static __always_inline void escape__kill(struct escape_attempt *x,
					       struct task_struct *task,
					       bool moved_out, bool mover)
{
	if (task->tgid == bpf_get_current_task_btf()->tgid) {
		x->flags = escape__kill_self();
		x->moved_killed = x->flags != 0;
		return;
	}
	if (moved_out && signal_task)
		x->moved_killed = !bpf_send_signal_task(task, SIGKILL,
							PIDTYPE_TGID, 0);
	if (mover)
		x->flags = escape__kill_self();
}

/*
 * Every migration on the host, after the kernel made it (writes to
 * cgroup.procs or cgroup.threads, whatever the syscall). A task entering
 * a sandbox unmarked is marked there. An escape: a sandbox's task (the
 * mover) moved a task to a cgroup outside its sandbox, or a marked task
 * was moved out of its sandbox by anyone.
 */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(escape_migrate, struct cgroup *dst, const char *path,
	     struct task_struct *task, bool threadgroup)
{
	struct escape_attempt x = { .dst = dst, .how = VIGIL_ESCAPE_MOVE };
	struct vigil_task *origin;
	__u64 mover, from;

	/* Moves in v1 hierarchies change nothing vigil scopes by. */
	if (BPF_CORE_READ(dst, root, hierarchy_id) != 0)
		return 0;
	x.into = cgroup__sandbox(dst);
	/* A task that moved itself into a sandbox is marked here. */
	mover = scope__sandbox();
	origin = bpf_task_storage_get(&origins, task, 0, 0);
	from = origin ? origin->sandbox : 0;
	if (!from)
		origin__set(task, x.into);
	if ((!mover || mover == x.into) && (!from || from == x.into))
		return 0;
	x.sandbox = mover ?: from;
	x.moved = task->tgid;
	escape__kill(&x, task, from && from != x.into, mover);
	escape__report(&x);
	return 0;
}

/* The cgroup2 directory behind fd in the current task, or NULL. */
static __always_inline struct cgroup *cgroup__of_fd(int fd)
{
	struct file *f = fd__file(fd);

	return f ? cgroup__of_dir(BPF_CORE_READ(f, f_path.dentry)) : NULL;
}

/* clone3(CLONE_INTO_CGROUP) to a cgroup outside the caller's sandbox:
 * killed at entry, so copy_process() makes no child. */
SEC("tp_btf/sys_enter")
int BPF_PROG(escape_clone3, struct pt_regs *regs, long id)
{
	struct escape_attempt x = { .how = VIGIL_ESCAPE_CLONE };
	bool c = task__compat();
	struct clone_args args;

	x.sandbox = scope__sandbox();
	/* Same layout on ia32: every field is a __u64. */
	if (!x.sandbox ||
	    bpf_probe_read_user(&args, sizeof(args),
				(void *)sys__arg(regs, 0, c)) ||
	    !(args.flags & CLONE_INTO_CGROUP))
		return 0;
	x.dst = cgroup__of_fd(args.cgroup);
	if (!x.dst)
		return 0;	/* not a cgroup2 directory: clone3 fails */
	x.into = cgroup__sandbox(x.dst);
	if (x.into == x.sandbox)
		return 0;
	x.flags = escape__kill_self();
	escape__report(&x);
	return 0;
}

/* A child's first return to user space is from its parent's clone3: one
 * that starts outside its sandbox (escape__fork) dies here. */
SEC("tp_btf/sys_exit")
int BPF_PROG(escape_clone_exit, struct pt_regs *regs, long ret)
{
	__u64 at;

	if (ret != 0)
		return 0;	/* the parent's return */
	at = scope__in(NULL, NULL);
	if (scope__task(at) != at)
		bpf_send_signal(SIGKILL);
	return 0;
}

#define SEND_SIG_PRIV 1UL

/* The sandbox of a task other than the current one: its mark, or the
 * cgroup it sits in for a task never marked. */
static __always_inline __u64 task__sandbox(struct task_struct *task)
{
	struct vigil_task *origin = bpf_task_storage_get(&origins, task, 0,
							 0);

	return origin && origin->sandbox
		       ? origin->sandbox
		       : cgroup__sandbox(BPF_CORE_READ(task, cgroups,
							dfl_cgrp));
}

/*
 * A signal a sandbox's task sent to a process outside its sandbox. Only
 * the task's own signals count: kill, tkill, tgkill, pidfd_send_signal
 * and rt_sigqueueinfo carry a user's si_code (<= 0); what the kernel
 * sends for it (a SIGCHLD to a parent outside when it exits, SIGPIPE,
 * SIGHUP) carries a positive one or no siginfo at all.
 */
SEC("tp_btf/signal_generate")
int BPF_PROG(escape_signal, int sig, struct kernel_siginfo *info,
	     struct task_struct *task, int group, int result)
{
	struct escape_attempt x = { .how = VIGIL_ESCAPE_SIGNAL };

	if ((unsigned long)info <= SEND_SIG_PRIV ||
	    BPF_CORE_READ(info, si_code) > 0)
		return 0;
	x.sandbox = scope__sandbox();
	if (!x.sandbox)
		return 0;
	x.into = task__sandbox(task);
	if (x.into == x.sandbox)
		return 0;
	x.dst = BPF_CORE_READ(task, cgroups, dfl_cgrp);
	x.moved = BPF_CORE_READ(task, tgid);
	x.signal = sig;
	x.flags = escape__kill_self();
	escape__report(&x);
	return 0;
}

/* Run once at start-up (the loader): marks the tasks already in a
 * sandbox, which may never pass another program before they move. */
SEC("iter/task")
int escape_mark(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (task)
		origin__set(task, cgroup__sandbox(BPF_CORE_READ(task, cgroups,
								dfl_cgrp)));
	return 0;
}
