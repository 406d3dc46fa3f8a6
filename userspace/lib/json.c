// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "utf8.h"

/* Containers are tracked in bitmasks, one bit per level; records nest a
 * handful of levels, so 64 is plenty. */
#define JSON_MAX_DEPTH 64
#define JSON_INITIAL   4096
/* A string byte takes at most 6 bytes of output ("\u001F"); an invalid
 * one 3 (U+FFFD), a valid multibyte character its own length. */
#define ESCAPED_MAX(n) (6 * (n) + 2)

struct json {
	char *buf;		/* the record being built */
	size_t len, cap;
	unsigned int depth;	/* open containers, the record's own included */
	uint64_t arrays;	/* bit d set: the container at depth d + 1 is an array */
	/* The open container has a member already: the next one takes a
	 * comma. (Closing a container returns to one that has it.) */
	bool comma;
	bool key_written;	/* by JSON_KEY, for the member call after it */
	int err;		/* first error since json__begin */
};

/* What JSON_KEY stands for in a member call: its key is written. */
static const char written_key[] = "";

struct json *json__new(void)
{
	struct json *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->buf = malloc(JSON_INITIAL);
	if (!j->buf) {
		free(j);
		return NULL;
	}
	j->cap = JSON_INITIAL;
	return j;
}

void json__free(struct json *j)
{
	if (!j)
		return;
	free(j->buf);
	free(j);
}

static __attribute__((noinline, cold)) void fail(struct json *j, int err)
{
	if (!j->err)
		j->err = err;
}

static __attribute__((noinline, cold)) bool grow(struct json *j, size_t n)
{
	size_t cap = j->cap;
	char *p;

	if (n > SIZE_MAX / 4 - j->len) {
		fail(j, -ENOMEM);
		return false;
	}
	while (cap - j->len < n)
		cap *= 2;
	p = realloc(j->buf, cap);
	if (!p) {
		fail(j, -ENOMEM);
		return false;
	}
	j->buf = p;
	j->cap = cap;
	return true;
}

/* Room for n more bytes. The buffer only grows, so once it has held the
 * longest record nothing is allocated any more. */
static inline bool reserve(struct json *j, size_t n)
{
	return __builtin_expect(n <= j->cap - j->len, 1) || grow(j, n);
}

/* ---------------------------------------------------------------- strings */

/* Bytes that cannot go out as they are: controls, '"', '\\' (escaped) and
 * everything from 0x80 (checked as UTF-8). */
