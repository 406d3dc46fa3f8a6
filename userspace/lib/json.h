/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The collector's JSON emitter: one record (a top-level object) at a time,
 * written straight into one growing buffer. It was yajl's generator; the
 * output is byte for byte what that wrote, and the unit and fuzz tests
 * parse it back with yajl's validating parser.
 *
 * Usage per record:
 *	json__begin(j);
 *	json__str(j, "type", "open");
 *	json__arr_begin(j, "flags"); json__str(j, NULL, "O_RDONLY"); ...
 *	json__arr_end(j);
 *	if (json__end(j, &buf, &len) == 0) write buf[0..len) and a newline
 *
 * Member calls take the member's key; inside an array the key must be
 * NULL. Member calls return nothing: the first misuse or failure is
 * remembered and reported by json__end, so emitting code stays linear.
 *
 * Every string, keys included, comes out as valid JSON whatever bytes it
 * holds: ill-formed UTF-8 becomes U+FFFD (see utf8.h), control characters
 * and NUL are escaped, '/' is not.
 *
 * Built for 1,000,000+ records/s on one core: after warm-up nothing is
 * allocated per record, numbers are formatted without printf, and a
 * string is validated, repaired and escaped in one pass that copies
 * plain ASCII eight bytes at a time. One struct json per thread; it is
 * not thread-safe.
 */
#ifndef VIGIL_JSON_H
#define VIGIL_JSON_H

#include <stdbool.h>
#include <stddef.h>

struct json;

/* NULL on allocation failure. */
struct json *json__new(void);
void json__free(struct json *j);	/* NULL-safe */

/* Starts a record, discarding the previous one and any error it had. */
void json__begin(struct json *j);

/* Closes the record and points *buf at its text, *len bytes, no trailing
 * newline (NUL-terminated too), valid until the next json__begin or
 * json__free. Returns 0; -EINVAL if the record was misbuilt (a container
 * left open or closed twice, a key inside an array or none inside an
 * object, nesting deeper than 64, no json__begin); -ENOMEM if a string
 * could not be repaired for lack of memory. On error *buf and *len are
 * left alone and the record must be dropped. */
int json__end(struct json *j, const char **buf, size_t *len);

/* s NUL-terminated; s == NULL emits null. */
void json__str(struct json *j, const char *key, const char *s);
/* Any bytes: NUL and invalid UTF-8 included. */
void json__strn(struct json *j, const char *key, const void *bytes,
		size_t len);
/* An array of the NUL-separated strings in p[0..len) (bytes__next_str's:
 * argv, /proc/PID/cmdline). */
void json__strs(struct json *j, const char *key, const char *p, size_t len);
void json__int(struct json *j, const char *key, long long v);
void json__uint(struct json *j, const char *key, unsigned long long v);
void json__bool(struct json *j, const char *key, bool v);
/* Finite doubles to three decimals; NaN and infinities as null. */
void json__double(struct json *j, const char *key, double v);
/* A complete JSON value, inserted as is: only for text vigil rendered
 * itself (the records an action carries as evidence). */
void json__raw(struct json *j, const char *key, const char *text,
	       size_t len);
void json__null(struct json *j, const char *key);
void json__obj_begin(struct json *j, const char *key);
void json__obj_end(struct json *j);
void json__arr_begin(struct json *j, const char *key);
void json__arr_end(struct json *j);

/*
 * Keys known when vigil is built, for the record renderer's hot path:
 * JSON_KEY(j, "pid") writes the next member's key, quoted with its colon
 * at compile time (one copy; the key is neither measured nor escaped, so
 * the literal must need no escaping: only a string literal compiles),
 * and stands for that key in the member call:
 *
 *	json__uint(j, JSON_KEY(j, "pid"), h->pid);
 *
 * A JSON_KEY not followed by its member's value, or one inside an array,
 * makes the record misbuilt (-EINVAL from json__end).
 */
#define JSON_KEY(j, k) \
	json__key_quoted((j), "\"" k "\":", sizeof("\"" k "\":") - 1)
const char *json__key_quoted(struct json *j, const char *quoted, size_t len);

#endif /* VIGIL_JSON_H */
