// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * floor: attaches the empty programs of floor.bpf.c and holds them until
 * SIGTERM or SIGINT.
 *
 *   floor [--record|--resolve] SANDBOX_ROOT
 *
 * The tracing programs attach system-wide, as vigil's do; cgroup_skb/egress
 * attaches to SANDBOX_ROOT (a cgroup v2 directory), as vigil's does to each
 * sandbox root. Prints "floor: ready" on stderr once everything is attached.
 * With --record, an open in SANDBOX_ROOT also sends the least record a
 * recorder could (floor.bpf.c), which this process reads and discards
 * with vigil's own ring reader, as fast as vigil's collector would; with
 * --resolve, that record also holds the path opened, walked by vigil's
 * own code.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "records.h"	/* the types of vigil's settings in the skeleton */
#include "floor.skel.h"
#include "ringread.h"

static void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "floor: MESSAGE: strerror(errno)". */
static void log_err(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fprintf(stderr, "floor: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Blocks until SIGTERM or SIGINT arrives. */
static void wait_for_stop(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigwait(&set, &sig);
}

/* Counts a record, and nothing more. */
static int discard(void *ctx, void *data, size_t size)
{
	(void)data, (void)size;
	(*(unsigned long long *)ctx)++;
	return 0;
}

/* Reads the records every millisecond (they never wake the reader: the
 * cheapest way for the producer) until SIGTERM or SIGINT is pending, then
 * prints how many it read ("floor: records=N"). */
static int read_until_stop(int ring_fd)
{
	unsigned long long records = 0;
	struct ringread *r = ringread__new(ring_fd, discard, &records);
	sigset_t pending;
	int err = 0;

	if (!r) {
		log_err("mapping the ring buffer");
		return -1;
	}
	for (;;) {
		sigpending(&pending);
		if (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT))
			break;
		err = ringread__poll(r, 1);
		if (err < 0 && err != -EINTR)
			break;
		err = 0;
	}
	ringread__consume(r);
	ringread__free(r);
	fprintf(stderr, "floor: records=%llu\n", records);
	wait_for_stop();
	return err;
}

/* The cgroup id and depth of the cgroup v2 directory fd (the root cgroup,
 * inode 1, is at depth 0): what bpf_get_current_ancestor_cgroup_id takes. */
static int cgroup__locate(int fd, __u64 *id, int *level)
{
	struct stat st;
	int dir = dup(fd);

	for (*level = -1; dir >= 0; (*level)++) {
		int up;

		if (fstat(dir, &st))
			break;
		if (*level < 0)
			*id = st.st_ino;
		if (st.st_ino == 1) {
			close(dir);
			(*level)++;
			return 0;
		}
		up = openat(dir, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(dir);
		dir = up;
	}
	if (dir >= 0)
		close(dir);
	return -1;
}

int main(int argc, char **argv)
{
	struct bpf_link *skb_link = NULL;
	struct floor_bpf *skel = NULL;
	sigset_t set;
	bool resolve = argc == 3 && !strcmp(argv[1], "--resolve");
	bool record = resolve || (argc == 3 && !strcmp(argv[1], "--record"));
	int cg_fd = -1, ret = 1, level;
	const char *root = argv[argc - 1];
	__u64 id;

	if (argc != 2 && !record) {
		fprintf(stderr, "usage: floor [--record|--resolve] SANDBOX_ROOT\n");
		return 2;
	}
	/* Blocked before anything is attached, so a SIGTERM that arrives
	 * early still ends in an orderly detach. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	libbpf_set_print(libbpf_print);

	cg_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0 || cgroup__locate(cg_fd, &id, &level)) {
		log_err("open %s", root);
		goto cleanup;
	}
	skel = floor_bpf__open();
	if (!skel) {
		log_err("opening the BPF programs");
		goto cleanup;
	}
	skel->rodata->record = record;
	skel->rodata->resolve = resolve;
	/* The walk's plain loads, as vigil's loader sets them on a kernel
	 * with bpf_rdonly_cast (6.2; these machines run 6.18). */
	skel->rodata->path_loads = true;
	skel->rodata->root_cgid = id;
	skel->rodata->root_level = level;
	if (floor_bpf__load(skel)) {
		log_err("loading the BPF programs");
		goto cleanup;
	}
	if (floor_bpf__attach(skel)) {
		log_err("attaching the tracing programs");
		goto cleanup;
	}
	skb_link = bpf_program__attach_cgroup(skel->progs.cgroup_skb_egress, cg_fd);
	if (!skb_link) {
		log_err("attaching cgroup_skb/egress to %s", root);
		goto cleanup;
	}
	fprintf(stderr, "floor: ready\n");
	if (record)
		ret = read_until_stop(bpf_map__fd(skel->maps.ring)) ? 1 : 0;
	else
		wait_for_stop(), ret = 0;
cleanup:
	bpf_link__destroy(skb_link);
	floor_bpf__destroy(skel);
	if (cg_fd >= 0)
		close(cg_fd);
	return ret;
}
