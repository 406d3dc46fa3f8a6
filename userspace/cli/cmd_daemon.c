// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vigil daemon: watch every sandbox under the roots until told to stop;
 * vigil unpin: the uninstall that disarms what a daemon left pinned. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "console.h"
#include "control.h"
#include "digest.h"
#include "lifecycle.h"
#include "log.h"
#include "metrics_http.h"
#include "pins.h"
#include "reload.h"

/* daemon and unpin take the same options, so that unpin finds the pin
 * directory from the same flags or config file as the daemon. */
static int daemon__parse(int argc, char **argv, struct config *cfg)
{
	static const struct option options[] = {
		CLI_COMMON_OPTIONS,
		{ "pin-dir", required_argument, NULL, OPT_PIN_DIR },
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ "metrics-remote", no_argument, NULL, OPT_METRICS_REMOTE },
		{ "audit", required_argument, NULL, OPT_AUDIT },
		{ "approvals-dir", required_argument, NULL, OPT_APPROVALS_DIR },
		{ "console", required_argument, NULL, OPT_CONSOLE },
		{ "console-remote", no_argument, NULL, OPT_CONSOLE_REMOTE },
		{ "console-tls-cert", required_argument, NULL,
		  OPT_CONSOLE_TLS_CERT },
		{ "console-tls-key", required_argument, NULL,
		  OPT_CONSOLE_TLS_KEY },
		{ "console-token", required_argument, NULL, OPT_CONSOLE_TOKEN },
		{ 0 },
	};
	int opt, r;

	while ((opt = getopt_long(argc, argv, "vh", options, NULL)) != -1) {
		if (opt == 'h') {
			cli__usage(true);
			exit(0);
		}
		r = cli__common_option(opt, optarg, cfg);
		if (r < 0)
			return cli__option_status(r);
		if (r == 0) {
			cli__usage(false);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		log_error("%s takes no arguments (got \"%s\")", argv[0],
			  argv[optind]);
		cli__usage(false);
		return EXIT_USAGE;
	}
	return 0;
}

/* The control socket, when configured and there are rules to act on. */
static bool daemon__has_control(const struct config *cfg)
{
	return !cfg->rules_off && cfg->control_socket[0];
}

static int daemon__status(void *ctx, struct json *j)
{
	return policy__control_ops()->status(collector__policy(ctx), j);
}

/* The act's record goes out, into the audit trail synced, before the
 * reply says the act is done. */
static int daemon__act(void *ctx, const char *cmd, const char *sandbox,
		       const struct control_peer *peer, struct json *j,
		       char *err, size_t errlen)
{
	int r = policy__control_ops()->act(collector__policy(ctx), cmd,
					   sandbox, peer, j, err, errlen);

	collector__settle(ctx);
	return r;
}

static int daemon__approvals(void *ctx, struct json *j)
{
	return policy__control_ops()->approvals(collector__policy(ctx), j);
}

/* As an act: the decision's record is out before the reply. */
static int daemon__decide(void *ctx, const struct control_decision *d,
			  const struct control_peer *peer, struct json *j,
			  char *err, size_t errlen)
{
	int r = policy__control_ops()->decide(collector__policy(ctx), d, peer,
					      j, err, errlen);

	collector__settle(ctx);
	return r;
}

static int daemon__alerts(void *ctx, struct json *j)
{
	return policy__control_ops()->alerts(collector__policy(ctx), j);
}

static int daemon__learning(void *ctx, bool save, struct json *j)
{
	return policy__control_ops()->learning(collector__policy(ctx), save,
					       j);
}

static const struct control_ops daemon_ops = {
	.status = daemon__status,
	.act = daemon__act,
	.approvals = daemon__approvals,
	.decide = daemon__decide,
	.alerts = daemon__alerts,
	.learning = daemon__learning,
};

static int daemon__control(const struct config *cfg, struct collector *c,
			   struct control **ctl)
{
	int err;

	*ctl = NULL;
	if (!daemon__has_control(cfg))
		return 0;
	err = control__open(ctl, cfg->control_socket, &daemon_ops, c);
	if (err)
		log__errno(err, "control socket %s", cfg->control_socket);
	return err;
}

/* SIGHUP: the output files reopened (rotation), then the rules read
 * again and swapped in, here between two polls (reload.h). systemd
 * hears of the reload (Type=notify-reload's protocol, harmless for
 * Type=notify). */
static void daemon__hangup(struct reload *r)
{
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
		   (unsigned long long)(clock__mono_ns() / 1000));
	collector__reopen(r->c);
	reload__rules(r);
	sd_notify(0, "READY=1\nSTATUS=watching the sandboxes");
}

/* Under systemd (Type=notify), `systemctl start` returns once the
 * programs are attached; sd_notify does nothing without NOTIFY_SOCKET. */
static int daemon__serve(struct reload *r, struct control *ctl)
{
	int n = 0;

	log_info("ready");
	sd_notify(0, "READY=1\nSTATUS=watching the sandboxes");
	while (!cli__signalled()) {
		n = cli__serve(r->c, ctl, 1000);
		if (n < 0 && n != -EINTR) {
			log__errno(n, "reading the ring buffer");
			return EXIT_FAILURE;
		}
		if (cli__hangup())
			daemon__hangup(r);
	}
	sd_notify(0, "STOPPING=1");
	return 0;
}

/* The metrics endpoint, when configured: listening before anything is
 * loaded (a taken port is found at once), /healthz answering 503 until
 * the programs are attached. */
