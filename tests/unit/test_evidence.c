// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Evidence from real processes, as root, in a sandbox below this test's
 * own root (cgtest.h): a child re-executed with a known argv, cwd in a
 * temporary directory, holding a file, a TCP connection to a loopback
 * listener of the test's, a listening abstract unix socket and a unix
 * socket whose name forges a line of /proc/net/unix; its own child holds
 * more fds than are kept. Every field is checked, and the JSON parsed
 * back. Then: processes gone or zombies are left out, a long command
 * line is cut and flagged, the tree order of a hand-built snapshot, and
 * the table-line parsers on hostile input. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <yajl/yajl_tree.h>

#include "cgtest.h"

#include "killswitch.h"
#include "evidence.h"
#include "evidence_sock.h"

#define CHILD_FLAG "--evidence-child"
#define IDLE_FLAG  "--idle-child"
#define FD_READY   19	/* the child's fds, fixed across its exec */
#define FD_FILE    20
#define FD_TCP     21
#define FD_UNIX    22
#define FD_FORGED  23
#define FD_MANY    100	/* the grandchild dups FD_FILE from here up */
#define NR_MANY    80

static struct cgtest t;

/* What the child is given and what it must be seen with. */
struct scene {
	char dir[PATH_MAX];	/* its cwd, realpath */
	char file[PATH_MAX];	/* open as FD_FILE */
	char exe[PATH_MAX];	/* this binary */
	char abstract[64];	/* FD_UNIX's name, without the leading NUL */
	int listener;		/* 127.0.0.1, FD_TCP connects to it */
	struct sockaddr_in addr;
	int conn;		/* the listener's side, kept open */
	struct sockaddr_in peer;	/* FD_TCP's address */
	int ready[2];
	pid_t child, grandchild;
	struct evidence *e;
	struct json *j;
	yajl_val root;
	size_t len;		/* of the last rendering */
};

/* The child's argv after exec: spaces, an empty string, a tab, bytes
 * that are not UTF-8. */
static const char *const child_argv[] = {
	"agent", CHILD_FLAG, "two words", "", "tab\there", "\xff\xfe",
	NULL,
};

static int group_setup(void **state)
{
	return cgtest__init(&t);
}

static int group_teardown(void **state)
{
	cgtest__destroy(t.root, false);
	return 0;
}

static int setup(void **state)
{
	struct scene *s = calloc(1, sizeof(*s));
	char tmpl[] = "/tmp/vigil-evidence-XXXXXX";
	socklen_t len = sizeof(s->addr);
	ssize_t n;

	if (!s || !mkdtemp(tmpl) || !realpath(tmpl, s->dir))
		return -1;
	snprintf(s->file, sizeof(s->file), "%s/loot.txt", s->dir);
	n = readlink("/proc/self/exe", s->exe, sizeof(s->exe) - 1);
	if (n <= 0)
		return -1;
	snprintf(s->abstract, sizeof(s->abstract), "vigil-unit-%d",
		 (int)getpid());
	s->addr.sin_family = AF_INET;
	s->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->listener < 0 ||
	    bind(s->listener, (struct sockaddr *)&s->addr, sizeof(s->addr)) ||
	    listen(s->listener, 4) ||
	    getsockname(s->listener, (struct sockaddr *)&s->addr, &len) ||
	    pipe2(s->ready, O_CLOEXEC))
		return -1;
	s->conn = -1;
	s->j = json__new();
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct scene *s = *state;

	cgtest__destroy(t.root, true);
	yajl_tree_free(s->root);
	json__free(s->j);
	evidence__free(s->e);
	if (s->conn >= 0)
		close(s->conn);
	close(s->listener);
	close(s->ready[0]);
	close(s->ready[1]);
	unlink(s->file);
	rmdir(s->dir);
	free(s);
	return 0;
}

/* Binds an abstract unix socket named name (len bytes, may hold
 * newlines). */
static int unix_bound(const char *name, size_t len, bool listening)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memcpy(a.sun_path + 1, name, len);
	if (fd < 0 ||
	    bind(fd, (struct sockaddr *)&a,
		 offsetof(struct sockaddr_un, sun_path) + 1 + len) ||
	    (listening && listen(fd, 1)))
		_exit(90);
	return fd;
}

static void child_fd(int fd, int at)
{
	if (fd < 0 || dup2(fd, at) != at)
		_exit(91);
	close(fd);
}

