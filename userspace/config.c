// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config.h"
#include "log.h"

void config__defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->output = strdup("-");
	c->flow_interval_ms = CONFIG_FLOW_INTERVAL_MS;
	c->ringbuf_mb = CONFIG_RINGBUF_MB;
}

void config__free(struct config *c)
{
	for (int i = 0; i < c->nr_roots; i++)
		free(c->roots[i]);
	free(c->output);
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

int config__set_ringbuf(struct config *c, const char *text,
			const char *where)
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

int config__set_str(char **out, const char *text)
{
	char *copy = strdup(text);

	if (!copy)
		return -ENOMEM;
	free(*out);
	*out = copy;
	return 0;
}

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

static void config__roots(struct config *c, struct doc *d, yaml_node_t *v)
{
	char where[PATH_MAX + 64];

	if (v->type != YAML_SEQUENCE_NODE) {
		doc__error(d, v, "sandbox_roots: expected a list of paths");
		return;
	}
	for (yaml_node_item_t *i = v->data.sequence.items.start;
	     i < v->data.sequence.items.top; i++) {
		yaml_node_t *item = yaml_document_get_node(&d->yaml, *i);
		const char *path = doc__scalar(d, item, "sandbox_roots");

		doc__where(d, item, "sandbox_roots", where, sizeof(where));
		if (path && config__add_root(c, path, where))
			d->errors++;
	}
}

static void config__uint(struct doc *d, yaml_node_t *v, const char *key,
			 unsigned int *out, unsigned int min, unsigned int max)
{
	char where[PATH_MAX + 128];
	const char *text = doc__scalar(d, v, key);

	doc__where(d, v, key, where, sizeof(where));
	if (text && config__set_uint(out, text, min, max, where))
		d->errors++;
}

static void config__pair(struct config *c, struct doc *d, yaml_node_t *k,
			 yaml_node_t *v)
{
	const char *key = doc__scalar(d, k, "key");
	char where[PATH_MAX + 128];
	const char *text;

	if (!key)
		return;
	if (!strcmp(key, "sandbox_roots"))
		config__roots(c, d, v);
	else if (!strcmp(key, "output")) {
		text = doc__scalar(d, v, key);
		if (text && config__set_str(&c->output, text))
			d->errors++;
	} else if (!strcmp(key, "flow_interval_ms"))
		config__uint(d, v, key, &c->flow_interval_ms, 10, 3600000);
	else if (!strcmp(key, "ringbuf_mb")) {
		text = doc__scalar(d, v, key);
		doc__where(d, v, key, where, sizeof(where));
		if (text && config__set_ringbuf(c, text, where))
			d->errors++;
	}
	else
		doc__error(d, k, "unknown setting \"%s\" (known: "
			   "sandbox_roots, output, flow_interval_ms, "
			   "ringbuf_mb)", key);
}

static void config__apply(struct config *c, struct doc *d)
{
	yaml_node_t *root = yaml_document_get_root_node(&d->yaml);

	/* An empty file, or one with only "---", changes nothing. */
	if (!root || (root->type == YAML_SCALAR_NODE &&
		      root->data.scalar.length == 0))
		return;
	if (root->type != YAML_MAPPING_NODE) {
		doc__error(d, root, "expected a mapping of settings");
		return;
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++)
		config__pair(c, d, yaml_document_get_node(&d->yaml, p->key),
			     yaml_document_get_node(&d->yaml, p->value));
}

int config__load(struct config *c, const char *path)
{
	struct doc d = { .path = path };
	yaml_parser_t parser;
	FILE *f = fopen(path, "re");
	int ok;

	if (!f) {
		log__errno(errno, "cannot read config %s", path);
		return -errno;
	}
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
	return d.errors ? -EINVAL : 0;
}
