/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The vigil command line: subcommands and the options they share. */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "collector.h"
#include "config.h"
#include "control.h"
#include "ruleset.h"

#define EXIT_USAGE 2	/* bad flags or arguments */

/* Long options every collecting subcommand takes; their values are >= 256
 * so they never clash with a subcommand's own short options. */
enum cli_opt {
	OPT_ROOT = 256,
	OPT_OUTPUT,
	OPT_CONFIG,
	OPT_FLOW_INTERVAL,
	OPT_RINGBUF_MB,
	OPT_REPEAT_RATE,
	OPT_KAFKA_BROKERS,
	OPT_KAFKA_PROPERTY,
	OPT_KAFKA_TOPIC,
	OPT_SPOOL_DIR,
	OPT_SPOOL_MAX_MB,
	OPT_RULES,
	OPT_NO_RULES,
	OPT_EVIDENCE_DIR,
	OPT_CONTROL,
	OPT_PIN_DIR,		/* daemon and unpin only */
	OPT_METRICS,
	OPT_METRICS_REMOTE,
	OPT_AUDIT,
	OPT_BASELINE,
	OPT_APPROVALS_DIR,	/* daemon only, as are the console's */
	OPT_CONSOLE,
	OPT_CONSOLE_REMOTE,
	OPT_CONSOLE_TLS_CERT,
	OPT_CONSOLE_TLS_KEY,
	OPT_CONSOLE_TOKEN,
};

#define CLI_COMMON_OPTIONS						\
	{ "sandbox-root", required_argument, NULL, OPT_ROOT },		\
	{ "output", required_argument, NULL, OPT_OUTPUT },		\
	{ "config", required_argument, NULL, OPT_CONFIG },		\
	{ "flow-interval", required_argument, NULL, OPT_FLOW_INTERVAL }, \
	{ "ringbuf-mb", required_argument, NULL, OPT_RINGBUF_MB },	\
	{ "repeat-rate", required_argument, NULL, OPT_REPEAT_RATE },	\
	{ "kafka-brokers", required_argument, NULL, OPT_KAFKA_BROKERS }, \
	{ "kafka-property", required_argument, NULL, OPT_KAFKA_PROPERTY }, \
	{ "kafka-topic", required_argument, NULL, OPT_KAFKA_TOPIC },	\
	{ "spool-dir", required_argument, NULL, OPT_SPOOL_DIR },	\
	{ "spool-max-mb", required_argument, NULL, OPT_SPOOL_MAX_MB },	\
	{ "rules", required_argument, NULL, OPT_RULES },		\
	{ "no-rules", no_argument, NULL, OPT_NO_RULES },		\
	{ "evidence-dir", required_argument, NULL, OPT_EVIDENCE_DIR },	\
	{ "control", required_argument, NULL, OPT_CONTROL },		\
	{ "baseline", required_argument, NULL, OPT_BASELINE },		\
	{ "verbose", no_argument, NULL, 'v' },				\
	{ "help", no_argument, NULL, 'h' }

/* Applies one common option to cfg. Returns 1 when opt was one of them, 0
 * when it is the subcommand's own, or a negative errno (logged): -EIO for
 * an unusable config file, another for a bad value (a usage error). The
 * config file is read where --config appears, so flags after it win. */
int cli__common_option(int opt, const char *arg, struct config *cfg);

/* Loads the rules cfg names (the shipped set when it names none) into
 * rs, which must then be given to ruleset__fini. Returns 0 or -EINVAL
 * with every error logged as FILE:LINE:COL. */
int cli__rules(const struct config *cfg, struct ruleset *rs);

/* The baselines of rs's profiles (`baseline:`) and cfg's --baseline,
 * loaded into *out (NULL when there are none). 0, or -EINVAL with every
 * mistake logged as FILE:LINE:COL. */
int cli__baselines(const struct config *cfg, const struct ruleset *rs,
		   struct baselines **out);

/* A subcommand's [--rules FILE|DIR]... [--baseline FILE] [--help] into
 * cfg (defaulted here), --baseline only where baseline is true: 0 with
 * optind at the first operand, 1 when --help printed help on stdout, -1
 * for a bad option. */
int cli__rules_options(int argc, char **argv, struct config *cfg,
		       const char *help, bool baseline);

/* Collector options from a finished config; sinks included. rs: loaded
 * rules, or NULL for none. */
int cli__collector_opts(const struct config *cfg, const struct roots *roots,
			const struct ruleset *rs, struct collector_opts *o);

/* One turn of a serving loop: records, timers, and the control socket's
 * clients (ctl may be NULL). Returns collector__poll's result. */
int cli__serve(struct collector *c, struct control *ctl, int timeout_ms);

/* Logs the collector's closing stats. */
void cli__log_stats(const struct collector_stats *s);

/* SIGINT and SIGTERM set a flag and interrupt the poll; returns the last
 * such signal (0 if none). */
void cli__catch_signals(void);
int cli__signalled(void);
/* The daemon's SIGHUP (logrotate, systemctl reload) sets a flag and
 * interrupts the poll, instead of ending it; cli__hangup says whether
 * one came since it was last asked. */
void cli__catch_hangup(void);
bool cli__hangup(void);

void cli__usage(bool full);
/* The exit status for a negative cli__common_option result. */
int cli__option_status(int err);
int cli__daemon(int argc, char **argv);
/* vigil unpin: removes the pinned state a daemon's settings name. */
int cli__unpin(int argc, char **argv);
int cli__run(int argc, char **argv);
/* vigil baseline learn|show|diff|merge|eval */
int cli__baseline(int argc, char **argv);
/* vigil rules check|test */
int cli__rules_cmd(int argc, char **argv);
/* vigil profile check */
int cli__profile_cmd(int argc, char **argv);
/* vigil status, thaw, kill and freeze: clients of a running daemon's
 * control socket (control.h). Whether cmd is one of them; argv[0] is the
 * subcommand, and the exit status is 0 done, 1 refused by or unable to
 * reach the daemon, 2 bad usage. */
bool cli__is_ctl(const char *cmd);
int cli__ctl(int argc, char **argv);
/* The same for request cmd, name as the user calls it in messages
 * ("baseline save" for learning-save). */
int cli__ctl_as(int argc, char **argv, const char *cmd, const char *name);
/* vigil audit verify FILE. */
int cli__audit(int argc, char **argv);

#endif /* VIGIL_CLI_H */
