/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The Kafka sink's configuration: what vigil's config and flags give it,
 * checked, and librdkafka's producer configuration built from it. */
#ifndef VIGIL_KAFKA_CONF_H
#define VIGIL_KAFKA_CONF_H

#include <stdint.h>
#include <librdkafka/rdkafka.h>

/* A spooled record keeps its topic by index: new topics go last. */
enum kafka_topic { KAFKA_EVENTS, KAFKA_ALERTS, KAFKA_ACTIONS, KAFKA_AUDIT,
		   KAFKA_TOPICS };

#define KAFKA_MAX_PROPERTIES 64
#define KAFKA_SPOOL_DIR      "/var/lib/vigil/spool"
#define KAFKA_SPOOL_MB       1024
#define KAFKA_FLUSH_MS       5000

struct kafka_opts {
	const char *brokers;			/* "host:port,..." */
	const char *topics[KAFKA_TOPICS];
	const char *properties[KAFKA_MAX_PROPERTIES];	/* "key=value" */
	int nr_properties;
	const char *spool_dir;
	uint64_t spool_max_bytes;
	unsigned int flush_timeout_ms;		/* on close */
};

/* Checks "host:port[,host:port]..." (hosts may be [v6]:port). */
int kafka_conf__check_brokers(const char *brokers, const char *where);

/* A producer configuration with vigil's defaults and o's brokers and
 * properties; NULL with the offending setting logged. */
rd_kafka_conf_t *kafka_conf__build(const struct kafka_opts *o);

#endif /* VIGIL_KAFKA_CONF_H */