/* In the sandbox, before the exec: cwd, the fds, then the new image. The
 * forged socket's name ends its /proc/net/unix line and adds one claiming
 * the TCP socket's inode for a unix socket. */
static void child_setup(void *arg)
{
	struct scene *s = arg;
	char forged[108];
	struct stat st;
	int tcp, n;

	if (chdir(s->dir))
		_exit(92);
	child_fd(open(s->file, O_RDWR | O_CREAT, 0600), FD_FILE);
	tcp = socket(AF_INET, SOCK_STREAM, 0);
	if (tcp < 0 || connect(tcp, (struct sockaddr *)&s->addr,
			       sizeof(s->addr)) || fstat(tcp, &st))
		_exit(93);
	child_fd(tcp, FD_TCP);
	child_fd(unix_bound(s->abstract, strlen(s->abstract), true), FD_UNIX);
	n = snprintf(forged, sizeof(forged), "x\n0000000000000000: 00000002 "
		     "00000000 00010000 0001 01 %lu /run/fake.sock",
		     (unsigned long)st.st_ino);
	child_fd(unix_bound(forged, (size_t)n, false), FD_FORGED);
	child_fd(dup(s->ready[1]), FD_READY);
	execv(s->exe, (char *const *)child_argv);
	_exit(94);
}

/* After the exec (main saw CHILD_FLAG): a grandchild holding many fds,
 * which says when it is ready; both wait to be killed. */
static int child_main(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (int i = 0; i < NR_MANY; i++)
			dup2(FD_FILE, FD_MANY + i);
		if (write(FD_READY, "r", 1) != 1)
			_exit(95);
	}
	for (;;)
		pause();
}

/* Starts the child in sandbox sb and waits until its grandchild is ready
 * and its connection accepted. */
static void start_child(struct scene *s, const char *sb)
{
	struct pollfd pfd = { .fd = s->ready[0], .events = POLLIN };
	socklen_t len = sizeof(s->peer);
	char c;

	s->child = cgtest__spawn(sb, child_setup, s);
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	assert_int_equal(read(s->ready[0], &c, 1), 1);
	s->conn = accept4(s->listener, (struct sockaddr *)&s->peer, &len,
			  SOCK_CLOEXEC);
	assert_true(s->conn >= 0);
}

static const struct evidence_fd *fd_of(const struct evidence_proc *p, int fd)
{
	for (size_t i = 0; i < p->nr_fds; i++)
		if (p->fds[i].fd == fd)
			return &p->fds[i];
	fail_msg("pid %d: no fd %d", (int)p->pid, fd);
	return NULL;
}

static void expect_argv(const struct evidence_proc *p)
{
	char want[256];
	size_t len = 0;

	for (const char *const *a = child_argv; *a; a++)
		len += snprintf(want + len, sizeof(want) - len, "%s", *a) + 1;
	assert_int_equal(p->argv_len, len);
	assert_memory_equal(p->argv, want, len);
	assert_false(p->argv_truncated);
}

static void expect_sock(const struct evidence_fd *f, const char *proto,
			const char *local, const char *remote,
			const char *state)
{
	assert_non_null(f->sock);
	assert_string_equal(f->sock->proto, proto);
	assert_string_equal(f->sock->local, local);
	assert_string_equal(f->sock->remote, remote);
	assert_string_equal(f->sock->state, state);
}

static void expect_child(const struct scene *s, const struct evidence_proc *p)
{
	char local[64], remote[64], name[80];

	assert_int_equal(p->pid, s->child);
	assert_int_equal(p->ppid, getpid());
	assert_int_equal(p->uid, 0);
	assert_string_equal(p->comm, "test_evidence");
	assert_string_equal(p->exe, s->exe);
	assert_string_equal(p->cwd, s->dir);
	expect_argv(p);
	assert_false(p->fds_truncated);

	assert_string_equal(fd_of(p, FD_FILE)->target, s->file);
	assert_null(fd_of(p, FD_FILE)->sock);
	assert_memory_equal(fd_of(p, FD_READY)->target, "pipe:[", 6);
	assert_null(fd_of(p, FD_READY)->sock);

	snprintf(remote, sizeof(remote), "127.0.0.1:%u",
		 ntohs(s->addr.sin_port));
	snprintf(local, sizeof(local), "127.0.0.1:%u",
		 ntohs(s->peer.sin_port));
	assert_memory_equal(fd_of(p, FD_TCP)->target, "socket:[", 8);
	expect_sock(fd_of(p, FD_TCP), "tcp", local, remote, "ESTABLISHED");

	snprintf(name, sizeof(name), "@%s", s->abstract);
	expect_sock(fd_of(p, FD_UNIX), "unix", name, "", "LISTEN");
	/* the forged name shows up to its newline; its forged line did not
	 * turn the TCP socket into a unix one (checked above) */
	expect_sock(fd_of(p, FD_FORGED), "unix", "@x", "", "UNCONNECTED");
}

