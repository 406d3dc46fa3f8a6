// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* render__event for every record kind, parsed back with yajl's tree
 * parser (which validates UTF-8) and checked field by field against
 * docs/record-format.md. The clock offset and host are fixed, so times are
 * exact. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "child.h"
#include <yajl/yajl_tree.h>

#include "dropped.h"
#include "render.h"

#define FFFD "\xef\xbf\xbd"

/* 2025-11-28T12:00:00Z, in ns since the epoch. */
#define NOON_NS 1764331200000000000LL
/* A boot 5 s before noon: ktime 5 s + x is noon + x. */
#define BOOT_NS (5 * 1000000000LL)

/* What every test renders with: one render, a sandbox with labels, and a
 * process with a two-level parent chain. */
struct fixture {
	struct render r;
	struct label labels[2];
	struct sandbox sb;
	struct proc grandparent, parent, self;
	struct vigil_hdr hdr;
	struct event ev;
	yajl_val root;		/* the last record rendered, parsed */
};

/* The protected file sets of a rule set, by bit. */
static const char *const fileset_names[VIGIL_MAX_FILESETS] = {
	"ssh-keys", "tool-denied",
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || render__init(&f->r))
		return -1;
	f->r.boot_to_real_ns = NOON_NS - BOOT_NS;
	strcpy(f->r.host, "sandbox-host-7");
	/* random per run; fixed here so the text is exact */
	strcpy(f->r.run_id_hex, "0123456789abcdef0123456789abcdef");

	f->labels[0] = (struct label){ "session", "s-9f3", 5 };
	f->labels[1] = (struct label){ "agent", "coder\0x", 7 };
	f->sb = (struct sandbox){
		.cgid = 8812, .id = "sb-42", .cgroup = "/vigil/sb-42",
		.profile = "python-agent", .profile_len = 12,
		.labels = f->labels, .nr_labels = 2,
	};

	f->grandparent = (struct proc){ .pid = 100, .exe = "/usr/bin/bash",
					.exe_len = 13, .exec_id = "100-5" };
	f->parent = (struct proc){ .pid = 200, .ppid = 100,
				   .exe = "/usr/bin/python3.11", .exe_len = 19,
				   .exec_id = "200-7",
				   .parent = &f->grandparent };
	f->self = (struct proc){ .pid = 300, .ppid = 200,
				 .exe = "/usr/bin/cat", .exe_len = 12,
				 .exec_id = "300-9", .parent = &f->parent };

	f->hdr = (struct vigil_hdr){
		.type = VIGIL_EV_FORK, .ktime_ns = BOOT_NS + 123456789,
		.cgroup_id = 9001, .sandbox_cgid = 8812, .pid = 300,
		.tid = 301, .ppid = 200, .uid = 1000, .gid = 1001,
	};
	memcpy(f->hdr.comm, "cat", 3);

	f->ev.kind = EVENT_FORK;
	f->ev.seq = 42;
	f->ev.ktime_ns = f->hdr.ktime_ns;
	f->ev.hdr = &f->hdr;
	f->ev.sandbox = &f->sb;
	f->ev.proc = &f->self;
	f->ev.fileset_names = fileset_names;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	yajl_tree_free(f->root);
	render__fini(&f->r);
	free(f);
	return 0;
}

/* Renders f->ev and parses it; the text is returned for exact checks. */
static const char *render(struct fixture *f)
{
	const char *buf = NULL;
	size_t len = 0;
	char err[256] = "";

	assert_int_equal(render__event(&f->r, &f->ev, &buf, &len), 0);
	assert_non_null(buf);
	assert_int_equal(strlen(buf), len);
	assert_null(memchr(buf, '\n', len));
	yajl_tree_free(f->root);
	f->root = yajl_tree_parse(buf, err, sizeof(err));
	if (!f->root)
		fail_msg("yajl rejected %s: %s", buf, err);
	return buf;
}

/* The value at a path of object keys ending in NULL, of any type. */
static yajl_val at(yajl_val v, const char *const *path)
{
	return yajl_tree_get(v, (const char **)path, yajl_t_any);
}

#define AT(v, ...) at((v), (const char *const[]){ __VA_ARGS__, NULL })

static yajl_val must(yajl_val v, const char *what)
{
	if (!v)
		fail_msg("no %s", what);
	return v;
}

#define GET(v, ...) must(AT(v, __VA_ARGS__), #__VA_ARGS__)

/* The text of a string value; fails the test for any other type. */
static const char *str_of(yajl_val v)
{
	if (!YAJL_IS_STRING(v))
		fail_msg("not a string");
	return v->u.string;
}

static void assert_str(yajl_val v, const char *want)
{
	assert_string_equal(str_of(v), want);
}

static void assert_num(yajl_val v, long long want)
{
	assert_true(YAJL_IS_INTEGER(v));
	assert_int_equal(YAJL_GET_INTEGER(v), want);
}

static void assert_bool(yajl_val v, int want)
{
	assert_true(want ? YAJL_IS_TRUE(v) : YAJL_IS_FALSE(v));
}

static const char *element_at(yajl_val arr, size_t i)
{
	return str_of(arr->u.array.values[i]);
}

static const char *key_at(yajl_val obj, size_t i)
{
	return obj->u.object.keys[i];
}

/* n strings from item(v, i) joined with sep, in a buffer of cap bytes. */
static const char *join(yajl_val v, size_t n,
			const char *(*item)(yajl_val, size_t), const char *sep,
			char *out, size_t cap)
{
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strncat(out, sep, cap - strlen(out) - 1);
		strncat(out, item(v, i), cap - strlen(out) - 1);
	}
	return out;
}

/* The array's elements as strings joined with '|' ("" when empty). */
static const char *joined(yajl_val arr)
{
	static char out[4096];

	assert_true(YAJL_IS_ARRAY(arr));
	return join(arr, arr->u.array.len, element_at, "|", out, sizeof(out));
}

static size_t obj_len(yajl_val v)
{
	assert_true(YAJL_IS_OBJECT(v));
	return v->u.object.len;
}

/* The object's keys in order, joined with ','. */
static const char *keys(yajl_val v)
{
	static char out[1024];

	assert_true(YAJL_IS_OBJECT(v));
	return join(v, v->u.object.len, key_at, ",", out, sizeof(out));
}

/* The whole text of one record, byte for byte: field order and JSON
 * formatting as the format document shows them. */
