// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The scrape: counters read with relaxed loads, the last tick's sample
 * copied under the lock, the ring buffer's positions and the programs'
 * stats read as they are now. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpfstats.h"
#include "expo.h"
#include "metrics_int.h"
#include "profile.h"
#include "promtext.h"

#define LABELS 1024

static double ts__seconds(const struct timespec *t)
{
	return t->tv_sec + t->tv_nsec / 1e9;
}

static double expo__now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ts__seconds(&t);
}

static void expo__build(struct metrics *m, FILE *f)
{
	char v[PROM_LABEL_MAX], labels[LABELS];

	prom__family(f, "vigil_build_info", "gauge",
		     "vigil's version and the SHA-256 of its rule sources.");
	snprintf(labels, sizeof(labels), "version=\"%s\",rules_sha256=\"%s\"",
		 prom__escape(VIGIL_VERSION, v), m->rules_sha256);
	prom__u64(f, "vigil_build_info", labels, 1);
}

static void expo__records(struct metrics *m, FILE *f)
{
	char labels[LABELS];

	prom__family(f, "vigil_records_total", "counter",
		     "Records emitted, by type.");
	for (int k = 0; k < METRICS_KINDS; k++) {
		const char *name = event__type_name(k);

		/* mkdir and rmdir feed the registry and audit links the
		 * audit sink's forward: never a record */
		if (!strcmp(name, "unknown") || k == EVENT_MKDIR ||
		    k == EVENT_RMDIR || k == EVENT_AUDIT)
			continue;
		snprintf(labels, sizeof(labels), "type=\"%s\"", name);
		prom__u64(f, "vigil_records_total", labels,
			  ctr__get(&m->records[k]));
	}
}

static void expo__alerts(struct metrics *m, FILE *f)
{
	char v[PROM_LABEL_MAX], labels[LABELS];

	prom__family(f, "vigil_alerts_total", "counter",
		     "Alerts raised, by rule and the rule's severity.");
	for (size_t i = 0; m->rs && i < m->rs->nr_rules; i++) {
		const struct rule *r = m->rs->rules[i];

		snprintf(labels, sizeof(labels), "rule=\"%s\",severity=\"%s\"",
			 prom__escape(r->id, v), severity__name(r->severity));
		prom__u64(f, "vigil_alerts_total", labels,
			  ctr__get(&m->alerts[i]));
	}
}

static void expo__reloads(struct metrics *m, FILE *f)
{
	static const char *const result[] = { "ok", "failed" };
	char labels[LABELS];

	prom__family(f, "vigil_reload_total", "counter",
		     "Rule reloads (SIGHUP): done, or refused and the rules "
		     "in force kept.");
	for (int i = 0; i < 2; i++) {
		snprintf(labels, sizeof(labels), "result=\"%s\"", result[i]);
		prom__u64(f, "vigil_reload_total", labels,
			  ctr__get(&m->reloads[i]));
	}
}

static void expo__repairs(struct metrics *m, FILE *f)
{
	static const char *const what[] = { "link", "pin", "map" };
	char labels[LABELS];

	prom__family(f, "vigil_repairs_total", "counter",
		     "vigil's own state that someone else undid and the "
		     "daemon made again: programs detached from a sandbox "
		     "root, pins removed from bpffs, maps written.");
	for (int i = 0; i < 3; i++) {
		snprintf(labels, sizeof(labels), "what=\"%s\"", what[i]);
		prom__u64(f, "vigil_repairs_total", labels,
			  ctr__get(&m->repairs[i]));
	}
}

static void expo__actions(struct metrics *m, FILE *f)
{
	char labels[LABELS];

	prom__family(f, "vigil_actions_total", "counter",
		     "Actions taken or asked for, by kind and outcome.");
	for (int a = 0; a < NR_ACTS; a++)
		for (int o = 0; o < NR_OUTCOMES; o++) {
			snprintf(labels, sizeof(labels),
				 "action=\"%s\",outcome=\"%s\"",
				 metrics_acts[a], metrics_outcomes[o]);
			prom__u64(f, "vigil_actions_total", labels,
				  ctr__get(&m->actions[a][o]));
		}
}

