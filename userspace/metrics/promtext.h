/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Prometheus's text exposition format (version 0.0.4): a family's HELP
 * and TYPE lines, then its samples, label values escaped. */
#ifndef VIGIL_PROMTEXT_H
#define VIGIL_PROMTEXT_H

#include <stdint.h>
#include <stdio.h>

#define PROM_LABEL_MAX 512	/* one escaped label value, NUL included */

void prom__family(FILE *f, const char *name, const char *type,
		  const char *help);
/* labels: "" or `k="v",...`, values escaped with prom__escape. */
void prom__u64(FILE *f, const char *name, const char *labels, uint64_t v);
void prom__f64(FILE *f, const char *name, const char *labels, double v);
/* s with backslash, double quote and newline escaped, cut to fit out. */
const char *prom__escape(const char *s, char out[PROM_LABEL_MAX]);

#endif /* VIGIL_PROMTEXT_H */