static void test_fork_exact_text(void **state)
{
	struct fixture *f = *state;

	f->ev.child_pid = 301;
	assert_string_equal(render(f),
		"{\"schema\":\"vigil.event.v1\",\"seq\":42,"
		"\"run_id\":\"0123456789abcdef0123456789abcdef\","
		"\"time\":\"2025-11-28T12:00:00.123456789Z\","
		"\"host\":\"sandbox-host-7\",\"type\":\"fork\","
		"\"sandbox\":{\"id\":\"sb-42\",\"cgroup\":\"/vigil/sb-42\","
		"\"cgroup_id\":8812,\"labels\":{\"session\":\"s-9f3\","
		"\"agent\":\"coder\\u0000x\"},\"profile\":\"python-agent\"},"
		"\"proc\":{\"pid\":300,\"tid\":301,\"ppid\":200,\"uid\":1000,"
		"\"gid\":1001,\"comm\":\"cat\",\"exe\":\"/usr/bin/cat\","
		"\"exec_id\":\"300-9\",\"cgroup_id\":9001},"
		"\"ancestors\":[{\"pid\":200,\"exe\":\"/usr/bin/python3.11\","
		"\"exec_id\":\"200-7\"},{\"pid\":100,\"exe\":\"/usr/bin/bash\","
		"\"exec_id\":\"100-5\"}],"
		"\"fork\":{\"child_pid\":301}}");
}

static void test_common_fields(void **state)
{
	struct fixture *f = *state;

	f->ev.child_pid = 301;
	render(f);
	assert_string_equal(keys(f->root), "schema,seq,run_id,time,host,type,"
			    "sandbox,proc,ancestors,fork");
	assert_str(GET(f->root, "schema"), "vigil.event.v1");
	assert_num(GET(f->root, "seq"), 42);
	assert_str(GET(f->root, "time"), "2025-11-28T12:00:00.123456789Z");
	assert_str(GET(f->root, "host"), "sandbox-host-7");
	assert_str(GET(f->root, "type"), "fork");
	assert_num(GET(f->root, "fork", "child_pid"), 301);
}

/* Nine fraction digits always, and the second boundary exact. */
static void test_time(void **state)
{
	static const struct { uint64_t ktime; const char *want; } cases[] = {
		{ BOOT_NS, "2025-11-28T12:00:00.000000000Z" },
		{ BOOT_NS + 1, "2025-11-28T12:00:00.000000001Z" },
		{ BOOT_NS + 999999999, "2025-11-28T12:00:00.999999999Z" },
		{ BOOT_NS + 1000000000, "2025-11-28T12:00:01.000000000Z" },
		{ BOOT_NS + 43200LL * 1000000000 - 1,
		  "2025-11-28T23:59:59.999999999Z" },
		{ BOOT_NS + 43200LL * 1000000000,
		  "2025-11-29T00:00:00.000000000Z" },
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f->ev.ktime_ns = cases[i].ktime;
		render(f);
		assert_str(GET(f->root, "time"), cases[i].want);
	}
	/* the clock offset is what moves a ktime to wall-clock time */
	f->ev.ktime_ns = 0;
	f->r.boot_to_real_ns = 86400LL * 1000000000 + 7;
	render(f);
	assert_str(GET(f->root, "time"), "1970-01-02T00:00:00.000000007Z");
}

/* A ktime no kernel sends (centuries of uptime, or the top bit set) in a
 * corrupt record: rendering must stay defined behaviour (UBSan aborts on
 * signed overflow) and produce a valid record. Run in a child process so
 * a sanitizer abort fails this test only. */
static void test_time_huge_ktime(void **state)
{
	static const uint64_t ktimes[] = {
		0x6874797000000000ULL,	/* found by fuzz_record */
		INT64_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX,
	};
	struct fixture *f = *state;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (size_t i = 0; i < sizeof(ktimes) / sizeof(ktimes[0]);
		     i++) {
			const char *buf;
			size_t len;
			yajl_val v;

			f->ev.ktime_ns = ktimes[i];
			if (render__event(&f->r, &f->ev, &buf, &len))
				_exit(2);
			v = yajl_tree_parse(buf, NULL, 0);
			if (!v || !YAJL_IS_STRING(AT(v, "time")))
				_exit(3);
			yajl_tree_free(v);
		}
		_exit(0);
	}
	child__expect_ok(pid, "rendering a huge ktime",
			 "1: sanitizer report, 2: render error, 3: bad JSON");
}

static void test_sandbox_labels_profile(void **state)
{
	struct fixture *f = *state;
	yajl_val sb;

	render(f);
	sb = GET(f->root, "sandbox");
	assert_string_equal(keys(sb), "id,cgroup,cgroup_id,labels,profile");
	assert_str(GET(sb, "id"), "sb-42");
	assert_str(GET(sb, "cgroup"), "/vigil/sb-42");
	assert_num(GET(sb, "cgroup_id"), 8812);
	assert_int_equal(obj_len(GET(sb, "labels")), 2);
	assert_str(GET(sb, "labels", "session"), "s-9f3");
	/* label values are bytes: the NUL is kept, escaped */
	assert_int_equal(memcmp(str_of(GET(sb, "labels", "agent")),
				"coder\0x", 8), 0);
	assert_str(GET(sb, "profile"), "python-agent");

	/* no labels, no profile: {} and null, never absent */
	f->sb.nr_labels = 0;
	f->sb.labels = NULL;
	f->sb.profile = NULL;
	f->sb.profile_len = 0;
	render(f);
	sb = GET(f->root, "sandbox");
	assert_int_equal(obj_len(GET(sb, "labels")), 0);
	assert_true(YAJL_IS_NULL(GET(sb, "profile")));

	/* an empty profile is set, not null */
	f->sb.profile = "";
	render(f);
	assert_str(GET(f->root, "sandbox", "profile"), "");
}

static void test_proc_and_ancestors(void **state)
{
	struct fixture *f = *state;
	yajl_val proc, anc;

	/* a 16-byte comm has no NUL in the record */
	memcpy(f->hdr.comm, "0123456789abcdef", VIGIL_COMM_LEN);
	render(f);
	proc = GET(f->root, "proc");
	assert_string_equal(keys(proc), "pid,tid,ppid,uid,gid,comm,exe,"
			    "exec_id,cgroup_id");
	assert_num(GET(proc, "pid"), 300);
	assert_num(GET(proc, "tid"), 301);
	assert_num(GET(proc, "ppid"), 200);
	assert_num(GET(proc, "uid"), 1000);
	assert_num(GET(proc, "gid"), 1001);
	assert_str(GET(proc, "comm"), "0123456789abcdef");
	assert_str(GET(proc, "exe"), "/usr/bin/cat");
	assert_str(GET(proc, "exec_id"), "300-9");
	assert_num(GET(proc, "cgroup_id"), 9001);

	anc = GET(f->root, "ancestors");
	assert_true(YAJL_IS_ARRAY(anc));
	assert_int_equal(anc->u.array.len, 2);
	assert_string_equal(keys(anc->u.array.values[0]), "pid,exe,exec_id");
	assert_num(GET(anc->u.array.values[0], "pid"), 200);
	assert_str(GET(anc->u.array.values[0], "exe"), "/usr/bin/python3.11");
	assert_str(GET(anc->u.array.values[0], "exec_id"), "200-7");
	assert_num(GET(anc->u.array.values[1], "pid"), 100);
	assert_str(GET(anc->u.array.values[1], "exe"), "/usr/bin/bash");
	assert_str(GET(anc->u.array.values[1], "exec_id"), "100-5");

	/* the sandbox's first process: no ancestors */
	f->ev.proc = &f->grandparent;
	render(f);
	assert_int_equal(GET(f->root, "ancestors")->u.array.len, 0);
	assert_str(GET(f->root, "proc", "exe"), "/usr/bin/bash");
}

