/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The collector's settings: built-in defaults, then the YAML config file,
 * then command-line flags, each overriding the one before. Every error in
 * the file is reported as FILE:LINE:COL: message.
 */
#ifndef VIGIL_CONFIG_H
#define VIGIL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "records.h"
#include "kafka.h"
#include "metrics_addr.h"

#define CONFIG_FLOW_INTERVAL_MS 1000
#define CONFIG_RINGBUF_MB       16
#define CONFIG_REPEAT_RATE      20000
#define CONFIG_MAX_RULES        32	/* rule paths */
#define CONFIG_RULES_BUILTIN    "builtin"	/* the shipped rule set */
#define CONFIG_MAX_ERRORS       50	/* shown per file; the rest counted */

struct config {
	char *roots[VIGIL_MAX_ROOTS];
	int nr_roots;
	char *output;			/* "-" for stdout */
	unsigned int flow_interval_ms;
	unsigned int ringbuf_mb;	/* power of two */
	unsigned int repeat_rate;	/* opens/s before repeats are counted */
	/* The Kafka sink, on when brokers is set. */
	char *kafka_brokers;
	char *kafka_topics[KAFKA_TOPICS];
	char *kafka_properties[KAFKA_MAX_PROPERTIES];	/* "name=value" */
	int nr_kafka_properties;
	char *spool_dir;
	unsigned int spool_max_mb;
	unsigned int kafka_flush_ms;
	/* Rules: files or directories, CONFIG_RULES_BUILTIN for the shipped
	 * set. None given means the shipped set; rules_off means none. */
	char *rules[CONFIG_MAX_RULES];
	int nr_rules;
	bool rules_off;
	char *evidence_dir;		/* "" keeps evidence in records only */
	char *approvals_dir;		/* "": pending requests in memory only */
	unsigned int evidence_max;
	unsigned int history;
	unsigned int kill_ms;
	char *control_socket;		/* "" for none */
	char *pin_dir;			/* NULL: derived from the roots */
	/* The metrics endpoint (metrics_http.h), off unless set; a
	 * non-loopback address only with metrics_remote. */
	bool metrics_on;
	struct metrics_addr metrics;
	bool metrics_remote;
	/* The web console (console.h), off unless set. */
	bool console_on;
	struct metrics_addr console;
	bool console_remote;
	char *console_tls_cert, *console_tls_key;	/* NULL: none */
	char *console_token;
	char *audit;			/* the audit trail's file, NULL: none */
	char *baseline;			/* --baseline FILE, NULL: none */
};

void config__defaults(struct config *c);
/* Reads path over the current settings; returns 0 or -EINVAL with every
 * problem logged. */
int config__load(struct config *c, const char *path);
void config__free(struct config *c);

/* Sets one scalar setting by its name in the file ("output",
 * "kafka.brokers", ...), as the file and the command line both do; `where`
 * names the source in error messages ("--output", "FILE:3:5"). Returns 0,
 * -ENOENT for an unknown name, or -EINVAL (logged). */
int config__set(struct config *c, const char *name, const char *text,
		const char *where);
/* The list-valued settings. */
int config__add_root(struct config *c, const char *path, const char *where);
int config__add_rules(struct config *c, const char *path, const char *where);
int config__add_kafka_property(struct config *c, const char *name_value,
			       const char *where);
/* "TYPE=NAME": the topic for records of TYPE (events, alerts, actions). */
int config__set_kafka_topic(struct config *c, const char *type_name,
			    const char *where);
/* The Kafka sink's options as the sink takes them. */
void config__kafka_opts(const struct config *c, struct kafka_opts *o);
int config__set_uint(unsigned int *out, const char *text, unsigned int min,
		     unsigned int max, const char *where);
int config__set_str(char **out, const char *text);

#endif /* VIGIL_CONFIG_H */
