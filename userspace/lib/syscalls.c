// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include <sys/syscall.h>

#include "syscalls.h"

/* At most 64: a watched syscall's position is its bit in a policy. */
static const struct watched_syscall watched[] = {
	{ "ptrace", SYS_ptrace, 26 },
	{ "bpf", SYS_bpf, 357 },
	{ "mount", SYS_mount, 21 },
	{ "fsopen", SYS_fsopen, 430 },
	{ "fsmount", SYS_fsmount, 432 },
	{ "move_mount", SYS_move_mount, 429 },
	{ "open_tree", SYS_open_tree, 428 },
	{ "unshare", SYS_unshare, 310 },
	{ "setns", SYS_setns, 346 },
	{ "init_module", SYS_init_module, 128 },
	{ "finit_module", SYS_finit_module, 350 },
	{ "io_uring_setup", SYS_io_uring_setup, 425 },
	{ "keyctl", SYS_keyctl, 288 },
	{ "add_key", SYS_add_key, 286 },
	{ "request_key", SYS_request_key, 287 },
	{ "process_vm_readv", SYS_process_vm_readv, 347 },
	{ "process_vm_writev", SYS_process_vm_writev, 348 },
	{ "pidfd_getfd", SYS_pidfd_getfd, 438 },
};

_Static_assert(sizeof(watched) / sizeof(watched[0]) <= 64,
	       "vigil_policy.syscall_kill has 64 bits");

const struct watched_syscall *syscalls__watched(size_t *n)
{
	*n = sizeof(watched) / sizeof(watched[0]);
	return watched;
}

const char *syscalls__name(unsigned int nr, bool compat)
{
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++)
		if ((unsigned int)(compat ? watched[i].compat_nr
					  : watched[i].nr) == nr)
			return watched[i].name;
	return NULL;
}

int syscalls__nr(const char *name)
{
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++)
		if (!strcmp(watched[i].name, name))
			return watched[i].nr;
	return -1;
}

int syscalls__index(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++)
		if (strlen(watched[i].name) == len &&
		    !memcmp(watched[i].name, name, len))
			return i;
	return -1;
}
