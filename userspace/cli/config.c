// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "approval.h"
#include "token.h"
#include "config.h"
#include "control.h"
#include "history.h"
#include "policy.h"
#include "log.h"

void config__defaults(struct config *c)
{
	static const char *const topics[KAFKA_TOPICS] = {
		[KAFKA_EVENTS] = "vigil.events",
		[KAFKA_ALERTS] = "vigil.alerts",
		[KAFKA_ACTIONS] = "vigil.actions",
		[KAFKA_AUDIT] = "vigil.audit",
	};

	memset(c, 0, sizeof(*c));
	c->output = strdup("-");
	c->flow_interval_ms = CONFIG_FLOW_INTERVAL_MS;
	c->ringbuf_mb = CONFIG_RINGBUF_MB;
	c->repeat_rate = CONFIG_REPEAT_RATE;
	for (int i = 0; i < KAFKA_TOPICS; i++)
		c->kafka_topics[i] = strdup(topics[i]);
	c->spool_dir = strdup(KAFKA_SPOOL_DIR);
	c->spool_max_mb = KAFKA_SPOOL_MB;
	c->kafka_flush_ms = KAFKA_FLUSH_MS;
	c->evidence_dir = strdup(POLICY_EVIDENCE_DIR);
	c->approvals_dir = strdup(APPROVAL_DIR);
	c->console_token = strdup(TOKEN_DEFAULT_PATH);
	c->evidence_max = POLICY_EVIDENCE_MAX;
	c->history = POLICY_HISTORY;
	c->kill_ms = POLICY_KILL_MS;
	c->control_socket = strdup(CONTROL_DEFAULT_PATH);
}

void config__free(struct config *c)
{
	for (int i = 0; i < c->nr_roots; i++)
		free(c->roots[i]);
	for (int i = 0; i < KAFKA_TOPICS; i++)
		free(c->kafka_topics[i]);
	for (int i = 0; i < c->nr_kafka_properties; i++)
		free(c->kafka_properties[i]);
	free(c->output);
	free(c->kafka_brokers);
	free(c->spool_dir);
	for (int i = 0; i < c->nr_rules; i++)
		free(c->rules[i]);
	free(c->evidence_dir);
	free(c->approvals_dir);
	free(c->console_token);
	free(c->console_tls_cert);
	free(c->console_tls_key);
	free(c->control_socket);
	free(c->pin_dir);
	free(c->audit);
	free(c->baseline);
	memset(c, 0, sizeof(*c));
}

int config__add_root(struct config *c, const char *path, const char *where)
{
	if (c->nr_roots == VIGIL_MAX_ROOTS) {
		log_error("%s: too many sandbox roots (at most %d)", where,
			  VIGIL_MAX_ROOTS);
		return -E2BIG;
	}
	c->roots[c->nr_roots] = strdup(path);
	return c->roots[c->nr_roots++] ? 0 : -ENOMEM;
}

int config__add_rules(struct config *c, const char *path, const char *where)
{
	if (c->nr_rules == CONFIG_MAX_RULES) {
		log_error("%s: too many rule paths (at most %d)", where,
			  CONFIG_MAX_RULES);
		return -E2BIG;
	}
	c->rules[c->nr_rules] = strdup(path);
	return c->rules[c->nr_rules++] ? 0 : -ENOMEM;
}

int config__set_uint(unsigned int *out, const char *text, unsigned int min,
		     unsigned int max, const char *where)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || v < min ||
	    v > max) {
		log_error("%s: expected a whole number from %u to %u, got "
			  "\"%s\"", where, min, max, text);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int config__set_str(char **out, const char *text)
{
	char *copy = strdup(text);

	if (!copy)
		return -ENOMEM;
	free(*out);
	*out = copy;
	return 0;
}

/* "true" or "false". */
static int config__set_bool(bool *out, const char *text, const char *where)
{
	if (!strcmp(text, "true") || !strcmp(text, "false")) {
		*out = !strcmp(text, "true");
		return 0;
	}
	log_error("%s: expected true or false, got \"%s\"", where, text);
	return -EINVAL;
}

typedef int (*pair_fn)(struct config *c, const char *text,
		       const char *where);

/* A parsed document and the file name errors are reported against. */
struct doc {
	yaml_document_t yaml;
	const char *path;
	int errors;
};

__attribute__((format(printf, 3, 4)))
static void doc__error(struct doc *d, const yaml_node_t *node,
		       const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s:%zu:%zu: %s", d->path, node->start_mark.line + 1,
		  node->start_mark.column + 1, msg);
	d->errors++;
}

