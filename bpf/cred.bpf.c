// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Credential changes by sandboxed tasks: the set*id family, setgroups and
 * capset, as cred records (records.h: struct vigil_cred). The ids the
 * task had are read from its struct cred at entry, the ids it has at
 * exit, so the record says what the kernel applied (a 16-bit ia32 call,
 * a -1 that keeps an id, a refused call that changed nothing), with the
 * raw arguments beside them. Rare records: a task changes credentials a
 * few times in its life.
 */
#include "vigil.bpf.h"

static __always_inline void ids__read(struct vigil_ids *ids, __u64 *cap_eff,
				      __u32 *ngroups)
{
	struct task_struct *t = bpf_get_current_task_btf();
	const struct cred *c = t->cred;

	ids->uid = BPF_CORE_READ(c, uid.val);
	ids->euid = BPF_CORE_READ(c, euid.val);
	ids->suid = BPF_CORE_READ(c, suid.val);
	ids->fsuid = BPF_CORE_READ(c, fsuid.val);
	ids->gid = BPF_CORE_READ(c, gid.val);
	ids->egid = BPF_CORE_READ(c, egid.val);
	ids->sgid = BPF_CORE_READ(c, sgid.val);
	ids->fsgid = BPF_CORE_READ(c, fsgid.val);
	*cap_eff = BPF_CORE_READ(c, cap_effective.val);
	*ngroups = BPF_CORE_READ(c, group_info, ngroups);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(cred_enter, struct pt_regs *regs, long id)
{
	__u64 sb = scope__sandbox();
	struct cred_args *a;

	if (!sb)
		return 0;
	a = inflight__new(&cred_inflight);
	if (!a)
		return 0;
	ids__read(&a->ids, &a->cap_eff, &a->ngroups);
	a->sandbox = sb;
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(cred_exit, struct pt_regs *regs, long ret)
{
	struct cred_args *a = inflight__get(&cred_inflight);
	struct task_struct *t = bpf_get_current_task_btf();
	bool compat = task__compat();
	struct vigil_cred e = {};

	if (!a || !a->sandbox)
		return 0;
	hdr__fill(&e.hdr, VIGIL_EV_CRED, a->sandbox);
	e.hdr.flags = compat ? VIGIL_F_COMPAT : 0;
	e.ret = ret;
	e.nr = sys__nr(regs);
	e.old_ids = a->ids;
	e.cap_eff_old = a->cap_eff;
	e.ngroups_old = a->ngroups;
	ids__read(&e.new_ids, &e.cap_eff_new, &e.ngroups_new);
	e.cap_prm_new = BPF_CORE_READ(t, cred, cap_permitted.val);
	for (int i = 0; i < 3; i++)
		e.args[i] = sys__arg(regs, i, compat);
	emit(&e, sizeof(e), sizeof(e), LANE_RARE);
	a->sandbox = 0;
	return 0;
}