static const uint8_t special[256] = {
	[0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 1,
};

#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Non-zero if a byte of w is 0 (exact as a yes or no). */
static inline uint64_t has_zero(uint64_t w)
{
	return (w - ONES) & ~w & HIGHS;
}

/* Whether any of the eight bytes of w is special[]. */
static inline bool word_special(uint64_t w)
{
	return ((w | ((w - ONES * 0x20) & ~w)) & HIGHS) ||
	       has_zero(w ^ (ONES * '"')) || has_zero(w ^ (ONES * '\\'));
}

/* What yajl's generator wrote, so records read the same as before:
 * short escapes where JSON has them, else \u00XX in upper case. */
static char *put_escape(char *o, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	static const char short_form[0x60] = {
		['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f',
		['\r'] = 'r', ['"'] = '"', ['\\'] = '\\',
	};

	*o++ = '\\';
	if (short_form[c]) {
		*o++ = short_form[c];
		return o;
	}
	memcpy(o, "u00", 3);
	o[3] = hex[c >> 4];
	o[4] = hex[c & 15];
	return o + 5;
}

/* One character from 0x80 up: a well-formed sequence as it is, each byte
 * of anything else as U+FFFD (utf8.h's repair, inline). */
static char *put_utf8(char *o, const unsigned char *s, size_t avail,
		      size_t *used)
{
	size_t n = utf8__char_len(s, avail);

	if (!n) {
		memcpy(o, "\xef\xbf\xbd", 3);
		*used = 1;
		return o + 3;
	}
	memcpy(o, s, n);
	*used = n;
	return o + n;
}

/* s[0..n) as a JSON string, quotes included, into room reserved for
 * ESCAPED_MAX(n). Plain ASCII, nearly all of what records hold, goes
 * eight bytes at a time. */
static char *put_quoted(char *o, const unsigned char *s, size_t n)
{
	size_t i = 0, used;
	uint64_t w;

	*o++ = '"';
	while (i < n) {
		for (; i + 8 <= n; i += 8, o += 8) {
			memcpy(&w, s + i, 8);
			if (word_special(w))
				break;
			memcpy(o, &w, 8);
		}
		/* A tail shorter than a word: its last eight bytes, which
		 * overlap what is already out, in one go if they are plain. */
		if (i < n && n >= 8 && i + 8 > n) {
			memcpy(&w, s + n - 8, 8);
			if (!word_special(w)) {
				memcpy(o + (n - i) - 8, &w, 8);
				o += n - i;
				break;
			}
		}
		while (i < n && !special[s[i]])
			*o++ = (char)s[i++];
		if (i == n)
			break;
		if (s[i] < 0x80) {
			o = put_escape(o, s[i++]);
		} else {
			o = put_utf8(o, s + i, n - i, &used);
			i += used;
		}
	}
	*o++ = '"';
	return o;
}

/* Up to a few dozen bytes (a quoted key), without a call to memcpy: a
 * call costs more than the copy. */
static inline void copy_small(char *o, const char *s, size_t n)
{
	size_t i;

	if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8)
			memcpy(o + i, s + i, 8);
		memcpy(o + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(o, s, 4);
		memcpy(o + n - 4, s + n - 4, 4);
	} else {
		for (i = 0; i < n; i++)
			o[i] = s[i];
	}
}

/* ---------------------------------------------------------------- numbers */

#define NUMBER_MAX 24	/* "-" and 20 digits, rounded up */

/* Decimal digits of v: log10 from the bit length, corrected once. */
static inline unsigned int dec_len(unsigned long long v)
{
	static const unsigned long long pow10[20] = {
		1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL,
		1000000ULL, 10000000ULL, 100000000ULL, 1000000000ULL,
		10000000000ULL, 100000000000ULL, 1000000000000ULL,
		10000000000000ULL, 100000000000000ULL, 1000000000000000ULL,
		10000000000000000ULL, 100000000000000000ULL,
		1000000000000000000ULL, 10000000000000000000ULL,
	};
	unsigned int t = ((64 - __builtin_clzll(v | 1)) * 1233) >> 12;

	return t + 1 - ((v | 1) < pow10[t]);
}

/* v in decimal at o, two digits at a time from the end; returns the end. */
static char *put_u64(char *o, unsigned long long v)
{
	static const char pairs[] =
		"00010203040506070809101112131415161718192021222324"
		"25262728293031323334353637383940414243444546474849"
		"50515253545556575859606162636465666768697071727374"
		"75767778798081828384858687888990919293949596979899";
	char *end = o + dec_len(v), *p = end;

	while (v >= 100) {
		p -= 2;
		memcpy(p, pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10)
		memcpy(p - 2, pairs + 2 * v, 2);
	else
		p[-1] = (char)('0' + v);
	return end;
}

/* ---------------------------------------------------------------- members */

static bool in_array(const struct json *j)
{
	return j->arrays >> (j->depth - 1) & 1;
}

/* Checks that a member may start here (a key in an object, none in an
 * array, no JSON_KEY waiting for its value), makes room for its
 * separator and `room` more bytes, and writes the separator. */
static inline __attribute__((always_inline)) char *
start_member(struct json *j, bool keyed, size_t room)
{
	char *o;

	if (__builtin_expect(j->err, 0))
		return NULL;
	if (j->depth == 0 || !keyed != in_array(j) || j->key_written) {
		fail(j, -EINVAL);
		return NULL;
	}
	if (!reserve(j, room + 1))
		return NULL;
	o = j->buf + j->len;
	*o = ',';
	o += j->comma;
	j->comma = true;
	return o;
}

const char *json__key_quoted(struct json *j, const char *quoted, size_t len)
{
	char *o = start_member(j, true, len);

	if (o) {
		copy_small(o, quoted, len);
		j->len = (size_t)(o + len - j->buf);
		j->key_written = true;
	}
	return written_key;
}

/* The next member: its separator and key (none in an array; the one
 * JSON_KEY wrote), with room for `room` bytes of value after it. Returns
 * where the value goes, or NULL to skip it: the record is broken. The
 * caller moves j->len past what it writes. */
static inline __attribute__((always_inline)) char *
member(struct json *j, const char *key, size_t room)
{
	size_t klen;
	char *o;

	if (key == written_key) {
		if (!j->key_written)
			fail(j, -EINVAL);
		j->key_written = false;
		return !j->err && reserve(j, room) ? j->buf + j->len : NULL;
	}
	klen = key ? strlen(key) : 0;
	if (klen > SIZE_MAX / 8 || room > SIZE_MAX / 2) {
		fail(j, -ENOMEM);
		return NULL;
	}
	o = start_member(j, key != NULL, ESCAPED_MAX(klen) + 1 + room);
	if (o && key) {
		o = put_quoted(o, (const unsigned char *)key, klen);
		*o++ = ':';
	}
	return o;
}

static void done(struct json *j, const char *o)
{
	j->len = (size_t)(o - j->buf);
}

/* A value of n bytes known in advance (true, null, ...). */
static void put_member(struct json *j, const char *key, const char *text,
		       size_t n)
{
	char *o = member(j, key, n);

	if (o) {
		memcpy(o, text, n);
		done(j, o + n);
	}
}

static void put_number(struct json *j, const char *key,
		       unsigned long long mag, bool neg)
{
	char *o = member(j, key, NUMBER_MAX);

	if (!o)
		return;
	if (neg)
		*o++ = '-';
	done(j, put_u64(o, mag));
}

static void open_container(struct json *j, const char *key, bool array)
{
	char *o;

	if (j->depth >= JSON_MAX_DEPTH && !j->err) {
		fail(j, -EINVAL);
		return;
	}
	o = member(j, key, 1);
	if (!o)
		return;
	*o++ = array ? '[' : '{';
	done(j, o);
	j->arrays &= ~(1ULL << j->depth);
	j->arrays |= (uint64_t)array << j->depth;
	j->comma = false;
	j->depth++;
}

/* The record's own object (depth 1) is closed only by json__end. */
static void close_container(struct json *j, bool array)
{
	if (j->err)
		return;
	if (j->depth < 2 || in_array(j) != array || j->key_written) {
		fail(j, -EINVAL);
		return;
	}
	if (!reserve(j, 1))
		return;
	j->buf[j->len++] = array ? ']' : '}';
	j->comma = true;
	j->depth--;
}

/* ---------------------------------------------------------------- the API */

void json__begin(struct json *j)
{
	j->buf[0] = '{';	/* cap is never 0 */
	j->len = 1;
	j->err = 0;
	j->depth = 1;
	j->arrays = 0;
	j->comma = false;
	j->key_written = false;
}

int json__end(struct json *j, const char **buf, size_t *len)
{
	if (!j->err && (j->depth != 1 || j->key_written))
		fail(j, -EINVAL);
	if (!j->err && reserve(j, 2)) {
		j->buf[j->len++] = '}';
		j->buf[j->len] = '\0';
	}
	j->depth = 0;
	if (j->err)
		return j->err;
	*buf = j->buf;
	*len = j->len;
	return 0;
}

void json__str(struct json *j, const char *key, const char *s)
{
	if (s)
		json__strn(j, key, s, strlen(s));
	else
		json__null(j, key);
}

void json__strn(struct json *j, const char *key, const void *bytes,
		size_t len)
{
	char *o;

	if (len > SIZE_MAX / 8) {
		fail(j, -ENOMEM);
		return;
	}
	o = member(j, key, ESCAPED_MAX(len));
	if (o)
		done(j, put_quoted(o, len ? bytes : "", len));
}

void json__strs(struct json *j, const char *key, const char *p, size_t len)
{
	struct bytes rest = { p, len }, s;

	json__arr_begin(j, key);
	while (bytes__next_str(&rest, &s))
		json__strn(j, NULL, s.p, s.len);
	json__arr_end(j);
}

void json__int(struct json *j, const char *key, long long v)
{
	/* Negating in unsigned arithmetic keeps LLONG_MIN defined. */
	unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v
				       : (unsigned long long)v;

	put_number(j, key, mag, v < 0);
}

void json__uint(struct json *j, const char *key, unsigned long long v)
{
	put_number(j, key, v, false);
}

void json__bool(struct json *j, const char *key, bool v)
{
	put_member(j, key, v ? "true" : "false", v ? 4 : 5);
}

void json__null(struct json *j, const char *key)
{
	put_member(j, key, "null", 4);
}

void json__obj_begin(struct json *j, const char *key)
{
	open_container(j, key, false);
}

void json__obj_end(struct json *j)
{
	close_container(j, false);
}

void json__arr_begin(struct json *j, const char *key)
{
	open_container(j, key, true);
}

void json__arr_end(struct json *j)
{
	close_container(j, true);
}

void json__double(struct json *j, const char *key, double v)
{
	char buf[32];
	int len;

	if (!isfinite(v)) {
		json__null(j, key);
		return;
	}
	/* Scores and milliseconds: three decimals say enough (and spare
	 * readers 49.99999 for a decayed 50); "%g" never yields a form JSON
	 * refuses (non-finite values were taken out above). */
	len = snprintf(buf, sizeof(buf), "%.10g", round(v * 1000) / 1000);
	put_member(j, key, buf, (size_t)len);
}

void json__raw(struct json *j, const char *key, const char *text, size_t len)
{
	put_member(j, key, text, len);
}