static const char *doc__scalar(struct doc *d, const yaml_node_t *node,
			       const char *key)
{
	if (node->type != YAML_SCALAR_NODE) {
		doc__error(d, node, "%s: expected a single value", key);
		return NULL;
	}
	return (const char *)node->data.scalar.value;
}

/* "FILE:LINE:COL: key", where a setter's error message begins. */
static void doc__where(const struct doc *d, const yaml_node_t *node,
		       const char *key, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%zu:%zu: %s", d->path,
		 node->start_mark.line + 1, node->start_mark.column + 1, key);
}

static int set_output(struct config *c, const char *text, const char *where)
{
	return config__set_str(&c->output, text);
}

static int set_flow_interval(struct config *c, const char *text,
			     const char *where)
{
	return config__set_uint(&c->flow_interval_ms, text, 10, 3600000, where);
}

static int set_ringbuf(struct config *c, const char *text, const char *where)
{
	unsigned int mb;

	if (config__set_uint(&mb, text, 1, 1024, where))
		return -EINVAL;
	if (mb & (mb - 1)) {
		log_error("%s: must be a power of two, got %u", where, mb);
		return -EINVAL;
	}
	c->ringbuf_mb = mb;
	return 0;
}

static int set_repeat_rate(struct config *c, const char *text,
			   const char *where)
{
	return config__set_uint(&c->repeat_rate, text, 0, 100000000, where);
}

static int set_brokers(struct config *c, const char *text, const char *where)
{
	return kafka_conf__check_brokers(text, where) ?:
	       config__set_str(&c->kafka_brokers, text);
}

static int set_spool_dir(struct config *c, const char *text,
			 const char *where)
{
	return config__set_str(&c->spool_dir, text);
}

static int set_spool_max(struct config *c, const char *text,
			 const char *where)
{
	return config__set_uint(&c->spool_max_mb, text, 1, 1 << 20, where);
}

static int set_flush_ms(struct config *c, const char *text, const char *where)
{
	return config__set_uint(&c->kafka_flush_ms, text, 0, 600000, where);
}

static int set_evidence_dir(struct config *c, const char *text,
			    const char *where)
{
	return config__set_str(&c->evidence_dir, text);
}

static int set_approvals_dir(struct config *c, const char *text,
			     const char *where)
{
	return config__set_str(&c->approvals_dir, text);
}

/* "" turns the console off, as leaving the setting out does. */
static int set_console(struct config *c, const char *text, const char *where)
{
	c->console_on = text[0] != '\0';
	return c->console_on ? metrics_addr__parse(text, &c->console, where)
			     : 0;
}

static int set_console_remote(struct config *c, const char *text,
			      const char *where)
{
	return config__set_bool(&c->console_remote, text, where);
}

static int set_console_tls_cert(struct config *c, const char *text,
				const char *where)
{
	return config__set_str(&c->console_tls_cert, text);
}

static int set_console_tls_key(struct config *c, const char *text,
			       const char *where)
{
	return config__set_str(&c->console_tls_key, text);
}

static int set_console_token(struct config *c, const char *text,
			     const char *where)
{
	return config__set_str(&c->console_token, text);
}

static int set_evidence_max(struct config *c, const char *text,
			    const char *where)
{
	return config__set_uint(&c->evidence_max, text, 1, 1000000, where);
}

static int set_history(struct config *c, const char *text, const char *where)
{
	return config__set_uint(&c->history, text, 0, HISTORY_MAX,
				where);
}

static int set_kill_ms(struct config *c, const char *text, const char *where)
{
	return config__set_uint(&c->kill_ms, text, 10, 600000, where);
}

static int set_control(struct config *c, const char *text, const char *where)
{
	return config__set_str(&c->control_socket, text);
}

static int set_pin_dir(struct config *c, const char *text, const char *where)
{
	return config__set_str(&c->pin_dir, text);
}

/* "" turns the endpoint off, as leaving the setting out does. */
static int set_metrics(struct config *c, const char *text, const char *where)
{
	c->metrics_on = text[0] != '\0';
	return c->metrics_on ? metrics_addr__parse(text, &c->metrics, where)
			     : 0;
}

static int set_metrics_remote(struct config *c, const char *text,
			      const char *where)
{
	return config__set_bool(&c->metrics_remote, text, where);
}

/* "" for none, as leaving the setting out does. */
static int set_audit(struct config *c, const char *text, const char *where)
{
	free(c->audit);
	c->audit = NULL;
	return text[0] ? config__set_str(&c->audit, text) : 0;
}

/* The baseline for the profile it names (baseline/), "" for none. */
static int set_baseline(struct config *c, const char *text, const char *where)
{
	free(c->baseline);
	c->baseline = NULL;
	return text[0] ? config__set_str(&c->baseline, text) : 0;
}

