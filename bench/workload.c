// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * workload: the syscall loops the benchmark times.
 *
 *   workload MODE SECONDS [RATE]
 *
 * MODE is one of
 *   open      open + close of one regular file
 *   openburst opens of one regular file, closed 64 at a time with one
 *             close_range(): nearly one syscall per open, the cheapest way
 *             to make open events (the throughput test's load)
 *   openmiss  opens of a new path each time, none of which exists: a
 *             flood with nothing for the kernel to count as repeats
 *   connect   TCP connect to a 127.0.0.1 listener + close (the listener
 *             thread's accept4 is a record of its own in a sandbox)
 *   forkexec  fork + exec /bin/true + waitpid
 *   scriptexec fork + exec of a "#!/bin/true" script + waitpid: what an
 *             exec record adds for a script (its file, the environment)
 *   memfd     memfd_create + close (a file record each)
 * SECONDS is how long to loop; RATE, if given and > 0, paces the loop to
 * that many operations per second (0 = as fast as possible).
 *
 * Everything a mode needs (the file, the listener) is set up before the clock
 * starts and torn down after it stops, so only the loop is timed. One line
 * goes to stdout:
 *   workload mode=open ops=N secs=S ops_per_sec=X ns_per_op=Y cpu_ns_per_op=Z
 * cpu_ns_per_op is the process's CPU time (its threads', user and system)
 * per operation: unlike the wall time, it does not count the time the
 * loop waited for a CPU that other jobs on the machine held.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The loop reads the clock once per batch: cheap, and still fine-grained
 * enough to stop within a few milliseconds of the deadline. */
#define BATCH 16

struct mode {
	const char *name;
	void (*setup)(void);
	int (*op)(void);
	void (*teardown)(void);
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fprintf(stderr, "workload: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
	exit(1);
}

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* ---- open ---------------------------------------------------------------- */

static char open_path[4096];

/* The file lives in $TMPDIR (default /tmp): the bench points that at its
 * scratch dir, so not even a killed run leaves a file behind. */
static void open__setup(void)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(open_path, sizeof(open_path), "%s/vigil-bench-open.XXXXXX",
		 dir && *dir ? dir : "/tmp");
	fd = mkstemp(open_path);

	if (fd < 0)
		die("mkstemp %s", open_path);
	close(fd);
}

static int open__op(void)
{
	int fd = open(open_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open %s", open_path);
	return close(fd);
}

static void open__teardown(void)
{
	unlink(open_path);
}

/* The missing paths are the open file's with a number after it. */
static int openmiss__op(void)
{
	static unsigned long n;
	char path[sizeof(open_path) + 24];

	int fd;

	snprintf(path, sizeof(path), "%s.%lu", open_path, n++);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd >= 0 ? close(fd) : 0;
}

#define BURST 64

static int openburst__op(void)
{
	static int n, first = -1;
	int fd = open(open_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open %s", open_path);
	if (first < 0)
		first = fd;
	if (++n < BURST)
		return 0;
	n = 0;
	/* The descriptors are the lowest free ones, so first..first+BURST-1. */
	if (close_range(first, first + BURST - 1, 0))
		die("close_range");
	first = -1;
	return 0;
}

/* ---- connect ------------------------------------------------------------- */

static struct sockaddr_in listen_addr;
static int listen_fd = -1;

/* Accepts and closes until the listening socket is shut down. */
static void *listener__run(void *arg __attribute__((unused)))
{
	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0) {
			close(fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		return NULL;	/* EINVAL after shutdown(): the run is over */
	}
}

static void connect__setup(void)
{
	socklen_t len = sizeof(listen_addr);
	pthread_t thread;

	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0)
		die("socket");
	listen_addr.sin_family = AF_INET;
	listen_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(listen_fd, (struct sockaddr *)&listen_addr, sizeof(listen_addr)))
		die("bind");
	if (getsockname(listen_fd, (struct sockaddr *)&listen_addr, &len))
		die("getsockname");
	if (listen(listen_fd, 4096))
		die("listen");
	errno = pthread_create(&thread, NULL, listener__run, NULL);
	if (errno)
		die("pthread_create");
	pthread_detach(thread);
}

/* SO_LINGER 0 makes close() send a RST instead of leaving the socket in
 * TIME_WAIT: a loop of ~10^5 connections would otherwise run out of
 * ephemeral ports within a second. */
static int connect__op(void)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)))
		die("setsockopt SO_LINGER");
	if (connect(fd, (struct sockaddr *)&listen_addr, sizeof(listen_addr)))
		die("connect 127.0.0.1:%u", ntohs(listen_addr.sin_port));
	return close(fd);
}

