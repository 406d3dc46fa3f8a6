/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * UTF-8 validation and repair for strings taken from hostile processes
 * (paths, argv, comm), so every string the collector emits is valid JSON.
 * Pure functions: no allocation, no state.
 */
#ifndef VIGIL_UTF8_H
#define VIGIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* The length of the well-formed sequence at p (1 to 4 bytes, at most
 * avail), or 0 if p[0] does not start one. */
size_t utf8__char_len(const unsigned char *p, size_t avail);

/* True if in[0..len) is well-formed UTF-8 (Unicode table 3-7): no stray
 * continuation bytes, truncated sequences, overlongs, UTF-16 surrogates or
 * code points above U+10FFFF. NUL bytes are well-formed (U+0000). */
bool utf8__valid(const unsigned char *in, size_t len);

/* Copies in[0..len) to out, replacing every byte that is not part of a
 * well-formed sequence with U+FFFD: one replacement per offending byte, as
 * Go does, so the size of hostile input stays visible. Well-formed
 * sequences, NUL included, are copied unchanged. Always NUL-terminates
 * (when out_cap > 0) and returns the bytes written, NUL excluded.
 * out_cap >= 3 * len + 1 always suffices; a smaller out_cap stops the copy
 * at the last whole character that fits. */
size_t utf8__repair(const unsigned char *in, size_t len, char *out,
		    size_t out_cap);

/* What stands for the character of n bytes at p (n is 0 for a byte that
 * starts no well-formed sequence): its length, written into rep, or 0 to
 * keep it as it is. */
#define UTF8_SUBST_MAX 8
typedef size_t (*utf8_subst_fn)(const unsigned char *p, size_t n,
				char rep[UTF8_SUBST_MAX]);

/* Copies in[0..len) to out a character at a time, each replaced as subst
 * says. Always NUL-terminates (when out_cap > 0) and returns the bytes
 * written, NUL excluded; a short out_cap stops the copy at the last
 * whole character or replacement that fits. */
size_t utf8__map(const unsigned char *in, size_t len, char *out,
		 size_t out_cap, utf8_subst_fn subst);

#endif /* VIGIL_UTF8_H */