/* Every scalar setting, by its name in the file. */
static const struct setting {
	const char *name;
	int (*set)(struct config *c, const char *text, const char *where);
} settings[] = {
	{ "output", set_output },
	{ "flow_interval_ms", set_flow_interval },
	{ "ringbuf_mb", set_ringbuf },
	{ "repeat_rate", set_repeat_rate },
	{ "kafka.brokers", set_brokers },
	{ "kafka.spool_dir", set_spool_dir },
	{ "kafka.spool_max_mb", set_spool_max },
	{ "kafka.flush_timeout_ms", set_flush_ms },
	{ "evidence_dir", set_evidence_dir },
	{ "evidence_max_files", set_evidence_max },
	{ "history_records", set_history },
	{ "kill_timeout_ms", set_kill_ms },
	{ "control_socket", set_control },
	{ "pin_dir", set_pin_dir },
	{ "metrics", set_metrics },
	{ "metrics_remote", set_metrics_remote },
	{ "audit", set_audit },
	{ "baseline", set_baseline },
	{ "approvals_dir", set_approvals_dir },
	{ "console", set_console },
	{ "console_remote", set_console_remote },
	{ "console_tls_cert", set_console_tls_cert },
	{ "console_tls_key", set_console_tls_key },
	{ "console_token", set_console_token },
};

int config__set(struct config *c, const char *name, const char *text,
		const char *where)
{
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (!strcmp(settings[i].name, name))
			return settings[i].set(c, text, where) ? -EINVAL : 0;
	return -ENOENT;
}

static char *config__join(const char *a, const char *b)
{
	char *s = malloc(strlen(a) + strlen(b) + 2);

	if (s)
		sprintf(s, "%s=%s", a, b);
	return s;
}

int config__add_kafka_property(struct config *c, const char *name_value,
			       const char *where)
{
	const char *eq = strchr(name_value, '=');

	if (!eq || eq == name_value) {
		log_error("%s: expected NAME=VALUE, got \"%s\"", where,
			  name_value);
		return -EINVAL;
	}
	if (c->nr_kafka_properties == KAFKA_MAX_PROPERTIES) {
		log_error("%s: too many Kafka properties (at most %d)", where,
			  KAFKA_MAX_PROPERTIES);
		return -E2BIG;
	}
	c->kafka_properties[c->nr_kafka_properties] = strdup(name_value);
	return c->kafka_properties[c->nr_kafka_properties++] ? 0 : -ENOMEM;
}

static const char *const topic_types[KAFKA_TOPICS] = {
	[KAFKA_EVENTS] = "events", [KAFKA_ALERTS] = "alerts",
	[KAFKA_ACTIONS] = "actions", [KAFKA_AUDIT] = "audit",
};

int config__set_kafka_topic(struct config *c, const char *type_name,
			    const char *where)
{
	const char *eq = strchr(type_name, '=');

	for (int i = 0; eq && eq[1] && i < KAFKA_TOPICS; i++)
		if (!strncmp(type_name, topic_types[i], eq - type_name) &&
		    !topic_types[i][eq - type_name])
			return config__set_str(&c->kafka_topics[i], eq + 1);
	log_error("%s: expected TYPE=TOPIC with TYPE one of events, alerts, "
		  "actions, got \"%s\"", where, type_name);
	return -EINVAL;
}

void config__kafka_opts(const struct config *c, struct kafka_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->brokers = c->kafka_brokers;
	for (int i = 0; i < KAFKA_TOPICS; i++)
		o->topics[i] = c->kafka_topics[i];
	for (int i = 0; i < c->nr_kafka_properties; i++)
		o->properties[i] = c->kafka_properties[i];
	o->nr_properties = c->nr_kafka_properties;
	o->spool_dir = c->spool_dir;
	o->spool_max_bytes = (uint64_t)c->spool_max_mb << 20;
	o->flush_timeout_ms = c->kafka_flush_ms;
}

/* A list of paths, each given to add. */
static void config__paths(struct config *c, struct doc *d, yaml_node_t *v,
			  const char *key, pair_fn add)
{
	char where[PATH_MAX + 64];

	if (v->type != YAML_SEQUENCE_NODE) {
		doc__error(d, v, "%s: expected a list of paths", key);
		return;
	}
	for (yaml_node_item_t *i = v->data.sequence.items.start;
	     i < v->data.sequence.items.top; i++) {
		yaml_node_t *item = yaml_document_get_node(&d->yaml, *i);
		const char *path = doc__scalar(d, item, key);

		doc__where(d, item, key, where, sizeof(where));
		if (path && add(c, path, where))
			d->errors++;
	}
}