/* A process the table could not load: the header's fields, empty exe
 * and exec_id, no ancestors. */
static void test_proc_unknown(void **state)
{
	struct fixture *f = *state;

	f->ev.proc = NULL;
	render(f);
	assert_num(GET(f->root, "proc", "pid"), 300);
	assert_str(GET(f->root, "proc", "exe"), "");
	assert_str(GET(f->root, "proc", "exec_id"), "");
	assert_int_equal(GET(f->root, "ancestors")->u.array.len, 0);

	/* a known process whose exe copy failed */
	f->self.exe = NULL;
	f->self.exe_len = 0;
	f->ev.proc = &f->self;
	render(f);
	assert_str(GET(f->root, "proc", "exe"), "");
}

/* A chain deeper than PROC_MAX_DEPTH is cut at that many ancestors. */
static void test_ancestors_depth_cap(void **state)
{
	struct fixture *f = *state;
	struct proc chain[PROC_MAX_DEPTH + 6];
	size_t n = sizeof(chain) / sizeof(chain[0]);
	yajl_val anc;

	memset(chain, 0, sizeof(chain));
	for (size_t i = 0; i < n; i++) {
		chain[i].pid = (uint32_t)(1000 + i);
		chain[i].exe = "/bin/sh";
		chain[i].exe_len = 7;
		snprintf(chain[i].exec_id, sizeof(chain[i].exec_id), "%zu-1",
			 1000 + i);
		chain[i].parent = i + 1 < n ? &chain[i + 1] : NULL;
	}
	f->ev.proc = &chain[0];
	render(f);
	anc = GET(f->root, "ancestors");
	assert_int_equal(anc->u.array.len, PROC_MAX_DEPTH);
	assert_num(GET(anc->u.array.values[0], "pid"), 1001);
	assert_num(GET(anc->u.array.values[PROC_MAX_DEPTH - 1], "pid"),
		   1000 + PROC_MAX_DEPTH);
}

static void set_exec(struct fixture *f, const char *argv, size_t argv_len)
{
	f->ev.kind = EVENT_EXEC;
	f->hdr.type = VIGIL_EV_EXEC;
	f->ev.exec = (struct ev_exec){
		.ret = 0, .dev = 2049, .ino = 1234567, .sys = VIGIL_SYS_EXECVE,
		.argc = 3, .filesets = 0x2,
		.stdio = { VIGIL_FD_INET, VIGIL_FD_PIPE, VIGIL_FD_TTY },
		.file = { "/usr/bin/curl", 13 },
		.arg = { "./curl", 6 },
		.argv = { argv, argv_len },
		.script = { "/dev/shm/s", 10 },
		.env = { "LD_PRELOAD=/x.so\0http_proxy=h\0", 30 },
		.old_euid = 1000, .euid = 0, .old_egid = 1000, .egid = 1000,
		.dropped = DROP_DECODED,
	};
}

static void test_exec(void **state)
{
	static const char argv[] = "curl\0-s\0http://x/\0";
	struct fixture *f = *state;
	yajl_val e;

	set_exec(f, argv, sizeof(argv) - 1);
	render(f);
	assert_str(GET(f->root, "type"), "exec");
	e = GET(f->root, "exec");
	assert_string_equal(keys(e), "file,script,arg,argv,argc,"
			    "argv_truncated,env,env_truncated,ret,"
			    "dev,ino,deleted,path_truncated,syscall,"
			    "kernel_killed,filesets,stdio,old_euid,euid,"
			    "old_egid,egid,dropped");
	assert_str(GET(e, "dropped"), "decoded");
	assert_str(GET(e, "file"), "/usr/bin/curl");
	assert_str(GET(e, "script"), "/dev/shm/s");
	assert_string_equal(joined(GET(e, "env")),
			    "LD_PRELOAD=/x.so|http_proxy=h");
	assert_bool(GET(e, "env_truncated"), 0);
	assert_num(GET(e, "old_euid"), 1000);
	assert_num(GET(e, "euid"), 0);
	assert_str(GET(e, "arg"), "./curl");
	assert_string_equal(joined(GET(e, "argv")), "curl|-s|http://x/");
	assert_int_equal(GET(e, "argv")->u.array.len, 3);
	assert_num(GET(e, "argc"), 3);
	assert_bool(GET(e, "argv_truncated"), 0);
	assert_num(GET(e, "ret"), 0);
	assert_num(GET(e, "dev"), 2049);
	assert_num(GET(e, "ino"), 1234567);
	assert_bool(GET(e, "deleted"), 0);
	assert_bool(GET(e, "path_truncated"), 0);
	assert_str(GET(e, "syscall"), "execve");
	assert_bool(GET(e, "kernel_killed"), 0);
	/* Bit 1 of a rule set that names sets 0 and 1. */
	assert_string_equal(joined(GET(e, "filesets")), "tool-denied");
	assert_string_equal(keys(GET(e, "stdio")), "stdin,stdout,stderr");
	assert_str(GET(e, "stdio", "stdin"), "inet");
	assert_str(GET(e, "stdio", "stdout"), "pipe");
	assert_str(GET(e, "stdio", "stderr"), "tty");
}

/* Truncated argv: the last argument is cut, with no NUL after it. */
static void test_exec_argv_truncated(void **state)
{
	static const char argv[] = "python3\0-c\0import o";
	struct fixture *f = *state;
	yajl_val e;

	set_exec(f, argv, sizeof(argv) - 1);
	f->hdr.flags = VIGIL_F_ARGV_TRUNC;
	f->ev.exec.argc = 3;
	render(f);
	e = GET(f->root, "exec");
	assert_string_equal(joined(GET(e, "argv")), "python3|-c|import o");
	assert_int_equal(GET(e, "argv")->u.array.len, 3);
	assert_bool(GET(e, "argv_truncated"), 1);

	/* cut right after a NUL: no phantom empty argument */
	set_exec(f, argv, 11);
	render(f);
	assert_string_equal(joined(GET(f->root, "exec", "argv")),
			    "python3|-c");
	assert_int_equal(GET(f->root, "exec", "argv")->u.array.len, 2);
	/* cut one byte in */
	set_exec(f, argv, 1);
	render(f);
	assert_string_equal(joined(GET(f->root, "exec", "argv")), "p");
}

