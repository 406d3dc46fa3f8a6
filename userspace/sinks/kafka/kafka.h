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

#include "kafka_conf.h"
#include "sink.h"

/* The sink, connected or not: an unreachable broker is a warning and the
 * records wait in the spool. NULL on bad configuration, logged. */
struct sink *sink__kafka(const struct kafka_opts *o);

#endif /* VIGIL_KAFKA_H */
