// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vigil daemon: watch every sandbox under the roots until told to stop;
 * vigil unpin: the uninstall that disarms what a daemon left pinned. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "control.h"
#include "log.h"
#include "pins.h"

/* daemon and unpin take the same options, so that unpin finds the pin
 * directory from the same flags or config file as the daemon. */
static int daemon__parse(int argc, char **argv, struct config *cfg)
{
	static const struct option options[] = {
		CLI_COMMON_OPTIONS,
		{ "pin-dir", required_argument, NULL, OPT_PIN_DIR },
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
	    daemon__pin_dir(&cfg, &roots, pin_dir, sizeof(pin_dir)) ||
	    cli__collector_opts(&cfg, &roots, cfg.rules_off ? NULL : &rs, &co))
		goto out;
	co.pin_dir = pin_dir;
	co.stage_times = getenv("VIGIL_STAGE_TIMES") &&
			 !strcmp(getenv("VIGIL_STAGE_TIMES"), "1");
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
