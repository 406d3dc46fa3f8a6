/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A run of bytes that is not NUL-terminated (a string inside a kernel
 * record, a name inside a rule's text), and the one way vigil walks
 * NUL-separated strings: an argv, a /proc/PID/cmdline, a list field's
 * elements. */
#ifndef VIGIL_BYTES_H
#define VIGIL_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct bytes {
	const char *p;
	size_t len;
};

/* Whether p[0..len), a name inside a rule's text, is the string s. */
static inline bool bytes__is(const char *p, size_t len, const char *s)
{
	return strlen(s) == len && !memcmp(p, s, len);
}

/* The last component of a path (all of it without a '/'). */
static inline struct bytes bytes__base(const char *p, size_t len)
{
	const char *slash = len ? memrchr(p, '/', len) : NULL;

	return slash ? (struct bytes){ slash + 1, len - (slash + 1 - p) }
		     : (struct bytes){ p, len };
}

/* Takes the next of the NUL-separated strings in *rest into *out,
 * without its NUL, and moves *rest past it; a last string without its
 * NUL (cut short) is one too. false when *rest is empty. Inline: rule
 * conditions walk argv with it on every exec. */
static inline bool bytes__next_str(struct bytes *rest, struct bytes *out)
{
	const char *nul;

	if (!rest->len)
		return false;
	nul = memchr(rest->p, '\0', rest->len);
	out->p = rest->p;
	out->len = nul ? (size_t)(nul - rest->p) : rest->len;
	rest->p += out->len + (nul != NULL);
	rest->len -= out->len + (nul != NULL);
	return true;
}

#endif /* VIGIL_BYTES_H */
