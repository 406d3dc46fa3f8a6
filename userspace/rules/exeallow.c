// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "exeallow.h"

/* The index of the ']' closing the bracket expression at glob[i] ('['),
 * as fnmatch(3) reads it, or 0 when none closes it ('[' is a literal). */
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
 * itself decides them. */
static void bracket__set(const char *glob, size_t i, size_t end,
			 __u8 set[32])
{
	char expr[VIGIL_PATH_MAX];
	size_t len = end - i + 1;

	memset(set, 0, 32);
	if (len >= sizeof(expr))
		return;
	memcpy(expr, &glob[i], len);
	expr[len] = '\0';
	for (int c = 1; c < 256; c++) {
		char one[2] = { (char)c, '\0' };

		if (!fnmatch(expr, one, 0))
			set[c >> 3] |= 1 << (c & 7);
	}
}

int exeallow__compile(const char *glob, struct vigil_exe_pattern *out,
		      char *why, size_t whylen)
{
	size_t i = 0, end, classes = 0;

	memset(out, 0, sizeof(*out));
	while (glob[i]) {
		__u16 tok = (unsigned char)glob[i++];

		if (tok == '\\' && !glob[i]) {
			snprintf(why, whylen, "ends in a lone backslash, "
				 "which fnmatch(3) takes as matching nothing");
			return -EINVAL;
		}
		if (tok == '\\')
			tok = (unsigned char)glob[i++];
		else if (tok == '?')
			tok = VIGIL_TOK_ANY;
		else if (tok == '*')
			tok = VIGIL_TOK_STAR;
		else if (tok == '[' && (end = bracket__end(glob, i - 1))) {
			if (classes == VIGIL_EXE_CLASSES) {
				snprintf(why, whylen, "more than %d bracket "
					 "expressions", VIGIL_EXE_CLASSES);
				return -E2BIG;
			}
			bracket__set(glob, i - 1, end, out->cls[classes]);
			tok = VIGIL_TOK_CLASS + classes++;
			i = end + 1;
		}
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
