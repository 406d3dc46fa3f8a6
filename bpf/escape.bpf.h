/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A task never leaves its sandbox unseen. Every task of a sandbox carries
 * a mark, the sandbox it belongs to (the origins map), and every program
 * scopes by it (vigil.bpf.h's scope__task), not by where the task sits:
 * a task that left is still watched, judged and blamed as its sandbox's.
 * The mark is set when a task enters a sandbox (the migration program,
 * escape.bpf.c), for tasks already in one when vigil starts (its task
 * iterator), when one is first seen in a sandbox, and at fork (here).
 *
 * An escape: a sandbox's task moving a task to a cgroup outside its
 * sandbox (its nested cgroups are its own), or a marked task moved out by
 * anyone. What this kernel lets BPF do about it (no LSM, no kprobes, so
 * no syscall can be made to fail):
 * - prevented: cgroup.procs and cgroup.threads are the only way to move
 *   a running task, and opening one of an outside cgroup for writing
 *   kills the opener inside open() (here, from open's exit), so it never
 *   writes a pid; clone3(CLONE_INTO_CGROUP) to an outside cgroup kills
 *   the caller at syscall entry, and copy_process() refuses to fork with
 *   a fatal signal pending, so no child is made;
 * - punished: a write through a descriptor opened where no open could be
 *   judged (before the task entered the sandbox, passed by another
 *   process, open_by_handle_at) moves the task before any program runs:
 *   cgroup_attach_task fires after the move. The task moved and a
 *   sandboxed mover are killed then, before either returns to user space;
 *   a clone3 whose arguments changed after entry is caught at fork the
 *   same way, its child killed before its first instruction.
 * Either way an escape record goes out, blamed on the sandbox the task
 * came from, and the shipped rules kill that sandbox.
 *
 * A signal a sandbox's task sends to a process outside its sandbox
 * reaches beyond it the same way (SIGKILL or SIGSTOP to the vigil daemon,
 * to the agent's supervisor): the kernel queues it before any program
 * runs, so it is punished like a move, the sender killed before it
 * returns and its sandbox by the rules.
 */
#ifndef VIGIL_ESCAPE_BPF_H
#define VIGIL_ESCAPE_BPF_H

#include "enforce.bpf.h"
#include "path.bpf.h"

#define CGROUP2_SUPER_MAGIC 0x63677270
#define FMODE_WRITE         0x2

/* An escape as its record reports it. */
struct escape_attempt {
	__u64 sandbox;		/* to blame */
	__u64 into;		/* the destination's sandbox, 0 outside */
	struct cgroup *dst;
	__u32 moved;		/* tgid of the process moved, 0 for none */
	__u32 flags;		/* VIGIL_F_KILLED: the mover was sent SIGKILL */
	__u16 how;		/* enum vigil_escape_how */
	bool moved_killed;
	__u8 signal;		/* VIGIL_ESCAPE_SIGNAL: the signal sent */
};

/* SIGKILL to the current task's process; VIGIL_F_KILLED when sent. */
static __always_inline __u32 escape__kill_self(void)
{
	return bpf_send_signal(SIGKILL) ? 0 : VIGIL_F_KILLED;
}

/* A verdict: it wakes the collector at once, a sandbox to kill. */
static __always_inline void escape__report(const struct escape_attempt *x)
{
	struct vigil_escape e = {};
	/* A local, not x->dst: BPF_CORE_READ of a member of x would emit a
	 * CO-RE relocation against struct escape_attempt. */
	struct cgroup *dst = x->dst;

	hdr__fill(&e.hdr, VIGIL_EV_ESCAPE, x->sandbox);
	e.hdr.flags = x->flags;
	e.cgroup_id = BPF_CORE_READ(dst, kn, id);
	e.into_sandbox = x->into;
	e.moved_pid = x->moved;
	e.how = x->how;
	e.moved_killed = x->moved_killed;
	e.signal = x->signal;
	emit(&e, sizeof(e), sizeof(e), LANE_RARE);
}

/* Marks task as a sandbox's (0: none). */
static __always_inline void origin__set(struct task_struct *task, __u64 sb)
{
	struct vigil_task *origin;

	if (!sb)
		return;
	origin = bpf_task_storage_get(&origins, task, 0,
				      BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (origin)
		origin->sandbox = sb;
	else
		drop__count(VIGIL_DROP_INFLIGHT);
}

/* The cgroup of a cgroup2 directory (kernfs keeps it in the directory's
 * node, the inode's i_private), NULL for anything else. */
static __always_inline struct cgroup *cgroup__of_dir(struct dentry *d)
{
	struct inode *inode = BPF_CORE_READ(d, d_inode);
	struct kernfs_node *kn;

	if (BPF_CORE_READ(inode, i_sb, s_magic) != CGROUP2_SUPER_MAGIC ||
	    (BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFDIR)
		return NULL;
	kn = BPF_CORE_READ(inode, i_private);
	return BPF_CORE_READ(kn, priv);
}

static __always_inline bool name__is(const char *name, const char *want,
				     __u32 len)
{
	for (__u32 i = 0; i < len; i++)
		if (name[i] != want[i])
			return false;
	return true;
}

/* cgroup.procs or cgroup.threads: writing a pid there moves a task. */
static __always_inline bool cgroup__migration_file(struct dentry *d)
{
	struct qstr q = BPF_CORE_READ(d, d_name);
	char name[16] = {};

	if (q.len != 12 && q.len != 14)
		return false;
	bpf_probe_read_kernel(name, sizeof(name), q.name);
	return q.len == 12 ? name__is(name, "cgroup.procs", 12)
			   : name__is(name, "cgroup.threads", 14);
}

/* An open file judged at open's exit: a migration file of a cgroup
 * outside the opener's sandbox, opened for writing, kills the opener
 * before open() returns (flagged in the open record too). */
static __always_inline void escape__open(__u64 sandbox, struct file *f,
					 __u32 *flags)
{
	struct escape_attempt x = { .sandbox = sandbox, .how = VIGIL_ESCAPE_OPEN };
	struct inode *inode;
	struct super_block *sb;
	struct dentry *d;

	/* KLOAD: plain loads where the caller's file was cast (path.bpf.h). */
	if (!(KLOAD(f, f_mode) & FMODE_WRITE))
		return;
	inode = KLOAD(f, f_inode);
	sb = KLOAD(inode, i_sb);
	d = KLOAD(f, f_path.dentry);
	if (KLOAD(sb, s_magic) != CGROUP2_SUPER_MAGIC ||
	    !cgroup__migration_file(d))
		return;
	x.dst = cgroup__of_dir(BPF_CORE_READ(d, d_parent));
	if (!x.dst)
		return;
	x.into = cgroup__sandbox(x.dst);
	if (x.into == sandbox)
		return;
	x.flags = escape__kill_self();
	*flags |= x.flags;
	escape__report(&x);
}

/*
 * The child's mark at fork (sched_process_fork, in the parent): its
 * parent's sandbox (sb), or the sandbox clone3's CLONE_INTO_CGROUP put
 * the child of an unwatched parent in. A sandbox's child started outside
 * it escaped a check at clone3's entry (its arguments changed after): the
 * parent dies before clone3 returns, the child at its first return to
 * user space (escape_clone_exit), before its first instruction.
 */
static __always_inline void escape__fork(struct task_struct *child, __u64 sb)
{
	struct task_struct *parent = bpf_get_current_task_btf();
	struct escape_attempt x = { .sandbox = sb, .how = VIGIL_ESCAPE_CLONE };
	__u64 at = sb;

	x.dst = BPF_CORE_READ(child, cgroups, dfl_cgrp);
	/* Only CLONE_INTO_CGROUP starts a child outside its parent's
	 * cgroup; anything else costs this one comparison. */
	if (x.dst != BPF_CORE_READ(parent, cgroups, dfl_cgrp)) {
		at = cgroup__sandbox(x.dst);
		if (sb && at != sb) {
			x.into = at;
			x.moved = child->tgid;
			x.moved_killed = true;
			x.flags = escape__kill_self();
			escape__report(&x);
		}
	}
	origin__set(child, sb ?: at);
}

#endif /* VIGIL_ESCAPE_BPF_H */