/* A mapping of NAME: VALUE pairs, each given to add as "NAME=VALUE". */
static void config__pairs(struct config *c, struct doc *d, yaml_node_t *v,
			  const char *key, pair_fn add)
{
	char where[PATH_MAX + 64];

	if (v->type != YAML_MAPPING_NODE) {
		doc__error(d, v, "%s: expected a mapping", key);
		return;
	}
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
	     p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(&d->yaml, p->key);
		yaml_node_t *vn = yaml_document_get_node(&d->yaml, p->value);
		const char *name = doc__scalar(d, kn, key);
		const char *value = doc__scalar(d, vn, key);
		char *joined = name && value ? config__join(name, value) : NULL;

		doc__where(d, kn, key, where, sizeof(where));
		if (joined && add(c, joined, where))
			d->errors++;
		free(joined);
	}
}

static void config__mapping(struct config *c, struct doc *d, yaml_node_t *v,
			    const char *prefix);

/* One NAME: VALUE of a mapping whose settings are named prefix + NAME. */
static void config__pair(struct config *c, struct doc *d, yaml_node_t *k,
			 yaml_node_t *v, const char *prefix)
{
	const char *key = doc__scalar(d, k, "key");
	char name[128], where[PATH_MAX + 128];
	const char *text;
	int err;

	if (!key)
		return;
	snprintf(name, sizeof(name), "%s%s", prefix, key);
	if (!strcmp(name, "sandbox_roots"))
		return config__paths(c, d, v, name, config__add_root);
	if (!strcmp(name, "rules")) {
		/* rules: [] turns rules off, as --no-rules does. */
		c->rules_off = v->type == YAML_SEQUENCE_NODE &&
			       v->data.sequence.items.start ==
				       v->data.sequence.items.top;
		return config__paths(c, d, v, name, config__add_rules);
	}
	if (!strcmp(name, "kafka"))
		return config__mapping(c, d, v, "kafka.");
	if (!strcmp(name, "kafka.topics"))
		return config__pairs(c, d, v, name, config__set_kafka_topic);
	if (!strcmp(name, "kafka.properties"))
		return config__pairs(c, d, v, name, config__add_kafka_property);
	text = doc__scalar(d, v, name);
	if (!text)
		return;
	doc__where(d, v, name, where, sizeof(where));
	err = config__set(c, name, text, where);
	if (err == -ENOENT)
		doc__error(d, k, "unknown setting \"%s\" (known: %s)", name,
			   *prefix ? "brokers, topics, properties, spool_dir, "
				     "spool_max_mb, flush_timeout_ms"
				   : "sandbox_roots, output, flow_interval_ms, "
				     "ringbuf_mb, repeat_rate, kafka, rules, "
				     "evidence_dir, "
				     "evidence_max_files, history_records, "
				     "kill_timeout_ms, control_socket, pin_dir, "
				     "metrics, metrics_remote, audit, "
				     "approvals_dir, console, console_remote, "
				     "console_tls_cert, console_tls_key, "
				     "console_token");
	else if (err)
		d->errors++;
}

static void config__mapping(struct config *c, struct doc *d, yaml_node_t *v,
			    const char *prefix)
{
	if (v->type != YAML_MAPPING_NODE) {
		doc__error(d, v, "%sexpected a mapping of settings",
			   *prefix ? "kafka: " : "");
		return;
	}
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
	     p < v->data.mapping.pairs.top; p++)
		config__pair(c, d, yaml_document_get_node(&d->yaml, p->key),
			     yaml_document_get_node(&d->yaml, p->value), prefix);
}

static void config__apply(struct config *c, struct doc *d)
{
	yaml_node_t *root = yaml_document_get_root_node(&d->yaml);

	/* An empty file, or one with only "---", changes nothing. */
	if (!root || (root->type == YAML_SCALAR_NODE &&
		      root->data.scalar.length == 0))
		return;
	config__mapping(c, d, root, "");
}

int config__load(struct config *c, const char *path)
{
	struct doc d = { .path = path };
	yaml_parser_t parser;
	FILE *f = fopen(path, "re");
	int ok, held;

	if (!f) {
		log__errno(errno, "cannot read config %s", path);
		return -errno;
	}
	log__cap(CONFIG_MAX_ERRORS);
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	ok = yaml_parser_load(&parser, &d.yaml);
	if (!ok) {
		log_error("%s:%zu:%zu: %s", path, parser.problem_mark.line + 1,
			  parser.problem_mark.column + 1,
			  parser.problem ? parser.problem : "invalid YAML");
		d.errors++;
	} else {
		config__apply(c, &d);
		yaml_document_delete(&d.yaml);
	}
	yaml_parser_delete(&parser);
	fclose(f);
	held = log__uncap();
	if (held)
		log_error("%s: %d more errors not shown", path, held);
	return d.errors ? -EINVAL : 0;
}
