// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Three states keep records in order and on disk when they cannot go out:
 *
 *   LIVE      records go straight to librdkafka (its queue is the bounded
 *             in-memory buffer).
 *   SPOOLING  the broker is unreachable or refusing: records go to the
 *             spool; once a second one spooled record is offered as a
 *             probe (the oldest; with the spool empty, the next one
 *             spooled). Probes come from the flush after every collector
 *             poll, so the spool drains whether or not records arrive.
 *   DRAINING  the probe got through (or the queue was full): the spool is
 *             replayed in order while newer records keep joining its end;
 *             once every spooled record is read and offered, back to LIVE.
 *             Newer records then queue behind the replayed ones in their
 *             partitions, which the idempotent producer keeps in order; a
 *             replayed one that fails rewinds the spool and makes trouble,
 *             which sends the newer ones to the spool after it.
 *
 * Trouble reported by a callback (a delivery failure, all brokers down) is
 * acted on after the poll that reported it: the queue is purged, and the
 * purged records' delivery reports put them in the spool, oldest first,
 * before any newer record is written there. Everything runs on the
 * collector's thread; the kill path never waits on any of it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>

#include "clock.h"
#include "kafka.h"
#include "kafka_conf.h"
#include "log.h"
#include "render.h"
#include "requeue.h"
#include "spool.h"

#define PROBE_NS      1000000000ull	/* SPOOLING: one probe a second */
#define SYNC_NS       50000000ull	/* spool made durable this often */
#define REPLAY_QUEUE  50000		/* replayed records in librdkafka */
#define READY_MS      3000		/* for the brokers and topics at start */
#define SERVE_EVERY   256		/* live records between delivery reports */
/* A message's opaque: LIVE | sequence for a record produced directly,
 * else the spool id + 1 (0 is never used). */
#define LIVE          (1ull << 63)

enum kafka_state { KAFKA_LIVE, KAFKA_SPOOLING, KAFKA_DRAINING };

struct kafka {
	struct sink sink;
	rd_kafka_t *rk;
	rd_kafka_topic_t *topic[KAFKA_TOPICS];
	struct spool *spool;
	enum kafka_state state;
	bool trouble;			/* set by callbacks, acted on after */
	bool probing;			/* a spooled record is out as a probe */
	bool purging;			/* our own purge: no trouble in it */
	uint64_t next_probe_ns;
	uint64_t next_sync_ns;
	unsigned int flush_timeout_ms;
	char host[256];
	uint64_t live_seq;		/* live records produced so far */
	uint64_t put_back;		/* records librdkafka gave back */
	uint64_t spool_lost;		/* the spool's lost records, counted */
	struct kafka_opts opts;		/* strings owned by the caller */
	bool want_lz4;			/* the broker refused zstd */
	bool want_restart;		/* the producer hit a fatal error */
	struct requeue returned;	/* live records given back undelivered */
};

static enum kafka_topic kafka__topic_of(const char *type, size_t len)
{
	if (len == 5 && !memcmp(type, "alert", 5))
		return KAFKA_ALERTS;
	if (len == 6 && !memcmp(type, "action", 6))
		return KAFKA_ACTIONS;
	/* People's decisions go with vigil's acts: never dropped. */
	if (len == 8 && !memcmp(type, "approval", 8))
		return KAFKA_ACTIONS;
	if (len == 5 && !memcmp(type, "audit", 5))
		return KAFKA_AUDIT;
	return KAFKA_EVENTS;
}

/* tag: the message's opaque (see LIVE). */
static rd_kafka_resp_err_t kafka__produce(struct kafka *k,
					  const struct spool_rec *r,
					  uint64_t tag)
{
	return rd_kafka_producev(
		k->rk, RD_KAFKA_V_RKT(k->topic[r->topic]),
		RD_KAFKA_V_KEY(r->key, r->key_len),
		RD_KAFKA_V_VALUE((void *)r->value, r->value_len),
		RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		RD_KAFKA_V_HEADER("schema", RENDER_SCHEMA, -1),
		RD_KAFKA_V_HEADER("type", r->type, r->type_len),
		RD_KAFKA_V_HEADER("host", k->host, -1),
		RD_KAFKA_V_OPAQUE((void *)(uintptr_t)tag), RD_KAFKA_V_END);
}

/* Into the spool; only events may be dropped, and each drop is counted
 * for the collector's drop records. */
static int kafka__to_spool(struct kafka *k, const struct spool_rec *r)
{
	int err = spool__append(k->spool, r, r->topic != KAFKA_EVENTS);

	k->sink.spooled += !err;
	if (err == -ENOSPC) {
		k->sink.dropped++;
	} else if (err) {
		log__errno(err, "kafka: cannot spool a %.*s record",
			   (int)r->type_len, r->type);
		k->sink.failed++;
	}
	return err;
}

