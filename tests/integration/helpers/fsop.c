/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * fsop: makes one file-mutation or credential syscall by name with exact
 * arguments, as glibc would not (its chmod may be fchmodat, its unlink
 * unlinkat, its setuid a call on every thread), and prints "ret=N" (the
 * return value, or -errno).
 *
 *   fsop [--ia32] NAME ARG...
 *
 * At most five ARGs. An ARG is a number when all of it parses as one (0 prefix: octal, 0x:
 * hex), "-" for AT_FDCWD, "@PATH" for an fd of PATH opened read-only (a
 * dirfd), else a string. --ia32 makes the call through int $0x80 with the
 * i386 number, strings copied below 4 GiB, as a 32-bit agent would.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Native numbers from sys/syscall.h; i386 numbers from the kernel's
 * arch/x86/entry/syscalls/syscall_32.tbl (the 32-bit uid calls). */
static const struct { const char *name; long nr, ia32; } calls[] = {
	{ "mkdir", SYS_mkdir, 39 },	{ "mkdirat", SYS_mkdirat, 296 },
	{ "unlink", SYS_unlink, 10 },	{ "unlinkat", SYS_unlinkat, 301 },
	{ "rmdir", SYS_rmdir, 40 },	{ "rename", SYS_rename, 38 },
	{ "renameat", SYS_renameat, 302 },
	{ "renameat2", SYS_renameat2, 353 },
	{ "link", SYS_link, 9 },	{ "linkat", SYS_linkat, 303 },
	{ "symlink", SYS_symlink, 83 },	{ "symlinkat", SYS_symlinkat, 304 },
	{ "chmod", SYS_chmod, 15 },	{ "fchmod", SYS_fchmod, 94 },
	{ "fchmodat", SYS_fchmodat, 306 },
	{ "chown", SYS_chown, 182 },	{ "fchown", SYS_fchown, 95 },
	{ "lchown", SYS_lchown, 16 },	{ "fchownat", SYS_fchownat, 298 },
	{ "truncate", SYS_truncate, 92 },
	{ "ftruncate", SYS_ftruncate, 93 },
	{ "setuid", SYS_setuid, 213 },	/* ia32: setuid32 */
	{ "setresuid", SYS_setresuid, 208 },	/* setresuid32 */
	{ "setgid", SYS_setgid, 214 },	/* setgid32 */
	{ "setgroups", SYS_setgroups, 206 },	/* setgroups32 */
	{ "memfd_create", SYS_memfd_create, 356 },
	{ "accept4", SYS_accept4, 364 },
};

static long int80(long nr, const long *a)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]),
			   "S"(a[3]), "D"(a[4])
			 : "memory");
	return ret;
}

/* A string argument, copied below 4 GiB for an ia32 call. */
static long str_arg(const char *s, int ia32, char **low)
{
	size_t n = strlen(s) + 1;

	if (!ia32)
		return (long)s;
	memcpy(*low, s, n);
	*low += n;
	return (long)(uintptr_t)(*low - n);
}

static long parse_arg(const char *s, int ia32, char **low)
{
	char *end;
	long v;

	if (!strcmp(s, "-"))
		return AT_FDCWD;
	if (s[0] == '@') {
		v = open(s + 1, O_RDONLY);
		if (v < 0) {
			perror(s + 1);
			exit(2);
		}
		return v;
	}
	errno = 0;
	v = strtol(s, &end, 0);
	if (*s && !*end && !errno)
		return v;
	return str_arg(s, ia32, low);
}

int main(int argc, char **argv)
{
	int ia32 = argc > 1 && !strcmp(argv[1], "--ia32");
	char *low = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	long a[5] = { 0 }, ret;
	int first = 1 + ia32;
	size_t i;

	if (argc <= first || argc - first - 1 > 5 || low == MAP_FAILED) {
		fprintf(stderr, "usage: fsop [--ia32] NAME ARG...\n");
		return 2;
	}
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (!strcmp(calls[i].name, argv[first]))
			break;
	if (i == sizeof(calls) / sizeof(calls[0])) {
		fprintf(stderr, "fsop: unknown call %s\n", argv[first]);
		return 2;
	}
	for (int k = first + 1; k < argc; k++)
		a[k - first - 1] = parse_arg(argv[k], ia32, &low);
	if (ia32)
		ret = int80(calls[i].ia32, a);
	else
		ret = syscall(calls[i].nr, a[0], a[1], a[2], a[3], a[4]);
	if (!ia32 && ret < 0)
		ret = -errno;
	printf("ret=%ld\n", ret);
	return 0;
}
