/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Everything that reads a syscall's registers or ABI: its number, its
 * arguments, whether the caller is a 32-bit (compat) task and how wide its
 * pointers are. The accessors are written for x86 only. Elsewhere the
 * register names below would fail to relocate at load time at best, or
 * name registers that mean something else in that syscall ABI, so any
 * other architecture stops the build here.
 */
#ifndef VIGIL_ARCH_BPF_H
#define VIGIL_ARCH_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#if defined(__TARGET_ARCH_x86)

#define TS_COMPAT 0x0002	/* arch/x86/include/asm/thread_info.h */
#define NR_OPENAT 257		/* x86_64 openat: the hottest watched syscall */

/* The syscall in progress of t, the current task, uses the ia32 ABI: a
 * 32-bit process, or int 0x80 from a 64-bit one. */
static __always_inline bool task__compat_of(struct task_struct *t)
{
	return t->thread_info.status & TS_COMPAT;
}

static __always_inline bool task__compat(void)
{
	return task__compat_of(bpf_get_current_task_btf());
}

/* The syscall number at exit: the kernel keeps it in orig_ax. */
static __always_inline long sys__nr(struct pt_regs *regs)
{
	return regs->orig_ax;
}

/* Syscall argument n (0-based) from the entry registers, for native and
 * ia32 syscalls alike, so a 32-bit process cannot hide behind int 0x80. */
static __always_inline unsigned long sys__arg(struct pt_regs *regs, int n,
					      bool compat)
{
	if (compat) {
		switch (n) {
		case 0: return (__u32)regs->bx;
		case 1: return (__u32)regs->cx;
		case 2: return (__u32)regs->dx;
		case 3: return (__u32)regs->si;
		case 4: return (__u32)regs->di;
		default: return (__u32)regs->bp;
		}
	}
	switch (n) {
	case 0: return regs->di;
	case 1: return regs->si;
	case 2: return regs->dx;
	case 3: return regs->r10;
	case 4: return regs->r8;
	default: return regs->r9;
	}
}

#else
#error "vigil: syscall registers are read for x86 only; write task__compat, sys__nr and sys__arg for this architecture in bpf/arch.bpf.h"
#endif

/* Reads a user pointer that is 4 bytes wide in a compat task. */
static __always_inline unsigned long user__ptr(const void *addr, bool compat)
{
	unsigned long p = 0;

	if (compat)
		bpf_probe_read_user(&p, 4, addr);
	else
		bpf_probe_read_user(&p, sizeof(p), addr);
	return p;
}

#endif /* VIGIL_ARCH_BPF_H */
