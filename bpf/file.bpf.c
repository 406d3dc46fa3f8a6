// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * open, openat, openat2 and creat: the raw arguments are saved at entry,
 * and at exit the new fd's file is resolved to the path, device and inode
 * actually opened, which is checked against the protected files and the
 * cgroup files a task would leave its sandbox by (escape.bpf.h).
 */
#define VIGIL_PATH_LOADS	/* path.bpf.h: the walk with plain loads */
#include "escape.bpf.h"
#include "repeat.bpf.h"

#define O_WRONLY 01
#define O_CREAT  0100
#define O_TRUNC  01000

static __always_inline int open__enter(__u16 sys, unsigned long path,
				       __u32 flags, __u32 mode, bool compat)
{
	__u64 sb = scope__sandbox();
	struct open_args *a;

	if (!sb)
		return 0;
	a = inflight__new(&open_inflight);
	if (!a)
		return 0;
	a->sandbox = sb;
	a->path = path;
	a->flags = flags;
	a->mode = mode;
	a->sys = sys;
	a->compat = compat;
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(file_open, struct pt_regs *regs, long id)
{
	bool c = task__compat();

	return open__enter(VIGIL_SYS_OPEN, sys__arg(regs, 0, c),
			   sys__arg(regs, 1, c), sys__arg(regs, 2, c), c);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(file_openat, struct pt_regs *regs, long id)
{
	bool c = task__compat();

	return open__enter(VIGIL_SYS_OPENAT, sys__arg(regs, 1, c),
			   sys__arg(regs, 2, c), sys__arg(regs, 3, c), c);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(file_openat2, struct pt_regs *regs, long id)
{
	bool c = task__compat();
	struct open_how how = {};

	/* openat2's how is read at entry: it is the caller's memory and the
	 * kernel copies it before acting. Same layout on ia32. */
	bpf_probe_read_user(&how, sizeof(how), (void *)sys__arg(regs, 2, c));
	return open__enter(VIGIL_SYS_OPENAT2, sys__arg(regs, 1, c), how.flags,
			   how.mode, c);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(file_creat, struct pt_regs *regs, long id)
{
	bool c = task__compat();

	return open__enter(VIGIL_SYS_CREAT, sys__arg(regs, 0, c),
			   O_CREAT | O_WRONLY | O_TRUNC, sys__arg(regs, 1, c),
			   c);
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

SEC("tp_btf/sys_exit")
int BPF_PROG(file_exit, struct pt_regs *regs, long ret)
{
	struct open_args *a = inflight__get(&open_inflight);
	struct open_rec *rec;
	struct vigil_open *e;

	if (!a || !a->sandbox)
		return 0;
	rec = open_rec__get();
	if (rec) {
		e = (void *)rec->buf;
		hdr__fill(&e->hdr, VIGIL_EV_OPEN, a->sandbox);
		if (open__fill(e, a, ret))
			emit(e, sizeof(*e) + (e->path_len & PATH_MASK) +
				(e->arg_len & PATH_MASK), sizeof(rec->buf),
			     open__plain(e) ? LANE_COMMON : LANE_RARE);
	}
	a->sandbox = 0;
	return 0;
}
