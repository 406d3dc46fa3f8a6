// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The on-disk spool, each case in a fresh mkdtemp directory: records come
 * back in order with exact bytes; acknowledgements advance the cursor over
 * the delivered prefix only, a failure rewinds and stale ids are ignored;
 * the delivery window, the size bound, segment rotation, persistence
 * across close and reopen, torn and corrupt frames and an unreadable
 * cursor file. Segment files are "%020llu.seg", numbered from 1 in a fresh
 * directory; each open starts a new one. A frame is a 16-byte header
 * followed by type, key and value, so the tests know every byte count. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "spool.h"

#define HDR        16u			/* frame header bytes */
#define SEGMENT    (8u << 20)		/* spool.c's SEGMENT_MAX */
#define FRAME_MAX  (1u << 20)		/* spool.c's FRAME_MAX */
#define WINDOW     16384		/* spool.c's WINDOW */
#define BIG        (1ull << 40)		/* a max_bytes never reached */

struct fix {
	char dir[64];
	struct spool *s;
};

/* Record i of a deterministic series: every topic, several types and
 * keys, values of 0 to 2999 bytes holding every byte value (NULs too). */
struct gen {
	char key[32];
	char value[3000];
	struct spool_rec r;
};

static const char *const types[] = {
	"exec", "open", "alert", "action", "connect", "flow", "x",
};

static const struct spool_rec *gen(struct gen *g, unsigned int i)
{
	size_t vlen = (i * 131u) % sizeof(g->value);

	snprintf(g->key, sizeof(g->key), "sb-%u", i % 7);
	for (size_t j = 0; j < vlen; j++)
		g->value[j] = (char)((i + j) * 7);
	g->r = (struct spool_rec){
		.topic = i % 3,
		.type = types[i % 7], .type_len = strlen(types[i % 7]),
		.key = g->key, .key_len = strlen(g->key),
		.value = g->value, .value_len = vlen,
	};
	return &g->r;
}

static uint64_t frame_size(const struct spool_rec *r)
{
	return HDR + r->type_len + r->key_len + r->value_len;
}

/* Bytes of records first .. first+n-1 of the series. */
static uint64_t series_size(unsigned int first, unsigned int n)
{
	struct gen g;
	uint64_t sum = 0;

	for (unsigned int i = first; i < first + n; i++)
		sum += frame_size(gen(&g, i));
	return sum;
}

/* Appends records first .. first+n-1 and writes them out, as the sink
 * does after each collector poll. */
static void append_series(struct spool *s, unsigned int first, unsigned int n)
{
	struct gen g;

	for (unsigned int i = first; i < first + n; i++)
		assert_int_equal(spool__append(s, gen(&g, i), false), 0);
	assert_int_equal(spool__flush(s), 0);
}

static void assert_rec(const struct spool_rec *got, const struct spool_rec *want)
{
	assert_int_equal(got->topic, want->topic);
	assert_int_equal(got->type_len, want->type_len);
	assert_memory_equal(got->type, want->type, want->type_len);
	assert_int_equal(got->key_len, want->key_len);
	assert_memory_equal(got->key, want->key, want->key_len);
	assert_int_equal(got->value_len, want->value_len);
	if (want->value_len)
		assert_memory_equal(got->value, want->value, want->value_len);
}

/* The next record is record i of the series. */
static uint64_t expect_next(struct spool *s, unsigned int i)
{
	struct spool_rec r;
	struct gen g;
	uint64_t id;

	assert_int_equal(spool__next(s, &r, &id), 0);
	assert_rec(&r, gen(&g, i));
	return id;
}

/* Reads records first .. first+n-1, their ids into ids (may be NULL). */
static void expect_series(struct spool *s, unsigned int first, unsigned int n,
			  uint64_t *ids)
{
	for (unsigned int i = 0; i < n; i++) {
		uint64_t id = expect_next(s, first + i);

		if (ids)
			ids[i] = id;
	}
}

static void expect_end(struct spool *s)
{
	struct spool_rec r;
	uint64_t id;

	assert_int_equal(spool__next(s, &r, &id), -ENODATA);
}

