// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * render_bench: records/s through render__event on one core, the JSON
 * text of each record and nothing else (no ring buffer, rules or sinks).
 *
 *   render_bench WRITER     (bench/render.sh runs it; make bench runs that)
 *
 * The Makefile builds it twice, with the same renderer (sinks/render.c)
 * over two JSON writers: build/bench/render_bench over vigil's own
 * (lib/json.c) and build/bench/render_bench_yajl over yajl's generator
 * (bench/json_yajl.c, the writer before issue 12). WRITER only names the
 * one linked in, for the report.
 *
 * The records are decoded views as the collector hands them to the
 * renderer, in an agent session's mix (as bench/rules_bench.c's): about
 * 84% opens of paths of every length (headers, libraries, Python modules,
 * workspace files, /proc, one with quotes, controls and bad UTF-8),
 * then execs with their argv, forks, exits, loopback connects and flows; every one with a labelled sandbox with a
 * profile, and a process two ancestors deep.
 *
 * Pinned to one CPU (the last one allowed, or BENCH_RENDER_CPU), it
 * renders the records in a loop for BENCH_RENDER_SECS (1) per run,
 * BENCH_RENDER_ROUNDS (5) runs, and prints one line:
 *
 *   render-bench writer=NAME ns_per_record=N bytes_per_record=N runs=A,B,...
 *
 * ns per record of the thread's CPU time, the median of the runs. With
 * BENCH_RENDER_DUMP=FILE it first writes every record's text to FILE, one
 * a line, so the two writers' outputs can be compared byte for byte.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"
#include "render.h"

#define NR_EVENTS 4096		/* a power of two */
#define MAX_ROUNDS 64

static struct label labels[] = {
	{ "session", "s-9f3a21", 8 },
	{ "agent", "coder-7", 7 },
};
static struct sandbox sandbox = {
	.cgid = 8812, .id = "sb-42", .cgroup = "/vigil/sb-42",
	.profile = "python-agent", .profile_len = 12,
	.labels = labels, .nr_labels = 2,
};
static struct proc init_proc = {
	.pid = 4001, .exe = "/usr/bin/bash", .exe_len = 13,
	.exec_id = "4001-91884076310366",
};
static struct proc parent = {
	.pid = 4012, .ppid = 4001, .exe = "/usr/bin/make", .exe_len = 13,
	.exec_id = "4012-91884176310366", .parent = &init_proc,
};
static struct proc self = {
	.pid = 4020, .ppid = 4012, .exe = "/usr/bin/python3.11",
	.exe_len = 19, .exec_id = "4020-91884276310366", .parent = &parent,
};

static const char *const paths[] = {
	"/usr/include/stdio.h",
	"/usr/lib/x86_64-linux-gnu/libc.so.6",
	"/etc/ld.so.cache",
	"/usr/lib/python3.11/json/decoder.py",
	"/usr/lib/python3/dist-packages/numpy/core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so",
	"/home/agent/workspace/src/app/models/user.py",
	"/home/agent/workspace/.git/objects/4f/1c9e0d2b7a8e5f3c6d9b0a1e2f3c4d5e6f7a8b",
	"/proc/4020/status",
	"/tmp/pytest-of-agent/pytest-3/test_models0/db.sqlite",
	"/usr/lib/python3.11/__pycache__/typing.cpython-311.pyc",
	/* what a hostile process may name a file: quotes, a backslash,
	 * terminal escapes, invalid and valid UTF-8 */
	"/tmp/x\"y\\z\x1b[2J\t\xc3\x28\xff\xe2\x82\xac\xf0\x9f\x98\x80.txt",
};
#define NR_PATHS (sizeof(paths) / sizeof(paths[0]))

static const char argv_cc[] = "cc\0-O2\0-Wall\0-c\0src/parser.c\0-o\0build/parser.o";
static const char argv_py[] = "python3\0-m\0pytest\0-q\0tests/test_models.py";

static struct vigil_hdr hdr = {
	.cgroup_id = 8812, .sandbox_cgid = 8812, .pid = 4020, .tid = 4020,
	.ppid = 4012, .uid = 1000, .gid = 1000, .comm = "python3.11",
};

static void make_open(struct event *ev, unsigned int i)
{
	const char *p = paths[i % NR_PATHS];

	ev->kind = EVENT_OPEN;
	ev->open = (struct ev_open){
		.ret = 3 + i % 20, .flags = O_RDONLY | O_CLOEXEC, .dev = 65024,
		.ino = 409601 + i, .sys = VIGIL_SYS_OPENAT,
		.path = { p, strlen(p) }, .arg = { p, strlen(p) },
	};
}

static void make_exec(struct event *ev, unsigned int i)
{
	bool cc = i % 2;
	const char *file = cc ? "/usr/bin/x86_64-linux-gnu-gcc-12"
			      : "/usr/bin/python3.11";

	ev->kind = EVENT_EXEC;
	ev->exec = (struct ev_exec){
		.dev = 65024, .ino = 1234567, .sys = VIGIL_SYS_EXECVE,
		.argc = cc ? 7 : 5,
		.file = { file, strlen(file) },
		.arg = { cc ? "/usr/bin/cc" : "/usr/bin/python3", cc ? 11 : 16 },
		.argv = { cc ? argv_cc : argv_py,
			  cc ? sizeof(argv_cc) : sizeof(argv_py) },
	};
}

