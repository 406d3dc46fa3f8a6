// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "exeallow.h"

/* The index of the ']' closing the bracket expression at glob[i] ('['),
 * as fnmatch(3) reads it, or 0 when none closes it. */
static size_t bracket__end(const char *glob, size_t i)
{
	size_t j = i + 1;

	if (glob[j] == '!' || glob[j] == '^')
		j++;
	if (glob[j] == ']')
		j++;
	while (glob[j] && glob[j] != ']') {
		const char *close;

		if (glob[j] == '[' && glob[j + 1] &&
		    strchr(":.=", glob[j + 1])) {
			char end[3] = { glob[j + 1], ']', '\0' };

			close = strstr(&glob[j + 2], end);
			j = close ? (size_t)(close - glob) + 2 : j + 1;
		} else {
			j += glob[j] == '\\' && glob[j + 1] ? 2 : 1;
		}
	}
	return glob[j] == ']' ? j : 0;
}

/* The bytes glob[i..end] (a bracket expression) matches, as fnmatch(3)
 * itself decides them; false when none (glibc's way of saying it does
 * not read the expression as one). */
static bool bracket__set(const char *glob, size_t i, size_t end,
			 __u8 set[32])
{
	char expr[VIGIL_PATH_MAX];
	size_t len = end - i + 1;

	bool any = false;

	memset(set, 0, 32);
	if (len >= sizeof(expr))
		return false;
	memcpy(expr, &glob[i], len);
	expr[len] = '\0';
	for (int c = 1; c < 256; c++) {
		char one[2] = { (char)c, '\0' };

		if (!fnmatch(expr, one, 0)) {
			set[c >> 3] |= 1 << (c & 7);
			any = true;
		}
	}
	return any;
}

/* The class token of the bracket expression at glob[*i] ('['), *i moved
 * past it; a negative errno with why filled when the kernel cannot take
 * it. glibc's reading of a '[' nothing closes varies (a literal, or a
 * pattern that matches nothing): refused rather than guessed. */
static int compile__bracket(const char *glob, size_t *i,
			    struct vigil_exe_pattern *out, size_t *classes,
			    char *why, size_t whylen)
{
	size_t end = bracket__end(glob, *i);

	if (*classes == VIGIL_EXE_CLASSES) {
		snprintf(why, whylen, "more than %d bracket expressions",
			 VIGIL_EXE_CLASSES);
		return -E2BIG;
	}
	if (!end || !bracket__set(glob, *i, end, out->cls[*classes])) {
		snprintf(why, whylen, "a '[' that no ']' closes, or that "
			 "matches no character (write '\\[' for the "
			 "character)");
		return -EINVAL;
	}
	*i = end + 1;
	return VIGIL_TOK_CLASS + (*classes)++;
}

/* The token at glob[*i], *i moved past it; a negative errno as above. */
static int compile__token(const char *glob, size_t *i,
			  struct vigil_exe_pattern *out, size_t *classes,
			  char *why, size_t whylen)
{
	unsigned char c = glob[(*i)++];

	switch (c) {
	case '?':
		return VIGIL_TOK_ANY;
	case '*':
		return VIGIL_TOK_STAR;
	case '[':
		(*i)--;
		return compile__bracket(glob, i, out, classes, why, whylen);
	case '\\':
		if (glob[*i])
			return (unsigned char)glob[(*i)++];
		snprintf(why, whylen, "ends in a lone backslash, which "
			 "fnmatch(3) takes as matching nothing");
		return -EINVAL;
	default:
		return c;
	}
}

int exeallow__compile(const char *glob, struct vigil_exe_pattern *out,
		      char *why, size_t whylen)
{
	size_t i = 0, classes = 0;

	memset(out, 0, sizeof(*out));
	while (glob[i]) {
		int tok = compile__token(glob, &i, out, &classes, why, whylen);

		if (tok < 0)
			return tok;
		/* "**" matches what "*" does. */
		if (tok == VIGIL_TOK_STAR && out->nr &&
		    out->tok[out->nr - 1] == VIGIL_TOK_STAR)
			continue;
		if (out->nr == VIGIL_EXE_TOKENS) {
			snprintf(why, whylen, "longer than the kernel matches "
				 "(%d characters)", VIGIL_EXE_TOKENS);
			return -E2BIG;
		}
		out->tok[out->nr++] = tok;
	}
	return 0;
}

static bool path__listed(const struct profile *p, struct bytes path)
{
	return profile__allows_exe(p, path.p, path.len);
}

enum exe_unlisted exeallow__judge(const struct profile *p,
				  const struct ev_exec *e, uint32_t flags)
{
	if (!p->nr_exes)
		return EXE_LISTED;
	if ((flags & (VIGIL_F_PATH_TRUNC | VIGIL_F_DELETED)) ||
	    !path__listed(p, e->file))
		return EXE_UNLISTED_FILE;
	if (e->script_ino && !path__listed(p, e->script))
		return EXE_UNLISTED_SCRIPT;
	return EXE_LISTED;
}