static void expect_grandchild(const struct scene *s,
			      const struct evidence_proc *p)
{
	assert_int_equal(p->ppid, s->child);
	assert_true(p->fds_truncated);
	assert_int_equal(p->nr_fds, EVIDENCE_MAX_FDS);
	for (size_t i = 1; i < p->nr_fds; i++)
		assert_true(p->fds[i - 1].fd < p->fds[i].fd);
	expect_argv(p);
}

/* yajl helpers: the value at a path of keys, of any type. */
static yajl_val at(yajl_val v, const char *const *path)
{
	yajl_val r = yajl_tree_get(v, (const char **)path, yajl_t_any);

	if (!r)
		fail_msg("no %s", path[0]);
	return r;
}

static void render(struct scene *s, const struct evidence *e)
{
	const char *buf = NULL;
	size_t len = 0;
	char err[256] = "";

	json__begin(s->j);
	json__str(s->j, "type", "action");
	evidence__render(s->j, "evidence", e);
	assert_int_equal(json__end(s->j, &buf, &len), 0);
	s->len = len;
	yajl_tree_free(s->root);
	s->root = yajl_tree_parse(buf, err, sizeof(err));
	if (!s->root)
		fail_msg("yajl rejected %s: %s", buf, err);
}

static void expect_json_proc(yajl_val p, const struct evidence_proc *want)
{
	static const char *const keys[] = {
		"pid", "ppid", "uid", "comm", "exe", "cwd", "argv",
		"argv_truncated", "fds", "fds_truncated",
	};
	yajl_val argv = at(p, (const char *[]){ "argv", NULL });
	yajl_val fds = at(p, (const char *[]){ "fds", NULL });

	assert_true(YAJL_IS_OBJECT(p));
	assert_int_equal(p->u.object.len, sizeof(keys) / sizeof(*keys));
	for (size_t i = 0; i < p->u.object.len; i++)
		assert_string_equal(p->u.object.keys[i], keys[i]);
	assert_int_equal(YAJL_GET_INTEGER(at(p, (const char *[]){ "pid", NULL })),
			 want->pid);
	assert_string_equal(YAJL_GET_STRING(at(p, (const char *[]){ "comm", NULL })),
			    want->comm);
	assert_int_equal(argv->u.array.len, 6);
	assert_string_equal(YAJL_GET_STRING(argv->u.array.values[2]),
			    "two words");
	assert_string_equal(YAJL_GET_STRING(argv->u.array.values[3]), "");
	assert_string_equal(YAJL_GET_STRING(argv->u.array.values[5]),
			    "\xef\xbf\xbd\xef\xbf\xbd");	/* U+FFFD twice */
	assert_int_equal(fds->u.array.len, want->nr_fds);
}

static void expect_json(const struct scene *s)
{
	yajl_val ev = at(s->root, (const char *[]){ "evidence", NULL });
	yajl_val procs = at(ev, (const char *[]){ "processes", NULL });
	yajl_val fds, fd, sock;

	assert_true(YAJL_IS_INTEGER(at(ev, (const char *[]){ "taken_at_ns",
							     NULL })));
	assert_true(YAJL_IS_FALSE(at(ev, (const char *[]){
		"processes_truncated", NULL })));
	assert_int_equal(procs->u.array.len, 2);
	expect_json_proc(procs->u.array.values[0], &s->e->procs[0]);
	expect_json_proc(procs->u.array.values[1], &s->e->procs[1]);

	fds = at(procs->u.array.values[0], (const char *[]){ "fds", NULL });
	for (size_t i = 0; i < fds->u.array.len; i++) {
		fd = fds->u.array.values[i];
		if (YAJL_GET_INTEGER(at(fd, (const char *[]){ "fd", NULL })) !=
		    FD_TCP)
			continue;
		sock = at(fd, (const char *[]){ "socket", NULL });
		assert_string_equal(YAJL_GET_STRING(at(sock, (const char *[]){
			"proto", NULL })), "tcp");
		assert_string_equal(YAJL_GET_STRING(at(sock, (const char *[]){
			"state", NULL })), "ESTABLISHED");
		return;
	}
	fail_msg("no fd %d in the JSON", FD_TCP);
}