static void expo__histo(FILE *f, const char *name, const char *help,
			const struct histo *h)
{
	char series[128], labels[64];
	uint64_t sum = 0;

	prom__family(f, name, "histogram", help);
	snprintf(series, sizeof(series), "%s_bucket", name);
	for (int i = 0; i < METRICS_BUCKETS; i++) {
		sum += ctr__get(&h->bucket[i]);
		snprintf(labels, sizeof(labels), "le=\"%g\"",
			 metrics_buckets[i]);
		prom__u64(f, series, labels, sum);
	}
	/* count is read last: +Inf may exceed the buckets, never trail. */
	snprintf(series, sizeof(series), "%s_sum", name);
	prom__f64(f, series, "", ctr__get(&h->sum_ns) / 1e9);
	sum = ctr__get(&h->count);
	snprintf(series, sizeof(series), "%s_bucket", name);
	prom__u64(f, series, "le=\"+Inf\"", sum);
	snprintf(series, sizeof(series), "%s_count", name);
	prom__u64(f, series, "", sum);
}

static void expo__drops(struct metrics *m, FILE *f)
{
	char labels[LABELS];

	prom__family(f, "vigil_drops_total", "counter",
		     "Records lost, by reason (as drop records report them).");
	for (int i = 0; i < METRICS_DROPS; i++) {
		snprintf(labels, sizeof(labels), "reason=\"%s\"",
			 metrics__drop_reason(i));
		prom__u64(f, "vigil_drops_total", labels,
			  ctr__get(&m->drops[i]));
	}
	prom__family(f, "vigil_sandbox_lost_records_total", "counter",
		     "The ring buffer's losses charged to the sandboxes that "
		     "caused them, by record type.");
	for (int i = 0; i < VIGIL_KINDS; i++) {
		if (!strcmp(event__type_name(i), "unknown"))
			continue;
		snprintf(labels, sizeof(labels), "type=\"%s\"",
			 event__type_name(i));
		prom__u64(f, "vigil_sandbox_lost_records_total", labels,
			  ctr__get(&m->sandbox_lost[i]));
	}
	prom__family(f, "vigil_kernel_kills_unseen_total", "counter",
		     "Kills the kernel made whose records were lost (each "
		     "sandbox is killed for them).");
	prom__u64(f, "vigil_kernel_kills_unseen_total", "",
		  ctr__get(&m->kills_unseen));
}

static void expo__costs(struct metrics *m, FILE *f)
{
	struct timespec t = { 0 };

	clock_gettime(m->collector_cpu, &t);
	prom__family(f, "vigil_collector_cpu_seconds_total", "counter",
		     "CPU time of the collector's thread.");
	prom__f64(f, "vigil_collector_cpu_seconds_total", "", ts__seconds(&t));
	prom__family(f, "vigil_rules_cpu_seconds_total", "counter",
		     "Time the rule engine and policy spent on records "
		     "(estimated from 1 record in 16).");
	prom__f64(f, "vigil_rules_cpu_seconds_total", "",
		  ctr__get(&m->rules_ns) / 1e9);
}

static void expo__ring(struct metrics *m, FILE *f)
{
	char labels[LABELS];

	if (!m->ring.name)
		return;
	snprintf(labels, sizeof(labels), "ring=\"%s\"", m->ring.name);
	prom__family(f, "vigil_ringbuf_used_bytes", "gauge",
		     "Bytes in the kernel ring buffer not yet read.");
	prom__u64(f, "vigil_ringbuf_used_bytes", labels,
		  ringfill__used(&m->ring));
	prom__family(f, "vigil_ringbuf_size_bytes", "gauge",
		     "Size of the kernel ring buffer.");
	prom__u64(f, "vigil_ringbuf_size_bytes", labels, m->ring.size);
}

static void expo__programs(struct metrics *m, FILE *f)
{
	bool on = bpfstats__enabled();
	char labels[LABELS];
	uint64_t ns, runs;

	prom__family(f, "vigil_bpf_stats_enabled", "gauge",
		     "Whether kernel.bpf_stats_enabled is on (the per-program "
		     "series are there only then).");
	prom__u64(f, "vigil_bpf_stats_enabled", "", on);
	if (!on)
		return;
	prom__family(f, "vigil_bpf_program_run_seconds_total", "counter",
		     "Time the kernel spent in each BPF program.");
	for (int i = 0; i < m->nr_programs; i++) {
		if (bpfstats__read(m->programs[i].fd, &ns, &runs))
			continue;
		snprintf(labels, sizeof(labels), "program=\"%s\"",
			 m->programs[i].name);
		prom__f64(f, "vigil_bpf_program_run_seconds_total", labels,
			  ns / 1e9);
	}
	prom__family(f, "vigil_bpf_program_runs_total", "counter",
		     "Runs of each BPF program.");
	for (int i = 0; i < m->nr_programs; i++) {
		if (bpfstats__read(m->programs[i].fd, &ns, &runs))
			continue;
		snprintf(labels, sizeof(labels), "program=\"%s\"",
			 m->programs[i].name);
		prom__u64(f, "vigil_bpf_program_runs_total", labels, runs);
	}
}

