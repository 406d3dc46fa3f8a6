/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The collector's one logger: messages to stderr, "vigil: " first, debug
 * only when verbose, control characters escaped (text.h) so that what a
 * message echoes cannot act on the terminal. Data never goes here. */
#ifndef VIGIL_LOG_H
#define VIGIL_LOG_H

#include <stdbool.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log__set_verbose(bool verbose);
bool log__verbose(void);
void log__msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* As log__msg at LOG_ERROR, followed by ": " and strerror(err) (err may
 * be negative, as libbpf returns it). */
void log__errno(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* From log__cap(max) to log__uncap(), errors past the first max are
 * counted, not printed: a loader that reports every mistake in a file
 * shows a screenful of a million. log__uncap returns how many were held
 * back, for the loader to say so. For loaders that run before any other
 * thread logs. */
void log__cap(int max);
int log__uncap(void);
/* Routes libbpf's own messages here (its debug output only when
 * verbose). */
void log__libbpf(void);

#define log_error(...) log__msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log__msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log__msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log__msg(LOG_DEBUG, __VA_ARGS__)

#endif /* VIGIL_LOG_H */
