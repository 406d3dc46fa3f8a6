// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "utf8.h"

#include <stdint.h>
#include <string.h>

static const char replacement[3] = { '\xef', '\xbf', '\xbd' };	/* U+FFFD */

/* Length of the well-formed sequence at p, or 0 if p[0] does not start
 * one. The lead byte fixes the length and the range of the second byte;
 * narrowing that range is what rejects overlongs (E0, F0), surrogates (ED)
 * and code points past U+10FFFF (F4), per Unicode table 3-7. */
size_t utf8__char_len(const unsigned char *p, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	n = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Length of the ASCII run at p, eight bytes at a time: most of what we
 * see is ASCII paths, and this is the collector's per-string hot path. */
static size_t ascii_run(const unsigned char *p, size_t avail)
{
	size_t i = 0;
	uint64_t w;

	for (; i + 8 <= avail; i += 8) {
		memcpy(&w, p + i, 8);
		if (w & 0x8080808080808080ULL)
			break;
	}
	while (i < avail && p[i] < 0x80)
		i++;
	return i;
}

bool utf8__valid(const unsigned char *in, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		n = in[i] < 0x80 ? ascii_run(in + i, len - i)
				 : utf8__char_len(in + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

size_t utf8__map(const unsigned char *in, size_t len, char *out,
		 size_t out_cap, utf8_subst_fn subst)
{
	size_t i = 0, o = 0, n, w;
	char rep[UTF8_SUBST_MAX];
	const void *src;

	if (out_cap == 0)
		return 0;
	while (i < len) {
		n = utf8__char_len(in + i, len - i);
		w = subst(in + i, n, rep);
		src = w ? (const void *)rep : (const void *)(in + i);
		w = w ? w : n ? n : 1;
		if (o + w >= out_cap)
			break;
		memcpy(out + o, src, w);
		o += w;
		i += n ? n : 1;
	}
	out[o] = '\0';
	return o;
}

static size_t utf8__subst_bad(const unsigned char *p, size_t n,
			      char rep[UTF8_SUBST_MAX])
{
	if (n)
		return 0;
	memcpy(rep, replacement, sizeof(replacement));
	return sizeof(replacement);
}

/* Runs only on strings utf8__valid refused, so the call per character
 * costs nothing on the hot path. */
size_t utf8__repair(const unsigned char *in, size_t len, char *out,
		    size_t out_cap)
{
	return utf8__map(in, len, out, out_cap, utf8__subst_bad);
}