static void test_take(void **state)
{
	struct scene *s = *state;
	char sb[PATH_MAX];

	start_child(s, cgtest__mkdir(&t, sb, "sb"));
	assert_int_equal(killswitch__freeze(sb, 5000), 0);
	s->e = evidence__take(sb);
	assert_non_null(s->e);
	assert_true(s->e->taken_ns > 0);
	assert_false(s->e->procs_truncated);
	assert_int_equal(s->e->nr_procs, 2);	/* ascending pids */
	expect_child(s, &s->e->procs[0]);
	expect_grandchild(s, &s->e->procs[1]);

	render(s, s->e);
	expect_json(s);
}

/* Gone (reaped), a zombie, never existed: left out; duplicates once. */
static void test_vanished(void **state)
{
	struct scene *s = *state;
	pid_t gone = fork(), zombie, live;
	siginfo_t si;

	if (gone == 0)
		_exit(0);
	assert_int_equal(waitpid(gone, NULL, 0), gone);
	zombie = fork();
	if (zombie == 0)
		_exit(0);
	assert_int_equal(waitid(P_PID, zombie, &si, WEXITED | WNOWAIT), 0);
	live = fork();
	if (live == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		cgtest__idle(NULL);
	}

	s->e = evidence__take_pids((pid_t[]){ live, gone, zombie, live,
					      0x3fffffff }, 5);
	assert_non_null(s->e);
	assert_int_equal(s->e->nr_procs, 1);
	assert_int_equal(s->e->procs[0].pid, live);
	assert_false(s->e->procs_truncated);

	kill(live, SIGKILL);
	waitpid(live, NULL, 0);
	waitpid(zombie, NULL, 0);
}

/* Whether pid's command line starts with prefix (len bytes). */
static bool cmdline_is(pid_t pid, const char *prefix, size_t len)
{
	char path[64], buf[64];
	ssize_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf));
		close(fd);
	}
	return n >= (ssize_t)len && memcmp(buf, prefix, len) == 0;
}

/* A command line longer than EVIDENCE_MAX_ARGV is cut there, flagged. */
static void test_argv_truncated(void **state)
{
	static char big[EVIDENCE_MAX_ARGV + 1000];
	char *const argv[] = { "long", IDLE_FLAG, big, NULL };
	struct scene *s = *state;
	pid_t pid;

	memset(big, 'a', sizeof(big) - 1);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execv(s->exe, argv);
		_exit(94);
	}
	for (int i = 0; i < 5000 && !cmdline_is(pid, "long", 5); i++)
		usleep(1000);
	s->e = evidence__take_pids(&pid, 1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_non_null(s->e);
	assert_int_equal(s->e->nr_procs, 1);
	assert_true(s->e->procs[0].argv_truncated);
	assert_int_equal(s->e->procs[0].argv_len, EVIDENCE_MAX_ARGV);
	assert_memory_equal(s->e->procs[0].argv, "long\0" IDLE_FLAG "\0aaa",
			    5 + sizeof(IDLE_FLAG) + 3);
	assert_int_equal(s->e->procs[0].argv[EVIDENCE_MAX_ARGV - 1], 'a');
}

/* A sandbox that cannot be listed is an empty snapshot, not NULL. */
static void test_take_gone(void **state)
{
	struct scene *s = *state;
	char gone[PATH_MAX];

	s->e = evidence__take(cgtest__path(&t, gone, "no-such-sandbox"));
	assert_non_null(s->e);
	assert_int_equal(s->e->nr_procs, 0);
	render(s, s->e);
	render(s, NULL);
	assert_true(YAJL_IS_NULL(at(s->root, (const char *[]){ "evidence",
							       NULL })));
}

/* Roots by pid, each followed by its subtree (children by pid); a parent
 * cycle last. */