/* The last tick's sample, its arrays copied into by_profile and
 * frozen_s (m->nr_profiles each). */
static void expo__sample(struct metrics *m, struct gauges *g,
			 uint64_t *by_profile, double *frozen_s)
{
	size_t n = m->nr_profiles;

	pthread_mutex_lock(&m->lock);
	*g = m->g;
	if (n) {
		memcpy(by_profile, m->g.by_profile, n * sizeof(*by_profile));
		memcpy(frozen_s, m->g.frozen_s, n * sizeof(*frozen_s));
	}
	pthread_mutex_unlock(&m->lock);
}

static const char *expo__profile(struct metrics *m, int i,
				 char out[PROM_LABEL_MAX])
{
	return prom__escape(m->profiles[i]->name, out);
}

/* One gauge family with a sample per profile, values[i] for profile i. */
static void expo__per_profile(struct metrics *m, FILE *f, const char *name,
			      const char *help, const double *values)
{
	char v[PROM_LABEL_MAX], labels[LABELS];

	prom__family(f, name, "gauge", help);
	for (size_t i = 0; i < m->nr_profiles; i++) {
		snprintf(labels, sizeof(labels), "profile=\"%s\"",
			 expo__profile(m, i, v));
		prom__f64(f, name, labels, values[i]);
	}
}

static void expo__profiles(struct metrics *m, FILE *f,
			   const uint64_t *by_profile, const double *frozen_s)
{
	size_t n = m->nr_profiles ?: 1;
	double values[n];

	for (size_t i = 0; i < m->nr_profiles; i++)
		values[i] = by_profile[i];
	expo__per_profile(m, f, "vigil_sandboxes_by_profile",
			  "Sandboxes not killed, by profile.", values);
	expo__per_profile(m, f, "vigil_sandbox_frozen_longest_seconds",
			  "How long the longest-frozen sandbox of each profile "
			  "has waited (0: none frozen).", frozen_s);
	for (size_t i = 0; i < m->nr_profiles; i++)
		values[i] = m->profiles[i]->freeze_timeout_ns / 1e9;
	expo__per_profile(m, f, "vigil_profile_freeze_timeout_seconds",
			  "The profile's freeze_timeout, after which vigil acts "
			  "on a frozen sandbox itself (0: it waits for a human).",
			  values);
}

/* A ranking of sandboxes as one gauge: rank and profile are its labels,
 * so its series stay METRICS_TOP whatever the sandboxes do. */
static void expo__ranking(struct metrics *m, FILE *f, const char *name,
			  const char *help, const struct ranking *r)
{
	char v[PROM_LABEL_MAX], labels[LABELS];

	prom__family(f, name, "gauge", help);
	for (int i = 0; i < r->nr; i++) {
		snprintf(labels, sizeof(labels), "rank=\"%d\",profile=\"%s\"",
			 i + 1, expo__profile(m, r->top[i].profile, v));
		prom__f64(f, name, labels, r->top[i].value);
	}
}

static void expo__sandboxes(struct metrics *m, FILE *f, const struct gauges *g)
{
	char labels[LABELS];

	prom__family(f, "vigil_sandboxes", "gauge",
		     "Sandboxes known, by state.");
	for (int s = 0; s < NR_STATES; s++) {
		snprintf(labels, sizeof(labels), "state=\"%s\"",
			 metrics_states[s]);
		prom__u64(f, "vigil_sandboxes", labels, g->state[s]);
	}
	expo__ranking(m, f, "vigil_sandbox_risk_top", "The highest current "
		      "risks, rank 1 the highest, with the sandbox's profile "
		      "(never its id).", &g->risk);
	expo__ranking(m, f, "vigil_sandbox_lost_records_top", "The most "
		      "records the kernel lost of a running sandbox, rank 1 "
		      "the most, with its profile (never its id).", &g->lost);
}