/* Empty arguments are kept, in place. */
static void test_exec_argv_empty_args(void **state)
{
	static const char argv[] = "printf\0\0%s\0\0";
	struct fixture *f = *state;
	yajl_val a;

	set_exec(f, argv, sizeof(argv) - 1);
	render(f);
	a = GET(f->root, "exec", "argv");
	assert_int_equal(a->u.array.len, 4);
	assert_str(a->u.array.values[0], "printf");
	assert_str(a->u.array.values[1], "");
	assert_str(a->u.array.values[2], "%s");
	assert_str(a->u.array.values[3], "");

	/* a lone empty argument, and no argv at all */
	set_exec(f, "", 1);
	render(f);
	a = GET(f->root, "exec", "argv");
	assert_int_equal(a->u.array.len, 1);
	assert_str(a->u.array.values[0], "");
	set_exec(f, "", 0);
	render(f);
	assert_int_equal(GET(f->root, "exec", "argv")->u.array.len, 0);
}

static void test_exec_failed_and_syscalls(void **state)
{
	static const struct { uint16_t sys; const char *name; } sys[] = {
		{ VIGIL_SYS_EXECVE, "execve" },
		{ VIGIL_SYS_EXECVEAT, "execveat" },
		{ VIGIL_SYS_OPENAT, "openat" },
		{ 0, "unknown" }, { 200, "unknown" }, { 0xffff, "unknown" },
	};
	struct fixture *f = *state;
	yajl_val e;

	set_exec(f, "x", 1);
	f->ev.exec.ret = -13;
	f->ev.exec.file = (struct bytes){ "", 0 };
	f->ev.exec.dev = 0;
	f->ev.exec.ino = UINT64_MAX;
	f->hdr.flags = VIGIL_F_DELETED;
	render(f);
	e = GET(f->root, "exec");
	assert_num(GET(e, "ret"), -13);
	assert_str(GET(e, "file"), "");
	assert_bool(GET(e, "deleted"), 1);
	/* yajl's tree keeps numbers above LLONG_MAX as text */
	assert_string_equal(YAJL_GET_NUMBER(GET(e, "ino")),
			    "18446744073709551615");
	for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++) {
		f->ev.exec.sys = sys[i].sys;
		render(f);
		assert_str(GET(f->root, "exec", "syscall"), sys[i].name);
	}
}

static void set_open(struct fixture *f, const char *path, size_t len,
		     unsigned int flags)
{
	f->ev.kind = EVENT_OPEN;
	f->hdr.type = VIGIL_EV_OPEN;
	f->ev.open = (struct ev_open){
		.ret = 5, .flags = flags, .mode = 0600, .dev = 66305,
		.ino = 42, .sys = VIGIL_SYS_OPENAT,
		.path = { path, len }, .arg = { "../.aws/credentials", 19 },
	};
}

static void test_open(void **state)
{
	struct fixture *f = *state;
	yajl_val o;

	/* O_WRONLY|O_CREAT|O_TRUNC|O_LARGEFILE|O_CLOEXEC, kernel values */
	set_open(f, "/home/u/.aws/credentials", 24, 02101101);
	render(f);
	assert_str(GET(f->root, "type"), "open");
	o = GET(f->root, "open");
	assert_string_equal(keys(o), "path,arg,flags,mode,ret,dev,ino,"
			    "deleted,path_truncated,syscall,kernel_killed,"
			    "filesets");
	assert_str(GET(o, "path"), "/home/u/.aws/credentials");
	assert_str(GET(o, "arg"), "../.aws/credentials");
	assert_string_equal(joined(GET(o, "flags")),
			    "O_WRONLY|O_CREAT|O_TRUNC|O_LARGEFILE|O_CLOEXEC");
	assert_num(GET(o, "mode"), 0600);
	assert_num(GET(o, "ret"), 5);
	assert_num(GET(o, "dev"), 66305);
	assert_num(GET(o, "ino"), 42);
	assert_bool(GET(o, "deleted"), 0);
	assert_str(GET(o, "syscall"), "openat");
	assert_int_equal(GET(o, "filesets")->u.array.len, 0);

	/* The kernel killed the opener of a protected file. */
	f->hdr.flags = VIGIL_F_KILLED;
	f->ev.open.filesets = 0x3;
	render(f);
	o = GET(f->root, "open");
	assert_bool(GET(o, "kernel_killed"), 1);
	assert_string_equal(joined(GET(o, "filesets")),
			    "ssh-keys|tool-denied");
	f->hdr.flags = 0;
	f->ev.open.filesets = 0;

	/* read-only is still named; unknown bits come last */
	set_open(f, "", 0, 0x80000000);
	f->ev.open.ret = -2;
	f->ev.open.sys = VIGIL_SYS_CREAT;
	render(f);
	o = GET(f->root, "open");
	assert_string_equal(joined(GET(o, "flags")), "O_RDONLY|0x80000000");
	assert_str(GET(o, "path"), "");
	assert_num(GET(o, "ret"), -2);
	assert_str(GET(o, "syscall"), "creat");
}

/* Hostile bytes in paths and comm still make valid JSON (yajl_tree
 * validates UTF-8): bad bytes become U+FFFD, controls are escaped. */
static void test_invalid_utf8(void **state)
{
	static const char path[] = "/tmp/\xff\xfe\n\x01" "a\xc3";
	struct fixture *f = *state;

	set_open(f, path, sizeof(path) - 1, 0);
	f->ev.open.arg = (struct bytes){ "\x80", 1 };
	memcpy(f->hdr.comm, "ev\xe2\x82il\0", 7);
	render(f);
	assert_str(GET(f->root, "open", "path"),
		   "/tmp/" FFFD FFFD "\n\x01" "a" FFFD);
	assert_str(GET(f->root, "open", "arg"), FFFD);
	assert_str(GET(f->root, "proc", "comm"), "ev" FFFD FFFD "il");

	/* and in exec's argv and the label values */
	set_exec(f, "a\xff\0b", 4);
	f->labels[0].value = "\xc0\xaf";
	f->labels[0].value_len = 2;
	render(f);
	assert_string_equal(joined(GET(f->root, "exec", "argv")),
			    "a" FFFD "|b");
	assert_str(GET(f->root, "sandbox", "labels", "session"), FFFD FFFD);
}

static void set_connect(struct fixture *f, uint16_t family, uint16_t port,
			uint16_t proto, uint16_t sock_type)
{
	f->ev.kind = EVENT_CONNECT;
	f->hdr.type = VIGIL_EV_CONNECT;
	memset(&f->ev.connect, 0, sizeof(f->ev.connect));
	f->ev.connect.ret = 0;
	f->ev.connect.proto = proto;
	f->ev.connect.sock_type = sock_type;
	f->ev.connect.sa.family = family;
	f->ev.connect.sa.port = port;
}

