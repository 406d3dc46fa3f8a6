// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The control socket end to end: a real socket in a private directory,
 * the server in this process driven by fake ops that record their calls,
 * clients in a thread (control__connect/control__call), a raw socket, or
 * a forked child (another uid, or the vigil status/kill/... commands with
 * their output captured). Replies are compared as exact text.
 *
 * Runs as root, as the daemon does: the file modes, the owner and the
 * refusal of another uid cannot be checked otherwise, so those tests fail
 * rather than skip when not root.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
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
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "child.h"

#include "clock.h"
#include "control.h"
#include "cli.h"

#define NOBODY 65534
#define STATUS_REPLY							\
	"{\"ok\":true,\"sandboxes\":[{\"id\":\"sb-1\",\"profile\":"	\
	"\"python-agent\",\"risk\":42,\"state\":\"running\",\"procs\":3},"	\
	"{\"id\":\"sb-\\u001B[2J\",\"profile\":null}]}"

/* The daemon's side, recorded. */
struct fake {
	int status_calls;
	int act_calls;
	char cmd[16];
	char sandbox[300];
	char reason[1100];	/* the peer's, "(none)" without */
	uid_t uid;
	pid_t pid;
	int ret;		/* what the ops return */
	const char *err;	/* what act writes into err, if anything */
	bool misbuild;		/* act leaves an object open */
	int sleep_ms;		/* act takes this long */
};

struct fixture {
	char dir[64];		/* mkdtemp */
	char run[96];		/* dir/run, made by control__open */
	char path[128];		/* run/control.sock */
	struct fake fake;
	struct control *c;
};

/* Two sandboxes: one fully known, one with an id holding a terminal
 * escape and most members missing. Members written before a failure
 * must never reach the client. */
static int fake_status(void *ctx, struct json *j)
{
	struct fake *f = ctx;

	f->status_calls++;
	json__arr_begin(j, "sandboxes");
	json__obj_begin(j, NULL);
	json__str(j, "id", "sb-1");
	json__str(j, "profile", "python-agent");
	json__int(j, "risk", 42);
	json__str(j, "state", "running");
	json__int(j, "procs", 3);
	json__obj_end(j);
	json__obj_begin(j, NULL);
	json__str(j, "id", "sb-\x1b[2J");
	json__null(j, "profile");
	json__obj_end(j);
	json__arr_end(j);
	return f->ret;
}

static int fake_act(void *ctx, const char *cmd, const char *sandbox,
		    const struct control_peer *peer, struct json *j, char *err,
		    size_t errlen)
{
	struct fake *f = ctx;

	f->act_calls++;
	snprintf(f->reason, sizeof(f->reason), "%s",
		 peer->reason ? peer->reason : "(none)");
	f->uid = peer->uid;
	f->pid = peer->pid;
	snprintf(f->cmd, sizeof(f->cmd), "%s", cmd);
	snprintf(f->sandbox, sizeof(f->sandbox), "%s", sandbox);
	json__str(j, "sandbox", sandbox);
	json__str(j, "did", cmd);
	if (f->misbuild)
		json__obj_begin(j, "open");
	if (f->sleep_ms)
		usleep(f->sleep_ms * 1000);
	if (f->ret && f->err)
		snprintf(err, errlen, "%s", f->err);
	return f->ret;
}

static const struct control_ops fake_ops = {
	.status = fake_status,
	.act = fake_act,
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/vigil-control-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->run, sizeof(f->run), "%s/run", f->dir);
	snprintf(f->path, sizeof(f->path), "%s/control.sock", f->run);
	*state = f;
	return control__open(&f->c, f->path, &fake_ops, &f->fake) ? -1 : 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	control__close(f->c);
	unlink(f->path);
	rmdir(f->run);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void must_be_root(void)
{
	if (geteuid() != 0)
		fail_msg("this test needs root (as the daemon does); run it "
			 "as root");
}

