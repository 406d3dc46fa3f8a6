/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one table of the syscalls vigil's BPF side handles: names, numbers
 * for x86_64 and ia32, and the programs the dispatchers tail-call for
 * them (bpf/dispatch.bpf.c). The loader fills the dispatch tables from
 * it, the decoder names syscall records by it, the renderer names the
 * syscall of open and exec records by it.
 */
#ifndef VIGIL_SYSCALLS_H
#define VIGIL_SYSCALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct syscall {
	const char *name;
	int nr;			/* x86_64; -1 for an ia32 call alone */
	int compat_nr;		/* ia32 */
	uint16_t sys;		/* enum vigil_sys of its open and exec records */
	bool watched;		/* reaches beyond a sandbox: a syscall record,
				 * which a policy may deny */
	const char *enter;	/* BPF program run at entry, or NULL */
	const char *exit;	/* BPF program run at exit */
};

/* Every syscall handled; *n set to their count. A watched syscall's
 * position here is its bit in a policy's syscall_kill. */
const struct syscall *syscalls__all(size_t *n);
/* The name of watched syscall nr of the native or the ia32 ABI, or NULL. */
const char *syscalls__name(unsigned int nr, bool compat);
/* The name of any handled syscall nr of the native or the ia32 ABI, or
 * "unknown". */
const char *syscalls__any_name(unsigned int nr, bool compat);
/* The name of an open or exec record's syscall (enum vigil_sys), or
 * "unknown". */
const char *syscalls__sys_name(uint16_t sys);
/* The bit of a watched syscall's name in a policy's syscall_kill, or -1. */
int syscalls__index(const char *name, size_t len);
/* The x86_64 number of a watched syscall's name, or -1. */
int syscalls__nr(const char *name);

#endif /* VIGIL_SYSCALLS_H */
