// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>

#include "filepath.h"

/* Appends src's components to out[0..len), folding "." and "..";
 * returns the new length. ".." at the root stays at the root, as the
 * kernel has it. */
static size_t filepath__fold(char *out, size_t cap, size_t len,
			     const struct bytes *src)
{
	const char *p = src->p, *end = src->p + src->len;

	while (p < end) {
		const char *slash = memchr(p, '/', end - p);
		size_t n = (slash ? slash : end) - p;

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (len && out[len - 1] != '/')
				len--;
			if (len)
				len--;
		} else if (n && !(n == 1 && p[0] == '.')) {
			if (len + 1 + n > cap)
				return len;
			out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
		}
		p += n + 1;
	}
	return len;
}

size_t filepath__join(const struct bytes *base, const struct bytes *arg,
		      char *out, size_t cap)
{
	bool absolute = arg->len && arg->p[0] == '/';
	size_t len = 0;

	if (!absolute && !base->len) {
		len = arg->len < cap ? arg->len : cap;
		memcpy(out, arg->p, len);
		return len;
	}
	if (!absolute)
		len = filepath__fold(out, cap, 0, base);
	len = filepath__fold(out, cap, len, arg);
	if (!len)
		out[len++] = '/';
	return len;
}
