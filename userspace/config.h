/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The collector's settings: built-in defaults, then the YAML config file,
 * then command-line flags, each overriding the one before. Every error in
 * the file is reported as FILE:LINE:COL: message.
 */
#ifndef VIGIL_CONFIG_H
#define VIGIL_CONFIG_H

#include <stddef.h>

#include "events.h"

#define CONFIG_FLOW_INTERVAL_MS 1000
#define CONFIG_RINGBUF_MB       16

struct config {
	char *roots[VIGIL_MAX_ROOTS];
	int nr_roots;
	char *output;			/* "-" for stdout */
	unsigned int flow_interval_ms;
	unsigned int ringbuf_mb;	/* power of two */
};

void config__defaults(struct config *c);
/* Reads path over the current settings; returns 0 or -EINVAL with every
 * problem logged. */
int config__load(struct config *c, const char *path);
void config__free(struct config *c);

/* Setters shared by the file and the command line; `where` names the
 * source in error messages ("--flow-interval", "FILE:3:5"). */
int config__add_root(struct config *c, const char *path, const char *where);
int config__set_uint(unsigned int *out, const char *text, unsigned int min,
		     unsigned int max, const char *where);
/* The ring buffer size in MiB: a power of two from 1 to 1024. */
int config__set_ringbuf(struct config *c, const char *text,
			const char *where);
int config__set_str(char **out, const char *text);

#endif /* VIGIL_CONFIG_H */
