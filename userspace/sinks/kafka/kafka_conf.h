/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef VIGIL_KAFKA_CONF_H
#define VIGIL_KAFKA_CONF_H

#include <librdkafka/rdkafka.h>

#include "kafka.h"

/* A producer configuration with vigil's defaults and o's brokers and
 * properties; NULL with the offending setting logged. */
rd_kafka_conf_t *kafka_conf__build(const struct kafka_opts *o);

#endif /* VIGIL_KAFKA_CONF_H */
