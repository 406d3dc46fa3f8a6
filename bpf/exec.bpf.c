// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * execve and execveat. A successful exec is reported from
 * sched_process_exec, where the new image's file and argv are in place:
 * the file is resolved from bprm->file (so exec via a symlink, an fd or a
 * memfd names the real file), a script's own file beside its interpreter
 * and the watched environment are read (execimg.bpf.h), and argv is read
 * from the new mm in one copy. A failed exec is reported at syscall exit
 * from the saved arguments.
 */
#include "enforce.bpf.h"
#include "execimg.bpf.h"
#include "exeallow.bpf.h"

#define ARGV_MASK      (VIGIL_ARGV_MAX - 1)
#define FAILED_ARGS    128	/* argv entries read for a failed exec */

/* The task's effective uid, and its effective gid in *egid. */
static __always_inline __u32 exec__euid(__u32 *egid)
{
	struct task_struct *t = bpf_get_current_task_btf();

	*egid = BPF_CORE_READ(t, cred, egid.val);
	return BPF_CORE_READ(t, cred, euid.val);
}

static __always_inline int exec__enter(__u16 sys, unsigned long filename,
				       unsigned long argv, bool compat)
{
	__u64 sb = scope__sandbox();
	struct exec_args *a;
	long n;

	if (!sb)
		return 0;
	a = inflight__new(&exec_inflight);
	if (!a)
		return 0;
	n = bpf_probe_read_user_str(a->filename, sizeof(a->filename),
				    (void *)filename);
	a->sandbox = sb;
	a->filename_len = n > 0 ? n - 1 : 0;
	a->argv = argv;
	a->sys = sys;
	a->compat = compat;
	a->old_euid = exec__euid(&a->old_egid);
	return 0;
}

/* The path argument into dst: as saved at entry when there was an entry
 * (there is none for an exec that began before vigil attached). */
static __always_inline __u16 exec__arg(char *dst, struct exec_args *a,
				       struct linux_binprm *bprm)
{
	long n;