static void inet6(struct fixture *f, const char *text)
{
	assert_int_equal(inet_pton(AF_INET6, text, f->ev.connect.sa.addr), 1);
}

static void test_connect_inet(void **state)
{
	struct fixture *f = *state;
	yajl_val c;

	set_connect(f, AF_INET, 443, IPPROTO_TCP, SOCK_STREAM);
	memcpy(f->ev.connect.sa.addr, "\x5d\xb8\xd8\x22", 4);
	f->ev.connect.ret = -111;
	render(f);
	assert_str(GET(f->root, "type"), "connect");
	c = GET(f->root, "connect");
	assert_string_equal(keys(c), "family,addr,port,proto,ret,verdict,via");
	assert_str(GET(c, "family"), "inet");
	assert_str(GET(c, "addr"), "93.184.216.34");
	assert_num(GET(c, "port"), 443);
	assert_str(GET(c, "proto"), "tcp");
	assert_num(GET(c, "ret"), -111);
	assert_str(GET(c, "verdict"), "none");
	assert_str(GET(c, "via"), "syscall");

	/* A send the kernel refused. */
	f->ev.connect.verdict = VIGIL_VERDICT_DENY;
	f->ev.connect.via = VIGIL_CONNECT_SEND;
	render(f);
	assert_str(GET(f->root, "connect", "verdict"), "deny");
	assert_str(GET(f->root, "connect", "via"), "send");

	set_connect(f, AF_INET, 53, IPPROTO_UDP, SOCK_DGRAM);
	memcpy(f->ev.connect.sa.addr, "\x7f\x00\x00\x01", 4);
	render(f);
	assert_str(GET(f->root, "connect", "addr"), "127.0.0.1");
	assert_str(GET(f->root, "connect", "proto"), "udp");
	assert_num(GET(f->root, "connect", "port"), 53);
}

static void test_connect_inet6(void **state)
{
	struct fixture *f = *state;

	set_connect(f, AF_INET6, 8443, IPPROTO_TCP, SOCK_STREAM);
	inet6(f, "2001:db8:0:0:0:0:0:1");
	render(f);
	assert_str(GET(f->root, "connect", "family"), "inet6");
	/* RFC 5952: shortest form, lower case */
	assert_str(GET(f->root, "connect", "addr"), "2001:db8::1");
	assert_num(GET(f->root, "connect", "port"), 8443);

	inet6(f, "FE80:0:0:0:ABCD:0:0:0");
	render(f);
	assert_str(GET(f->root, "connect", "addr"), "fe80::abcd:0:0:0");
	inet6(f, "::1");
	render(f);
	assert_str(GET(f->root, "connect", "addr"), "::1");

	/* v4-mapped shows the v4 address in dotted form */
	set_connect(f, AF_INET6, 80, IPPROTO_TCP, SOCK_STREAM);
	inet6(f, "::ffff:1.2.3.4");
	render(f);
	assert_str(GET(f->root, "connect", "family"), "inet6");
	assert_str(GET(f->root, "connect", "addr"), "::ffff:1.2.3.4");

	set_connect(f, AF_INET6, 0, IPPROTO_ICMPV6, SOCK_DGRAM);
	render(f);
	assert_str(GET(f->root, "connect", "addr"), "::");
	assert_str(GET(f->root, "connect", "proto"), "icmpv6");
}

static void set_unix(struct fixture *f, const char *path, size_t len,
		     uint16_t sock_type)
{
	set_connect(f, AF_UNIX, 0, 0, sock_type);
	memcpy(f->ev.connect.sa.path, path, len);
	f->ev.connect.sa.path_len = (uint16_t)len;
}

static void test_connect_unix(void **state)
{
	struct fixture *f = *state;
	char full[VIGIL_UNIX_MAX + 1];
	yajl_val c;

	/* the kernel's path_len counts the NUL when the caller did */
	set_unix(f, "/run/docker.sock", 17, SOCK_STREAM);
	/* the parsed string ends at a NUL: check the text has none */
	assert_non_null(strstr(render(f), "\"addr\":\"/run/docker.sock\","));
	c = GET(f->root, "connect");
	assert_str(GET(c, "family"), "unix");
	assert_str(GET(c, "addr"), "/run/docker.sock");
	assert_num(GET(c, "port"), 0);
	assert_str(GET(c, "proto"), "stream");

	set_unix(f, "/run/x", 6, SOCK_DGRAM);
	assert_non_null(strstr(render(f), "\"addr\":\"/run/x\","));
	assert_str(GET(f->root, "connect", "proto"), "dgram");

	/* a full sun_path without a NUL */
	memset(full, 'p', VIGIL_UNIX_MAX);
	full[0] = '/';
	full[VIGIL_UNIX_MAX] = '\0';
	set_unix(f, full, VIGIL_UNIX_MAX, SOCK_SEQPACKET);
	render(f);
	assert_str(GET(f->root, "connect", "addr"), full);
	assert_str(GET(f->root, "connect", "proto"), "seqpacket");

	/* an unnamed socket, and socket types without a name */
	set_unix(f, "", 0, SOCK_RAW);
	render(f);
	assert_str(GET(f->root, "connect", "addr"), "");
	assert_str(GET(f->root, "connect", "proto"), "other");
	set_unix(f, "/s", 2, 0xffff);
	render(f);
	assert_str(GET(f->root, "connect", "proto"), "other");
}

static void test_connect_unix_abstract(void **state)
{
	struct fixture *f = *state;
	char full[VIGIL_UNIX_MAX];
	char want[VIGIL_UNIX_MAX + 1];

	set_unix(f, "\0name", 5, SOCK_STREAM);
	assert_non_null(strstr(render(f), "\"addr\":\"@name\","));

	/* abstract names are bytes: NULs inside are kept */
	set_unix(f, "\0a\0b", 4, SOCK_STREAM);
	assert_non_null(strstr(render(f), "\"addr\":\"@a\\u0000b\","));
	assert_int_equal(memcmp(str_of(GET(f->root, "connect", "addr")),
				"@a\0b", 5), 0);

	/* the empty abstract name, and the longest */
	set_unix(f, "\0", 1, SOCK_STREAM);
	render(f);
	assert_str(GET(f->root, "connect", "addr"), "@");
	memset(full, 'z', sizeof(full));
	full[0] = '\0';
	set_unix(f, full, VIGIL_UNIX_MAX, SOCK_STREAM);
	memset(want, 'z', VIGIL_UNIX_MAX);
	want[0] = '@';
	want[VIGIL_UNIX_MAX] = '\0';
	render(f);
	assert_str(GET(f->root, "connect", "addr"), want);
}

