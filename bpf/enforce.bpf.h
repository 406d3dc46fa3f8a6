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


/* A grant for owner that has not lapsed. */
static __always_inline bool file_grant__live(struct vigil_file_grant *k)
{
	__u64 *until = bpf_map_lookup_elem(&file_grants, k);

	return until && (!*until || bpf_ktime_get_boot_ns() < *until);
}

/* A human allowed this file for the sandbox or for its profile. */
static __always_inline bool file_grant__allows(__u64 sandbox,
					  const struct vigil_policy *p,
					  __u32 dev, __u64 ino, bool exec)
{
	struct vigil_file_grant k = {
		.owner = sandbox, .ino = ino, .dev = dev,
		.step = exec ? VIGIL_FILE_EXEC : VIGIL_FILE_OPEN,
	};

	if (file_grant__live(&k))
		return true;
	k.owner = VIGIL_FILE_GRANT_PROFILE | p->profile;
	return file_grant__live(&k);
}

/* The protected sets (dev, ino) belongs to, 0 for most files; kills the
 * current task when its sandbox's policy says so, flagging the record.
 * A set that asks a human kills too, unless a grant allows the file: the
 * step never happens, and the record becomes a pending request. */
static __always_inline __u64 enforce__file(__u64 sandbox, __u32 dev,
					   __u64 ino, bool exec, __u32 *flags)
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
		    file_grant__allows(sandbox, p, dev, ino, exec))
			return *sets;
		why |= VIGIL_F_ASKED;
	}
	if (!bpf_send_signal(SIGKILL))
		*flags |= why;
	return *sets;
}

#endif /* VIGIL_ENFORCE_BPF_H */
