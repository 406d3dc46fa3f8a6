// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The producer's librdkafka configuration: vigil's defaults, then the
 * user's properties over them, each checked by librdkafka itself so an
 * unknown name or a bad value is an error at start-up, not a surprise. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <librdkafka/rdkafka.h>

#include "kafka_conf.h"
#include "log.h"

/* What "nothing lost, fast" needs; a user property of the same name wins. */
static const char *const defaults[][2] = {
	{ "enable.idempotence", "true" },	/* no duplicates on retry */
	{ "acks", "all" },
	{ "compression.codec", "zstd" },
	{ "linger.ms", "20" },
	{ "batch.num.messages", "10000" },
	/* The in-memory bound: past it, records go to the spool. Bytes bind
	 * first: 6 MiB of records (about 10 MiB with librdkafka's own
	 * bookkeeping) hold well over 200,000 records/s in flight to a
	 * local broker (make bench) and keep the daemon under 64 MiB of
	 * RSS under a flood; 256 MiB let it reach 180 MiB. */
	{ "queue.buffering.max.messages", "100000" },
	{ "queue.buffering.max.kbytes", "6144" },
	/* A record the broker has not taken by then is spooled. */
	{ "message.timeout.ms", "10000" },
	{ "socket.keepalive.enable", "true" },
	/* Notice a returning broker within a second, not ten. */
	{ "reconnect.backoff.ms", "100" },
	{ "reconnect.backoff.max.ms", "1000" },
};

static bool port__valid(const char *p, size_t len)
{
	long port = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		port = port * 10 + (p[i] - '0');
	}
	return port > 0 && port < 65536;
}

/* One "host:port" or "[v6]:port" of length len. */
static bool broker__valid(const char *b, size_t len)
{
	const char *colon;

	if (len && b[0] == '[') {
		const char *close = memchr(b, ']', len);

		return close && close > b + 1 && close + 1 < b + len &&
		       close[1] == ':' &&
		       port__valid(close + 2, b + len - close - 2);
	}
	colon = memrchr(b, ':', len);
	return colon && colon > b && !memchr(b, ':', colon - b) &&
	       port__valid(colon + 1, b + len - colon - 1);
}

int kafka_conf__check_brokers(const char *brokers, const char *where)
{
	const char *p = brokers;

	do {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (!broker__valid(p, len)) {
			log_error("%s: \"%.*s\" is not HOST:PORT (in \"%s\")",
				  where, (int)len, p, brokers);
			return -EINVAL;
		}
		p = comma ? comma + 1 : NULL;
	} while (p);
	return 0;
}

static int conf__set(rd_kafka_conf_t *conf, const char *name,
		     const char *value, const char *where)
{
	char err[512];

	if (rd_kafka_conf_set(conf, name, value, err, sizeof(err)) !=
	    RD_KAFKA_CONF_OK) {
		log_error("%s: %s", where, err);
		return -EINVAL;
	}
	return 0;
}

/* A user property "name=value", applied. */
static int conf__property(rd_kafka_conf_t *conf, const char *prop)
{
	const char *eq = strchr(prop, '=');
	char name[256];

	if (!eq || eq == prop || (size_t)(eq - prop) >= sizeof(name)) {
		log_error("kafka property \"%s\": expected NAME=VALUE", prop);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(eq - prop), prop);
	return conf__set(conf, name, eq + 1, "kafka property");
}

rd_kafka_conf_t *kafka_conf__build(const struct kafka_opts *o)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	int err = 0;

	for (size_t i = 0; !err && i < sizeof(defaults) / sizeof(defaults[0]);
	     i++)
		err = conf__set(conf, defaults[i][0], defaults[i][1],
				"kafka default");
	if (!err)
		err = kafka_conf__check_brokers(o->brokers,
						"--kafka-brokers") ?:
		      conf__set(conf, "bootstrap.servers", o->brokers,
				"--kafka-brokers");
	for (int i = 0; !err && i < o->nr_properties; i++)
		err = conf__property(conf, o->properties[i]);
	if (err) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	return conf;
}
