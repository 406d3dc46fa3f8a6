// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vigil run: a sandbox for one command. The collector is attached before
 * the command starts, and the command enters its cgroup before it execs,
 * so its first record is its own exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "killswitch.h"
#include "cgroup.h"
#include "cli.h"
#include "control.h"
#include "log.h"
#include "relay.h"
#include "sandbox.h"

#define RUN_MAX_LABELS 32
#define RUN_ID_MAX     64
#define RUN_KILL_MS    5000	/* waiting for leftovers to die */
#define RUN_CONTROL_DIR "/run/vigil"

enum { OPT_ID = 512, OPT_LABEL, OPT_PROFILE };

struct run {
	struct config cfg;
	char id[RUN_ID_MAX + 1];
	const char *labels[RUN_MAX_LABELS];	/* "KEY=VALUE" */
	int nr_labels;
	const char *profile;
	char **cmd;
	char dir[PATH_MAX];
	char control[PATH_MAX];		/* "" for none */
	struct relay relay;		/* the command's stderr */
};

/* Sandbox ids and label keys become file and attribute names: keep them
 * to a safe alphabet. */
static bool name__valid(const char *s, size_t len)
{
	if (len == 0 || s[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._-", s[i]))
			return false;
	return true;
}

static int run__option(struct run *r, int opt, const char *arg)
{
	const char *eq;

	switch (opt) {
	case OPT_ID:
		if (strlen(arg) > RUN_ID_MAX || !name__valid(arg, strlen(arg))) {
			log_error("--sandbox-id \"%s\": use 1 to %d letters, "
				  "digits, '.', '_' or '-', not starting "
				  "with '.'", arg, RUN_ID_MAX);
			return -EINVAL;
		}
		strcpy(r->id, arg);
		return 0;
	case OPT_LABEL:
		eq = strchr(arg, '=');
		if (!eq || !name__valid(arg, eq - arg) ||
		    r->nr_labels == RUN_MAX_LABELS) {
			log_error("--label \"%s\": expected KEY=VALUE with KEY "
				  "of letters, digits, '.', '_' or '-' (at "
				  "most %d labels)", arg, RUN_MAX_LABELS);
			return -EINVAL;
		}
		r->labels[r->nr_labels++] = arg;
		return 0;
	case OPT_PROFILE:
		r->profile = arg;
		return 0;
	}
	cli__usage(false);
	return -EINVAL;
}

static int run__parse(struct run *r, int argc, char **argv)
{
	static const struct option options[] = {
		CLI_COMMON_OPTIONS,
		{ "sandbox-id", required_argument, NULL, OPT_ID },
		{ "label", required_argument, NULL, OPT_LABEL },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "approvals-dir", required_argument, NULL, OPT_APPROVALS_DIR },
		{ 0 },
	};
	int opt, c;

	/* "+": stop at the command, so its own flags stay its own. */
	while ((opt = getopt_long(argc, argv, "+vh", options, NULL)) != -1) {
		if (opt == 'h') {
			cli__usage(true);
			exit(0);
		}
		c = cli__common_option(opt, optarg, &r->cfg);
		if (c < 0)
			return cli__option_status(c);
		if (c == 0 && run__option(r, opt, optarg))
			return EXIT_USAGE;
	}
	if (optind == argc) {
		log_error("run: no command given (vigil run [OPTION]... -- "
			  "COMMAND [ARG]...)");
		return EXIT_USAGE;
	}
	if (r->cfg.nr_roots > 1) {
		log_error("run: give at most one --sandbox-root");
		return EXIT_USAGE;
	}
	r->cmd = argv + optind;
	if (!r->id[0])
		snprintf(r->id, sizeof(r->id), "run-%d", getpid());
	return 0;
}

static int run__setxattr(const char *dir, const char *name,
			 const char *value)
{
	if (setxattr(dir, name, value, strlen(value), 0)) {
		log__errno(errno, "cannot set %s on %s", name, dir);
		return -errno;
	}
	return 0;
}

/* The sandbox directory, labelled before any process enters it. */
static int run__make_sandbox(struct run *r, const struct roots *roots)
{
	char name[256];

	snprintf(r->dir, sizeof(r->dir), "%s/%s", roots->root[0].path, r->id);
	if (mkdir(r->dir, 0755)) {
		log__errno(errno, "cannot create sandbox %s", r->dir);
		r->dir[0] = '\0';	/* not ours: never remove it */
		return -errno;
	}
	for (int i = 0; i < r->nr_labels; i++) {
		const char *eq = strchr(r->labels[i], '=');

		snprintf(name, sizeof(name), "%s%.*s", XATTR_LABEL_PREFIX,
			 (int)(eq - r->labels[i]), r->labels[i]);
		if (run__setxattr(r->dir, name, eq + 1))
			return -EIO;
	}
	if (r->profile && run__setxattr(r->dir, XATTR_PROFILE, r->profile))
		return -EIO;
	return 0;
}

/* The command's stderr is the relay's pipe, and so is its stdout when
 * records take vigil's: the untrusted command must not write into the
 * record stream, nor beside vigil's own messages. vigil's stderr stays
 * open, close-on-exec, to say why an exec failed. */
__attribute__((noreturn)) static void run__exec(struct run *r)
{
	int vigil_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	int err;

	/* stderr last: until it is the pipe, a failure can still be said. */
	if (vigil_err < 0 ||
	    (!strcmp(r->cfg.output, "-") &&
	     dup2(r->relay.wfd, STDOUT_FILENO) < 0) ||
	    dup2(r->relay.wfd, STDERR_FILENO) < 0) {
		log__errno(errno, "cannot relay the output of %s", r->cmd[0]);
		_exit(127);
	}
	execvp(r->cmd[0], r->cmd);
	err = errno;
	dup2(vigil_err, STDERR_FILENO);
	log__errno(err, "cannot execute %s", r->cmd[0]);
	_exit(err == ENOENT ? 127 : 126);
}

/* The child: into the sandbox, then the command. */
static pid_t run__spawn(struct run *r)
{
	pid_t pid = fork();
	int err;

	if (pid != 0)
		return pid;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	err = cgroup__enter(r->dir, 0);
	if (err) {
		log__errno(err, "cannot enter sandbox %s", r->dir);
		_exit(127);
	}
	run__exec(r);
}

/* A frozen command cannot act on a forwarded signal: the sandbox is
 * killed instead. */
static void run__signal(struct run *r, struct collector *c, pid_t pid,
			int sig)
{
	struct policy *p = collector__policy(c);
	struct verdict v;

	if (p && policy__verdict(p, cgroup__id(r->dir), &v) &&
	    v.level == LEVEL_FREEZE)
		policy__kill(p, cgroup__id(r->dir));
	else
		kill(pid, sig);
}

/* Streams records until the command exits; forwards SIGINT/SIGTERM. */
static int run__wait(struct run *r, struct collector *c,
		     struct control *ctl, pid_t pid)
{
	int status, forwarded = 0;

	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			log__errno(errno, "cannot wait for %s", "the command");
			return EXIT_FAILURE;
		}
		if (cli__signalled() && cli__signalled() != forwarded) {
			forwarded = cli__signalled();
			run__signal(r, c, pid, forwarded);
		}
		cli__serve(c, ctl, 50);
		relay__pump(&r->relay);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status)
				 : 128 + WTERMSIG(status);
}