static int daemon__metrics(const struct config *cfg, const struct ruleset *rs,
			   struct metrics **m, struct metrics_http **http)
{
	char digest[SHA256_HEX];
	struct metrics_opts mo = {
		.rules = cfg->rules_off ? NULL : rs,
		.rules_sha256 = digest,
		.tick_ms = cfg->flow_interval_ms,
	};

	if (!cfg->metrics_on)
		return 0;
	if (digest__rules(mo.rules, digest))
		return -ENOMEM;
	*m = metrics__new(&mo);
	if (!*m)
		return -ENOMEM;
	return metrics_http__start(http, *m, &cfg->metrics,
				   cfg->metrics_remote);
}

/* The web console, when configured: it acts through the control
 * socket, so it needs one. */
static int daemon__console(const struct config *cfg, struct console **con)
{
	struct console_opts o = {
		.addr = cfg->console, .remote = cfg->console_remote,
		.tls_cert = cfg->console_tls_cert,
		.tls_key = cfg->console_tls_key,
		.token_file = cfg->console_token,
		.control = cfg->control_socket,
	};

	if (!cfg->console_on)
		return 0;
	if (!daemon__has_control(cfg)) {
		log_error("--console needs the control socket and rules");
		return -EINVAL;
	}
	return console__start(con, &o);
}

/* With an audit trail, the start is a record of its own (lifecycle.h),
 * the rules it runs with named. */
static int daemon__started(const struct config *cfg, struct collector *c,
			   const struct ruleset *rs)
{
	if (!cfg->audit)
		return 0;
	return lifecycle__rules(c, "start", cfg->rules_off ? NULL : rs);
}

/* --pin-dir, or the roots' own directory under PINS_DEFAULT_BASE. */
static int daemon__pin_dir(const struct config *cfg,
			   const struct roots *roots, char *out, size_t size)
{
	if (!cfg->pin_dir)
		return pins__default_dir(roots, out, size);
	if (snprintf(out, size, "%s", cfg->pin_dir) < (int)size)
		return 0;
	log_error("--pin-dir is too long");
	return -ENAMETOOLONG;
}

int cli__daemon(int argc, char **argv)
{
	char pin_dir[PATH_MAX];
	struct config cfg;
	struct roots roots;
	struct collector_opts co;
	struct collector_stats stats;
	struct collector *c = NULL;
	struct control *ctl = NULL;
	struct metrics *metrics = NULL;
	struct metrics_http *http = NULL;
	/* On the heap: a reload replaces it (reload.h). */
	struct reload r = { .cfg = &cfg, .live = calloc(1, sizeof(*r.live)) };
	struct console *console = NULL;
	int status;

	config__defaults(&cfg);
	status = r.live ? daemon__parse(argc, argv, &cfg) : EXIT_FAILURE;
	if (status)
		goto out;
	status = EXIT_FAILURE;
	/* Every mistake that needs no kernel is found before a program is
	 * loaded. */
	if (cli__rules(&cfg, r.live) ||
	    (daemon__has_control(&cfg) &&
	     control__prepare(cfg.control_socket)) ||
	    roots__init(&roots, (const char *const *)cfg.roots, cfg.nr_roots) ||
	    daemon__pin_dir(&cfg, &roots, pin_dir, sizeof(pin_dir)) ||
	    daemon__metrics(&cfg, r.live, &metrics, &http) ||
	    daemon__console(&cfg, &console) ||
	    cli__collector_opts(&cfg, &roots, cfg.rules_off ? NULL : r.live,
				&co))
		goto out;
	co.pin_dir = pin_dir;
	co.metrics = metrics;
	co.stage_times = getenv("VIGIL_STAGE_TIMES") &&
			 !strcmp(getenv("VIGIL_STAGE_TIMES"), "1");
	cli__catch_signals();
	cli__catch_hangup();
	if (collector__start(&c, &co))
		goto out;
	r.c = c;
	r.metrics = metrics;
	if (daemon__started(&cfg, c, r.live) == 0 &&
	    daemon__control(&cfg, c, &ctl) == 0)
		status = daemon__serve(&r, ctl);
	/* Its event streams ask the control socket: it stops first. */
	console__stop(console);
	console = NULL;
	control__close(ctl);
	if (cfg.audit)
		lifecycle__stop(c, cli__signalled());
	/* The server reads the collector's maps and programs: it stops
	 * first. */
	metrics_http__stop(http);
	http = NULL;
	collector__stop(c, &stats);
	cli__log_stats(&stats);
out:
	console__stop(console);
	metrics_http__stop(http);
	metrics__free(metrics);
	if (r.live)
		ruleset__fini(r.live);
	free(r.live);
	config__free(&cfg);
	return status;
}

/* Removes the pinned state cfg names: 0, or EXIT_FAILURE (logged). */
static int daemon__unpin(const struct config *cfg)
{
	char pin_dir[PATH_MAX];
	struct roots roots;
	bool removed;

	/* The roots only name the directory when --pin-dir does not. */
	if ((!cfg->pin_dir &&
	     roots__init(&roots, (const char *const *)cfg->roots,
			 cfg->nr_roots)) ||
	    daemon__pin_dir(cfg, &roots, pin_dir, sizeof(pin_dir)) ||
	    pins__remove(pin_dir, &removed))
		return EXIT_FAILURE;
	if (removed)
		log_info("removed the pinned programs and maps in %s", pin_dir);
	else
		log_info("nothing pinned in %s", pin_dir);
	return 0;
}

int cli__unpin(int argc, char **argv)
{
	struct config cfg;
	int status;

	config__defaults(&cfg);
	status = daemon__parse(argc, argv, &cfg) ?: daemon__unpin(&cfg);
	config__free(&cfg);
	return status;
}
