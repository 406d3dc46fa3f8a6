// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vigil daemon: watch every sandbox under the roots until told to stop. */
#include <errno.h>
#include <stdlib.h>

#include "cli.h"
#include "control.h"
#include "log.h"

static int daemon__parse(int argc, char **argv, struct config *cfg)
{
	static const struct option options[] = {
		CLI_COMMON_OPTIONS,
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
		log_error("daemon takes no arguments (got \"%s\")",
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

static int daemon__control(const struct config *cfg, struct collector *c,
			   struct control **ctl)
{
	int err;

	*ctl = NULL;
	if (!daemon__has_control(cfg))
		return 0;
	err = control__open(ctl, cfg->control_socket, policy__control_ops(),
			    collector__policy(c));
	if (err)
		log__errno(err, "control socket %s", cfg->control_socket);
	return err;
}

static int daemon__serve(struct collector *c, struct control *ctl)
{
	int n = 0;

	log_info("ready");
	while (!cli__signalled()) {
		n = cli__serve(c, ctl, 1000);
		if (n < 0 && n != -EINTR) {
			log__errno(n, "reading the ring buffer");
			return EXIT_FAILURE;
		}
	}
	return 0;
}

int cli__daemon(int argc, char **argv)
{
	struct config cfg;
	struct roots roots;
	struct collector_opts co;
	struct collector_stats stats;
	struct collector *c = NULL;
	struct control *ctl = NULL;
	struct ruleset rs = { 0 };
	int status;

	config__defaults(&cfg);
	status = daemon__parse(argc, argv, &cfg);
	if (status)
		goto out;
	status = EXIT_FAILURE;
	/* Every mistake that needs no kernel is found before a program is
	 * loaded. */
	if (cli__rules(&cfg, &rs) ||
	    (daemon__has_control(&cfg) &&
	     control__prepare(cfg.control_socket)) ||
	    roots__init(&roots, (const char *const *)cfg.roots, cfg.nr_roots) ||
	    cli__collector_opts(&cfg, &roots, cfg.rules_off ? NULL : &rs, &co))
		goto out;
	cli__catch_signals();
	if (collector__start(&c, &co))
		goto out;
	if (daemon__control(&cfg, c, &ctl) == 0)
		status = daemon__serve(c, ctl);
	control__close(ctl);
	collector__stop(c, &stats);
	cli__log_stats(&stats);
out:
	ruleset__fini(&rs);
	config__free(&cfg);
	return status;
}