/* Serves until done(arg); fails after 10 s. */
static void serve_until(struct fixture *f, bool (*done)(void *), void *arg)
{
	struct pollfd p = { .fd = control__fd(f->c), .events = POLLIN };
	long long end = clock__mono_ms() + 10000;

	while (!done(arg)) {
		if (clock__mono_ms() > end)
			fail_msg("the client did not finish within 10 s");
		poll(&p, 1, 10);
		control__serve(f->c);
	}
}

/* A client in a thread: one request, one reply. */
struct call {
	const char *path;
	const char *line;
	char *reply;
	int err;
	atomic_bool done;
};

static void *call__run(void *arg)
{
	struct call *k = arg;
	int fd = control__connect(k->path, 5000);

	k->err = fd < 0 ? fd : control__call(fd, k->line, 5000, &k->reply);
	if (fd >= 0)
		close(fd);
	atomic_store(&k->done, true);
	return NULL;
}

static bool call__done(void *arg)
{
	return atomic_load(&((struct call *)arg)->done);
}

/* The reply to line, which the caller frees. */
static char *request(struct fixture *f, const char *line)
{
	struct call k = { .path = f->path, .line = line };
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, call__run, &k), 0);
	serve_until(f, call__done, &k);
	assert_int_equal(pthread_join(t, NULL), 0);
	if (k.err)
		fail_msg("request %.80s: %s", line, strerror(-k.err));
	return k.reply;
}

static void expect_reply(struct fixture *f, const char *line,
			 const char *want)
{
	char *reply = request(f, line);

	assert_string_equal(reply, want);
	free(reply);
}

static void test_status_round_trip(void **state)
{
	struct fixture *f = *state;

	expect_reply(f, "{\"cmd\":\"status\"}", STATUS_REPLY);
	assert_int_equal(f->fake.status_calls, 1);
	assert_int_equal(f->fake.act_calls, 0);
	expect_reply(f, " { \"cmd\" : \"status\" } \r", STATUS_REPLY);
	assert_int_equal(f->fake.status_calls, 2);
}

/* The whole of what the server sends on fd before closing it. */
static void read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
}