static void connect__teardown(void)
{
	shutdown(listen_fd, SHUT_RDWR);
	close(listen_fd);
}

/* ---- forkexec ------------------------------------------------------------ */

static void forkexec__setup(void)
{
}

/* Runs path with argv in a child and waits for it to exit 0. */
static int spawn__wait(const char *path, char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		execv(path, argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		errno = 0;
		die("%s failed (status 0x%x)", path, status);
	}
	return 0;
}

static int forkexec__op(void)
{
	static char *const argv[] = { "true", NULL };

	return spawn__wait("/bin/true", argv);
}

static void forkexec__teardown(void)
{
}

/* ---- scriptexec ---------------------------------------------------------- */

static char script_path[4096];

/* Beside the workload's own binary: a script in /dev/shm or /tmp (the
 * bench's TMPDIR) would be a rule's business. */
static void scriptexec__setup(void)
{
	char self[4000];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int fd;

	if (n <= 0)
		die("readlink /proc/self/exe");
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(script_path, sizeof(script_path), "%s/workload-script-XXXXXX",
		 self);
	fd = mkstemp(script_path);
	if (fd < 0 || write(fd, "#!/bin/true\n", 12) != 12 ||
	    fchmod(fd, 0755) || close(fd))
		die("script %s", script_path);
}

static int scriptexec__op(void)
{
	char *const argv[] = { script_path, NULL };

	return spawn__wait(script_path, argv);
}

static void scriptexec__teardown(void)
{
	unlink(script_path);
}

/* ---- memfd --------------------------------------------------------------- */

static int memfd__op(void)
{
	int fd = memfd_create("workload", MFD_CLOEXEC);

	if (fd < 0)
		die("memfd_create");
	return close(fd);
}

/* ---- driver -------------------------------------------------------------- */

static const struct mode modes[] = {
	{ "open", open__setup, open__op, open__teardown },
	{ "openburst", open__setup, openburst__op, open__teardown },
	{ "openmiss", open__setup, openmiss__op, open__teardown },
	{ "connect", connect__setup, connect__op, connect__teardown },
	{ "forkexec", forkexec__setup, forkexec__op, forkexec__teardown },
	{ "scriptexec", scriptexec__setup, scriptexec__op, scriptexec__teardown },
	{ "memfd", forkexec__setup, memfd__op, forkexec__teardown },
};

/* Sleeps until op number `ops` is due, so that the loop averages `rate`. */
static void pace(uint64_t start, uint64_t ops, double rate)
{
	uint64_t due = start + (uint64_t)((double)ops * 1e9 / rate);
	struct timespec ts = {
		.tv_sec = due / 1000000000ull,
		.tv_nsec = due % 1000000000ull,
	};

	if (now_ns() < due)
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static void run(const struct mode *m, double secs, double rate)
{
	uint64_t start, end, deadline, cpu, ops = 0;
	double elapsed;
	int i;

	m->setup();
	cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	start = now_ns();
	deadline = start + (uint64_t)(secs * 1e9);
	do {
		for (i = 0; i < BATCH; i++)
			m->op();
		ops += BATCH;
		if (rate > 0)
			pace(start, ops, rate);
		end = now_ns();
	} while (end < deadline);
	cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu;
	m->teardown();

	elapsed = (double)(end - start) / 1e9;
	printf("workload mode=%s ops=%llu secs=%.3f ops_per_sec=%.1f ns_per_op=%.1f cpu_ns_per_op=%.1f\n",
	       m->name, (unsigned long long)ops, elapsed, (double)ops / elapsed,
	       (double)(end - start) / (double)ops, (double)cpu / (double)ops);
}

int main(int argc, char **argv)
{
	double secs, rate = 0;
	size_t i;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: workload open|openburst|openmiss|connect|forkexec|scriptexec|memfd SECONDS [RATE]\n");
		return 2;
	}
	secs = atof(argv[2]);
	if (argc == 4)
		rate = atof(argv[3]);
	if (secs <= 0 || rate < 0) {
		fprintf(stderr, "workload: bad SECONDS or RATE\n");
		return 2;
	}
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(argv[1], modes[i].name) == 0) {
			run(&modes[i], secs, rate);
			return 0;
		}
	}
	fprintf(stderr, "workload: unknown mode '%s'\n", argv[1]);
	return 2;
}
