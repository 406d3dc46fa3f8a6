// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <math.h>

#include "promtext.h"

void prom__family(FILE *f, const char *name, const char *type,
		  const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom__name(FILE *f, const char *name, const char *labels)
{
	if (labels[0])
		fprintf(f, "%s{%s} ", name, labels);
	else
		fprintf(f, "%s ", name);
}

void prom__u64(FILE *f, const char *name, const char *labels, uint64_t v)
{
	prom__name(f, name, labels);
	fprintf(f, "%llu\n", (unsigned long long)v);
}

void prom__f64(FILE *f, const char *name, const char *labels, double v)
{
	prom__name(f, name, labels);
	if (isinf(v))
		fputs(v > 0 ? "+Inf\n" : "-Inf\n", f);
	else
		fprintf(f, "%.9g\n", v);
}

const char *prom__escape(const char *s, char out[PROM_LABEL_MAX])
{
	size_t n = 0;

	for (; *s && n + 3 < PROM_LABEL_MAX; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n')
			out[n++] = '\\';
		out[n++] = *s == '\n' ? 'n' : *s;
	}
	out[n] = '\0';
	return out;
}