/* A client may end its line by shutting down its side instead. */
static void test_end_of_file_ends_line(void **state)
{
	static const char req[] = "{\"cmd\":\"status\"}";
	struct fixture *f = *state;
	int fd = control__connect(f->path, 1000);
	char buf[512];

	assert_true(fd >= 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	assert_int_equal(shutdown(fd, SHUT_WR), 0);
	control__serve(f->c);
	read_all(fd, buf, sizeof(buf));
	close(fd);
	assert_string_equal(buf, STATUS_REPLY "\n");
}

static void test_actions_pass_sandbox(void **state)
{
	static const char *const cmds[] = { "thaw", "kill", "freeze" };
	struct fixture *f = *state;
	char line[128], want[128];

	for (int i = 0; i < 3; i++) {
		snprintf(line, sizeof(line),
			 "{\"sandbox\":\"sb-4%d\",\"cmd\":\"%s\"}", i, cmds[i]);
		snprintf(want, sizeof(want),
			 "{\"ok\":true,\"sandbox\":\"sb-4%d\",\"did\":\"%s\"}",
			 i, cmds[i]);
		expect_reply(f, line, want);
		assert_int_equal(f->fake.act_calls, i + 1);
		assert_string_equal(f->fake.cmd, cmds[i]);
		assert_int_equal(f->fake.sandbox[4], '0' + i);
	}
	/* a literal backslash before u0000 is no NUL */
	expect_reply(f, "{\"cmd\":\"kill\",\"sandbox\":\"a\\\\u0000\"}",
		     "{\"ok\":true,\"sandbox\":\"a\\\\u0000\",\"did\":\"kill\"}");
	assert_string_equal(f->fake.sandbox, "a\\u0000");
	assert_int_equal(f->fake.status_calls, 0);
}

/* The peer the kernel names, and the reason the request gives, reach the
 * op; a reason that is not a string of at most CONTROL_MAX_REASON bytes
 * is refused before it. */
static void test_peer_and_reason(void **state)
{
	struct fixture *f = *state;
	char line[CONTROL_MAX_REQUEST], reason[CONTROL_MAX_REASON + 2];

	expect_reply(f, "{\"cmd\":\"kill\",\"sandbox\":\"sb\"}",
		     "{\"ok\":true,\"sandbox\":\"sb\",\"did\":\"kill\"}");
	assert_string_equal(f->fake.reason, "(none)");
	assert_int_equal(f->fake.uid, 0);
	assert_int_equal(f->fake.pid, getpid());
	expect_reply(f, "{\"cmd\":\"freeze\",\"sandbox\":\"sb\","
		     "\"reason\":\"ticket 7: \\\"odd\\\" egress\"}",
		     "{\"ok\":true,\"sandbox\":\"sb\",\"did\":\"freeze\"}");
	assert_string_equal(f->fake.reason, "ticket 7: \"odd\" egress");
	expect_reply(f, "{\"cmd\":\"thaw\",\"sandbox\":\"sb\",\"reason\":7}",
		     "{\"ok\":false,\"error\":\"\\\"reason\\\" must be a string "
		     "of at most 1024 bytes\"}");
	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	snprintf(line, sizeof(line), "{\"cmd\":\"thaw\",\"sandbox\":\"sb\","
		 "\"reason\":\"%s\"}", reason);
	expect_reply(f, line, "{\"ok\":false,\"error\":\"\\\"reason\\\" must "
		     "be a string of at most 1024 bytes\"}");
	assert_int_equal(f->fake.act_calls, 2);
}

/* A failing op's members are dropped; its text, or strerror, is sent. */
static void test_ops_error(void **state)
{
	struct fixture *f = *state;

	f->fake.ret = -ESRCH;
	f->fake.err = "no sandbox sb-9";
	expect_reply(f, "{\"cmd\":\"kill\",\"sandbox\":\"sb-9\"}",
		     "{\"ok\":false,\"error\":\"no sandbox sb-9\"}");
	f->fake.err = NULL;
	expect_reply(f, "{\"cmd\":\"freeze\",\"sandbox\":\"sb-9\"}",
		     "{\"ok\":false,\"error\":\"No such process\"}");
	f->fake.ret = -EIO;
	expect_reply(f, "{\"cmd\":\"status\"}",
		     "{\"ok\":false,\"error\":\"Input/output error\"}");
	assert_int_equal(f->fake.act_calls, 2);
	assert_int_equal(f->fake.status_calls, 1);

	/* a reply the op left misbuilt is not sent half-made */
	f->fake.ret = 0;
	f->fake.misbuild = true;
	expect_reply(f, "{\"cmd\":\"thaw\",\"sandbox\":\"sb-9\"}",
		     "{\"ok\":false,\"error\":\"internal error: bad "
		     "reply\"}");
}

/* What no daemon should act on, and what it answers. */
static void test_bad_requests(void **state)
{
	static const char malformed[] =
		"{\"ok\":false,\"error\":\"malformed request: not one JSON "
		"object\"}";
	static const char no_sandbox[] =
		"{\"ok\":false,\"error\":\"missing or non-string "
		"\\\"sandbox\\\"\"}";
	static const char no_cmd[] =
		"{\"ok\":false,\"error\":\"missing or non-string "
		"\\\"cmd\\\"\"}";
	static const struct {
		const char *line, *want;
	} cases[] = {
		{ "not json", malformed },
		{ "", malformed },
		{ "[\"status\"]", malformed },
		{ "\"status\"", malformed },
		{ "{\"cmd\":", malformed },
		{ "{\"cmd\":\"status\"} {}", malformed },
		{ "{\"cmd\":\"st\xff\"}", malformed },
		{ "{}", no_cmd },
		{ "{\"cmd\":42}", no_cmd },
		{ "{\"cmd\":[\"status\"]}", no_cmd },
		{ "{\"cmd\":\"reboot\"}",
		  "{\"ok\":false,\"error\":\"unknown cmd \\\"reboot\\\"\"}" },
		{ "{\"cmd\":\"Status\"}",
		  "{\"ok\":false,\"error\":\"unknown cmd \\\"Status\\\"\"}" },
		{ "{\"cmd\":\"kill\"}", no_sandbox },
		{ "{\"cmd\":\"thaw\",\"sandbox\":7}", no_sandbox },
		{ "{\"cmd\":\"freeze\",\"sandbox\":null}", no_sandbox },
		{ "{\"cmd\":\"kill\",\"sandbox\":\"\"}",
		  "{\"ok\":false,\"error\":\"invalid sandbox id \\\"\\\"\"}" },
		{ "{\"cmd\":\"kill\",\"sandbox\":\"..\"}",
		  "{\"ok\":false,\"error\":\"invalid sandbox id "
		  "\\\"..\\\"\"}" },
		{ "{\"cmd\":\"kill\",\"sandbox\":\"../sb-1\"}",
		  "{\"ok\":false,\"error\":\"invalid sandbox id "
		  "\\\"../sb-1\\\"\"}" },
		{ "{\"cmd\":\"kill\",\"sandbox\":\"sb-1\\u0000x\"}",
		  "{\"ok\":false,\"error\":\"malformed request: a NUL "
		  "character\"}" },
	};
	struct fixture *f = *state;
	char deep[2 * 2000 + 1];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_reply(f, cases[i].line, cases[i].want);

	/* nesting far deeper than any request: refused, no crash */
	memset(deep, '[', 2000);
	memset(deep + 2000, ']', 2000);
	deep[4000] = '\0';
	expect_reply(f, deep, malformed);
	assert_int_equal(f->fake.status_calls, 0);
	assert_int_equal(f->fake.act_calls, 0);
}

/* A line of exactly CONTROL_MAX_REQUEST bytes passes; one more does
 * not. */
static void test_request_size_limit(void **state)
{
	static const char head[] = "{\"cmd\":\"status\",\"pad\":\"";
	struct fixture *f = *state;
	char *line = malloc(CONTROL_MAX_REQUEST + 2);
	size_t pad = CONTROL_MAX_REQUEST - strlen(head) - 2;

	assert_non_null(line);
	strcpy(line, head);
	memset(line + strlen(head), 'x', pad);
	strcpy(line + strlen(head) + pad, "\"}");
	assert_int_equal(strlen(line), CONTROL_MAX_REQUEST);
	expect_reply(f, line, STATUS_REPLY);

	memmove(line + 1, line, CONTROL_MAX_REQUEST + 1);
	line[0] = ' ';
	expect_reply(f, line, "{\"ok\":false,\"error\":\"request longer "
			      "than 4096 bytes\"}");
	assert_int_equal(f->fake.status_calls, 1);
	free(line);
}

/* A client that connects and says nothing costs the server one
 * CONTROL_CLIENT_MS, is told so and dropped; a client beside it is
 * answered all the same. */
static void test_idle_client_dropped(void **state)
{
	struct fixture *f = *state;
	int idle = control__connect(f->path, 1000);
	long long t0, took;
	char buf[256];

	assert_true(idle >= 0);
	t0 = clock__mono_ms();
	control__serve(f->c);
	took = clock__mono_ms() - t0;
	if (took < CONTROL_CLIENT_MS - 20 || took > 3 * CONTROL_CLIENT_MS)
		fail_msg("serving an idle client took %lld ms", took);
	read_all(idle, buf, sizeof(buf));
	assert_string_equal(buf, "{\"ok\":false,\"error\":\"no request "
				 "within 200 ms\"}\n");
	close(idle);

	idle = control__connect(f->path, 1000);
	assert_true(idle >= 0);
	t0 = clock__mono_ms();
	expect_reply(f, "{\"cmd\":\"status\"}", STATUS_REPLY);
	took = clock__mono_ms() - t0;
	if (took > 3 * CONTROL_CLIENT_MS)
		fail_msg("a client beside an idle one waited %lld ms", took);
	read_all(idle, buf, sizeof(buf));
	assert_string_equal(buf, "{\"ok\":false,\"error\":\"no request "
				 "within 200 ms\"}\n");
	close(idle);
}

static void send_line(int fd, const char *line)
{
	size_t len = strlen(line);

	if (write(fd, line, len) != (ssize_t)len || write(fd, "\n", 1) != 1)
		fail_msg("cannot send %s", line);
}

static void *send_status_later(void *arg)
{
	usleep(CONTROL_CLIENT_MS / 4 * 1000);
	send_line(*(int *)arg, "{\"cmd\":\"status\"}");
	return NULL;
}

/* An op slower than CONTROL_CLIENT_MS does not make a client of the same
 * batch, whose line came in meanwhile, late. */
static void test_slow_op_batch(void **state)
{
	struct fixture *f = *state;
	int a = control__connect(f->path, 1000);
	int b = control__connect(f->path, 1000);
	char buf[512];
	pthread_t t;

	assert_true(a >= 0 && b >= 0);
	send_line(a, "{\"cmd\":\"kill\",\"sandbox\":\"s\"}");
	f->fake.sleep_ms = 2 * CONTROL_CLIENT_MS;
	assert_int_equal(pthread_create(&t, NULL, send_status_later, &b), 0);
	control__serve(f->c);
	assert_int_equal(pthread_join(t, NULL), 0);
	read_all(a, buf, sizeof(buf));
	assert_string_equal(buf, "{\"ok\":true,\"sandbox\":\"s\","
				 "\"did\":\"kill\"}\n");
	read_all(b, buf, sizeof(buf));
	assert_string_equal(buf, STATUS_REPLY "\n");
	close(a);
	close(b);
}

/* Probes and clients that close without a request take no time. */
static void test_silent_close(void **state)
{
	struct fixture *f = *state;
	int fd = control__connect(f->path, 1000);
	long long t0;

	assert_true(fd >= 0);
	close(fd);
	t0 = clock__mono_ms();
	control__serve(f->c);
	assert_true(clock__mono_ms() - t0 < CONTROL_CLIENT_MS);
	expect_reply(f, "{\"cmd\":\"status\"}", STATUS_REPLY);
}

static void test_socket_modes(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	must_be_root();
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(stat(f->run, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(st.st_uid, 0);
	/* control__close removes the socket, and only it */
	control__close(f->c);
	f->c = NULL;
	assert_int_equal(lstat(f->path, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(stat(f->run, &st), 0);
}

/* A socket file nobody listens on, as a killed daemon leaves it. */
static void make_stale_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
}

static void test_stale_socket_replaced(void **state)
{
	struct fixture *f = *state;
	struct stat now;

	control__close(f->c);
	f->c = NULL;
	make_stale_socket(f->path);
	assert_int_equal(control__open(&f->c, f->path, &fake_ops, &f->fake),
			 0);
	assert_int_equal(lstat(f->path, &now), 0);
	assert_int_equal(now.st_mode & 07777, 0600);
	expect_reply(f, "{\"cmd\":\"status\"}", STATUS_REPLY);
}

static void test_non_socket_kept(void **state)
{
	struct fixture *f = *state;
	struct control *c = (struct control *)&c;
	struct stat st;
	int fd;

	control__close(f->c);
	f->c = NULL;
	fd = open(f->path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(control__open(&c, f->path, &fake_ops, &f->fake),
			 -EEXIST);
	assert_null(c);
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

static void test_second_daemon_refused(void **state)
{
	struct fixture *f = *state;
	struct control *c = (struct control *)&c;
	struct stat before, after;

	assert_int_equal(lstat(f->path, &before), 0);
	assert_int_equal(control__open(&c, f->path, &fake_ops, &f->fake),
			 -EADDRINUSE);
	assert_null(c);
	assert_int_equal(lstat(f->path, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	/* the first one still answers (and shrugs off the probe) */
	expect_reply(f, "{\"cmd\":\"status\"}", STATUS_REPLY);
}

static void test_bad_paths(void **state)
{
	struct control *c = (struct control *)&c;
	char longpath[200];

	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(control__open(&c, longpath, &fake_ops, NULL),
			 -ENAMETOOLONG);
	assert_null(c);
	assert_int_equal(control__open(&c, "", &fake_ops, NULL),
			 -ENAMETOOLONG);
	assert_int_equal(control__open(&c, "/nonexistent-vigil/a/b.sock",
				       &fake_ops, NULL), -ENOENT);
	control__close(NULL);
}

struct child {
	pid_t pid;
	int code;	/* its exit status, 128+N for signal N */
};

static bool child__gone(void *arg)
{
	struct child *c = arg;
	int status;

	if (waitpid(c->pid, &status, WNOHANG) != c->pid)
		return false;
	c->code = WIFEXITED(status) ? WEXITSTATUS(status)
				    : 128 + WTERMSIG(status);
	return true;
}

/* Runs fn in a child as uid and gid NOBODY while this process serves;
 * fails unless the child exits 0. */
static void as_nobody(struct fixture *f, int (*fn)(const char *path),
		      const char *what)
{
	struct child c = { .pid = fork() };

	assert_true(c.pid >= 0);
	if (c.pid == 0) {
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(10);
		_exit(fn(f->path));
	}
	serve_until(f, child__gone, &c);
	if (c.code != 0)
		fail_msg("%s: child exited %d (10: could not become nobody, "
			 "11: unexpected connect result, 12: no reply, 13: "
			 "wrong reply)", what, c.code);
}

static int connect_denied(const char *path)
{
	int fd = control__connect(path, 1000);

	if (fd >= 0)
		close(fd);
	return fd == -EACCES ? 0 : 11;
}

static int status_refused(const char *path)
{
	int fd = control__connect(path, 1000), r, code;
	char *reply = NULL;

	if (fd < 0)
		return 11;
	r = control__call(fd, "{\"cmd\":\"status\"}", 5000, &reply);
	close(fd);
	if (r)
		return 12;
	code = strcmp(reply, "{\"ok\":false,\"error\":\"permission "
			     "denied\"}") ? 13 : 0;
	free(reply);
	return code;
}

/* Another uid cannot even reach the socket; were its modes loosened, the
 * peer check would still refuse it. */
static void test_non_root_refused(void **state)
{
	struct fixture *f = *state;

	must_be_root();
	as_nobody(f, connect_denied, "connect as nobody");
	assert_int_equal(chmod(f->dir, 0755), 0);
	assert_int_equal(chmod(f->run, 0755), 0);
	assert_int_equal(chmod(f->path, 0666), 0);
	as_nobody(f, status_refused, "status as nobody");
	assert_int_equal(f->fake.status_calls, 0);
	/* root still gets its answer */
	expect_reply(f, "{\"cmd\":\"status\"}", STATUS_REPLY);
}

/* What a vigil command run in a child printed, and its exit status. */
struct cli_run {
	char out[4096];
	char err[4096];
	int status;
};

static void read_pipe(int fd, char *buf, size_t size)
{
	read_all(fd, buf, size);
	close(fd);
}

/* Runs vigil ARGS... (NULL-terminated) against the fixture's socket. */
static void cli(struct fixture *f, struct cli_run *r, ...)
{
	char *argv[8];
	int argc = 0, out[2], err[2];
	struct child c;
	va_list ap;

	va_start(ap, r);
	while (argc < 7 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	fflush(NULL);
	c.pid = fork();
	assert_true(c.pid >= 0);
	if (c.pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		c.code = cli__ctl(argc, argv);
		fflush(NULL);
		_exit(c.code);
	}
	close(out[1]);
	close(err[1]);
	serve_until(f, child__gone, &c);
	r->status = c.code;
	read_pipe(out[0], r->out, sizeof(r->out));
	read_pipe(err[0], r->err, sizeof(r->err));
}

static void test_cli_status(void **state)
{
	struct fixture *f = *state;
	struct cli_run r;

	cli(f, &r, "status", "--control", f->path, NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out,
		"SANDBOX     PROFILE       RISK  STATE    PROCS\n"
		"sb-1        python-agent    42  running      3\n"
		"sb-\\x1b[2J  -                -  -            -\n");
	assert_string_equal(r.err, "");

	cli(f, &r, "status", "--json", "--control", f->path, NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, STATUS_REPLY "\n");

	f->fake.ret = -EIO;
	cli(f, &r, "status", "--control", f->path, NULL);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "vigil: status: Input/output error\n");
}

static void test_cli_actions(void **state)
{
	struct fixture *f = *state;
	struct cli_run r;

	cli(f, &r, "freeze", "sb-7", "--control", f->path, NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "{\"ok\":true,\"sandbox\":\"sb-7\","
				   "\"did\":\"freeze\"}\n");
	assert_string_equal(f->fake.sandbox, "sb-7");

	f->fake.ret = -ESRCH;
	f->fake.err = "no sandbox sb-8";
	cli(f, &r, "kill", "--control", f->path, "--", "sb-8", NULL);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.out, "{\"ok\":false,\"error\":\"no sandbox "
				   "sb-8\"}\n");
	assert_string_equal(r.err, "vigil: sb-8: no sandbox sb-8\n");
	assert_string_equal(f->fake.cmd, "kill");
}

static void test_cli_usage_and_unreachable(void **state)
{
	struct fixture *f = *state;
	char gone[160], want[300];
	struct cli_run r;

	cli(f, &r, "thaw", "--control", f->path, NULL);
	assert_int_equal(r.status, 2);
	cli(f, &r, "thaw", "a", "b", NULL);
	assert_int_equal(r.status, 2);
	cli(f, &r, "status", "sb-1", NULL);
	assert_int_equal(r.status, 2);
	cli(f, &r, "status", "--no-such-flag", NULL);
	assert_int_equal(r.status, 2);
	cli(f, &r, "kill", "--help", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "EXIT STATUS"));
	assert_int_equal(f->fake.act_calls + f->fake.status_calls, 0);

	snprintf(gone, sizeof(gone), "%s/gone.sock", f->dir);
	cli(f, &r, "status", "--control", gone, NULL);
	assert_int_equal(r.status, 1);
	snprintf(want, sizeof(want), "vigil: cannot reach the daemon at %s: "
		 "No such file or directory (is vigil daemon running?)\n",
		 gone);
	assert_string_equal(r.err, want);
	assert_string_equal(r.out, "");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_status_round_trip),
		T(test_end_of_file_ends_line),
		T(test_actions_pass_sandbox),
		T(test_peer_and_reason),
		T(test_ops_error),
		T(test_bad_requests),
		T(test_request_size_limit),
		T(test_idle_client_dropped),
		T(test_slow_op_batch),
		T(test_silent_close),
		T(test_socket_modes),
		T(test_stale_socket_replaced),
		T(test_non_socket_kept),
		T(test_second_daemon_refused),
		T(test_bad_paths),
		T(test_non_root_refused),
		T(test_cli_status),
		T(test_cli_actions),
		T(test_cli_usage_and_unreachable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