static void test_connect_other(void **state)
{
	struct fixture *f = *state;

	set_connect(f, AF_BLUETOOTH, 7, 0, SOCK_RAW);
	memcpy(f->ev.connect.sa.path, "junk", 4);
	f->ev.connect.sa.path_len = 4;
	render(f);
	assert_str(GET(f->root, "connect", "family"), "other");
	assert_str(GET(f->root, "connect", "addr"), "");
	assert_num(GET(f->root, "connect", "proto"), 0);

	set_connect(f, AF_INET, 9, IPPROTO_SCTP, SOCK_STREAM);
	render(f);
	assert_str(GET(f->root, "connect", "proto"), "sctp");
	set_connect(f, AF_INET, 9, IPPROTO_ICMP, SOCK_DGRAM);
	render(f);
	assert_str(GET(f->root, "connect", "proto"), "icmp");
	set_connect(f, AF_INET, 9, IPPROTO_UDPLITE, SOCK_DGRAM);
	render(f);
	assert_num(GET(f->root, "connect", "proto"), IPPROTO_UDPLITE);
}

static void test_flow(void **state)
{
	struct fixture *f = *state;
	yajl_val fl;

	f->ev.kind = EVENT_FLOW;
	f->ev.hdr = NULL;
	f->ev.proc = NULL;
	memset(&f->ev.flow, 0, sizeof(f->ev.flow));
	f->ev.flow.key.sandbox_cgid = 8812;
	f->ev.flow.key.family = AF_INET;
	memcpy(f->ev.flow.key.addr, "\x0a\x00\x00\x07", 4);
	f->ev.flow.key.port = 9000;
	f->ev.flow.key.proto = IPPROTO_TCP;
	f->ev.flow.val = (struct vigil_flow_val){
		.bytes = 5242880, .packets = 90, .send_calls = 12,
		.send_bytes = 5242881,
	};
	f->ev.flow.interval_ms = 1000;
	render(f);
	assert_string_equal(keys(f->root), "schema,seq,run_id,time,host,type,"
			    "sandbox,flow");
	assert_str(GET(f->root, "type"), "flow");
	assert_str(GET(f->root, "sandbox", "id"), "sb-42");
	fl = GET(f->root, "flow");
	assert_string_equal(keys(fl), "family,addr,port,proto,bytes,packets,"
			    "send_calls,send_bytes,interval_ms");
	assert_str(GET(fl, "family"), "inet");
	assert_str(GET(fl, "addr"), "10.0.0.7");
	assert_num(GET(fl, "port"), 9000);
	assert_str(GET(fl, "proto"), "tcp");
	assert_num(GET(fl, "bytes"), 5242880);
	assert_num(GET(fl, "packets"), 90);
	assert_num(GET(fl, "send_calls"), 12);
	assert_num(GET(fl, "send_bytes"), 5242881);
	assert_num(GET(fl, "interval_ms"), 1000);

	f->ev.flow.key.family = AF_INET6;
	f->ev.flow.key.proto = IPPROTO_UDP;
	assert_int_equal(inet_pton(AF_INET6, "::ffff:10.1.2.3",
				   f->ev.flow.key.addr), 1);
	render(f);
	assert_str(GET(f->root, "flow", "family"), "inet6");
	assert_str(GET(f->root, "flow", "addr"), "::ffff:10.1.2.3");
	assert_str(GET(f->root, "flow", "proto"), "udp");
}

/* Sent from packet context: a sandbox, no process. */
static void test_budget(void **state)
{
	struct fixture *f = *state;
	yajl_val b;

	f->ev.kind = EVENT_BUDGET;
	f->ev.hdr = NULL;
	f->ev.proc = NULL;
	f->ev.budget = (struct ev_budget){
		.sandbox_cgid = 8812, .budget = 10485760, .spent = 10420224,
		.profile = 2, .family = AF_INET, .port = 8080,
		.proto = IPPROTO_TCP, .addr = { 127, 0, 0, 1 },
	};
	render(f);
	assert_string_equal(keys(f->root), "schema,seq,run_id,time,host,type,"
			    "sandbox,budget");
	assert_str(GET(f->root, "type"), "budget");
	b = GET(f->root, "budget");
	assert_string_equal(keys(b), "limit,spent,family,addr,port,proto,"
			    "profile_id");
	assert_num(GET(b, "limit"), 10485760);
	assert_num(GET(b, "spent"), 10420224);
	assert_str(GET(b, "addr"), "127.0.0.1");
	assert_num(GET(b, "port"), 8080);
	assert_str(GET(b, "proto"), "tcp");
	assert_num(GET(b, "profile_id"), 2);

	/* An entry's own budget names it. */
	strcpy(f->ev.budget.entry, "pypi.org:443");
	render(f);
	b = GET(f->root, "budget");
	assert_string_equal(keys(b), "limit,spent,family,addr,port,proto,"
			    "profile_id,entry");
	assert_str(GET(b, "entry"), "pypi.org:443");
}

/* An escape by a mover whose header has flags; its object, every key
 * there whatever is null. */
static yajl_val render_escape(struct fixture *f, uint32_t flags,
			      struct ev_escape esc)
{
	f->ev.kind = EVENT_ESCAPE;
	f->hdr.type = VIGIL_EV_ESCAPE;
	f->hdr.flags = flags;
	f->ev.escape = esc;
	render(f);
	assert_str(GET(f->root, "type"), "escape");
	assert_string_equal(keys(GET(f->root, "escape")), "how,cgroup_id,"
			    "into,moved_pid,moved_killed,signal,kernel_killed");
	return GET(f->root, "escape");
}

static void test_escape(void **state)
{
	yajl_val e = render_escape(*state, VIGIL_F_KILLED, (struct ev_escape){
		.how = VIGIL_ESCAPE_MOVE, .cgroup_id = 1,
		.moved_pid = 4321, .moved_killed = true,
	});

	assert_str(GET(e, "how"), "move");
	assert_num(GET(e, "cgroup_id"), 1);
	assert_true(YAJL_IS_NULL(GET(e, "into")));
	assert_num(GET(e, "moved_pid"), 4321);
	assert_bool(GET(e, "moved_killed"), 1);
	assert_bool(GET(e, "kernel_killed"), 1);

	/* Stopped at open: nothing moved; into another sandbox. */
	e = render_escape(*state, 0, (struct ev_escape){
		.how = VIGIL_ESCAPE_OPEN, .cgroup_id = 77,
		.into_cgid = 77, .into = "/vigil/sb2",
	});
	assert_str(GET(e, "how"), "open");
	assert_str(GET(e, "into"), "/vigil/sb2");
	assert_true(YAJL_IS_NULL(GET(e, "moved_pid")));
	assert_bool(GET(e, "moved_killed"), 0);
	assert_true(YAJL_IS_NULL(GET(e, "signal")));
	assert_bool(GET(e, "kernel_killed"), 0);

	/* A signal to a process outside: its number, the target. */
	e = render_escape(*state, VIGIL_F_KILLED, (struct ev_escape){
		.how = VIGIL_ESCAPE_SIGNAL, .cgroup_id = 5,
		.moved_pid = 99, .signal = 9,
	});
	assert_str(GET(e, "how"), "signal");
	assert_num(GET(e, "moved_pid"), 99);
	assert_num(GET(e, "signal"), 9);
}

