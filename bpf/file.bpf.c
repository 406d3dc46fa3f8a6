// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * open, openat, openat2 and creat: at exit the new fd's file is resolved
 * to the path, device and inode actually opened, which is checked against
 * the protected files and the cgroup files a task would leave its sandbox
 * by (escape.bpf.h). The arguments of open, openat and creat are read at
 * exit from the registers the call left (no thread can rewrite those), so
 * these have no program at entry: an open in a sandbox runs one handler,
 * not two. openat2's are in the caller's memory, read at entry.
 */
#define VIGIL_PATH_LOADS	/* path.bpf.h: the walk with plain loads */
#include "escape.bpf.h"
#include "repeat.bpf.h"

#define O_WRONLY 01
#define O_CREAT  0100
#define O_TRUNC  01000

SEC("tp_btf/sys_enter")
int BPF_PROG(file_openat2, struct pt_regs *regs, long id)
{
	__u64 sb = scope__sandbox();
	bool c = task__compat();
	struct open_args *a;
	struct open_how how = {};

	if (!sb)
		return 0;
	a = inflight__new(&open_inflight);
	if (!a)
		return 0;
	/* how is read at entry: it is the caller's memory and the kernel
	 * copies it before acting. Same layout on ia32. */
	bpf_probe_read_user(&how, sizeof(how), (void *)sys__arg(regs, 2, c));
	a->sandbox = sb;
	a->path = sys__arg(regs, 1, c);
	a->flags = how.flags;
	a->mode = how.mode;
	a->sys = VIGIL_SYS_OPENAT2;
	a->compat = c;
	return 0;
}

/* A plain open: nothing protected, nothing the kernel did. Only these
 * are common records a flood may crowd out or count as repeats. */
static __always_inline bool open__plain(const struct vigil_open *e)
{
	return !e->filesets && !(e->hdr.flags & VIGIL_F_KILLED);
}

/* What tells failed opens apart: the path argument's length and its first
 * and last eight bytes. */
static __always_inline __u64 arg__sig(const char *arg, __u32 len)
{
	__u64 head = 0, tail = 0;

	bpf_probe_read_kernel(&head, sizeof(head), arg);
	bpf_probe_read_kernel(&tail, sizeof(tail),
			      &arg[(len > 8 ? len - 8 : 0) & PATH_MASK]);
	return head ^ (tail << 1) ^ ((__u64)len << 48);
}

/* True when e repeats the open the process made last (counted, not to
 * be sent). Every fd is the same result. */
static __always_inline bool open__repeated(struct vigil_open *e, __u64 sig)
{
	struct vigil_repeat_key k = {
		.sandbox_cgid = e->hdr.sandbox_cgid,
		.ino = e->ino,
		.arg_sig = sig,
		.pid = e->hdr.pid,
		.dev = e->dev,
		.ret = e->ret < 0 ? e->ret : 0,
		.open_flags = e->open_flags,
		.type = VIGIL_EV_OPEN,
		.sys = e->sys,
	};

	return open__plain(e) && repeat__counted(&k, e->hdr.ktime_ns);
}

/* Fills e; false when it was counted as a repeat instead. A file opened
 * is told apart by its inode before its path is walked; a failure by its
 * argument, read first (there is no path). */
static __always_inline bool open__fill(struct vigil_open *e,
				       struct open_args *a, long ret)
{
	struct file *f = ret >= 0 ? fd__file(ret) : NULL;
	long n;

	e->hdr.flags = a->compat ? VIGIL_F_COMPAT : 0;
	e->ret = ret;
	e->open_flags = a->flags;
	e->mode = a->mode;
	e->sys = a->sys;
	e->dev = 0;
	e->ino = 0;
	e->__pad = 0;
	e->path_len = 0;
	e->filesets = 0;
	if (f) {
		file__id(f, &e->dev, &e->ino);
		e->filesets = enforce__file(a->sandbox, e->dev, e->ino, NULL,
					    &e->hdr.flags);
		escape__open(a->sandbox, f, &e->hdr.flags);
		if (open__repeated(e, 0))
			return false;
		e->path_len = path__copy(e->data, f, &e->hdr.flags);
	}
	/* The raw argument is read at exit; a racing thread could rewrite
	 * it, which is why the resolved path is the one to trust. */
	n = bpf_probe_read_user_str(&e->data[e->path_len & PATH_MASK],
				    VIGIL_PATH_MAX, (void *)a->path);
	e->arg_len = n > 0 ? n - 1 : 0;
	return f || !open__repeated(e, arg__sig(e->data, e->arg_len));
}

/* Builds and sends the record of the open a describes, which returned
 * ret. */
static __always_inline void open__record(struct open_args *a, long ret)
{
	struct open_rec *rec = open_rec__get();
	struct vigil_open *e;

	if (!rec)
		return;
	e = (void *)rec->buf;
	hdr__fill(&e->hdr, VIGIL_EV_OPEN, a->sandbox);
	if (open__fill(e, a, ret))
		emit(e, sizeof(*e) + (e->path_len & PATH_MASK) +
			(e->arg_len & PATH_MASK), sizeof(rec->buf),
		     open__plain(e) ? LANE_COMMON : LANE_RARE);
}

/* open, openat and creat: the arguments from the registers. */
static __always_inline int open__exit(struct pt_regs *regs, long ret,
				      __u16 sys)
{
	bool c = task__compat();
	int at = sys == VIGIL_SYS_OPENAT;
	struct open_args a = {
		.sandbox = scope__sandbox(),
		.path = sys__arg(regs, at, c),
		.flags = sys == VIGIL_SYS_CREAT ? O_CREAT | O_WRONLY | O_TRUNC
						 : sys__arg(regs, at + 1, c),
		.mode = sys__arg(regs, sys == VIGIL_SYS_CREAT ? 1 : at + 2, c),
		.sys = sys,
		.compat = c,
	};

	if (a.sandbox)
		open__record(&a, ret);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(file_open_exit, struct pt_regs *regs, long ret)
{
	return open__exit(regs, ret, VIGIL_SYS_OPEN);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(file_openat_exit, struct pt_regs *regs, long ret)
{
	return open__exit(regs, ret, VIGIL_SYS_OPENAT);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(file_creat_exit, struct pt_regs *regs, long ret)
{
	return open__exit(regs, ret, VIGIL_SYS_CREAT);
}

/* openat2: the arguments its entry saved. */
SEC("tp_btf/sys_exit")
int BPF_PROG(file_openat2_exit, struct pt_regs *regs, long ret)
{
	struct open_args *a = inflight__get(&open_inflight);

	if (!a || !a->sandbox)
		return 0;
	open__record(a, ret);
	a->sandbox = 0;
	return 0;
}
