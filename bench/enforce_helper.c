/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * enforce_helper: the sandboxed side of bench/enforce.py, which compiles
 * it with cc into its scratch dir.
 *
 *   enforce_helper open CGDIR STAMP PATH
 *       joins CGDIR, then opens PATH read-only; prints "returned ret=N"
 *       and exits 0 if the open ever returns (it must not: the kernel
 *       kills the task in the syscall).
 *   enforce_helper stream CGDIR STAMP HOST PORT TOTAL
 *       joins CGDIR, connects to HOST:PORT (IPv4) and sends TOTAL bytes
 *       in 64 KiB send()s, then waits to be killed.
 *
 * STAMP is a file of at least 4 KiB, mapped shared: what the helper
 * records there (struct stamp) survives its death, and storing it costs
 * no system call, so nothing runs between the timestamp taken before
 * open() and the open itself. Everything else (the mapping, the boot to
 * realtime offset) is done before the helper joins the sandbox, so the
 * sandbox's first record is the one measured. A stream socket is made
 * after joining: a socket belongs to the cgroup of its creator.
 *
 * Exit status: 0 the open returned, 2 usage, 125 set-up failed (before
 * the measured call).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Read by enforce.py as "<8q": keep the two in step. */
struct stamp {
	int64_t offset_ns;	/* CLOCK_REALTIME - CLOCK_BOOTTIME */
	int64_t offset_gap_ns;	/* the boot clock's advance across that read */
	int64_t before_ns;	/* open: CLOCK_BOOTTIME right before open() */
	int64_t returned;	/* open: 1 if open() returned */
	int64_t ret;		/* open: what it returned */
	int64_t sent;		/* stream: bytes send() took */
	int64_t last_send_ns;	/* stream: CLOCK_BOOTTIME as the last one returned */
	int64_t send_errno;	/* stream: why sending stopped early, or 0 */
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * The offset the way vigil takes it (render.c: CLOCK_REALTIME, then
 * CLOCK_BOOTTIME), bracketed by one more boot clock read to bound the
 * error: the realtime read lies between the two boot reads. The
 * narrowest of a few tries is kept.
 */
static void boot_offset(volatile struct stamp *s)
{
	int64_t best_gap = INT64_MAX, best = 0;

	for (int i = 0; i < 8; i++) {
		int64_t b0 = clock_ns(CLOCK_BOOTTIME);
		int64_t r = clock_ns(CLOCK_REALTIME);
		int64_t b1 = clock_ns(CLOCK_BOOTTIME);

		if (b1 - b0 < best_gap) {
			best_gap = b1 - b0;
			best = r - b1;
		}
	}
	s->offset_ns = best;
	s->offset_gap_ns = best_gap;
}

static volatile struct stamp *map_stamp(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	void *p;

	if (fd < 0) {
		perror(path);
		exit(125);
	}
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(125);
	}
	memset(p, 0, sizeof(struct stamp));	/* faulted in now, not later */
	return p;
}

static void join(const char *cgdir)
{
	char path[4096], pid[32];
	int fd, n;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgdir);
	n = snprintf(pid, sizeof(pid), "%d", (int)getpid());
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, pid, n) != n) {
		perror(path);
		exit(125);
	}
	close(fd);
}

static int do_open(const char *cgdir, volatile struct stamp *s,
		   const char *path)
{
	long ret;

	boot_offset(s);
	join(cgdir);
	s->before_ns = clock_ns(CLOCK_BOOTTIME);
	ret = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	s->returned = 1;
	s->ret = ret < 0 ? -errno : ret;
	printf("returned ret=%lld\n", (long long)s->ret);
	return 0;
}

static int do_stream(const char *cgdir, volatile struct stamp *s,
		     const char *host, int port, int64_t total)
{
	static char chunk[65536];
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	int fd;

	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "bad IPv4 address %s\n", host);
		return 2;
	}
	memset(chunk, 'x', sizeof(chunk));
	boot_offset(s);
	join(cgdir);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("connect");
		exit(125);
	}
	while (s->sent < total) {
		ssize_t n = send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			s->send_errno = errno;
			break;
		}
		s->last_send_ns = clock_ns(CLOCK_BOOTTIME);
		s->sent += n;
	}
	printf("sent %lld\n", (long long)s->sent);
	fflush(stdout);
	for (;;)
		pause();		/* until killed */
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "open"))
		return do_open(argv[2], map_stamp(argv[3]), argv[4]);
	if (argc == 7 && !strcmp(argv[1], "stream"))
		return do_stream(argv[2], map_stamp(argv[3]), argv[4],
				 atoi(argv[5]), strtoll(argv[6], NULL, 10));
	fprintf(stderr, "usage: enforce_helper open CGDIR STAMP PATH\n"
		"       enforce_helper stream CGDIR STAMP HOST PORT TOTAL\n");
	return 2;
}
