/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The in-kernel fast path: a sandboxed task that opens or execs a file in
 * a protected set its sandbox's policy kills on gets SIGKILL before it
 * returns to user space. The check runs where the file is known (open's
 * exit, sched_process_exec), after path resolution, so any spelling of
 * the path (hard link, symlink, dirfd, "..", bind mount, /proc/self/root)
 * meets the same inode. The signal is pending when the syscall returns,
 * so the task never runs another instruction: it holds the fd but cannot
 * read it, and a denied program never runs at all. User space sees the
 * record (VIGIL_F_KILLED) and kills the rest of the sandbox.
 */
#ifndef VIGIL_ENFORCE_BPF_H
#define VIGIL_ENFORCE_BPF_H

#include "vigil.bpf.h"


/* An inode's ctime as the kernel keeps it: in two fields since 6.11
 * (commit 3aa63a569c64), __i_ctime from 6.6 (commit 13bc24457850),
 * i_ctime before. */
struct inode___split {
	time64_t i_ctime_sec;
	u32 i_ctime_nsec;
} __attribute__((preserve_access_index));

struct inode___hidden {
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

struct inode___plain {
	struct timespec64 i_ctime;
} __attribute__((preserve_access_index));

/* The ctime of a file about to run, in ns; never 0. */
static __always_inline __u64 file__ctime(struct file *f)
{
	void *i = BPF_CORE_READ(f, f_inode);
	struct timespec64 ts;

	if (bpf_core_field_exists(struct inode___split, i_ctime_sec)) {
		ts.tv_sec = BPF_CORE_READ((struct inode___split *)i,
					  i_ctime_sec);
		ts.tv_nsec = BPF_CORE_READ((struct inode___split *)i,
					   i_ctime_nsec);
	} else if (bpf_core_field_exists(struct inode___hidden, __i_ctime)) {
		ts = BPF_CORE_READ((struct inode___hidden *)i, __i_ctime);
	} else {
		ts = BPF_CORE_READ((struct inode___plain *)i, i_ctime);
	}
	return ((__u64)ts.tv_sec * 1000000000 + ts.tv_nsec) ?: 1;
}

/* A grant for owner that has not lapsed; an exec's (ctime not 0) only
 * for the file it first let run. */
static __always_inline bool file_grant__live(struct vigil_file_grant *k,
					     __u64 ctime)
{
	struct vigil_file_grant_val *v = bpf_map_lookup_elem(&file_grants, k);

	if (!v || (v->until_ns && bpf_ktime_get_boot_ns() >= v->until_ns))
		return false;
	if (!ctime)
		return true;
	if (!v->ctime_ns)
		v->ctime_ns = ctime;
	return v->ctime_ns == ctime;
}

/* A human allowed this file for the sandbox or for its profile: to open
 * it (ctime 0), or to run it as it is (its ctime). */
static __always_inline bool file_grant__allows(__u64 sandbox,
					  const struct vigil_policy *p,
					  __u32 dev, __u64 ino, __u64 ctime)
{
	struct vigil_file_grant k = {
		.owner = sandbox, .ino = ino, .dev = dev,
		.step = ctime ? VIGIL_FILE_EXEC : VIGIL_FILE_OPEN,
	};

	if (file_grant__live(&k, ctime))
		return true;
	k.owner = VIGIL_FILE_GRANT_PROFILE | p->profile;
	return file_grant__live(&k, ctime);
}

/* The protected sets (dev, ino) belongs to, 0 for most files; kills the
 * current task when its sandbox's policy says so, flagging the record.
 * A set that asks a human kills too, unless a grant allows the file: the
 * step never happens, and the record becomes a pending request. exec is
 * the file about to run, NULL for an open. */
static __always_inline __u64 enforce__file(__u64 sandbox, __u32 dev,
					   __u64 ino, struct file *exec,
					   __u32 *flags)
{
	struct vigil_inode k = { .ino = ino, .dev = dev };
	__u64 *sets = bpf_map_lookup_elem(&protected, &k);
	struct vigil_policy *p;
	__u32 why = VIGIL_F_KILLED;

	if (!sets)
		return 0;
	p = policy__of(sandbox);
	if (!p)
		return *sets;
	if (!(*sets & (exec ? p->exec_kill : p->open_kill))) {
		if (!(*sets & (exec ? p->exec_ask : p->open_ask)) ||
		    file_grant__allows(sandbox, p, dev, ino,
				       exec ? file__ctime(exec) : 0))
			return *sets;
		why |= VIGIL_F_ASKED;
	}
	if (!bpf_send_signal(SIGKILL))
		*flags |= why;
	return *sets;
}

#endif /* VIGIL_ENFORCE_BPF_H */