/* Leftover processes of the sandbox die with the command. */
static void run__empty_sandbox(struct run *r)
{
	int err = r->dir[0] ? killswitch__kill(r->dir, RUN_KILL_MS, NULL) : 0;

	if (err)
		log__errno(err, "cannot empty sandbox %s", r->dir);
}

static void run__remove_sandbox(struct run *r)
{
	if (!r->dir[0])
		return;
	run__empty_sandbox(r);
	if (rmdir(r->dir))
		log__errno(errno, "cannot remove sandbox %s", r->dir);
}

/* What vigil did to the command, said where the user looks. */
static void run__report(struct run *r, struct collector *c)
{
	struct policy *p = collector__policy(c);
	struct verdict v;

	if (!p || !policy__verdict(p, cgroup__id(r->dir), &v) ||
	    v.level < LEVEL_FREEZE)
		return;
	log_warn("sandbox %s: %s by vigil (%s%s%s, risk %.0f)", r->id,
		  v.level == LEVEL_KILL ? "killed" : "frozen", v.reason,
		  v.rule[0] ? " " : "", v.rule, v.risk);
}

/* vigil run's own control socket, so its frozen sandbox can be thawed
 * or killed: the configured path, or one named after the sandbox; none
 * without rules, as nothing would act. */
static int run__control_path(struct run *r)
{
	if (r->cfg.rules_off)
		return 0;
	if (r->cfg.control_socket[0])
		snprintf(r->control, sizeof(r->control), "%s",
			 r->cfg.control_socket);
	else
		snprintf(r->control, sizeof(r->control), "%s/run-%s.sock",
			 RUN_CONTROL_DIR, r->id);
	return control__prepare(r->control);
}

