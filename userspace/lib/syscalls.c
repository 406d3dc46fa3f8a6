// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include <sys/syscall.h>

#include "records.h"
#include "syscalls.h"
/* IA32_NR_<name>: the kernel's asm/unistd_32.h, renamed by the build so
 * that it can stand beside the native SYS_<name>. */
#include "syscalls_ia32.h"

/* A syscall with handlers of its own (bpf/file.bpf.c, fileop.bpf.c,
 * exec.bpf.c, net.bpf.c, escape.bpf.c); sys is its code in open, exec
 * and file records, 0
 * for the others, which have no such field. */
#define HANDLED(name, sys, enter, exit)					\
	{ #name, SYS_##name, IA32_NR_##name, sys, false, enter, exit }
/* A file mutation (bpf/fileop.bpf.c): its own entry program, one exit
 * program for all. */
#define FILE_OP(name, sys)						\
	HANDLED(name, sys, "file_" #name, "file_op_exit")
/* The same, for a call the ia32 ABI alone has (chown32: the 32-bit uid
 * call of i386, whose plain chown takes 16-bit ids). */
#define FILE_OP32(name, sys, prog)					\
	{ #name, -1, IA32_NR_##name, sys, false, "file_" #prog,	\
	  "file_op_exit" }
/* A credential call (bpf/cred.bpf.c), named in its records by number. */
#define CRED(name)							\
	{ #name, SYS_##name, IA32_NR_##name, 0, false, "cred_enter",	\
	  "cred_exit" }
#define CRED32(name)							\
	{ #name, -1, IA32_NR_##name, 0, false, "cred_enter", "cred_exit" }
/* A watched syscall: one exit handler for all (bpf/syscall.bpf.c). */
#define WATCHED(name)							\
	{ #name, SYS_##name, IA32_NR_##name, 0, true, NULL, "syscall_exit" }

static const struct syscall table[] = {
	HANDLED(open, VIGIL_SYS_OPEN, NULL, "file_open_exit"),
	HANDLED(creat, VIGIL_SYS_CREAT, NULL, "file_creat_exit"),
	HANDLED(openat, VIGIL_SYS_OPENAT, NULL, "file_openat_exit"),
	HANDLED(openat2, VIGIL_SYS_OPENAT2, "file_openat2", "file_openat2_exit"),
	HANDLED(execve, VIGIL_SYS_EXECVE, "exec_execve", "exec_exit"),
	HANDLED(execveat, VIGIL_SYS_EXECVEAT, "exec_execveat", "exec_exit"),
	HANDLED(connect, 0, "net_connect", "net_exit"),
	HANDLED(sendto, 0, "net_sendto", "net_exit"),
	HANDLED(sendmsg, 0, "net_sendmsg", "net_exit"),
	HANDLED(sendmmsg, 0, "net_sendmmsg", "net_exit"),
	HANDLED(clone3, 0, "escape_clone3", "escape_clone_exit"),
	WATCHED(ptrace),
	WATCHED(bpf),
	WATCHED(mount),
	WATCHED(fsopen),
	WATCHED(fsmount),
	WATCHED(move_mount),
	WATCHED(open_tree),
	WATCHED(unshare),
	WATCHED(setns),
	WATCHED(init_module),
	WATCHED(finit_module),
	WATCHED(io_uring_setup),
	WATCHED(keyctl),
	WATCHED(add_key),
	WATCHED(request_key),
	WATCHED(process_vm_readv),
	WATCHED(process_vm_writev),
	WATCHED(pidfd_getfd),
	/* Handled syscalls added after the watched ones, whose positions
	 * must stay below 64. */
	FILE_OP(mkdir, VIGIL_SYS_MKDIR),
	FILE_OP(mkdirat, VIGIL_SYS_MKDIRAT),
	FILE_OP(unlink, VIGIL_SYS_UNLINK),
	FILE_OP(unlinkat, VIGIL_SYS_UNLINKAT),
	FILE_OP(rmdir, VIGIL_SYS_RMDIR),
	FILE_OP(rename, VIGIL_SYS_RENAME),
	FILE_OP(renameat, VIGIL_SYS_RENAMEAT),
	FILE_OP(renameat2, VIGIL_SYS_RENAMEAT2),
	FILE_OP(link, VIGIL_SYS_LINK),
	FILE_OP(linkat, VIGIL_SYS_LINKAT),
	FILE_OP(symlink, VIGIL_SYS_SYMLINK),
	FILE_OP(symlinkat, VIGIL_SYS_SYMLINKAT),
	FILE_OP(chmod, VIGIL_SYS_CHMOD),
	FILE_OP(fchmod, VIGIL_SYS_FCHMOD),
	FILE_OP(fchmodat, VIGIL_SYS_FCHMODAT),
	FILE_OP(chown, VIGIL_SYS_CHOWN),
	FILE_OP(fchown, VIGIL_SYS_FCHOWN),
	FILE_OP(lchown, VIGIL_SYS_LCHOWN),
	FILE_OP(fchownat, VIGIL_SYS_FCHOWNAT),
	FILE_OP(truncate, VIGIL_SYS_TRUNCATE),
	FILE_OP(ftruncate, VIGIL_SYS_FTRUNCATE),
	FILE_OP32(chown32, VIGIL_SYS_CHOWN, chown),
	FILE_OP32(lchown32, VIGIL_SYS_LCHOWN, lchown),
	FILE_OP32(fchown32, VIGIL_SYS_FCHOWN, fchown),
	FILE_OP(memfd_create, VIGIL_SYS_MEMFD_CREATE),
	HANDLED(socket, 0, NULL, "net_socket_exit"),
	HANDLED(bind, 0, NULL, "net_bind_exit"),
	HANDLED(listen, 0, NULL, "net_listen_exit"),
	/* ia32 has accept only through socketcall(2) */
	{ "accept", SYS_accept, -1, 0, false, NULL, "net_accept_exit" },
	HANDLED(accept4, 0, NULL, "net_accept_exit"),
	CRED(setuid),
	CRED(setgid),
	CRED(setreuid),
	CRED(setregid),
	CRED(setresuid),
	CRED(setresgid),
	CRED(setfsuid),
	CRED(setfsgid),
	CRED(setgroups),
	CRED(capset),
	CRED32(setuid32),
	CRED32(setgid32),
	CRED32(setreuid32),
	CRED32(setregid32),
	CRED32(setresuid32),
	CRED32(setresgid32),
	CRED32(setfsuid32),
	CRED32(setfsgid32),
	CRED32(setgroups32),
};

#define TABLE_LEN (sizeof(table) / sizeof(table[0]))

/* A watched syscall's position is its bit in vigil_policy.syscall_kill,
 * which has 64: the loader refuses a table with one past them. */

const struct syscall *syscalls__all(size_t *n)
{
	*n = TABLE_LEN;
	return table;
}

const char *syscalls__name(unsigned int nr, bool compat)
{
	for (size_t i = 0; i < TABLE_LEN; i++)
		if (table[i].watched &&
		    (unsigned int)(compat ? table[i].compat_nr
					  : table[i].nr) == nr)
			return table[i].name;
	return NULL;
}

const char *syscalls__any_name(unsigned int nr, bool compat)
{
	for (size_t i = 0; i < TABLE_LEN; i++)
		if ((unsigned int)(compat ? table[i].compat_nr
					  : table[i].nr) == nr)
			return table[i].name;
	return "unknown";
}

const char *syscalls__sys_name(uint16_t sys)
{
	for (size_t i = 0; sys && i < TABLE_LEN; i++)
		if (table[i].sys == sys)
			return table[i].name;
	return "unknown";
}

int syscalls__index(const char *name, size_t len)
{
	for (size_t i = 0; i < TABLE_LEN; i++)
		if (table[i].watched && strlen(table[i].name) == len &&
		    !memcmp(table[i].name, name, len))
			return i;
	return -1;
}

int syscalls__nr(const char *name)
{
	int i = syscalls__index(name, strlen(name));

	return i < 0 ? -1 : table[i].nr;
}
