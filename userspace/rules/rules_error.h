/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Rule loading errors, each as "FILE:LINE:COL: message" at the place in
 * the YAML source it is about: both the YAML reader (rules_yaml.c) and
 * the compiler (rules_compile.c) report through here. */
#ifndef VIGIL_RULES_ERROR_H
#define VIGIL_RULES_ERROR_H

#include <stdbool.h>
#include <stddef.h>

struct ruleset;

/* A source file, kept whole so condition offsets map to lines. */
struct src {
	char *name;
	char *text;
	size_t len;
	struct src *next;
};

/* Where a YAML scalar starts. */
struct pos {
	const struct src *src;
	size_t index;		/* byte offset of the node in src->text */
	int line, col;		/* 1-based */
	bool plain;		/* a plain or quoted one-piece scalar */
};

/* Logs "FILE:LINE:COL: message" and counts it in rs->errors (the first
 * kept in rs->first_error). With text (the scalar's value at `at`), the
 * position is that of text[offset]. */
void rules__error(struct ruleset *rs, const struct pos *at, const char *text,
		  size_t offset, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif /* VIGIL_RULES_ERROR_H */