static void render_exit(struct fixture *f, uint32_t status)
{
	f->ev.kind = EVENT_EXIT;
	f->hdr.type = VIGIL_EV_EXIT;
	f->ev.exit_code = status;
	render(f);
	assert_string_equal(keys(GET(f->root, "exit")),
			    "code,signal,core_dumped");
}

/* exit_code is the wait(2) status: exit(N) is N << 8, a signal its
 * number, 0x80 marks a core dump. */
static void test_exit(void **state)
{
	struct fixture *f = *state;

	render_exit(f, 3 << 8);
	assert_str(GET(f->root, "type"), "exit");
	assert_num(GET(f->root, "exit", "code"), 3);
	assert_num(GET(f->root, "exit", "signal"), 0);
	assert_bool(GET(f->root, "exit", "core_dumped"), 0);

	render_exit(f, SIGKILL);
	assert_num(GET(f->root, "exit", "code"), 0);
	assert_num(GET(f->root, "exit", "signal"), 9);
	assert_bool(GET(f->root, "exit", "core_dumped"), 0);

	render_exit(f, 0x80 | SIGSEGV);
	assert_num(GET(f->root, "exit", "code"), 0);
	assert_num(GET(f->root, "exit", "signal"), 11);
	assert_bool(GET(f->root, "exit", "core_dumped"), 1);

	render_exit(f, 0);
	assert_num(GET(f->root, "exit", "code"), 0);
	assert_num(GET(f->root, "exit", "signal"), 0);

	render_exit(f, 255 << 8);
	assert_num(GET(f->root, "exit", "code"), 255);
	assert_num(GET(f->root, "exit", "signal"), 0);
}

static void test_drop(void **state)
{
	struct fixture *f = *state;
	yajl_val d;

	f->ev.kind = EVENT_DROP;
	f->ev.hdr = NULL;
	f->ev.proc = NULL;
	f->ev.sandbox = NULL;
	memset(&f->ev.drop, 0, sizeof(f->ev.drop));
	f->ev.drop.lost = 17;
	f->ev.drop.since_ms = 1500;
	f->ev.drop.reason[VIGIL_DROP_RINGBUF] = 10;
	f->ev.drop.reason[VIGIL_DROP_FLOWS] = 4;
	f->ev.drop.reason[VIGIL_DROP_INFLIGHT] = 3;
	render(f);
	/* about the collector itself: sandbox null, no proc */
	assert_string_equal(keys(f->root), "schema,seq,run_id,time,host,type,"
			    "sandbox,drop");
	assert_str(GET(f->root, "type"), "drop");
	assert_true(YAJL_IS_NULL(GET(f->root, "sandbox")));
	d = GET(f->root, "drop");
	assert_string_equal(keys(d), "lost,since_ms,skipped_seq,reasons");
	assert_true(YAJL_IS_NULL(GET(d, "skipped_seq")));
	assert_num(GET(d, "lost"), 17);
	assert_num(GET(d, "since_ms"), 1500);
	assert_string_equal(keys(GET(d, "reasons")),
			    "ringbuf,flows,inflight,budget,sinks,malformed");
	assert_num(GET(d, "reasons", "ringbuf"), 10);
	assert_num(GET(d, "reasons", "flows"), 4);
	assert_num(GET(d, "reasons", "inflight"), 3);

	/* the ring buffer's losses would have had seq 33..42 */
	f->ev.drop.skipped_from = 33;
	f->ev.seq = 43;
	render(f);
	d = GET(f->root, "drop");
	assert_num(GET(d, "skipped_seq", "from"), 33);
	assert_num(GET(d, "skipped_seq", "to"), 42);
}

/* A sandbox's share of the losses: by record type, kills apart. */
static void test_drop_of_sandbox(void **state)
{
	struct fixture *f = *state;
	yajl_val d;

	f->ev.kind = EVENT_DROP;
	f->ev.hdr = NULL;
	f->ev.proc = NULL;
	memset(&f->ev.drop, 0, sizeof(f->ev.drop));
	f->ev.drop.sandbox_cgid = 8812;
	f->ev.drop.lost = 12;
	f->ev.drop.by_type[VIGIL_EV_OPEN] = 10;
	f->ev.drop.by_type[VIGIL_EV_EXEC] = 1;
	f->ev.drop.by_type[13] = 1;	/* a type this build has no name for */
	f->ev.drop.kills = 1;
	render(f);
	assert_str(GET(f->root, "sandbox", "id"), "sb-42");
	d = GET(f->root, "drop");
	assert_string_equal(keys(d), "lost,types,kernel_kills");
	assert_num(GET(d, "lost"), 12);
	assert_string_equal(keys(GET(d, "types")), "exec,open,13");
	assert_num(GET(d, "types", "open"), 10);
	assert_num(GET(d, "kernel_kills"), 1);
}

static void test_repeat(void **state)
{
	struct fixture *f = *state;
	yajl_val r;

	f->ev.kind = EVENT_REPEAT;
	f->ev.hdr = NULL;
	f->ev.proc = NULL;
	memset(&f->ev.repeat, 0, sizeof(f->ev.repeat));
	f->ev.repeat.key = (struct vigil_repeat_key){
		.sandbox_cgid = 8812, .pid = 77, .ret = -2,
		.open_flags = 0, .type = VIGIL_EV_OPEN, .sys = VIGIL_SYS_OPENAT,
	};
	f->ev.repeat.val = (struct vigil_repeat){
		.count = 5000, .first_ns = 1000000000, .last_ns = 1250000000,
	};
	f->ev.repeat.interval_ms = 1000;
	render(f);
	assert_str(GET(f->root, "type"), "repeat");
	r = GET(f->root, "repeat");
	assert_string_equal(keys(r), "type,pid,count,ret,dev,ino,flags,"
			    "syscall,span_ms,interval_ms");
	assert_str(GET(r, "type"), "open");
	assert_num(GET(r, "count"), 5000);
	assert_num(GET(r, "ret"), -2);
	assert_string_equal(joined(GET(r, "flags")), "O_RDONLY");
	assert_str(GET(r, "syscall"), "openat");
	assert_num(GET(r, "span_ms"), 250);
}

