/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The syscalls recorded as `syscall` records (bpf/syscall.bpf.c): those
 * that reach beyond a sandbox. Their numbers for x86_64 and ia32, and
 * their names both ways. */
#ifndef VIGIL_SYSCALLS_H
#define VIGIL_SYSCALLS_H

#include <stdbool.h>
#include <stddef.h>

struct watched_syscall {
	const char *name;
	int nr;		/* x86_64 */
	int compat_nr;	/* ia32 (arch/x86/entry/syscalls/syscall_32.tbl) */
};

/* Every watched syscall; *n set to their count. */
const struct watched_syscall *syscalls__watched(size_t *n);
/* The name of syscall nr of the native or the ia32 ABI, or NULL. */
const char *syscalls__name(unsigned int nr, bool compat);
/* The position of a watched syscall's name in syscalls__watched(), which
 * is its bit in a policy's syscall_kill, or -1. */
int syscalls__index(const char *name, size_t len);
/* The x86_64 number of a watched syscall's name, or -1. */
int syscalls__nr(const char *name);

#endif /* VIGIL_SYSCALLS_H */
