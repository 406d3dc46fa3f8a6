// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sandboxes made and removed below the roots, for the collector's
 * registry (userspace/intake/sandbox.c). A sandbox that lives for a few
 * milliseconds can be gone before the collector reads its first record:
 * its name comes from its mkdir record, which has a ring buffer of its
 * own and wakes the collector's opener at once, to open the directory
 * whose labels are read later (userspace/intake/opener.h). The rmdir
 * record follows the last record of its processes in the common ring
 * buffer, so the registry knows when they are all in.
 */
#include "vigil.bpf.h"

/* The root cgrp is a direct child of (its index in scope), or -1. */
static __always_inline int sandbox__root(const struct cgroup *cgrp)
{
	const struct cgroup_subsys_state *parent = cgrp->self.parent;
	__u64 parent_id;

	if (!parent)
		return -1;
	parent_id = parent->cgroup->kn->id;
	for (__u32 i = 0; i < VIGIL_MAX_ROOTS; i++) {
		if (i >= scope.nr_roots)
			break;
		if (cgrp->level == scope.root_level[i] + 1 &&
		    parent_id == scope.root_id[i])
			return i;
	}
	return -1;
}

/* A record for cgrp if it is a watched sandbox, reserved in ring (NULL
 * when it is not, or when the ring is full: counted). */
static __always_inline struct vigil_cgroup *
sandbox__record(void *ring, const struct cgroup *cgrp, __u16 type)
{
	__u64 cgid = cgrp->kn->id;
	int root = sandbox__root(cgrp);
	struct vigil_cgroup *e;
	long len;

	if (root < 0 || (scope.only_sandbox && cgid != scope.only_sandbox))
		return NULL;
	e = reserve_in(ring, sizeof(*e), type, cgid);
	if (!e)
		return NULL;
	e->root = root;
	len = bpf_probe_read_kernel_str(e->name, sizeof(e->name),
					cgrp->kn->name);
	e->name_len = len > 0 ? len - 1 : 0;	/* without the NUL */
	e->__pad = 0;
	return e;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	struct vigil_cgroup *e = sandbox__record(&sandbox_mkdirs, cgrp,
						 VIGIL_EV_CGROUP_MKDIR);

	if (e)
		bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	struct vigil_cgroup *e = sandbox__record(&events, cgrp,
						 VIGIL_EV_CGROUP_RMDIR);

	if (e)
		submit(e);
	return 0;
}
