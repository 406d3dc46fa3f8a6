// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "utf8.h"

/* Characters past C1 that change how the rest of a line reads: bidi
 * controls can show a path or a rule name reversed ("Trojan Source"),
 * and the Unicode line and paragraph separators break a line where no
 * newline is. */
static bool text__reorders(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

static uint32_t text__code_point(const unsigned char *p, size_t n)
{
	static const unsigned char lead_mask[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t cp = p[0] & lead_mask[n];

	for (size_t i = 1; i < n; i++)
		cp = cp << 6 | (p[i] & 0x3f);
	return cp;
}

/* The escape for the character of n bytes at p (n is 0 for a byte that
 * starts no well-formed sequence), or 0 when it is shown as it is. */
static size_t text__subst(const unsigned char *p, size_t n,
			  char esc[UTF8_SUBST_MAX])
{
	uint32_t cp = n ? text__code_point(p, n) : 0;

	if (n == 0)
		return snprintf(esc, UTF8_SUBST_MAX, "\\x%02x", p[0]);
	if (cp == '\n')
		return snprintf(esc, UTF8_SUBST_MAX, "\\n");
	if (cp == '\r')
		return snprintf(esc, UTF8_SUBST_MAX, "\\r");
	if ((cp < 0x20 && cp != '\t') || cp == 0x7f)
		return snprintf(esc, UTF8_SUBST_MAX, "\\x%02x",
				(unsigned int)cp);
	if ((cp >= 0x80 && cp < 0xa0) || text__reorders(cp))
		return snprintf(esc, UTF8_SUBST_MAX, "\\u%04x",
				(unsigned int)cp);
	return 0;
}

size_t text__escape(const char *in, size_t len, char *out, size_t out_cap)
{
	return utf8__map((const unsigned char *)in, len, out, out_cap,
			 text__subst);
}