static void kafka__put_back(void *ctx, const struct spool_rec *r)
{
	struct kafka *k = ctx;

	k->put_back++;
	kafka__to_spool(k, r);
}

/* Serves delivery reports, then spools what came back, oldest first. */
static void kafka__poll(struct kafka *k, int timeout_ms)
{
	rd_kafka_poll(k->rk, timeout_ms);
	requeue__drain(&k->returned, kafka__put_back, k);
}

/* Takes back what librdkafka holds (flags: RD_KAFKA_PURGE_F_*): the
 * delivery reports of the purge put it in the spool. They are not a sign
 * of trouble; this purge is ours. */
static void kafka__purge(struct kafka *k, int flags)
{
	k->purging = true;
	rd_kafka_purge(k->rk, flags);
	kafka__poll(k, 0);
	k->purging = false;
}

/* The in-memory bound is reached: what is still queued goes to the spool
 * ahead of this record and all after it, so order holds. Records already
 * sent to the broker are left to finish. */
static void kafka__overflow(struct kafka *k)
{
	kafka__purge(k, RD_KAFKA_PURGE_F_QUEUE);
	k->state = KAFKA_DRAINING;
}

/* Errors no retry can cure: counted and logged, not spooled forever. */
static bool kafka__permanent(rd_kafka_resp_err_t err)
{
	switch (err) {
	case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
	case RD_KAFKA_RESP_ERR_INVALID_MSG:
	case RD_KAFKA_RESP_ERR_INVALID_RECORD:
	case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR__INVALID_ARG:
		return true;
	default:
		return false;
	}
}

/* A live record librdkafka gave back: to the spool after the poll, in
 * production order. */
static void kafka__returned(struct kafka *k, const rd_kafka_message_t *m,
			    uint64_t seq)
{
	struct spool_rec r = {
		.topic = (uintptr_t)rd_kafka_topic_opaque(m->rkt),
		.key = m->key, .key_len = m->key_len,
		.value = m->payload, .value_len = m->len,
	};
	rd_kafka_headers_t *hdrs = NULL;
	const void *type = NULL;

	rd_kafka_message_headers(m, &hdrs);
	if (hdrs)
		rd_kafka_header_get_last(hdrs, "type", &type, &r.type_len);
	r.type = type ? type : "";
	if (requeue__push(&k->returned, seq, &r)) {
		log_error("kafka: out of memory keeping a returned record");
		k->sink.failed++;
	}
}

static void kafka__delivered(struct kafka *k, uint64_t spool_id)
{
	k->sink.written++;
	if (!spool_id)
		return;
	spool__ack(k->spool, spool_id - 1, true);
	if (k->state == KAFKA_SPOOLING)
		k->state = KAFKA_DRAINING;	/* the probe got through */
	k->probing = false;
}

/* A record no retry will get in: counted and logged, never spooled. */
static bool kafka__refused(struct kafka *k, rd_kafka_resp_err_t err,
			   uint64_t spool_id)
{
	if (!kafka__permanent(err))
		return false;
	log_error("kafka: a record was refused: %s", rd_kafka_err2str(err));
	k->sink.failed++;
	if (spool_id)	/* let the records after it go */
		spool__ack(k->spool, spool_id - 1, true);
	return true;
}

static void kafka__on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m,
			       void *opaque)
{
	struct kafka *k = opaque;
	uint64_t tag = (uintptr_t)m->_private;
	uint64_t spool_id = tag & LIVE ? 0 : tag;

	if (!m->err) {
		kafka__delivered(k, spool_id);
		return;
	}
	if (kafka__refused(k, m->err, spool_id))
		return;
	if (m->err == RD_KAFKA_RESP_ERR_UNSUPPORTED_COMPRESSION_TYPE)
		k->want_lz4 = true;
	else if (m->err == RD_KAFKA_RESP_ERR__FATAL)
		k->want_restart = true;
	else
		k->trouble |= !k->purging;
	if (spool_id) {
		spool__ack(k->spool, spool_id - 1, false);
		k->probing = false;
	} else {
		kafka__returned(k, m, tag & ~LIVE);
	}
}

static void kafka__on_error(rd_kafka_t *rk, int err, const char *reason,
			    void *opaque)
{
	struct kafka *k = opaque;

	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		k->trouble = true;
	else if (rd_kafka_fatal_error(rk, NULL, 0))
		k->want_restart = true;	/* this producer can do no more */
	else
		log_debug("kafka: %s", reason);
}

