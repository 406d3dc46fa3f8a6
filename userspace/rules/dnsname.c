// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <math.h>
#include <string.h>

#include "dnsname.h"

static int64_t entropy__of(const char *s, size_t len)
{
	unsigned count[256] = { 0 };
	double bits = 0;

	for (size_t i = 0; i < len; i++)
		count[(unsigned char)s[i]]++;
	for (size_t c = 0; c < 256; c++) {
		double p = (double)count[c] / len;

		if (count[c])
			bits -= p * log2(p);
	}
	return (int64_t)llround(bits * 100);
}

void dnsname__stats(const char *name, size_t len, struct dnsname_stats *s)
{
	size_t start = 0, longest = 0;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i <= len; i++) {
		if (i < len && name[i] != '.')
			continue;
		if (i > start) {
			s->labels++;
			if (i - start > s->label_max) {
				s->label_max = i - start;
				longest = start;
			}
		}
		start = i + 1;
	}
	if (s->label_max)
		s->entropy = entropy__of(name + longest, s->label_max);
}

size_t dnsname__parent(const char *name, size_t len)
{
	size_t dots[3] = { 0 }, nr = 0;	/* the last three dots' places */

	for (size_t i = len; i-- > 0 && nr < 3; )
		if (name[i] == '.')
			dots[nr++] = i;
	if (nr < 2)
		return 0;
	/* "example.co.uk": the label before the last is a second-level
	 * registry's. */
	if (dots[0] - dots[1] - 1 <= 3 && len - dots[0] - 1 == 2)
		return nr == 3 ? dots[2] + 1 : 0;
	return dots[1] + 1;
}