static void make_connect(struct event *ev)
{
	ev->kind = EVENT_CONNECT;
	ev->connect = (struct ev_connect){
		.proto = IPPROTO_TCP, .sock_type = SOCK_STREAM,
		.sa = { .family = AF_INET, .port = 8000 },
	};
	inet_pton(AF_INET, "127.0.0.1", ev->connect.sa.addr);
}

static void make_flow(struct event *ev)
{
	ev->kind = EVENT_FLOW;
	ev->hdr = NULL;
	ev->proc = NULL;
	ev->flow = (struct ev_flow){
		.key = { .sandbox_cgid = 8812, .family = AF_INET,
			 .port = 8000, .proto = IPPROTO_TCP },
		.val = { .bytes = 48213, .packets = 37, .send_calls = 12,
			 .send_bytes = 48000 },
		.interval_ms = 1000,
	};
	inet_pton(AF_INET, "127.0.0.1", ev->flow.key.addr);
}

/* The session's mix, out of 1000: 840 opens, 34 execs, 41 forks, 39
 * exits, 24 connects, 22 flows. */
static void make_event(struct event *ev, unsigned int i)
{
	unsigned int r = (i * 7919) % 1000;

	memset(ev, 0, sizeof(*ev));
	ev->seq = 1000000 + i;
	ev->ktime_ns = 91884276310366ULL + i * 1500ULL;
	ev->hdr = &hdr;
	ev->sandbox = &sandbox;
	ev->proc = &self;
	if (r < 840) {
		make_open(ev, i);
	} else if (r < 874) {
		make_exec(ev, i);
	} else if (r < 915) {
		ev->kind = EVENT_FORK;
		ev->child_pid = 4100 + i % 50;
	} else if (r < 954) {
		ev->kind = EVENT_EXIT;
	} else if (r < 978) {
		make_connect(ev);
	} else {
		make_flow(ev);
	}
}

static int cpu__pin(void)
{
	const char *want = getenv("BENCH_RENDER_CPU");
	cpu_set_t set;
	int cpu = -1;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			cpu = i;
	if (want)
		cpu = atoi(want);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -1 : cpu;
}

/* One run: ns of the thread's CPU per record, and bytes per record. */
static double run(struct render *r, struct event *evs, double secs,
		  double *bytes)
{
	int64_t t0 = clock__ns(CLOCK_THREAD_CPUTIME_ID), t;
	unsigned long long n = 0, total = 0;
	const char *buf;
	size_t len;

	do {
		for (unsigned int i = 0; i < NR_EVENTS; i++) {
			if (render__event(r, &evs[i], &buf, &len)) {
				fprintf(stderr, "render-bench: record %u did "
					"not render\n", i);
				exit(1);
			}
			total += len;
		}
		n += NR_EVENTS;
		t = clock__ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	} while (t < secs * 1e9);
	*bytes = (double)total / (double)n;
	return (double)t / (double)n;
}

static void dump(struct render *r, struct event *evs, const char *path)
{
	FILE *f = fopen(path, "w");
	const char *buf;
	size_t len;

	if (!f) {
		perror(path);
		exit(1);
	}
	for (unsigned int i = 0; i < NR_EVENTS; i++)
		if (!render__event(r, &evs[i], &buf, &len))
			fprintf(f, "%s\n", buf);
	if (fclose(f)) {
		perror(path);
		exit(1);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *secs_env = getenv("BENCH_RENDER_SECS");
	const char *rounds_env = getenv("BENCH_RENDER_ROUNDS");
	double secs = secs_env ? atof(secs_env) : 1, ns[MAX_ROUNDS], sorted[MAX_ROUNDS];
	int rounds = rounds_env ? atoi(rounds_env) : 5;
	static struct event evs[NR_EVENTS];
	struct render r;
	double bytes = 0;

	if (argc != 2 || rounds < 1 || rounds > MAX_ROUNDS || secs <= 0) {
		fprintf(stderr, "usage: render_bench WRITER (BENCH_RENDER_ROUNDS "
			"1..%d)\n", MAX_ROUNDS);
		return 2;
	}
	if (cpu__pin() < 0)
		fprintf(stderr, "render-bench: not pinned to a CPU\n");
	if (render__init(&r))
		return 1;
	/* The same text from every build: a fixed run id and clock. */
	snprintf(r.run_id_hex, sizeof(r.run_id_hex), "%s",
		 "5e1f0c3a9b7d2e4f6a8c0b1d3e5f7a9c");
	r.boot_to_real_ns = 1780000000000000000LL;
	for (unsigned int i = 0; i < NR_EVENTS; i++)
		make_event(&evs[i], i);
	if (getenv("BENCH_RENDER_DUMP"))
		dump(&r, evs, getenv("BENCH_RENDER_DUMP"));
	run(&r, evs, secs / 10, &bytes);	/* warm-up */
	for (int i = 0; i < rounds; i++)
		ns[i] = run(&r, evs, secs, &bytes);
	memcpy(sorted, ns, sizeof(double) * rounds);
	qsort(sorted, rounds, sizeof(double), cmp_double);
	printf("render-bench writer=%s ns_per_record=%.1f bytes_per_record=%.0f runs=",
	       argv[1], rounds % 2 ? sorted[rounds / 2]
				   : (sorted[rounds / 2 - 1] + sorted[rounds / 2]) / 2,
	       bytes);
	for (int i = 0; i < rounds; i++)
		printf("%s%.1f", i ? "," : "", ns[i]);
	printf("\n");
	render__fini(&r);
	return 0;
}