static int run__control(struct run *r, struct collector *c,
			struct control **ctl)
{
	int err;

	*ctl = NULL;
	if (!r->control[0])
		return 0;
	err = control__open(ctl, r->control, policy__control_ops(),
			    collector__policy(c));
	if (err)
		log__errno(err, "control socket %s", r->control);
	return err;
}

/* A profile the rules do not define would silently be "default": a
 * typo must not lower a sandbox's guard. */
static int run__check_profile(const struct run *r, const struct ruleset *rs)
{
	const struct profile *p;
	char known[1024] = "";
	size_t i, n = 0;

	if (!r->profile || r->cfg.rules_off)
		return 0;
	for (i = 0; (p = ruleset__profile_at(rs, i)); i++) {
		if (!strcmp(p->name, r->profile))
			return 0;
		if (n < sizeof(known))
			n += snprintf(known + n, sizeof(known) - n, "%s%s",
				      i ? ", " : "", p->name);
	}
	log_error("--profile \"%s\": no such profile in the rules (known: "
		  "%s)", r->profile, known);
	return -EINVAL;
}

/* Every mistake that needs no kernel, found before the sandbox is made
 * or a program loaded. Returns 0 or the exit status. */
static int run__check(struct run *r, struct ruleset *rs)
{
	if (cli__rules(&r->cfg, rs))
		return EXIT_FAILURE;
	if (run__check_profile(r, rs))
		return EXIT_USAGE;
	return run__control_path(r) ? EXIT_FAILURE : 0;
}

/* Runs the command with its stderr relayed; returns its status. */
static int run__command(struct run *r, struct collector *c,
			struct control *ctl)
{
	pid_t pid;
	int status;

	if (relay__open(&r->relay, STDERR_FILENO))
		return EXIT_FAILURE;
	pid = run__spawn(r);
	relay__started(&r->relay);
	if (pid < 0) {
		log__errno(errno, "cannot start %s", r->cmd[0]);
		status = EXIT_FAILURE;
	} else {
		status = run__wait(r, c, ctl, pid);
	}
	/* Emptied while the collector still runs, so the leftovers' exits
	 * are reported under the sandbox's name; removed after. With every
	 * writer gone, the command's last lines come before vigil's. */
	run__empty_sandbox(r);
	relay__close(&r->relay);
	return status;
}

static int run__execute(struct run *r, const struct roots *roots,
			const struct ruleset *rs)
{
	struct collector_opts co;
	struct collector_stats stats;
	struct collector *c;
	struct control *ctl;
	int status;

	if (run__make_sandbox(r, roots) ||
	    cli__collector_opts(&r->cfg, roots, rs, &co))
		return EXIT_FAILURE;
	/* Requests and grants are kept only in a directory given to this
	 * run (none by default), never one a daemon or a run has. */
	co.policy.approvals_own = true;
	co.only_sandbox = cgroup__id(r->dir);
	if (!co.only_sandbox) {		/* 0 would mean every sandbox */
		log__errno(errno, "cannot identify sandbox %s", r->dir);
		return EXIT_FAILURE;
	}
	cli__catch_signals();
	/* An inherited SIG_IGN would have the kernel reap the command before
	 * vigil learns its status. */
	signal(SIGCHLD, SIG_DFL);
	if (collector__start(&c, &co))
		return EXIT_FAILURE;
	collector__discover(c, co.only_sandbox);
	if (run__control(r, c, &ctl)) {
		collector__stop(c, NULL);
		return EXIT_FAILURE;
	}
	status = run__command(r, c, ctl);
	run__report(r, c);
	control__close(ctl);
	collector__stop(c, &stats);
	if (log__verbose())
		cli__log_stats(&stats);
	return status;
}

int cli__run(int argc, char **argv)
{
	struct run r = { 0 };
	struct ruleset rs = { 0 };
	struct roots roots;
	int status;

	config__defaults(&r.cfg);
	/* The daemon's socket is not run's: a run gets its own unless one
	 * is configured. */
	config__set_str(&r.cfg.control_socket, "");
	config__set_str(&r.cfg.approvals_dir, "");
	status = run__parse(&r, argc, argv);
	if (!status)
		status = run__check(&r, &rs);
	if (!status) {
		status = EXIT_FAILURE;
		if (!roots__init(&roots, (const char *const *)r.cfg.roots,
				 r.cfg.nr_roots))
			status = run__execute(&r, &roots, r.cfg.rules_off
							  ? NULL : &rs);
	}
	run__remove_sandbox(&r);
	ruleset__fini(&rs);
	config__free(&r.cfg);
	return status;
}
