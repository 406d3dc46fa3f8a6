// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vigil: the entry point. Picks the subcommand; each lives in its own
 * cmd_*.c file. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	log__libbpf();
	if (!cmd) {
		cli__usage(false);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "help")) {
		cli__usage(true);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("vigil %s\n", VIGIL_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "daemon"))
		return cli__daemon(argc - 1, argv + 1);
	if (!strcmp(cmd, "unpin"))
		return cli__unpin(argc - 1, argv + 1);
	if (!strcmp(cmd, "run"))
		return cli__run(argc - 1, argv + 1);
	if (!strcmp(cmd, "baseline"))
		return cli__baseline(argc - 1, argv + 1);
	if (!strcmp(cmd, "rules"))
		return cli__rules_cmd(argc - 1, argv + 1);
	if (!strcmp(cmd, "profile"))
		return cli__profile_cmd(argc - 1, argv + 1);
	if (!strcmp(cmd, "audit"))
		return cli__audit(argc - 1, argv + 1);
	if (cli__is_ctl(cmd))
		return cli__ctl(argc - 1, argv + 1);
	log_error("unknown command \"%s\"", cmd);
	cli__usage(false);
	return EXIT_USAGE;
}