static void test_tree_order(void **state)
{
	static const pid_t pid[] = { 10, 30, 20, 5, 40, 50, 60, 7 };
	static const pid_t ppid[] = { 30, 1, 10, 99, 30, 60, 50, 7 };
	static const long long want[] = { 5, 7, 30, 10, 20, 40, 50, 60 };
	struct evidence_proc procs[8] = { 0 };
	struct evidence e = { .procs = procs, .nr_procs = 8 };
	struct scene *s = *state;
	yajl_val arr;

	for (int i = 0; i < 8; i++) {
		procs[i].pid = pid[i];
		procs[i].ppid = ppid[i];
	}
	render(s, &e);
	arr = at(s->root, (const char *[]){ "evidence", "processes", NULL });
	assert_int_equal(arr->u.array.len, 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(YAJL_GET_INTEGER(at(arr->u.array.values[i],
			(const char *[]){ "pid", NULL })), want[i]);
	assert_true(YAJL_IS_NULL(at(arr->u.array.values[0],
				    (const char *[]){ "exe", NULL })));
}

/* 256 processes with long command lines do not fit a Kafka message:
 * the rendering stops at its budget and says the list is cut. */
static void test_render_budget(void **state)
{
	static struct evidence_proc procs[EVIDENCE_MAX_PROCS];
	static char argv[EVIDENCE_MAX_ARGV];
	struct evidence e = { .procs = procs, .nr_procs = EVIDENCE_MAX_PROCS };
	struct scene *s = *state;
	yajl_val arr;

	memset(argv, 'a', sizeof(argv));
	for (int i = 0; i < EVIDENCE_MAX_PROCS; i++)
		procs[i] = (struct evidence_proc){ .pid = i + 2, .ppid = 1,
						   .argv = argv,
						   .argv_len = sizeof(argv) };
	render(s, &e);
	arr = at(s->root, (const char *[]){ "evidence", "processes", NULL });
	assert_true(arr->u.array.len > 100);
	assert_true(arr->u.array.len < EVIDENCE_MAX_PROCS);
	assert_true(YAJL_IS_TRUE(at(s->root, (const char *[]){
		"evidence", "processes_truncated", NULL })));
	assert_true(s->len < EVIDENCE_RENDER_BYTES + (64 << 10));
}

/* argv without its last NUL (cut) still ends in a string; sockets with
 * empty fields render them null. */
static void test_render_edges(void **state)
{
	struct evidence_sock sock = { .proto = "unix", .state = "CONNECTED" };
	struct evidence_fd fd = { .fd = 3, .target = "socket:[1]",
				  .sock = &sock };
	struct evidence_proc p = { .pid = 1, .argv = "a\0\0b", .argv_len = 4,
				   .argv_truncated = true, .fds = &fd,
				   .nr_fds = 1 };
	struct evidence e = { .procs = &p, .nr_procs = 1 };
	struct scene *s = *state;
	yajl_val proc, argv, js;

	render(s, &e);
	proc = at(s->root, (const char *[]){ "evidence", "processes", NULL })
		       ->u.array.values[0];
	argv = at(proc, (const char *[]){ "argv", NULL });
	assert_int_equal(argv->u.array.len, 3);
	assert_string_equal(YAJL_GET_STRING(argv->u.array.values[0]), "a");
	assert_string_equal(YAJL_GET_STRING(argv->u.array.values[1]), "");
	assert_string_equal(YAJL_GET_STRING(argv->u.array.values[2]), "b");
	assert_true(YAJL_IS_TRUE(at(proc, (const char *[]){ "argv_truncated",
							    NULL })));
	js = at(at(proc, (const char *[]){ "fds", NULL })->u.array.values[0],
		(const char *[]){ "socket", NULL });
	assert_true(YAJL_IS_NULL(at(js, (const char *[]){ "local", NULL })));
	assert_true(YAJL_IS_NULL(at(js, (const char *[]){ "remote", NULL })));
	assert_string_equal(YAJL_GET_STRING(at(js, (const char *[]){
		"state", NULL })), "CONNECTED");
}

static void expect_parsed(const char *proto, const char *line,
			  const char *local, const char *remote,
			  const char *state, uint64_t ino)
{
	struct evidence_sock s;
	uint64_t got = 0;

	if (evidence_sock__parse(proto, line, &s, &got))
		fail_msg("%s line rejected: %s", proto, line);
	assert_string_equal(s.proto, proto);
	assert_string_equal(s.local, local);
	assert_string_equal(s.remote, remote);
	assert_string_equal(s.state, state);
	assert_int_equal(got, ino);
}

static void expect_rejected(const char *proto, const char *line)
{
	struct evidence_sock s;
	uint64_t ino;

	if (!evidence_sock__parse(proto, line, &s, &ino))
		fail_msg("%s line accepted: %s", proto, line);
}

static void test_parse(void **state)
{
	char line[1024], path[600];

	expect_parsed("tcp", "   0: 0100007F:1F90 00000000:0000 0A 00000000:"
		      "00000000 00:00000000 00000000     0        0 12345 1 "
		      "0000000000000000 100 0 0 10 0\n",
		      "127.0.0.1:8080", "0.0.0.0:0", "LISTEN", 12345);
	expect_parsed("tcp6", "   1: 00000000000000000000000001000000:01BB "
		      "0000000000000000FFFF00000100007F:D431 01 00000000:"
		      "00000000 00:00000000 00000000  1000        0 99 1\n",
		      "[::1]:443", "[::ffff:127.0.0.1]:54321", "ESTABLISHED",
		      99);
	expect_parsed("udp", "  123: 0100007F:0035 00000000:0000 07 00000000:"
		      "00000000 00:00000000 00000000   101        0 777 2 "
		      "0000000000000000 0\n",
		      "127.0.0.1:53", "0.0.0.0:0", "CLOSE", 777);
	expect_parsed("tcp", "   0: 0100007F:1F90 00000000:0000 42 0:0 0:0 0 "
		      "0 0 5\n", "127.0.0.1:8080", "0.0.0.0:0", "STATE_66", 5);
	expect_parsed("unix", "0000000000000000: 00000002 00000000 00010000 "
		      "0001 01 4242 @abstract\n", "@abstract", "", "LISTEN",
		      4242);
	expect_parsed("unix", "ffff8a0c1e4b7000: 00000003 00000000 00000000 "
		      "0001 03  1455\n", "", "", "CONNECTED", 1455);
	expect_parsed("unix", "0000000000000000: 00000002 00000000 00000000 "
		      "0002 01 17 /tmp/a b\n", "/tmp/a b", "", "UNCONNECTED",
		      17);

	/* A path longer than the field is cut, never overflows. */
	memset(path, 'p', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	snprintf(line, sizeof(line), "0000000000000000: 00000002 00000000 "
		 "00000000 0001 01 8 /%s\n", path);
	{
		struct evidence_sock s;
		uint64_t ino;

		assert_int_equal(evidence_sock__parse("unix", line, &s, &ino),
				 0);
		assert_int_equal(strlen(s.local), EVIDENCE_ADDR_LEN - 1);
	}

	expect_rejected("tcp", "  sl  local_address rem_address   st tx_queue "
			"rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
	expect_rejected("unix", "Num       RefCount Protocol Flags    Type St "
			"Inode Path\n");
	expect_rejected("tcp", "   0: 0100007F:1F90 00000000:0000 0A\n");
	expect_rejected("tcp", "   0: 0100007F0:1F90 00000000:0000 0A 0:0 0:0 "
			"0 0 0 5\n");	/* 9 hex digits */
	expect_rejected("tcp6", "   0: 0100007F:1F90 00000000:0000 0A 0:0 0:0 "
			"0 0 0 5\n");	/* v4 address in tcp6 */
	expect_rejected("unix", "0000000000000000: 00000002\n");
	expect_rejected("unix", "");

	assert_int_equal(evidence_sock__inode("socket:[123]"), 123);
	assert_int_equal(evidence_sock__inode("socket:[123]x"), 0);
	assert_int_equal(evidence_sock__inode("socket:[]"), 0);
	assert_int_equal(evidence_sock__inode("pipe:[123]"), 0);
	assert_int_equal(evidence_sock__inode("/tmp/socket:[1]"), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_take),
		T(test_vanished),
		T(test_argv_truncated),
		T(test_take_gone),
		T(test_tree_order),
		T(test_render_edges),
	T(test_render_budget),
		T(test_parse),
#undef T
	};

	if (argc > 1 && strcmp(argv[1], CHILD_FLAG) == 0)
		return child_main();
	if (argc > 1 && strcmp(argv[1], IDLE_FLAG) == 0)
		cgtest__idle(NULL);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