static void expo__kafka(FILE *f, const struct gauges *g)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} ctrs[] = {
		{ "vigil_kafka_delivered_total", "Records the brokers took.",
		  offsetof(struct gauges, kafka_delivered) },
		{ "vigil_kafka_spooled_total",
		  "Records written to the spool to be sent later.",
		  offsetof(struct gauges, kafka_spooled) },
		{ "vigil_kafka_failed_total",
		  "Records that could not be delivered or spooled.",
		  offsetof(struct gauges, kafka_failed) },
		{ "vigil_kafka_dropped_total",
		  "Events let go with the spool full.",
		  offsetof(struct gauges, kafka_dropped) },
	};

	if (!g->kafka)
		return;
	for (size_t i = 0; i < sizeof(ctrs) / sizeof(ctrs[0]); i++) {
		prom__family(f, ctrs[i].name, "counter", ctrs[i].help);
		prom__u64(f, ctrs[i].name, "",
			  *(const uint64_t *)((const char *)g + ctrs[i].off));
	}
	prom__family(f, "vigil_kafka_spool_bytes", "gauge",
		     "Bytes in the spool, waiting for the brokers.");
	prom__u64(f, "vigil_kafka_spool_bytes", "", g->kafka_spool_bytes);
	prom__family(f, "vigil_kafka_up", "gauge",
		     "1 while the brokers take records, 0 while vigil spools "
		     "because they do not.");
	prom__u64(f, "vigil_kafka_up", "", g->kafka_up);
}

static double expo__tick_age(const struct gauges *g)
{
	return g->sampled ? expo__now() - ts__seconds(&g->at) : -1;
}

static bool expo__judge(struct metrics *m, const struct gauges *g,
			char *why, size_t len)
{
	double limit = 3 * m->tick_ms / 1e3 + 2, age = expo__tick_age(g);
	double fill = m->ring.size ?
		      (double)ringfill__used(&m->ring) / m->ring.size : 0;

	if (!atomic_load(&m->attached))
		snprintf(why, len, "the BPF programs are not attached");
	else if (age < 0 || age > limit)
		snprintf(why, len, "the collector has not ticked for %.1f s",
			 age < 0 ? 0 : age);
	else if (fill > EXPO_RING_BUSY)
		snprintf(why, len, "the ring buffer is %.0f%% full",
			 fill * 100);
	else
		return true;
	return false;
}

bool expo__healthy(struct metrics *m, char *why, size_t len)
{
	struct gauges g;

	pthread_mutex_lock(&m->lock);
	g = m->g;
	pthread_mutex_unlock(&m->lock);
	return expo__judge(m, &g, why, len);
}

static void expo__health(struct metrics *m, FILE *f, const struct gauges *g)
{
	char why[128];

	prom__family(f, "vigil_bpf_attached", "gauge",
		     "1 while vigil's BPF programs are attached.");
	prom__u64(f, "vigil_bpf_attached", "", atomic_load(&m->attached));
	prom__family(f, "vigil_healthy", "gauge",
		     "1 when /healthz answers 200: attached, ticking, the "
		     "ring buffer not nearly full.");
	prom__u64(f, "vigil_healthy", "", expo__judge(m, g, why, sizeof(why)));
	prom__family(f, "vigil_collector_tick_age_seconds", "gauge",
		     "Seconds since the collector's last tick (its loop "
		     "turns at least once a flow interval).");
	prom__f64(f, "vigil_collector_tick_age_seconds", "",
		  expo__tick_age(g));
}

static void expo__render(struct metrics *m, FILE *f)
{
	size_t n = m->nr_profiles ?: 1;
	uint64_t *by_profile = calloc(n, sizeof(*by_profile));
	double *frozen_s = calloc(n, sizeof(*frozen_s));
	struct gauges g;

	if (!by_profile || !frozen_s) {
		free(by_profile);
		free(frozen_s);
		return;
	}
	expo__sample(m, &g, by_profile, frozen_s);
	expo__build(m, f);
	expo__health(m, f, &g);
	expo__records(m, f);
	expo__alerts(m, f);
	expo__reloads(m, f);
	expo__repairs(m, f);
	expo__actions(m, f);
	expo__histo(f, "vigil_kill_latency_seconds", "From the offending "
		    "syscall to an empty cgroup, for kills done.", &m->kill);
	expo__histo(f, "vigil_freeze_latency_seconds", "From the offending "
		    "syscall to a frozen cgroup, for freezes done.",
		    &m->freeze);
	expo__drops(m, f);
	expo__spills(m, f);
	expo__learning(m, f);
	expo__sandboxes(m, f, &g);
	expo__profiles(m, f, by_profile, frozen_s);
	expo__ring(m, f);
	expo__kafka(f, &g);
	expo__costs(m, f);
	expo__programs(m, f);
	free(by_profile);
	free(frozen_s);
}

/* The rules stay the same set throughout a scrape (metrics__reload). */
void expo__write(struct metrics *m, FILE *f)
{
	pthread_mutex_lock(&m->rules_lock);
	expo__render(m, f);
	pthread_mutex_unlock(&m->rules_lock);
}