/* One render serves many records: nothing leaks from one to the next. */
static void test_reuse(void **state)
{
	struct fixture *f = *state;

	set_open(f, "/a", 2, 0);
	render(f);
	f->ev.kind = EVENT_FORK;
	f->ev.child_pid = 9;
	f->ev.seq = 43;
	render(f);
	assert_null(AT(f->root, "open"));
	assert_num(GET(f->root, "seq"), 43);
	assert_num(GET(f->root, "fork", "child_pid"), 9);
}

static void set_file(struct fixture *f, uint16_t op, const char *base,
		     const char *arg)
{
	f->ev.kind = EVENT_FILE;
	f->hdr.type = VIGIL_EV_FILE;
	memset(&f->ev.file, 0, sizeof(f->ev.file));
	f->ev.file.op = op;
	f->ev.file.sys = VIGIL_SYS_RENAMEAT;
	f->ev.file.base = (struct bytes){ base, strlen(base) };
	f->ev.file.arg = (struct bytes){ arg, strlen(arg) };
}

/* A file record: the joined path beside what the kernel resolved and
 * the raw argument; the second name for the ops that have one. */
static void test_file(void **state)
{
	struct fixture *f = *state;
	yajl_val o;

	set_file(f, VIGIL_FILE_RENAME, "/tmp/w", "sub/../x");
	f->ev.file.base2 = (struct bytes){ "", 0 };
	f->ev.file.arg2 = (struct bytes){ "/etc//cron.d/./job", 18 };
	f->ev.file.uid = (uint32_t)-1;
	f->ev.file.gid = (uint32_t)-1;
	f->ev.file.ret = -18;
	render(f);
	assert_str(GET(f->root, "type"), "file");
	o = GET(f->root, "file");
	assert_string_equal(keys(o), "op,path,base,arg,path2,base2,arg2,mode,"
			    "uid,gid,length,flags,ret,path_truncated,"
			    "syscall");
	assert_str(GET(o, "op"), "rename");
	assert_str(GET(o, "path"), "/tmp/w/x");
	assert_str(GET(o, "base"), "/tmp/w");
	assert_str(GET(o, "arg"), "sub/../x");
	assert_str(GET(o, "path2"), "/etc/cron.d/job");
	assert_str(GET(o, "arg2"), "/etc//cron.d/./job");
	assert_num(GET(o, "uid"), -1);
	assert_num(GET(o, "ret"), -18);
	assert_str(GET(o, "syscall"), "renameat");

	/* one name: no second; setuid mode as asked */
	set_file(f, VIGIL_FILE_CHMOD, "/usr/bin/tool", "");
	f->ev.file.mode = 04755;
	render(f);
	o = GET(f->root, "file");
	assert_null(AT(o, "path2"));
	assert_str(GET(o, "path"), "/usr/bin/tool");
	assert_num(GET(o, "mode"), 04755);
}

/* A cred record: ids before and after, as the kernel applied them. */
static void test_cred(void **state)
{
	struct fixture *f = *state;
	yajl_val o;

	f->ev.kind = EVENT_CRED;
	f->hdr.type = VIGIL_EV_CRED;
	memset(&f->ev.cred, 0, sizeof(f->ev.cred));
	f->ev.cred.name = "setresuid";
	f->ev.cred.nr = 117;
	f->ev.cred.args[0] = (uint32_t)-1;
	f->ev.cred.old_ids.euid = 1000;
	f->ev.cred.new_ids.gid = 5;
	f->ev.cred.ngroups_new = 2;
	f->ev.cred.cap_eff_new = 0x1ffffffffffULL;
	render(f);
	assert_str(GET(f->root, "type"), "cred");
	o = GET(f->root, "cred");
	assert_string_equal(keys(o), "syscall,nr,args,ret,old,new,"
			    "cap_permitted");
	assert_string_equal(keys(GET(o, "new")), "uid,euid,suid,fsuid,gid,"
			    "egid,sgid,fsgid,ngroups,cap_effective");
	assert_str(GET(o, "syscall"), "setresuid");
	assert_num(GET(o, "old", "euid"), 1000);
	assert_num(GET(o, "new", "euid"), 0);
	assert_num(GET(o, "new", "gid"), 5);
	assert_num(GET(o, "new", "ngroups"), 2);
	assert_num(GET(o, "new", "cap_effective"), 0x1ffffffffffLL);
	assert_num(GET(o, "args")->u.array.values[0], 4294967295LL);
}

/* A socket record: the address bound, the type by name. */
static void test_socket(void **state)
{
	struct fixture *f = *state;
	yajl_val o;

	f->ev.kind = EVENT_SOCKET;
	f->hdr.type = VIGIL_EV_SOCKET;
	memset(&f->ev.socket, 0, sizeof(f->ev.socket));
	f->ev.socket.op = VIGIL_SOCKET_LISTEN;
	f->ev.socket.family = AF_INET;
	f->ev.socket.sock_type = SOCK_STREAM;
	f->ev.socket.proto = 6;
	f->ev.socket.backlog = 128;
	f->ev.socket.sa.family = AF_INET;
	f->ev.socket.sa.port = 4444;
	memcpy(f->ev.socket.sa.addr, "\x7f\0\0\1", 4);
	render(f);
	o = GET(f->root, "socket");
	assert_string_equal(keys(o), "op,family,family_nr,sock_type,proto,"
			    "addr,port,backlog,ret");
	assert_str(GET(o, "op"), "listen");
	assert_str(GET(o, "family"), "inet");
	assert_str(GET(o, "sock_type"), "stream");
	assert_str(GET(o, "addr"), "127.0.0.1");
	assert_num(GET(o, "port"), 4444);
	assert_num(GET(o, "backlog"), 128);

	f->ev.socket.op = VIGIL_SOCKET_SOCKET;
	f->ev.socket.family = AF_PACKET;
	f->ev.socket.sock_type = 99;
	f->ev.socket.sa.family = 0;
	render(f);
	o = GET(f->root, "socket");
	assert_str(GET(o, "family"), "packet");
	assert_num(GET(o, "sock_type"), 99);
	assert_str(GET(o, "addr"), "");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fork_exact_text),
		T(test_common_fields),
		T(test_time),
		T(test_time_huge_ktime),
		T(test_sandbox_labels_profile),
		T(test_proc_and_ancestors),
		T(test_proc_unknown),
		T(test_ancestors_depth_cap),
		T(test_exec),
		T(test_exec_argv_truncated),
		T(test_exec_argv_empty_args),
		T(test_exec_failed_and_syscalls),
		T(test_open),
		T(test_invalid_utf8),
		T(test_connect_inet),
		T(test_connect_inet6),
		T(test_connect_unix),
		T(test_connect_unix_abstract),
		T(test_connect_other),
		T(test_flow),
		T(test_budget),
		T(test_escape),
		T(test_exit),
		T(test_drop),
		T(test_drop_of_sandbox),
		T(test_repeat),
		T(test_reuse),
		T(test_file),
		T(test_cred),
		T(test_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