static void ack_all(struct spool *s, const uint64_t *ids, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		spool__ack(s, ids[i], true);
}

/* A macro, so a failure names the test's line. */
#define assert_stats(s, appended_, replayed_, acked_, corrupt_, bytes_)	\
	do {								\
		struct spool_stats st_;					\
									\
		spool__stats((s), &st_);				\
		assert_int_equal(st_.appended, (appended_));		\
		assert_int_equal(st_.replayed, (replayed_));		\
		assert_int_equal(st_.acked, (acked_));			\
		assert_int_equal(st_.corrupt_bytes, (corrupt_));	\
		assert_int_equal(st_.bytes, (bytes_));			\
	} while (0)

static void seg_path(const struct fix *f, uint64_t seg, char *out)
{
	snprintf(out, PATH_MAX, "%s/%020" PRIu64 ".seg", f->dir, seg);
}

/* Size of segment seg, or -1 when it does not exist. */
static long long seg_size(const struct fix *f, uint64_t seg)
{
	char path[PATH_MAX];
	struct stat st;

	seg_path(f, seg, path);
	return stat(path, &st) ? -1 : (long long)st.st_size;
}

/* Files in the directory; segments only when segs. */
static int count_files(const struct fix *f, bool segs)
{
	DIR *d = opendir(f->dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		if (!segs || (len > 4 && !strcmp(de->d_name + len - 4, ".seg")))
			n++;
	}
	closedir(d);
	return n;
}

static void read_file(const struct fix *f, const char *name, char *buf,
		      size_t size)
{
	char path[PATH_MAX];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(buf, 1, size - 1, fp);
	buf[n] = '\0';
	fclose(fp);
}

static void write_file(const struct fix *f, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void flip_byte(const struct fix *f, uint64_t seg, off_t off)
{
	char path[PATH_MAX];
	unsigned char c;
	int fd;

	seg_path(f, seg, path);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, off), 1);
	c ^= 0x5a;
	assert_int_equal(pwrite(fd, &c, 1, off), 1);
	close(fd);
}

static void truncate_seg(const struct fix *f, uint64_t seg, off_t size)
{
	char path[PATH_MAX];

	seg_path(f, seg, path);
	assert_int_equal(truncate(path, size), 0);
}

static void reopen(struct fix *f, uint64_t max_bytes)
{
	spool__close(f->s);
	f->s = NULL;
	assert_int_equal(spool__open(&f->s, f->dir, max_bytes), 0);
}

/* What the spool logs while fn runs, so a warning can be checked. */
struct capture {
	int saved;
	FILE *tmp;
	char text[4096];
};

static void capture_begin(struct capture *c)
{
	fflush(stderr);
	c->tmp = tmpfile();
	assert_non_null(c->tmp);
	c->saved = dup(2);
	dup2(fileno(c->tmp), 2);
}