/* librdkafka's own messages through vigil's logger: critical ones as
 * warnings, the rest (connection failures it retries itself, which
 * kafka__start_spooling reports once) only with -v. */
static void kafka__on_log(const rd_kafka_t *rk, int level, const char *fac,
			  const char *msg)
{
	if (level <= 2)
		log_warn("kafka: %s: %s", fac, msg);
	else
		log_debug("kafka: %s: %s", fac, msg);
}

/* Whatever librdkafka still holds goes back through the delivery reports
 * into the spool, oldest first. */
static void kafka__park(struct kafka *k)
{
	k->state = KAFKA_SPOOLING;
	kafka__purge(k, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
	k->trouble = false;
	k->next_probe_ns = clock__mono_ns() + PROBE_NS;
}

static void kafka__start_spooling(struct kafka *k)
{
	if (k->state != KAFKA_SPOOLING)
		log_warn("kafka: brokers unreachable or refusing records; "
			 "spooling to disk until they take them again");
	kafka__park(k);
}

/* Acknowledged records hold their room in librdkafka's queue until their
 * delivery reports are served, which the flush after each collector poll
 * does; under a flood a poll's records alone would fill the queue, so
 * reports are also served (never waiting) every SERVE_EVERY live records
 * and when the queue is full. Trouble they bring is acted on at once, as
 * the flush would: every live record still in librdkafka goes to the
 * spool, oldest first, before this one and all after it. True while
 * records may go live. */
static bool kafka__serve(struct kafka *k)
{
	uint64_t put_back = k->put_back;

	kafka__poll(k, 0);
	if (k->trouble)
		kafka__start_spooling(k);
	else if (put_back != k->put_back || k->want_lz4 || k->want_restart)
		kafka__park(k);	/* the flush restarts the producer */
	return k->state == KAFKA_LIVE;
}

static int kafka__write(struct sink *s, const struct event *ev,
			const char *json, size_t len)
{
	struct kafka *k = (struct kafka *)s;
	const char *type = event__type_name(ev->kind);
	struct spool_rec r = {
		.type = type, .type_len = strlen(type),
		.key = ev->sandbox ? ev->sandbox->id : k->host,
		.value = json, .value_len = len,
	};
	rd_kafka_resp_err_t err;

	r.topic = kafka__topic_of(r.type, r.type_len);
	r.key_len = strlen(r.key);
	if (k->state == KAFKA_LIVE && k->live_seq % SERVE_EVERY == 0)
		kafka__serve(k);
	if (k->state == KAFKA_LIVE) {
		err = kafka__produce(k, &r, LIVE | k->live_seq++);
		if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && kafka__serve(k))
			err = kafka__produce(k, &r, LIVE | k->live_seq++);
		if (!err)
			return 0;
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			k->trouble = true;	/* fatal and the like: the
						 * spool keeps it meanwhile */
		else if (k->state == KAFKA_LIVE)	/* no trouble came */
			kafka__overflow(k);
	}
	return kafka__to_spool(k, &r);
}

/* Offers up to max spooled records to librdkafka, in order. Returns how
 * many it took. */
static int kafka__replay(struct kafka *k, int max)
{
	struct spool_rec r;
	uint64_t id;
	int offered = 0;

	while (max-- > 0 && rd_kafka_outq_len(k->rk) < REPLAY_QUEUE &&
	       spool__next(k->spool, &r, &id) == 0) {
		if (r.topic >= KAFKA_TOPICS) {	/* not ours: skip it */
			spool__ack(k->spool, id, true);
			continue;
		}
		if (kafka__produce(k, &r, id + 1)) {
			spool__unread(k->spool, id);	/* next time */
			break;
		}
		offered++;
	}
	return offered;
}

static int kafka__topics(struct kafka *k, const struct kafka_opts *o)
{
	for (uintptr_t i = 0; i < KAFKA_TOPICS; i++) {
		rd_kafka_topic_conf_t *tc = rd_kafka_topic_conf_new();

		/* The topic's index rides along for kafka__returned. */
		rd_kafka_topic_conf_set_opaque(tc, (void *)i);
		k->topic[i] = rd_kafka_topic_new(k->rk, o->topics[i], tc);
		if (!k->topic[i]) {
			log_error("kafka: topic \"%s\": %s", o->topics[i],
				  rd_kafka_err2str(rd_kafka_last_error()));
			return -EINVAL;
		}
	}
	return 0;
}

