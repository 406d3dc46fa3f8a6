// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The yardstick of bench/render_bench.c: vigil's JSON emitter (json.h) as
 * it was before issue 12, over yajl's generator, so `make bench` can time
 * the renderer with it and with userspace/lib/json.c side by side. Kept
 * as it was but for JSON_KEY, which it implements the way it did every
 * key (through yajl, validated and escaped). Not linked into vigil.
 */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "bytes.h"
#include "utf8.h"

/* Containers are tracked in a bitmask, one bit per level; records nest a
 * handful of levels, so 64 is plenty. */
#define JSON_MAX_DEPTH 64

struct json {
	yajl_gen gen;
	char *scratch;		/* repaired copy of an invalid UTF-8 string */
	size_t scratch_cap;
	unsigned int depth;	/* open containers, the record's own included */
	uint64_t arrays;	/* bit d set: the container at depth d + 1 is an array */
	bool key_written;	/* by JSON_KEY, for the member call after it */
	int err;		/* first error since json__begin */
};

static const char written_key[] = "";

struct json *json__new(void)
{
	struct json *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	/* yajl's defaults are what we want: compact output, '/' unescaped,
	 * no UTF-8 validation (strings are repaired before they get there). */
	j->gen = yajl_gen_alloc(NULL);
	if (!j->gen) {
		free(j);
		return NULL;
	}
	return j;
}

void json__free(struct json *j)
{
	if (!j)
		return;
	yajl_gen_free(j->gen);
	free(j->scratch);
	free(j);
}

static void fail(struct json *j, int err)
{
	if (!j->err)
		j->err = err;
}

static void check(struct json *j, yajl_gen_status st)
{
	if (st != yajl_gen_status_ok)
		fail(j, -EINVAL);
}

static int scratch_reserve(struct json *j, size_t need)
{
	size_t cap = j->scratch_cap ? j->scratch_cap : 256;
	char *p;

	if (need <= j->scratch_cap)
		return 0;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(j->scratch, cap);
	if (!p)
		return -ENOMEM;
	j->scratch = p;
	j->scratch_cap = cap;
	return 0;
}

/* Valid UTF-8, the common case, goes to yajl as is; anything else through
 * the scratch buffer, which only ever grows so it stops allocating once it
 * has seen the longest string. */
static void put_string(struct json *j, const void *bytes, size_t len)
{
	const unsigned char *s = len ? bytes : (const unsigned char *)"";

	if (!utf8__valid(s, len)) {
		if (len > (SIZE_MAX - 1) / 3 ||
		    scratch_reserve(j, 3 * len + 1) < 0) {
			fail(j, -ENOMEM);
			return;
		}
		len = utf8__repair(s, len, j->scratch, j->scratch_cap);
		s = (const unsigned char *)j->scratch;
	}
	check(j, yajl_gen_string(j->gen, s, len));
}

static bool in_array(const struct json *j)
{
	return j->arrays >> (j->depth - 1) & 1;
}

/* Writes the key of the next member, or checks there is none in an array.
 * False means skip the value: the record is already broken. */
static bool put_key(struct json *j, const char *key)
{
	if (key == written_key) {
		if (!j->key_written)
			fail(j, -EINVAL);
		j->key_written = false;
		return j->err == 0;
	}
	if (j->err)
		return false;
	if (j->depth == 0 || (key == NULL) != in_array(j)) {
		fail(j, -EINVAL);
		return false;
	}
	if (key)
		put_string(j, key, strlen(key));
	return j->err == 0;
}

/* Decimal digits of v ending at end; returns where they start. */
static char *fmt_u64(char *end, unsigned long long v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

/* yajl_gen_integer would sprintf; we format ourselves and hand yajl the
 * text. */
static void put_number(struct json *j, unsigned long long mag, bool neg)
{
	char buf[24], *end = buf + sizeof(buf), *p = fmt_u64(end, mag);

	if (neg)
		*--p = '-';
	check(j, yajl_gen_number(j->gen, p, (size_t)(end - p)));
}

static void open_container(struct json *j, const char *key, bool array)
{
	if (!put_key(j, key))
		return;
	if (j->depth >= JSON_MAX_DEPTH) {
		fail(j, -EINVAL);
		return;
	}
	check(j, array ? yajl_gen_array_open(j->gen)
		       : yajl_gen_map_open(j->gen));
	j->arrays &= ~(1ULL << j->depth);
	j->arrays |= (uint64_t)array << j->depth;
	j->depth++;
}

/* The record's own object (depth 1) is closed only by json__end. */
static void close_container(struct json *j, bool array)
{
	if (j->err)
		return;
	if (j->depth < 2 || in_array(j) != array) {
		fail(j, -EINVAL);
		return;
	}
	check(j, array ? yajl_gen_array_close(j->gen)
		       : yajl_gen_map_close(j->gen));
	j->depth--;
}

/* quoted is "\"key\":": the key goes through yajl like any other. */
const char *json__key_quoted(struct json *j, const char *quoted, size_t len)
{
	char key[64];

	snprintf(key, sizeof(key), "%.*s", (int)(len - 3), quoted + 1);
	if (put_key(j, key))
		j->key_written = true;
	return written_key;
}

void json__begin(struct json *j)
{
	/* yajl_gen_clear only empties the buffer (keeping its memory); the
	 * generator still believes the last record is complete until reset. */
	yajl_gen_reset(j->gen, NULL);
	yajl_gen_clear(j->gen);
	j->err = 0;
	j->key_written = false;
	j->depth = 1;
	j->arrays = 0;
	check(j, yajl_gen_map_open(j->gen));
}

int json__end(struct json *j, const char **buf, size_t *len)
{
	const unsigned char *out = NULL;
	size_t n = 0;

	if (!j->err && j->depth != 1)
		fail(j, -EINVAL);
	if (!j->err) {
		check(j, yajl_gen_map_close(j->gen));
		check(j, yajl_gen_get_buf(j->gen, &out, &n));
	}
	j->depth = 0;
	if (j->err)
		return j->err;
	*buf = (const char *)out;
	*len = n;
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
	if (put_key(j, key))
		put_string(j, bytes, len);
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

	if (put_key(j, key))
		put_number(j, mag, v < 0);
}

void json__uint(struct json *j, const char *key, unsigned long long v)
{
	if (put_key(j, key))
		put_number(j, v, false);
}

void json__bool(struct json *j, const char *key, bool v)
{
	if (put_key(j, key))
		check(j, yajl_gen_bool(j->gen, v));
}

void json__null(struct json *j, const char *key)
{
	if (put_key(j, key))
		check(j, yajl_gen_null(j->gen));
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

	if (!put_key(j, key))
		return;
	if (!isfinite(v)) {
		check(j, yajl_gen_null(j->gen));
		return;
	}
	/* Scores and milliseconds: three decimals say enough (and spare
	 * readers 49.99999 for a decayed 50); "%g" never yields a form JSON
	 * refuses (non-finite values were taken out above). */
	len = snprintf(buf, sizeof(buf), "%.10g", round(v * 1000) / 1000);
	check(j, yajl_gen_number(j->gen, buf, (size_t)len));
}

/* yajl writes a "number" verbatim, which is how a finished JSON text (a
 * record vigil rendered itself) goes in whole. */
void json__raw(struct json *j, const char *key, const char *text, size_t len)
{
	if (put_key(j, key))
		check(j, yajl_gen_number(j->gen, text, len));
}
