// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "rules_error.h"
#include "ruleset.h"

/* Steps over source character t[i], counting the line it may end. */
static size_t pos__step(const char *t, size_t i, int *line, size_t *bol,
			bool *moved)
{
	if (t[i] == '\n') {
		(*line)++;
		*bol = i + 1;
		*moved = true;
	}
	return i + 1;
}

/* Lines and columns of text[offset], text being the scalar at `at`: the
 * scalar's characters are matched one by one against the source, which
 * steps over quotes, escapes' backslashes and folded line breaks. A line
 * break the scalar kept (literal blocks, more-indented folded lines)
 * matches the source's and is counted too. */
static void pos__advance(const struct pos *at, const char *text,
			 size_t offset, int *line, int *col)
{
	const char *t = at->src->text;
	size_t i = at->index, end = at->src->len, bol = 0, last = strlen(text);
	bool moved = false;

	/* The end of the condition is just after its last token, not after
	 * the blanks and line break a block scalar ends with. */
	while (last && isspace((unsigned char)text[last - 1]))
		last--;
	if (offset > last)
		offset = last;
	*line = at->line;
	*col = at->col;
	if (!at->plain)		/* block scalar: content starts a line down */
		while (i < end && t[i] != '\n')
			i++;
	else if (i < end && (t[i] == '"' || t[i] == '\''))
		i++;
	for (size_t k = 0; k <= offset && text[k]; k++) {
		while (i < end && t[i] != text[k])
			i = pos__step(t, i, line, &bol, &moved);
		if (k < offset && i < end)
			i = pos__step(t, i, line, &bol, &moved);
	}
	*col = moved ? (int)(i - bol) + 1 : at->col + (int)(i - at->index);
}

void rules__error(struct ruleset *rs, const struct pos *at, const char *text,
		  size_t offset, const char *fmt, ...)
{
	char msg[400];
	int line = at->line, col = at->col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (text && at->src->text)
		pos__advance(at, text, offset, &line, &col);
	if (!rs->errors)
		snprintf(rs->first_error, sizeof(rs->first_error),
			 "%s:%d:%d: %s", at->src->name, line, col, msg);
	if (rs->errors++ < RULES_MAX_ERRORS)
		log_error("%s:%d:%d: %s", at->src->name, line, col, msg);
}
