/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Kafka sink: every record to a topic by type (events, alerts,
 * actions), keyed by sandbox id so a sandbox's records keep their order in
 * one partition, with headers schema, type and host. librdkafka does the
 * protocol (idempotent, acks=all, compressed, batched); this module decides
 * what happens when the broker cannot take records: they go to the on-disk
 * spool, in order, and are replayed before newer records once it can.
 */
#ifndef VIGIL_KAFKA_H
#define VIGIL_KAFKA_H

#include <stdint.h>

#include "sink.h"

enum kafka_topic { KAFKA_EVENTS, KAFKA_ALERTS, KAFKA_ACTIONS, KAFKA_TOPICS };

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
int kafka__check_brokers(const char *brokers, const char *where);

/* The sink, connected or not: an unreachable broker is a warning and the
 * records wait in the spool. NULL on bad configuration, logged. */
struct sink *sink__kafka(const struct kafka_opts *o);

#endif /* VIGIL_KAFKA_H */