/* The producer and its topics, from k->opts. */
static int kafka__connect(struct kafka *k)
{
	rd_kafka_conf_t *conf = kafka_conf__build(&k->opts);
	char err[512];

	if (!conf)
		return -EINVAL;
	rd_kafka_conf_set_opaque(conf, k);
	rd_kafka_conf_set_dr_msg_cb(conf, kafka__on_delivery);
	rd_kafka_conf_set_error_cb(conf, kafka__on_error);
	rd_kafka_conf_set_log_cb(conf, kafka__on_log);
	k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!k->rk) {
		rd_kafka_conf_destroy(conf);
		log_error("kafka: %s", err);
		return -EINVAL;
	}
	return kafka__topics(k, &k->opts);
}

static void kafka__disconnect(struct kafka *k)
{
	for (int i = 0; i < KAFKA_TOPICS; i++) {
		if (k->topic[i])
			rd_kafka_topic_destroy(k->topic[i]);
		k->topic[i] = NULL;
	}
	if (k->rk)
		rd_kafka_destroy(k->rk);
	k->rk = NULL;
}

/* A new producer takes over: what the old one still queued goes through
 * the spool; what it already sent is left to finish, delivered or
 * returned, so none is sent twice. property: one more setting, or NULL. */
static void kafka__restart(struct kafka *k, const char *why,
			   const char *property)
{
	log_warn("kafka: %s; restarting the producer", why);
	kafka__purge(k, RD_KAFKA_PURGE_F_QUEUE);
	k->purging = true;
	rd_kafka_flush(k->rk, 10000);
	k->purging = false;
	requeue__drain(&k->returned, kafka__put_back, k);
	kafka__disconnect(k);
	k->want_lz4 = k->want_restart = false;
	if (property && k->opts.nr_properties < KAFKA_MAX_PROPERTIES)
		k->opts.properties[k->opts.nr_properties++] = property;
	if (kafka__connect(k))
		log_error("kafka: cannot restart the producer; records stay "
			  "in the spool");
	k->state = KAFKA_DRAINING;
}

/* What was spooled goes to disk after every poll, so a SIGKILL loses no
 * more than a poll's records; records the disk refused count as failed. */
static void kafka__flush_spool(struct kafka *k)
{
	struct spool_stats st;

	spool__flush(k->spool);
	spool__stats(k->spool, &st);
	k->sink.failed += st.lost - k->spool_lost;
	k->spool_lost = st.lost;
}

/* Called after every collector poll: delivery reports, state changes,
 * replay, and the spool's periodic sync. */
/* What the metrics read of the sink (sink.h), as of this flush. */
static void kafka__gauges(struct kafka *k)
{
	struct spool_stats st;

	spool__stats(k->spool, &st);
	k->sink.backlog_bytes = st.bytes;
	k->sink.reachable = k->state != KAFKA_SPOOLING;
}

static int kafka__flush(struct sink *s)
{
	struct kafka *k = (struct kafka *)s;
	uint64_t now = clock__mono_ns();

	if (!k->rk)
		return -EIO;	/* no producer: records wait in the spool */
	kafka__poll(k, 0);
	/* A broker older than zstd (Kafka < 2.1) refuses it: lz4 then. */
	if (k->want_lz4)
		kafka__restart(k, "the broker does not take zstd",
			       "compression.codec=lz4");
	if (k->want_restart) {
		char why[256];

		rd_kafka_fatal_error(k->rk, why, sizeof(why));
		kafka__restart(k, why, NULL);
	}
	if (k->trouble)
		kafka__start_spooling(k);
	if (k->state == KAFKA_DRAINING)
		kafka__replay(k, REPLAY_QUEUE);
	else if (k->state == KAFKA_SPOOLING && !k->probing &&
		 now >= k->next_probe_ns) {
		/* Only a probe that is out gets a delivery report: with
		 * nothing offered (the spool was empty when the brokers went
		 * away from an idle producer), the next record spooled is. */
		k->probing = kafka__replay(k, 1) > 0;
		k->next_probe_ns = now + PROBE_NS;
	}
	if (k->state == KAFKA_DRAINING && spool__caught_up(k->spool))
		k->state = KAFKA_LIVE;
	kafka__gauges(k);
	kafka__flush_spool(k);
	if (now >= k->next_sync_ns) {
		if (spool__sync(k->spool))
			log__errno(errno, "kafka: cannot sync the spool");
		k->next_sync_ns = now + SYNC_NS;
	}
	return 0;
}

/* On close: deliver what can be delivered within the timeout. */
static void kafka__deliver_rest(struct kafka *k)
{
	uint64_t deadline = clock__mono_ns() + k->flush_timeout_ms * 1000000ull;

	while (clock__mono_ns() < deadline) {
		kafka__flush(&k->sink);
		if (k->state == KAFKA_SPOOLING ||
		    (k->state == KAFKA_LIVE && rd_kafka_outq_len(k->rk) == 0))
			return;
		kafka__poll(k, 10);
	}
}

