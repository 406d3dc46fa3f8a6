/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Text shown to a human (log lines, alert messages, the status table,
 * the command's relayed stderr under `vigil run`) made safe to print:
 * what a hostile process chose (a comm, a path, argv, a sandbox name)
 * must not be able to move the cursor, clear the screen or start a line
 * that passes for one of vigil's. Records keep their exact bytes; this is
 * for what people read.
 */
#ifndef VIGIL_TEXT_H
#define VIGIL_TEXT_H

#include <stddef.h>

/* Copies in[0..len) to out, escaping what a terminal would act on
 * rather than show: C0 controls and DEL ("\n", "\r", else "\xNN"; tab is
 * kept), C1 controls and the characters that reorder or break the text
 * after them (bidi controls, U+2028, U+2029) as "\uNNNN", and each byte
 * of ill-formed UTF-8 as "\xNN". Everything else, backslashes included,
 * is copied unchanged. Always NUL-terminates (when out_cap > 0) and
 * returns the bytes written, NUL excluded; out_cap >= 4 * len + 1 always
 * suffices, and a smaller one stops at the last whole character or
 * escape that fits. */
size_t text__escape(const char *in, size_t len, char *out, size_t out_cap);

#endif /* VIGIL_TEXT_H */
