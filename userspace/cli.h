/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The vigil command line: subcommands and the options they share. */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "collector.h"
#include "config.h"

#define EXIT_USAGE 2	/* bad flags or arguments */

/* Long options every collecting subcommand takes; their values are >= 256
 * so they never clash with a subcommand's own short options. */
enum cli_opt {
	OPT_ROOT = 256,
	OPT_OUTPUT,
	OPT_CONFIG,
	OPT_FLOW_INTERVAL,
	OPT_RINGBUF_MB,
	OPT_KAFKA_BROKERS,
	OPT_KAFKA_PROPERTY,
	OPT_KAFKA_TOPIC,
	OPT_SPOOL_DIR,
	OPT_SPOOL_MAX_MB,
};

#define CLI_COMMON_OPTIONS						\
	{ "sandbox-root", required_argument, NULL, OPT_ROOT },		\
	{ "output", required_argument, NULL, OPT_OUTPUT },		\
	{ "config", required_argument, NULL, OPT_CONFIG },		\
	{ "flow-interval", required_argument, NULL, OPT_FLOW_INTERVAL }, \
	{ "ringbuf-mb", required_argument, NULL, OPT_RINGBUF_MB },	\
	{ "kafka-brokers", required_argument, NULL, OPT_KAFKA_BROKERS }, \
	{ "kafka-property", required_argument, NULL, OPT_KAFKA_PROPERTY }, \
	{ "kafka-topic", required_argument, NULL, OPT_KAFKA_TOPIC },	\
	{ "spool-dir", required_argument, NULL, OPT_SPOOL_DIR },	\
	{ "spool-max-mb", required_argument, NULL, OPT_SPOOL_MAX_MB },	\
	{ "verbose", no_argument, NULL, 'v' },				\
	{ "help", no_argument, NULL, 'h' }

/* Applies one common option to cfg. Returns 1 when opt was one of them, 0
 * when it is the subcommand's own, or a negative errno (logged): -EIO for
 * an unusable config file, another for a bad value (a usage error). The
 * config file is read where --config appears, so flags after it win. */
int cli__common_option(int opt, const char *arg, struct config *cfg);

/* Collector options from a finished config; sinks included. */
int cli__collector_opts(const struct config *cfg, const struct roots *roots,
			struct collector_opts *o);

/* Logs the collector's closing stats. */
void cli__log_stats(const struct collector_stats *s);

/* SIGINT and SIGTERM set a flag and interrupt the poll; returns the last
 * such signal (0 if none). */
void cli__catch_signals(void);
int cli__signalled(void);

void cli__usage(bool full);
/* The exit status for a negative cli__common_option result. */
int cli__option_status(int err);
int cli__daemon(int argc, char **argv);
int cli__run(int argc, char **argv);

#endif /* VIGIL_CLI_H */