	if (a && a->sandbox) {
		bpf_probe_read_kernel(dst, a->filename_len & PATH_MASK,
				      a->filename);
		return a->filename_len & PATH_MASK;
	}
	n = bpf_probe_read_kernel_str(dst, VIGIL_PATH_MAX,
				      BPF_CORE_READ(bprm, filename));
	return n > 0 ? n - 1 : 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(exec_execve, struct pt_regs *regs, long id)
{
	bool c = task__compat();

	return exec__enter(VIGIL_SYS_EXECVE, sys__arg(regs, 0, c),
			   sys__arg(regs, 1, c), c);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(exec_execveat, struct pt_regs *regs, long id)
{
	bool c = task__compat();

	return exec__enter(VIGIL_SYS_EXECVEAT, sys__arg(regs, 1, c),
			   sys__arg(regs, 2, c), c);
}

static __always_inline struct vigil_exec *exec__begin(__u64 sandbox,
						      __u16 sys, long ret)
{
	struct exec_rec *rec = exec_rec__get();
	struct vigil_exec *e;

	if (!rec)
		return NULL;
	e = (void *)rec->buf;
	hdr__fill(&e->hdr, VIGIL_EV_EXEC, sandbox);
	e->ret = ret;
	e->sys = sys;
	e->dev = 0;
	e->ino = 0;
	e->file_len = 0;
	e->arg_len = 0;
	e->argv_len = 0;
	e->argc = 0;
	e->script_len = 0;
	e->env_len = 0;
	e->filesets = 0;
	e->euid = exec__euid(&e->egid);
	e->old_euid = e->euid;
	e->old_egid = e->egid;
	e->script_dev = 0;
	e->__pad3 = 0;
	e->script_ino = 0;
	/* The fds the program starts with (or would have): after a
	 * successful exec, close-on-exec is already done. */
	for (int i = 0; i < 3; i++)
		e->stdio[i] = fd__type(i);
	__builtin_memset(e->__pad2, 0, sizeof(e->__pad2));
	return e;
}

static __always_inline void exec__emit(struct vigil_exec *e)
{
	emit(e, sizeof(*e) + (e->file_len & PATH_MASK) +
		(e->arg_len & PATH_MASK) + e->argv_len +
		(e->script_len & PATH_MASK) + e->env_len,
	     sizeof(struct exec_rec), LANE_RARE);
}

/* argv of the new image: the NUL-separated strings between arg_start and
 * arg_end of the new mm, copied at once up to VIGIL_ARGV_MAX bytes. */
static __always_inline void exec__argv_mm(struct vigil_exec *e, char *dst)
{
	struct task_struct *t = bpf_get_current_task_btf();
	unsigned long start = BPF_CORE_READ(t, mm, arg_start);
	unsigned long end = BPF_CORE_READ(t, mm, arg_end);
	/* 64-bit on purpose: a __u32 copy lets the compiler bound one
	 * register and pass the verifier another. */
	unsigned long len = end - start;

	if (end < start)
		return;
	if (len > VIGIL_ARGV_MAX) {
		len = VIGIL_ARGV_MAX;
		e->hdr.flags |= VIGIL_F_ARGV_TRUNC;
	}
	if (!bpf_probe_read_user(dst, len, (void *)start))
		e->argv_len = len;
}

/* The script and the watched environment, after argv (at off). The
 * mask and the bound keep each offset provably inside exec_rec: off is
 * below 4 * VIGIL_PATH_MAX, off plus the script below EXEC_ENV_AT.
 * Returns the script's file, NULL for a binary. */
static __always_inline struct file *exec__image(struct vigil_exec *e,
						struct linux_binprm *bprm,
						__u32 off)
{
	struct file *script = execimg__script(bprm);
	__u32 flags = 0;

	if (script)
		file__id(script, &e->script_dev, &e->script_ino);
	e->script_len = path__copy(&e->data[off & (4 * VIGIL_PATH_MAX - 1)],
				   script, &flags) & PATH_MASK;
	/* A deleted script is a fact about the script, not the file. */
	e->hdr.flags |= flags & VIGIL_F_PATH_TRUNC;
	off += e->script_len;
	if (off > EXEC_ENV_AT)
		return script;
	e->env_len = execimg__env(&e->data[off], bprm, &e->hdr.flags) &
		     (2 * VIGIL_ENV_MAX - 1);
	return script;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_done, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct exec_args *a = inflight__get(&exec_inflight);
	__u64 sb = scope__sandbox();
	struct vigil_exec *e;
	struct file *script;
	__u32 flags = 0, off;

	if (!sb)
		return 0;
	e = exec__begin(sb, a && a->sandbox ? a->sys : VIGIL_SYS_EXECVE, 0);
	if (!e)
		return 0;
	if (a && a->sandbox && a->compat)
		flags |= VIGIL_F_COMPAT;
	if (a && a->sandbox) {
		e->old_euid = a->old_euid;
		e->old_egid = a->old_egid;
	}
	file__id(BPF_CORE_READ(bprm, file), &e->dev, &e->ino);
	e->filesets = enforce__file(sb, e->dev, e->ino,
				    BPF_CORE_READ(bprm, file), &flags);
	e->file_len = path__copy(e->data, BPF_CORE_READ(bprm, file), &flags);
	e->arg_len = exec__arg(&e->data[e->file_len & PATH_MASK], a, bprm);
	e->argc = BPF_CORE_READ(bprm, argc);
	e->hdr.flags = flags;
	off = e->file_len + e->arg_len;
	exec__argv_mm(e, &e->data[off & (2 * VIGIL_PATH_MAX - 1)]);
	off += e->argv_len;
	script = exec__image(e, bprm, off);
	exeallow__judge(sb, e, &e->data[off & (4 * VIGIL_PATH_MAX - 1)],
			BPF_CORE_READ(bprm, file), script);
	exec__emit(e);
	if (a)
		a->sandbox = 0;	/* the exit handler has nothing to report */
	return 0;
}

/* Walking a failed exec's argv pointer array, one bpf_loop step per
 * argument (a plain loop of this size would exhaust the verifier). */
struct argv_walk {
	struct vigil_exec *e;
	char *dst;
	__u64 argv;		/* user array of pointers */
	__u32 off;		/* bytes of dst used */
	bool compat;
	bool done;		/* reached the terminating NULL */
};

static long argv__step_cb(__u32 i, void *ctx)
{
	struct argv_walk *w = ctx;
	unsigned long p = user__ptr((void *)(w->argv + i * (w->compat ? 4 : 8)),
				    w->compat);
	__u32 off = w->off & ARGV_MASK;
	long n;

	if (!p) {
		w->done = true;
		return 1;
	}
	if (w->off >= VIGIL_ARGV_MAX)
		return 1;
	n = bpf_probe_read_user_str(&w->dst[off], VIGIL_ARGV_MAX - off,
				    (void *)p);
	if (n <= 0) {
		w->done = true;	/* unreadable: the kernel failed it too */
		return 1;
	}
	if (n == VIGIL_ARGV_MAX - off)
		return 1;	/* may be cut short: keep whole ones only */
	w->off += n;
	w->e->argc++;
	return 0;
}

static __always_inline void exec__argv_user(struct vigil_exec *e, char *dst,
					    struct exec_args *a)
{
	struct argv_walk w = {
		.e = e, .dst = dst, .argv = a->argv, .compat = a->compat,
	};

	bpf_loop(FAILED_ARGS, argv__step_cb, &w, 0);
	if (!w.done)
		e->hdr.flags |= VIGIL_F_ARGV_TRUNC;
	e->argv_len = w.off > VIGIL_ARGV_MAX ? VIGIL_ARGV_MAX : w.off;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(exec_exit, struct pt_regs *regs, long ret)
{
	struct exec_args *a = inflight__get(&exec_inflight);
	struct vigil_exec *e;

	if (!a || !a->sandbox)
		return 0;
	e = exec__begin(a->sandbox, a->sys, ret);
	if (e) {
		e->hdr.flags = a->compat ? VIGIL_F_COMPAT : 0;
		e->arg_len = exec__arg(e->data, a, NULL);
		exec__argv_user(e, &e->data[e->arg_len & PATH_MASK], a);
		exec__emit(e);
	}
	a->sandbox = 0;
	return 0;
}