static void capture_end(struct capture *c)
{
	size_t n;

	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	rewind(c->tmp);
	n = fread(c->text, 1, sizeof(c->text) - 1, c->tmp);
	c->text[n] = '\0';
	fclose(c->tmp);
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/vigil-spool-XXXXXX");
	if (!mkdtemp(f->dir) || spool__open(&f->s, f->dir, BIG)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	spool__close(f->s);
	d = opendir(f->dir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", f->dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_empty(void **state)
{
	struct fix *f = *state;

	assert_true(spool__drained(f->s));
	expect_end(f->s);
	assert_stats(f->s, 0, 0, 0, 0, 0);
	assert_int_equal(count_files(f, false), 1);
	assert_int_equal(seg_size(f, 1), 0);
	spool__close(NULL);
}

static void test_records_in_order(void **state)
{
	struct fix *f = *state;
	uint64_t size = series_size(0, 200);

	append_series(f->s, 0, 200);
	assert_stats(f->s, 200, 0, 0, 0, size);
	assert_false(spool__drained(f->s));
	expect_series(f->s, 0, 200, NULL);
	expect_end(f->s);
	/* Handed out, not acknowledged: not drained. */
	assert_false(spool__drained(f->s));
	assert_stats(f->s, 200, 200, 0, 0, size);
	assert_int_equal(seg_size(f, 1), size);
}

/* Appends between reads join the end of what is being read. */
static void test_interleaved_append_and_read(void **state)
{
	struct fix *f = *state;
	uint64_t ids[30];

	append_series(f->s, 0, 10);
	expect_series(f->s, 0, 5, ids);
	append_series(f->s, 10, 20);
	expect_series(f->s, 5, 25, ids + 5);
	expect_end(f->s);
	ack_all(f->s, ids, 30);
	assert_true(spool__drained(f->s));
	assert_stats(f->s, 30, 30, 30, 0, 0);
}

/* Appends are gathered and written by spool__flush; the reader sees them
 * either way (it writes them out when it gets to them), and a reader
 * caught up with the writer is caught up whether or not they are
 * acknowledged. */
static void test_gathered_appends(void **state)
{
	struct fix *f = *state;
	struct gen g;
	uint64_t ids[20];

	for (unsigned int i = 0; i < 10; i++)
		assert_int_equal(spool__append(f->s, gen(&g, i), false), 0);
	assert_int_equal(seg_size(f, 1), 0);
	assert_int_equal(spool__flush(f->s), 0);
	assert_int_equal(seg_size(f, 1), series_size(0, 10));
	for (unsigned int i = 10; i < 20; i++)
		assert_int_equal(spool__append(f->s, gen(&g, i), false), 0);
	assert_false(spool__caught_up(f->s));
	expect_series(f->s, 0, 20, ids);
	assert_int_equal(seg_size(f, 1), series_size(0, 20));
	expect_end(f->s);
	assert_true(spool__caught_up(f->s));
	assert_false(spool__drained(f->s));
	ack_all(f->s, ids, 20);
	assert_true(spool__drained(f->s));
}

static void test_ack_all_drains_and_deletes(void **state)
{
	struct fix *f = *state;
	uint64_t ids[50];
	char cursor[64];

	append_series(f->s, 0, 50);
	expect_series(f->s, 0, 50, ids);
	ack_all(f->s, ids, 49);
	assert_false(spool__drained(f->s));
	assert_int_equal(seg_size(f, 1), series_size(0, 50));
	spool__ack(f->s, ids[49], true);
	assert_true(spool__drained(f->s));
	assert_stats(f->s, 50, 50, 50, 0, 0);
	/* The delivered segment is gone; the writer moved to a fresh one. */
	assert_int_equal(seg_size(f, 1), -1);
	assert_int_equal(seg_size(f, 2), 0);
	assert_int_equal(count_files(f, true), 1);
	expect_end(f->s);

	/* New records after the drain go on in the fresh segment. */
	append_series(f->s, 50, 3);
	assert_false(spool__drained(f->s));
	expect_series(f->s, 50, 3, ids);
	ack_all(f->s, ids, 3);
	assert_true(spool__drained(f->s));
	assert_int_equal(seg_size(f, 2), -1);
	assert_int_equal(seg_size(f, 3), 0);
	assert_stats(f->s, 53, 53, 53, 0, 0);

	/* The cursor on disk names the start of the fresh segment. */
	spool__close(f->s);
	f->s = NULL;
	read_file(f, "cursor", cursor, sizeof(cursor));
	assert_string_equal(cursor, "3 0\n");
	assert_int_equal(spool__open(&f->s, f->dir, BIG), 0);
	expect_end(f->s);
	assert_true(spool__drained(f->s));
	assert_stats(f->s, 0, 0, 0, 0, 0);
}

/* A failed delivery rewinds to the first unacknowledged record; acks with
 * ids from before the rewind change nothing. */
static void test_failure_rewinds(void **state)
{
	struct fix *f = *state;
	uint64_t old[10], ids[5];

	append_series(f->s, 0, 10);
	expect_series(f->s, 0, 10, old);
	spool__ack(f->s, old[0], true);
	spool__ack(f->s, old[1], true);
	spool__ack(f->s, old[2], true);
	spool__ack(f->s, old[4], true);
	spool__ack(f->s, old[3], false);
	assert_false(spool__drained(f->s));
	assert_stats(f->s, 10, 10, 4, 0, series_size(0, 10));

	/* A delivery reported after the rewind still counts; a failure from
	 * before it changes nothing. */
	spool__ack(f->s, old[5], true);
	spool__ack(f->s, old[6], false);
	/* Only what did not arrive is resent, in order: 3, then 6 to 9. */
	expect_series(f->s, 3, 1, ids);
	expect_series(f->s, 6, 4, ids + 1);
	expect_end(f->s);
	spool__ack(f->s, old[3], false);	/* stale: no second rewind */
	expect_end(f->s);
	assert_stats(f->s, 10, 15, 5, 0, series_size(0, 10));
	ack_all(f->s, ids, 5);
	assert_true(spool__drained(f->s));
	assert_stats(f->s, 10, 15, 10, 0, 0);
}

/* A failure of an already rewound window, then a second rewind. */
static void test_failure_twice(void **state)
{
	struct fix *f = *state;
	uint64_t ids[5], again[5];

	append_series(f->s, 0, 5);
	expect_series(f->s, 0, 5, ids);
	spool__ack(f->s, ids[0], false);
	expect_series(f->s, 0, 5, again);
	spool__ack(f->s, again[0], true);
	spool__ack(f->s, again[2], false);
	expect_series(f->s, 1, 4, ids);
	expect_end(f->s);
	ack_all(f->s, ids, 4);
	assert_true(spool__drained(f->s));
	assert_stats(f->s, 5, 14, 5, 0, 0);
}

/* Acks of later records first: the cursor moves over the delivered
 * prefix only, which a rewind and a reopen both show. */
static void test_out_of_order_acks(void **state)
{
	struct fix *f = *state;
	uint64_t ids[5];

	append_series(f->s, 0, 5);
	expect_series(f->s, 0, 5, ids);
	spool__ack(f->s, ids[4], true);
	spool__ack(f->s, ids[2], true);
	spool__ack(f->s, ids[0], true);
	spool__ack(f->s, ids[1], false);
	/* Records 0, 2 and 4 arrived: the rewind resends 1, then 3. */
	expect_series(f->s, 1, 1, ids);
	expect_series(f->s, 3, 1, ids + 1);
	expect_end(f->s);

	/* Record 3 delivered, record 1 not yet: the cursor stays after
	 * record 0 whatever came later, so a restart resends 1 and 3 (2 and
	 * 4 were delivered, but only the cursor survives a restart). */
	spool__ack(f->s, ids[1], true);
	assert_stats(f->s, 5, 7, 4, 0, series_size(0, 5));
	reopen(f, BIG);
	expect_series(f->s, 1, 4, ids);
	expect_end(f->s);
	assert_stats(f->s, 0, 4, 0, 0, series_size(0, 5));
}

static void test_window_full(void **state)
{
	struct fix *f = *state;
	struct spool_rec r;
	uint64_t *ids = calloc(WINDOW + 2, sizeof(*ids));
	uint64_t id;

	assert_non_null(ids);
	append_series(f->s, 0, WINDOW + 2);
	expect_series(f->s, 0, WINDOW, ids);
	assert_int_equal(spool__next(f->s, &r, &id), -EBUSY);
	assert_int_equal(spool__next(f->s, &r, &id), -EBUSY);
	/* An ack of a later record frees no slot: the window is a prefix. */
	spool__ack(f->s, ids[1], true);
	assert_int_equal(spool__next(f->s, &r, &id), -EBUSY);
	spool__ack(f->s, ids[0], true);
	ids[WINDOW] = expect_next(f->s, WINDOW);
	ids[WINDOW + 1] = expect_next(f->s, WINDOW + 1);
	assert_int_equal(spool__next(f->s, &r, &id), -EBUSY);
	for (unsigned int i = 2; i < WINDOW + 2; i++)
		spool__ack(f->s, ids[i], true);
	expect_end(f->s);
	assert_true(spool__drained(f->s));
	assert_stats(f->s, WINDOW + 2, WINDOW + 2, WINDOW + 2, 0, 0);
	free(ids);
}

/* Fixed 100-byte frames against a 1000-byte bound. */
static void test_max_bytes(void **state)
{
	struct fix *f = *state;
	char value[100 - HDR - 4 - 2];
	const struct spool_rec w = {
		.topic = 0, .type = "exec", .type_len = 4,
		.key = "sb", .key_len = 2, .value = value,
		.value_len = sizeof(value),
	};
	struct spool_rec r;
	uint64_t ids[13];

	memset(value, 'v', sizeof(value));
	reopen(f, 1000);	/* segment 1 is empty: bytes stay 0 */
	for (int i = 0; i < 10; i++)
		assert_int_equal(spool__append(f->s, &w, false), 0);
	assert_int_equal(spool__append(f->s, &w, false), -ENOSPC);
	assert_int_equal(spool__append(f->s, &w, true), 0);
	assert_int_equal(spool__append(f->s, &w, true), 0);
	assert_int_equal(spool__append(f->s, &w, false), -ENOSPC);
	assert_int_equal(spool__append(f->s, &w, true), 0);
	assert_stats(f->s, 13, 0, 0, 0, 1300);

	/* Delivered and deleted, the space is free again. */
	for (int i = 0; i < 13; i++) {
		assert_int_equal(spool__next(f->s, &r, &ids[i]), 0);
		assert_rec(&r, &w);
	}
	ack_all(f->s, ids, 13);
	assert_stats(f->s, 13, 13, 13, 0, 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(spool__append(f->s, &w, false), 0);
	assert_int_equal(spool__append(f->s, &w, false), -ENOSPC);
	assert_stats(f->s, 23, 13, 13, 0, 1000);
}

/* 100022-byte frames: 83 fit in 8 MiB, the 84th starts a new segment. */
static void test_rotation(void **state)
{
	struct fix *f = *state;
	const size_t vlen = 100000, frame = HDR + 4 + 2 + vlen;
	const unsigned int n = 200, per = SEGMENT / frame;
	char *value = malloc(vlen);
	uint64_t *ids = calloc(n, sizeof(*ids));
	struct spool_rec w = {
		.topic = 1, .type = "open", .type_len = 4,
		.key = "sb", .key_len = 2, .value = value, .value_len = vlen,
	}, r;

	assert_non_null(value);
	assert_non_null(ids);
	assert_int_equal(per, 83);
	for (unsigned int i = 0; i < n; i++) {
		memset(value, 'a' + i % 26, vlen);
		memcpy(value, &i, sizeof(i));
		assert_int_equal(spool__append(f->s, &w, false), 0);
	}
	assert_int_equal(spool__flush(f->s), 0);
	assert_int_equal(seg_size(f, 1), per * frame);
	assert_int_equal(seg_size(f, 2), per * frame);
	assert_int_equal(seg_size(f, 3), (n - 2 * per) * frame);
	assert_int_equal(seg_size(f, 4), -1);
	assert_stats(f->s, n, 0, 0, 0, n * frame);

	for (unsigned int i = 0; i < n; i++) {
		unsigned int got;

		assert_int_equal(spool__next(f->s, &r, &ids[i]), 0);
		assert_int_equal(r.topic, 1);
		assert_int_equal(r.value_len, vlen);
		memcpy(&got, r.value, sizeof(got));
		assert_int_equal(got, i);
		assert_int_equal(r.value[vlen - 1], 'a' + i % 26);
	}
	expect_end(f->s);
	/* Acks through segment 1 delete it once a record of segment 2 is
	 * delivered: the cursor then lies in segment 2. */
	ack_all(f->s, ids, per);
	assert_true(seg_size(f, 1) >= 0);
	spool__ack(f->s, ids[per], true);
	assert_int_equal(seg_size(f, 1), -1);
	assert_stats(f->s, n, n, per + 1, 0, (n - per) * frame);
	ack_all(f->s, ids + per + 1, n - per - 1);
	assert_true(spool__drained(f->s));
	assert_int_equal(count_files(f, true), 1);
	assert_int_equal(seg_size(f, 4), 0);
	assert_stats(f->s, n, n, n, 0, 0);
	free(value);
	free(ids);
}

/* A frame of exactly the limit is accepted; one byte more, a type over
 * 255 bytes or a key over 65535 bytes is not. */
static void test_too_large(void **state)
{
	struct fix *f = *state;
	static char big[FRAME_MAX];
	char type[256];
	struct spool_rec w = {
		.type = "exec", .type_len = 4, .key = "k", .key_len = 1,
		.value = big, .value_len = FRAME_MAX - HDR - 5,
	}, r;
	uint64_t id;

	memset(big, 'b', sizeof(big));
	memset(type, 't', sizeof(type));
	assert_int_equal(spool__append(f->s, &w, true), 0);
	w.value_len++;
	assert_int_equal(spool__append(f->s, &w, true), -EINVAL);
	w.value_len = 1;
	w.type = type;
	w.type_len = 256;
	assert_int_equal(spool__append(f->s, &w, true), -EINVAL);
	w.type_len = 255;
	assert_int_equal(spool__append(f->s, &w, true), 0);
	w.key = big;
	w.key_len = 65536;
	assert_int_equal(spool__append(f->s, &w, true), -EINVAL);
	w.key_len = 65535;
	assert_int_equal(spool__append(f->s, &w, true), 0);
	assert_stats(f->s, 3, 0, 0, 0,
		     FRAME_MAX + (HDR + 255 + 1 + 1) + (HDR + 255 + 65535 + 1));

	assert_int_equal(spool__next(f->s, &r, &id), 0);
	assert_int_equal(r.value_len, FRAME_MAX - HDR - 5);
	assert_memory_equal(r.value, big, r.value_len);
	assert_int_equal(spool__next(f->s, &r, &id), 0);
	assert_int_equal(r.type_len, 255);
	assert_memory_equal(r.type, type, 255);
	assert_int_equal(spool__next(f->s, &r, &id), 0);
	assert_int_equal(r.key_len, 65535);
	assert_memory_equal(r.key, big, 65535);
	assert_int_equal(r.value_len, 1);
	expect_end(f->s);
}

/* Close and reopen: what was delivered before the cursor stays delivered,
 * the rest comes back, ahead of what the new run appends. */
static void test_reopen(void **state)
{
	struct fix *f = *state;
	uint64_t ids[10];

	append_series(f->s, 0, 10);
	reopen(f, BIG);
	/* Nothing was read: all of it comes back. */
	assert_false(spool__drained(f->s));
	assert_stats(f->s, 0, 0, 0, 0, series_size(0, 10));
	expect_series(f->s, 0, 10, ids);
	expect_end(f->s);
	ack_all(f->s, ids, 4);
	spool__ack(f->s, ids[6], true);	/* not in the prefix */
	reopen(f, BIG);
	append_series(f->s, 10, 3);
	expect_series(f->s, 4, 9, ids);
	expect_end(f->s);
	ack_all(f->s, ids, 9);
	assert_true(spool__drained(f->s));
	assert_stats(f->s, 3, 9, 9, 0, 0);
	assert_int_equal(count_files(f, true), 1);
}

/* Records delivered from an earlier run: once all are acknowledged and the
 * reader has seen the end, the spool is drained and their segments are
 * deleted, as in a single run. */
static void test_reopen_drain_deletes(void **state)
{
	struct fix *f = *state;
	uint64_t ids[10];

	append_series(f->s, 0, 10);
	reopen(f, BIG);
	expect_series(f->s, 0, 10, ids);
	expect_end(f->s);
	ack_all(f->s, ids, 10);
	expect_end(f->s);
	assert_true(spool__drained(f->s));
	assert_stats(f->s, 0, 10, 10, 0, 0);
	assert_int_equal(count_files(f, true), 1);
}

/* Restarts with nothing to spool leave no files behind. */
static void test_idle_restarts(void **state)
{
	struct fix *f = *state;

	for (int i = 0; i < 5; i++) {
		reopen(f, BIG);
		expect_end(f->s);
		assert_true(spool__drained(f->s));
	}
	assert_int_equal(count_files(f, true), 1);
}

/* A crash mid-write: the last frame of the last segment is cut short,
 * in its value and in its header. */
static void test_torn_tail(void **state)
{
	struct fix *f = *state;
	const uint64_t four = series_size(0, 4), five = series_size(0, 5);
	struct capture c;

	append_series(f->s, 0, 5);
	spool__close(f->s);
	f->s = NULL;
	truncate_seg(f, 1, five - 7);
	capture_begin(&c);
	assert_int_equal(spool__open(&f->s, f->dir, BIG), 0);
	expect_series(f->s, 0, 4, NULL);
	expect_end(f->s);
	capture_end(&c);
	assert_stats(f->s, 0, 4, 0, five - 7 - four, five - 7);
	assert_non_null(strstr(c.text, "torn or corrupt frame at offset"));

	spool__close(f->s);
	f->s = NULL;
	truncate_seg(f, 1, four + 5);		/* 5 bytes of a header */
	capture_begin(&c);
	assert_int_equal(spool__open(&f->s, f->dir, BIG), 0);
	expect_series(f->s, 0, 4, NULL);
	expect_end(f->s);
	capture_end(&c);
	assert_stats(f->s, 0, 4, 0, 5, four + 5);
}

/* Three segments from three runs; a flipped byte in the value of the
 * third record of the middle one loses that record only: its framing is
 * intact, so the reader steps over it. */
static void test_corrupt_middle_frame(void **state)
{
	struct fix *f = *state;
	const uint64_t bad = series_size(10, 2);	/* offset of record 12 */
	struct capture c;
	uint64_t ids[13];

	append_series(f->s, 0, 10);
	reopen(f, BIG);
	append_series(f->s, 10, 10);
	reopen(f, BIG);
	append_series(f->s, 20, 10);
	spool__close(f->s);
	f->s = NULL;
	assert_int_equal(seg_size(f, 2), series_size(10, 10));
	flip_byte(f, 2, bad + HDR + 30);
	capture_begin(&c);
	assert_int_equal(spool__open(&f->s, f->dir, BIG), 0);
	expect_series(f->s, 0, 10, NULL);
	expect_series(f->s, 10, 2, NULL);
	expect_series(f->s, 13, 7, NULL);
	expect_series(f->s, 20, 10, ids);
	expect_end(f->s);
	capture_end(&c);
	assert_non_null(strstr(c.text, "00000000000000000002.seg"));
	assert_stats(f->s, 0, 29, 0, series_size(12, 1), series_size(0, 30));
}

/* A corrupt length field (far past the frame limit) is caught before
 * anything is read past the header. */
static void test_corrupt_header(void **state)
{
	struct fix *f = *state;
	struct capture c;

	append_series(f->s, 0, 3);
	spool__close(f->s);
	f->s = NULL;
	flip_byte(f, 1, series_size(0, 1) + 7);	/* len's high byte */
	capture_begin(&c);
	assert_int_equal(spool__open(&f->s, f->dir, BIG), 0);
	expect_series(f->s, 0, 1, NULL);
	expect_end(f->s);
	capture_end(&c);
	assert_stats(f->s, 0, 1, 0, series_size(1, 2), series_size(0, 3));
}

/* Corruption found in the segment being written: the frames appended
 * after it are still delivered (or at least the spool drains). */
static void test_corrupt_in_writer_segment(void **state)
{
	struct fix *f = *state;
	struct capture c;
	uint64_t ids[3];
	struct spool_rec r;
	uint64_t id;

	append_series(f->s, 0, 2);
	flip_byte(f, 1, series_size(0, 1) + HDR + 2);
	capture_begin(&c);
	ids[0] = expect_next(f->s, 0);
	expect_end(f->s);
	capture_end(&c);
	spool__ack(f->s, ids[0], true);
	append_series(f->s, 2, 2);
	assert_int_equal(spool__next(f->s, &r, &id), 0);
	spool__ack(f->s, id, true);
	assert_int_equal(spool__next(f->s, &r, &id), 0);
	spool__ack(f->s, id, true);
	expect_end(f->s);
	assert_true(spool__drained(f->s));
}

/* A rewind over a corrupt stretch reads it again but does not count the
 * same bytes twice. */
static void test_rewind_counts_corrupt_once(void **state)
{
	struct fix *f = *state;
	uint64_t ids[4];
	struct capture c;

	append_series(f->s, 0, 3);
	reopen(f, BIG);
	append_series(f->s, 3, 2);
	spool__close(f->s);
	f->s = NULL;
	flip_byte(f, 1, series_size(0, 2) + 3);	/* record 2's magic */
	capture_begin(&c);
	assert_int_equal(spool__open(&f->s, f->dir, BIG), 0);
	expect_series(f->s, 0, 2, ids);
	expect_series(f->s, 3, 2, ids + 2);
	spool__ack(f->s, ids[0], false);
	expect_series(f->s, 0, 2, ids);
	expect_series(f->s, 3, 2, ids + 2);
	expect_end(f->s);
	capture_end(&c);
	assert_stats(f->s, 0, 8, 0, series_size(2, 1), series_size(0, 5));
}

/* Two segments (two runs) and a cursor file that says nothing usable:
 * everything is replayed, with a warning. */
static void garbage_cursor(struct fix *f, const char *text)
{
	struct capture c;

	append_series(f->s, 0, 3);
	reopen(f, BIG);
	append_series(f->s, 3, 3);
	spool__close(f->s);
	f->s = NULL;
	write_file(f, "cursor", text);
	capture_begin(&c);
	assert_int_equal(spool__open(&f->s, f->dir, BIG), 0);
	capture_end(&c);
	assert_non_null(strstr(c.text, "vigil: warning: spool cursor "));
	assert_non_null(strstr(c.text, "is unreadable; replaying everything"));
	expect_series(f->s, 0, 6, NULL);
	expect_end(f->s);
}

static void test_garbage_cursor(void **state)
{
	garbage_cursor(*state, "garbage\n");
}

static void test_empty_cursor(void **state)
{
	garbage_cursor(*state, "");
}

/* The first number parses, the second does not. */
static void test_half_cursor(void **state)
{
	garbage_cursor(*state, "2 x\n");
}

/* A cursor naming a segment that is gone (or not yet made) replays from
 * the oldest segment there is. */
static void test_cursor_out_of_range(void **state)
{
	struct fix *f = *state;

	append_series(f->s, 0, 3);
	reopen(f, BIG);
	append_series(f->s, 3, 3);
	spool__close(f->s);
	f->s = NULL;
	write_file(f, "cursor", "99 0\n");
	assert_int_equal(spool__open(&f->s, f->dir, BIG), 0);
	expect_series(f->s, 0, 6, NULL);
	expect_end(f->s);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_empty),
		T(test_records_in_order),
		T(test_interleaved_append_and_read),
		T(test_gathered_appends),
		T(test_ack_all_drains_and_deletes),
		T(test_failure_rewinds),
		T(test_failure_twice),
		T(test_out_of_order_acks),
		T(test_window_full),
		T(test_max_bytes),
		T(test_rotation),
		T(test_too_large),
		T(test_reopen),
		T(test_reopen_drain_deletes),
		T(test_idle_restarts),
		T(test_torn_tail),
		T(test_corrupt_middle_frame),
		T(test_corrupt_header),
		T(test_corrupt_in_writer_segment),
		T(test_rewind_counts_corrupt_once),
		T(test_garbage_cursor),
		T(test_empty_cursor),
		T(test_half_cursor),
		T(test_cursor_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