static void kafka__log_stats(struct kafka *k)
{
	struct spool_stats st;

	spool__stats(k->spool, &st);
	log_info("kafka: delivered=%llu dropped=%llu failed=%llu "
		 "spooled=%llu spool_bytes=%llu corrupt_bytes=%llu",
		 (unsigned long long)k->sink.written,
		 (unsigned long long)k->sink.dropped,
		 (unsigned long long)k->sink.failed,
		 (unsigned long long)st.appended,
		 (unsigned long long)st.bytes,
		 (unsigned long long)st.corrupt_bytes);
}

static void kafka__close(struct sink *s)
{
	struct kafka *k = (struct kafka *)s;

	if (k->rk && k->spool && k->topic[KAFKA_TOPICS - 1]) {
		kafka__deliver_rest(k);
		/* What is left waits in the spool for the next start. */
		kafka__park(k);
		rd_kafka_flush(k->rk, 1000);
		requeue__drain(&k->returned, kafka__put_back, k);
		kafka__log_stats(k);
	}
	kafka__disconnect(k);
	requeue__free(&k->returned);
	spool__close(k->spool);
	free(k);
}

/* Whether md names the topic and gives each of its partitions a leader. */
static bool kafka__topic_led(const struct rd_kafka_metadata *md,
			     const char *name)
{
	for (int i = 0; i < md->topic_cnt; i++) {
		const struct rd_kafka_metadata_topic *t = &md->topics[i];

		if (strcmp(t->topic, name))
			continue;
		if (t->err || !t->partition_cnt)
			return false;
		for (int p = 0; p < t->partition_cnt; p++)
			if (t->partitions[p].err || t->partitions[p].leader < 0)
				return false;
		return true;
	}
	return false;
}

static bool kafka__topics_led(const struct kafka *k,
			      const struct rd_kafka_metadata *md)
{
	for (int i = 0; i < KAFKA_TOPICS; i++)
		if (!kafka__topic_led(md, k->opts.topics[i]))
			return false;
	return true;
}

/*
 * An unreachable broker at start-up is a warning: records spool. A
 * reachable one may still be creating the topics (a fresh cluster, or
 * new topic names): records produced before their partitions have leaders
 * wait in librdkafka's queue, and at a few hundred thousand a second
 * they would fill it and go to the spool, so the topics get the same
 * time to show their leaders. (Topics that cannot be created, auto
 * creation being off, are the spool's after that.)
 */
static void kafka__check_reachable(struct kafka *k, const char *brokers)
{
	uint64_t deadline = clock__mono_ns() + READY_MS * 1000000ull;
	const struct rd_kafka_metadata *md;
	bool led = false, answered = false;
	int64_t left;

	while (!led && (left = (int64_t)(deadline - clock__mono_ns())) > 0 &&
	       rd_kafka_metadata(k->rk, 0, NULL, &md,
				 (int)(left / 1000000) + 1) == 0) {
		answered = true;
		led = kafka__topics_led(k, md);
		rd_kafka_metadata_destroy(md);
		if (!led)
			usleep(50000);
	}
	if (answered) {
		if (!led)
			log_warn("kafka: the topics have no leaders yet; records "
				 "wait for them, in the spool if need be");
		return;
	}
	log_warn("kafka: no broker of %s answers; records go to the spool "
		 "until one does", brokers);
	k->state = KAFKA_SPOOLING;
	k->next_probe_ns = clock__mono_ns() + PROBE_NS;
}

static int kafka__init(struct kafka *k)
{
	if (kafka__connect(k) ||
	    spool__open(&k->spool, k->opts.spool_dir,
			k->opts.spool_max_bytes))
		return -EINVAL;
	/* Records left by an earlier run go first. */
	k->state = spool__drained(k->spool) ? KAFKA_LIVE : KAFKA_DRAINING;
	kafka__check_reachable(k, k->opts.brokers);
	return 0;
}

struct sink *sink__kafka(const struct kafka_opts *o)
{
	struct kafka *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->sink = (struct sink){
		.name = "kafka", .write = kafka__write,
		.flush = kafka__flush, .close = kafka__close,
	};
	k->flush_timeout_ms = o->flush_timeout_ms;
	k->opts = *o;
	if (gethostname(k->host, sizeof(k->host) - 1))
		strcpy(k->host, "unknown");
	if (kafka__init(k)) {
		kafka__close(&k->sink);
		return NULL;
	}
	kafka__gauges(k);
	return &k->sink;
}
