// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>

#include "slurp.h"

#define SLURP_FIRST (64 << 10)	/* bytes: most rule and state files fit */

/* The next size of a buffer of cap bytes: double, at most max + 2 (the
 * byte that tells the file is too long, and the NUL). */
static size_t slurp__grow(size_t cap, size_t max)
{
	size_t want = cap ? cap * 2 : SLURP_FIRST;

	return want > max + 2 || want < cap ? max + 2 : want;
}

int file__slurp(FILE *f, size_t max, char **text, size_t *len)
{
	size_t cap = 0, n = 0;
	char *buf = NULL;
	int err = 0;

	for (;;) {
		if (n + 1 >= cap) {
			size_t next = slurp__grow(cap, max);
			char *more = next > cap ? realloc(buf, next) : NULL;

			if (!more) {
				err = next > cap ? -ENOMEM : -EFBIG;
				break;
			}
			buf = more;
			cap = next;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (n > max) {
			err = -EFBIG;
			break;
		}
		if (got == 0) {
			err = ferror(f) ? -EIO : 0;
			break;
		}
	}
	if (err) {
		free(buf);
		*text = NULL;
		return err;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}
