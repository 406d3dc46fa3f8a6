/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a new image was given, read at sched_process_exec (exec.bpf.c):
 * the script behind an interpreter, and the environment variables that
 * change what a program loads or where it connects.
 */
#ifndef VIGIL_EXECIMG_BPF_H
#define VIGIL_EXECIMG_BPF_H

#include "path.bpf.h"

#define __FMODE_EXEC 0x20	/* include/linux/fs.h: in the f_flags of a
				 * file opened for exec (do_open_execat) */
#define WORKS_MAX   256		/* task works walked looking for the script */
#define ENV_VARS    256		/* environment entries looked at */
#define ENV_ONE     1024	/* bytes kept of one variable */
#define ENV_MASK    (VIGIL_ENV_MAX - 1)

extern const void ____fput __ksym __weak;

/*
 * The script of a "#!" (or binfmt_misc) exec. By the time the tracepoint
 * runs, exec_binprm has swapped bprm->file for the interpreter and put
 * the script's file; the put of a user task's last reference is queued
 * on its task_works (fput), run on return to user space, so the struct
 * file is still whole. The list is newest first: the script's put came
 * before begin_new_exec's (close-on-exec fds, the old image's file), so
 * the last file opened for exec on it is the script the caller named
 * (the outermost of nested scripts).
 */
struct works_walk {
	struct callback_head *next;
	struct file *script;
	bool done;
};

static long works__step_cb(__u32 i, void *ctx)
{
	struct works_walk *w = ctx;
	struct callback_head *cb = w->next;
	struct file *f;

	if (!cb) {
		w->done = true;
		return 1;
	}
	f = (void *)cb - bpf_core_field_offset(struct file, f_task_work);
	if (BPF_CORE_READ(cb, func) == (void *)&____fput &&
	    (BPF_CORE_READ(f, f_flags) & __FMODE_EXEC))
		w->script = f;
	w->next = BPF_CORE_READ(cb, next);
	return 0;
}

/* The script file, or NULL for a plain binary (a script handler set
 * bprm->interp to the interpreter's name, apart from bprm->filename). */
static __always_inline struct file *execimg__script(struct linux_binprm *bprm)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct works_walk w = { .next = BPF_CORE_READ(t, task_works) };

	if (!&____fput ||	/* not in kallsyms: no script named */
	    BPF_CORE_READ(bprm, interp) == BPF_CORE_READ(bprm, filename))
		return NULL;
	bpf_loop(WORKS_MAX, works__step_cb, &w, 0);
	return w.done ? w.script : NULL;
}

/* A watched variable by the start of its "NAME=value": all of the
 * loader's (LD_*), and what makes glibc, an interpreter or a shell load
 * other code, or a client send its traffic elsewhere. */
union env_name {
	char s[16];
	__u64 w[2];
};

static const union env_name env_names[] = {
	{ .s = "LD_" }, { .s = "GLIBC_TUNABLES=" },
	{ .s = "PYTHONPATH=" }, { .s = "PYTHONHOME=" },
	{ .s = "PYTHONSTARTUP=" }, { .s = "NODE_OPTIONS=" },
	{ .s = "NODE_PATH=" }, { .s = "BASH_ENV=" }, { .s = "ENV=" },
	{ .s = "PERL5OPT=" }, { .s = "PERL5LIB=" }, { .s = "RUBYOPT=" },
	{ .s = "HTTP_PROXY=" }, { .s = "HTTPS_PROXY=" },
	{ .s = "ALL_PROXY=" }, { .s = "NO_PROXY=" }, { .s = "FTP_PROXY=" },
	{ .s = "http_proxy=" }, { .s = "https_proxy=" },
	{ .s = "all_proxy=" }, { .s = "no_proxy=" }, { .s = "ftp_proxy=" },
};

#define ENV_NAMES (sizeof(env_names) / sizeof(env_names[0]))

/* The bytes of a word that a name's text covers (names end at their
 * first NUL; none is longer than 15). */
static __always_inline __u64 word__mask(__u64 w)
{
	__u64 m = 0;

	for (int i = 0; i < 8; i++)
		if ((w >> (8 * i)) & 0xff)
			m |= 0xffULL << (8 * i);
	return m;
}

static __always_inline bool env__watched(const union env_name *head)
{
	for (int k = 0; k < ENV_NAMES; k++) {
		__u64 w0 = env_names[k].w[0], w1 = env_names[k].w[1];

		if ((head->w[0] & word__mask(w0)) == w0 &&
		    (head->w[1] & word__mask(w1)) == w1)
			return true;
	}
	return false;
}

/* Walking the new image's envp[], one bpf_loop step per entry. */
struct env_walk {
	char *dst;		/* VIGIL_ENV_MAX bytes */
	__u64 envp;		/* the user array of pointers */
	__u32 envc;
	__u32 off;		/* bytes of dst used */
	bool compat;		/* 4-byte pointers */
	bool trunc;
};

static long env__step_cb(__u32 i, void *ctx)
{
	struct env_walk *w = ctx;
	union env_name head = {};
	__u32 off = w->off & ENV_MASK, room;
	unsigned long p;
	long n;

	if (i >= w->envc)
		return 1;
	p = user__ptr((void *)(w->envp + i * (w->compat ? 4 : 8)), w->compat);
	if (!p || bpf_probe_read_user_str(head.s, sizeof(head.s),
					  (void *)p) <= 0 ||
	    !env__watched(&head))
		return 0;
	room = VIGIL_ENV_MAX - off;
	if (w->off >= VIGIL_ENV_MAX || room < sizeof(head.s)) {
		w->trunc = true;
		return 1;
	}
	n = bpf_probe_read_user_str(&w->dst[off], room < ENV_ONE ? room : ENV_ONE,
				    (void *)p);
	if (n <= 0)
		return 0;
	if (room <= ENV_ONE && n == room) {
		w->trunc = true;	/* past the record's room: left out */
		return 1;
	}
	if (n == ENV_ONE)
		w->trunc = true;	/* past its share: kept cut short */
	w->off += n;
	return 0;
}

/*
 * The watched variables of the new image into dst, "NAME=value" each
 * NUL-terminated, in envp order; returns the bytes used. The envp[]
 * array is the one create_elf_tables laid out after argc and argv[] at
 * mm->start_stack (no user code has run yet): its pointers are 8 bytes
 * wide unless argc, read as 8 bytes, is not bprm->argc (an ia32 image).
 */
static __always_inline __u32 execimg__env(char *dst, struct linux_binprm *bprm,
					  __u32 *flags)
{
	struct task_struct *t = bpf_get_current_task_btf();
	unsigned long sp = BPF_CORE_READ(t, mm, start_stack);
	int argc = BPF_CORE_READ(bprm, argc);
	struct env_walk w = { .dst = dst };
	__u64 first = 0;

	if (argc < 0 || bpf_probe_read_user(&first, sizeof(first), (void *)sp))
		return 0;
	w.compat = first != (__u64)argc;
	w.envp = sp + (w.compat ? 4 : 8) * ((__u64)argc + 2);
	w.envc = BPF_CORE_READ(bprm, envc);
	if (w.envc > ENV_VARS) {
		w.envc = ENV_VARS;
		*flags |= VIGIL_F_ENV_TRUNC;
	}
	bpf_loop(ENV_VARS, env__step_cb, &w, 0);
	if (w.trunc)
		*flags |= VIGIL_F_ENV_TRUNC;
	return w.off > VIGIL_ENV_MAX ? VIGIL_ENV_MAX : w.off;
}

#endif /* VIGIL_EXECIMG_BPF_H */
