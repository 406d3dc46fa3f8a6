// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * floor: attaches the empty programs of floor.bpf.c and holds them until
 * SIGTERM or SIGINT.
 *
 *   floor SANDBOX_ROOT
 *
 * The tracing programs attach system-wide, as vigil's do; cgroup_skb/egress
 * attaches to SANDBOX_ROOT (a cgroup v2 directory), as vigil's does to each
 * sandbox root. Prints "floor: ready" on stderr once everything is attached.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "floor.skel.h"

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

int main(int argc, char **argv)
{
	struct bpf_link *skb_link = NULL;
	struct floor_bpf *skel = NULL;
	sigset_t set;
	int cg_fd = -1, ret = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: floor SANDBOX_ROOT\n");
		return 2;
	}
	/* Blocked before anything is attached, so a SIGTERM that arrives
	 * early still ends in an orderly detach. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	libbpf_set_print(libbpf_print);

	cg_fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		log_err("open %s", argv[1]);
		goto cleanup;
	}
	skel = floor_bpf__open_and_load();
	if (!skel) {
		log_err("loading the BPF programs");
		goto cleanup;
	}
	if (floor_bpf__attach(skel)) {
		log_err("attaching the tracing programs");
		goto cleanup;
	}
	skb_link = bpf_program__attach_cgroup(skel->progs.cgroup_skb_egress, cg_fd);
	if (!skb_link) {
		log_err("attaching cgroup_skb/egress to %s", argv[1]);
		goto cleanup;
	}
	fprintf(stderr, "floor: ready\n");
	wait_for_stop();
	ret = 0;
cleanup:
	bpf_link__destroy(skb_link);
	floor_bpf__destroy(skel);
	if (cg_fd >= 0)
		close(cg_fd);
	return ret;
}
