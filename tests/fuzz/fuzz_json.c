// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the JSON writer (lib/json.c). The input is a program
 * of writer calls (containers, keys of any bytes, literal keys, strings
 * of any bytes, numbers, atoms), always well nested. The record must
 * come out, parse with yajl's validating parser, and the parser's event
 * stream must be the program's: same nesting, same numbers, and every
 * key and string exactly utf8__repair() of the bytes given (escaping
 * undone by the parser). Any other outcome aborts, so libFuzzer keeps
 * the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "json.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_json: %s:%d: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

#define MAX_EVENTS 4096
#define MAX_DEPTH 32

enum ev_type { EV_OPEN_MAP, EV_CLOSE_MAP, EV_OPEN_ARR, EV_CLOSE_ARR,
	       EV_KEY, EV_STR, EV_INT, EV_BOOL, EV_NULL };

/* What the parser must report, in order. */
struct expect {
	enum ev_type type;
	long long num;		/* EV_INT, EV_BOOL */
	char *text;		/* EV_KEY, EV_STR: the repaired bytes */
	size_t len;
};

static struct expect want[MAX_EVENTS];
static size_t nr_want, next;

/* The input, read a byte or a run at a time; zeros past its end. */
struct input {
	const uint8_t *p;
	size_t left;
};

static uint8_t take(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static const uint8_t *take_bytes(struct input *in, size_t *len)
{
	const uint8_t *p = in->p;

	*len = take(in) % 48;
	if (*len > in->left)
		*len = in->left;
	p = in->p;
	in->p += *len;
	in->left -= *len;
	return p;
}

static void expect_text(enum ev_type type, const uint8_t *p, size_t len)
{
	struct expect *e = &want[nr_want++];

	e->type = type;
	e->text = malloc(3 * len + 1);
	CHECK(e->text);
	e->len = utf8__repair(p, len, e->text, 3 * len + 1);
}

static void expect_num(enum ev_type type, long long v)
{
	want[nr_want++] = (struct expect){ .type = type, .num = v };
}

/* A key of any bytes, or (one time in four) a literal through JSON_KEY;
 * returns what to pass as the member's key. */
static const char *member_key(struct json *j, struct input *in, char *buf)
{
	const uint8_t *p;
	size_t len;

	if (take(in) % 4 == 0) {
		expect_text(EV_KEY, (const uint8_t *)"lit", 3);
		return JSON_KEY(j, "lit");
	}
	p = take_bytes(in, &len);
	/* a C string: stops at its first NUL */
	memcpy(buf, p, len);
	buf[len] = '\0';
	expect_text(EV_KEY, (const uint8_t *)buf, strlen(buf));
	return buf;
}

/* One value, of the kind the next byte says. */
static void value(struct json *j, struct input *in, const char *key,
		  bool arrays[], int *depth)
{
	uint8_t op = take(in);
	const uint8_t *p;
	size_t len;
	long long v;

	switch (op % 7) {
	case 0:
	case 1:
		if (*depth + 1 >= MAX_DEPTH)
			goto atom;
		arrays[++*depth] = op % 7;
		expect_num(op % 7 ? EV_OPEN_ARR : EV_OPEN_MAP, 0);
		if (op % 7)
			json__arr_begin(j, key);
		else
			json__obj_begin(j, key);
		return;
	case 2:
		p = take_bytes(in, &len);
		expect_text(EV_STR, p, len);
		json__strn(j, key, p, len);
		return;
	case 3:
		/* within what yajl's parser takes (it refuses LLONG_MIN) */
		v = (long long)((uint64_t)take(in) << 48 |
				(uint64_t)take(in) << 20 | take(in)) -
		    (1LL << 55);
		expect_num(EV_INT, v);
		json__int(j, key, v);
		return;
	default:
	atom:
		if (op & 8) {
			expect_num(EV_NULL, 0);
			json__null(j, key);
		} else {
			expect_num(EV_BOOL, op & 16);
			json__bool(j, key, op & 16);
		}
	}
}

/* The program: values, or a close (of the innermost container) when the
 * byte says so; whatever is open at the end is closed. */
static void program(struct json *j, struct input *in)
{
	bool arrays[MAX_DEPTH] = { false };
	int depth = 0;
	char key[64];

	expect_num(EV_OPEN_MAP, 0);
	while (in->left && nr_want < MAX_EVENTS - 2 * MAX_DEPTH - 4) {
		if (depth && take(in) % 5 == 0) {
			expect_num(arrays[depth] ? EV_CLOSE_ARR : EV_CLOSE_MAP, 0);
			if (arrays[depth--])
				json__arr_end(j);
			else
				json__obj_end(j);
			continue;
		}
		value(j, in, arrays[depth] ? NULL : member_key(j, in, key),
		      arrays, &depth);
	}
	for (; depth; depth--) {
		expect_num(arrays[depth] ? EV_CLOSE_ARR : EV_CLOSE_MAP, 0);
		if (arrays[depth])
			json__arr_end(j);
		else
			json__obj_end(j);
	}
	expect_num(EV_CLOSE_MAP, 0);
}

/* ---------------------------------------------------------------- parser */

static int got(enum ev_type type, const void *text, size_t len, long long v)
{
	const struct expect *e;

	CHECK(next < nr_want);
	e = &want[next++];
	CHECK(e->type == type);
	if (type == EV_KEY || type == EV_STR)
		CHECK(e->len == len && !memcmp(e->text, text, len));
	if (type == EV_INT || type == EV_BOOL)
		CHECK(e->num == v);
	return 1;
}

static int on_null(void *ctx) { return got(EV_NULL, NULL, 0, 0); }
static int on_bool(void *ctx, int b) { return got(EV_BOOL, NULL, 0, b ? 16 : 0); }
static int on_int(void *ctx, long long v) { return got(EV_INT, NULL, 0, v); }
static int on_str(void *ctx, const unsigned char *s, size_t len)
{
	return got(EV_STR, s, len, 0);
}
static int on_key(void *ctx, const unsigned char *s, size_t len)
{
	return got(EV_KEY, s, len, 0);
}
static int on_open_map(void *ctx) { return got(EV_OPEN_MAP, NULL, 0, 0); }
static int on_close_map(void *ctx) { return got(EV_CLOSE_MAP, NULL, 0, 0); }
static int on_open_arr(void *ctx) { return got(EV_OPEN_ARR, NULL, 0, 0); }
static int on_close_arr(void *ctx) { return got(EV_CLOSE_ARR, NULL, 0, 0); }

static const yajl_callbacks callbacks = {
	.yajl_null = on_null, .yajl_boolean = on_bool,
	.yajl_integer = on_int, .yajl_string = on_str,
	.yajl_start_map = on_open_map, .yajl_map_key = on_key,
	.yajl_end_map = on_close_map, .yajl_start_array = on_open_arr,
	.yajl_end_array = on_close_arr,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct json *j;
	struct input in = { data, size };
	const char *buf;
	size_t len;
	yajl_handle h;

	if (!j)
		j = json__new();
	CHECK(j);
	nr_want = next = 0;
	json__begin(j);
	program(j, &in);
	CHECK(json__end(j, &buf, &len) == 0);
	CHECK(strlen(buf) == len);
	h = yajl_alloc(&callbacks, NULL, NULL);
	CHECK(h);
	CHECK(yajl_parse(h, (const unsigned char *)buf, len) == yajl_status_ok);
	CHECK(yajl_complete_parse(h) == yajl_status_ok);
	yajl_free(h);
	CHECK(next == nr_want);
	for (size_t i = 0; i < nr_want; i++)
		free(want[i].text);
	return 0;
}
