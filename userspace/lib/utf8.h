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

#endif /* VIGIL_UTF8_H */
