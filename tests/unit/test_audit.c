// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The audit trail: links written by the sink, and `vigil audit verify`
 * naming the first bad record for every kind of tampering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "audit.h"
#include "hashchain.h"
#include "tmptree.h"

#define RECORDS 6

/* The sink links are forwarded to: keeps what it got. */
struct catcher {
	struct sink sink;
	int links;
	char last[4096];
	enum event_kind kind;
};

static int catcher__write(struct sink *s, const struct event *ev,
			  const char *json, size_t len)
{
	struct catcher *c = (struct catcher *)s;

	c->links++;
	c->kind = ev->kind;
	snprintf(c->last, sizeof(c->last), "%.*s", (int)len, json);
	return 0;
}

struct fixture {
	char dir[64];
	char path[PATH_MAX];
	char *lines[RECORDS + 4];
	int nr_lines;
};

/* Writes records 1..n through a fresh sink (kinds that are audited, and
 * an open record between them that is not). */
static void write_records(const char *path, int from, int n,
			  struct catcher *fwd)
{
	struct sink *s = sink__audit(path, fwd ? &fwd->sink : NULL);
	static const enum event_kind kinds[] = { EVENT_ALERT, EVENT_ACTION,
						 EVENT_LIFECYCLE };
	char json[64];

	assert_non_null(s);
	for (int i = from; i < from + n; i++) {
		struct event ev = { .kind = kinds[i % 3] };
		struct event open = { .kind = EVENT_OPEN };

		snprintf(json, sizeof(json), "{\"type\":\"t\",\"seq\":%d}", i);
		assert_int_equal(s->write(s, &ev, json, strlen(json)), 0);
		assert_int_equal(s->write(s, &open, "{}", 2), 0);
	}
	s->flush(s);
	s->close(s);
}

static void read_lines(struct fixture *f)
{
	FILE *in = fopen(f->path, "r");
	size_t cap = 0;
	char *line = NULL;

	assert_non_null(in);
	for (int i = 0; i < f->nr_lines; i++)
		free(f->lines[i]);
	f->nr_lines = 0;
	while (getline(&line, &cap, in) > 0)
		f->lines[f->nr_lines++] = strdup(line);
	free(line);
	fclose(in);
}

/* The file rewritten from lines, the ones given by index, in order. */
static void rewrite(struct fixture *f, const int *order, int n)
{
	FILE *out = fopen(f->path, "w");

	for (int i = 0; i < n; i++)
		fputs(f->lines[order[i]], out);
	fclose(out);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || tree__make(f->dir, "audit"))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/audit.log", f->dir);
	write_records(f->path, 1, RECORDS, NULL);
	read_lines(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < f->nr_lines; i++)
		free(f->lines[i]);
	tree__remove(f->dir);
	free(f);
	return 0;
}

static int verify1(const char *path, struct audit_report *r)
{
	return audit__verify(&path, 1, false, r);
}

static void expect_bad(struct fixture *f, uint64_t bad, const char *why)
{
	struct audit_report r;

	assert_int_equal(verify1(f->path, &r), 1);
	assert_int_equal(r.bad, bad);
	assert_non_null(strstr(r.why, why));
}

static void test_intact(void **state)
{
	struct fixture *f = *state;
	struct audit_report r;

	assert_int_equal(f->nr_lines, RECORDS);	/* the opens are not in */
	assert_int_equal(verify1(f->path, &r), 0);
	assert_int_equal(r.records, RECORDS);
	assert_int_equal(r.head, RECORDS);
	assert_non_null(strstr(f->lines[0], "\"record\":{\"type\":\"t\",\"seq\":1}"));
}

static void test_edit(void **state)
{
	struct fixture *f = *state;
	int all[RECORDS] = { 0, 1, 2, 3, 4, 5 };

	*strstr(f->lines[2], "\"seq\":3") = ' ';
	rewrite(f, all, RECORDS);
	expect_bad(f, 3, "edited");
}

static void test_delete(void **state)
{
	int order[] = { 0, 1, 3, 4, 5 };

	rewrite(*state, order, 5);
	expect_bad(*state, 3, "out of sequence");
}

static void test_reorder(void **state)
{
	int order[] = { 0, 2, 1, 3, 4, 5 };

	rewrite(*state, order, 6);
	expect_bad(*state, 2, "out of sequence");
}

static void test_renumbered_after_delete(void **state)
{
	struct fixture *f = *state;
	int order[] = { 0, 1, 3, 4, 5 };

	/* Record 4 claims to be 3: its prev is record 3's, not 2's. */
	memcpy(strstr(f->lines[3], "\"audit\":4"), "\"audit\":3", 9);
	rewrite(f, order, 5);
	expect_bad(f, 3, "does not follow");
}

static void test_truncate_at_a_record(void **state)
{
	int order[] = { 0, 1, 2, 3 };

	rewrite(*state, order, 4);
	expect_bad(*state, 5, "truncated");
}

static void test_truncate_inside_a_record(void **state)
{
	struct fixture *f = *state;
	int all[RECORDS] = { 0, 1, 2, 3, 4, 5 };

	f->lines[5][strlen(f->lines[5]) / 2] = '\0';
	rewrite(f, all, RECORDS);
	expect_bad(f, 6, "torn");
}

static void test_no_head(void **state)
{
	struct fixture *f = *state;
	struct audit_report r;

	assert_int_equal(unlink(tree__at(f->dir, "audit.log.head")), 0);
	assert_int_equal(verify1(f->path, &r), 1);
	assert_non_null(strstr(r.why, "a truncation cannot be told"));
}

/* A new daemon continues the chain; what it forwards is what it wrote. */
static void test_continue_and_forward(void **state)
{
	struct fixture *f = *state;
	struct catcher c = { .sink = { .name = "kafka",
				       .write = catcher__write } };
	struct audit_report r;

	write_records(f->path, RECORDS + 1, 3, &c);
	assert_int_equal(verify1(f->path, &r), 0);
	assert_int_equal(r.records, RECORDS + 3);
	assert_int_equal(c.links, 3);
	assert_int_equal(c.kind, EVENT_AUDIT);
	read_lines(f);
	assert_int_equal(f->nr_lines, RECORDS + 3);
	assert_int_equal(strncmp(c.last, f->lines[RECORDS + 2],
				 strlen(c.last)), 0);
	assert_non_null(strstr(c.last, "\"audit\":9,"));
}

/* A torn last record, or a file shorter than its head, is refused at
 * start: the daemon does not build on a broken chain. */
static void test_refused_at_start(void **state)
{
	struct fixture *f = *state;
	int short_file[] = { 0, 1, 2 };
	FILE *out;

	rewrite(f, short_file, 3);
	assert_null(sink__audit(f->path, NULL));
	out = fopen(f->path, "a");
	fputs("{\"audit\":4,\"prev\":", out);
	fclose(out);
	assert_null(sink__audit(f->path, NULL));
}

/* Records through one sink while its file is renamed away twice and the
 * sink reopened (logrotate's postrotate): one chain through three files,
 * each file's first link following the last of the one before. */
static void rotate_twice(struct fixture *f, char old[2][PATH_MAX])
{
	struct sink *s = sink__audit(f->path, NULL);
	struct event ev = { .kind = EVENT_ACTION };
	char json[64];

	assert_non_null(s);
	for (int i = 1; i <= 9; i++) {
		if (i == 4 || i == 7) {
			snprintf(old[i / 7], PATH_MAX, "%s.%d", f->path, i);
			assert_int_equal(rename(f->path, old[i / 7]), 0);
			assert_int_equal(s->reopen(s), 0);
		}
		snprintf(json, sizeof(json), "{\"seq\":%d}", RECORDS + i);
		assert_int_equal(s->write(s, &ev, json, strlen(json)), 0);
	}
	s->close(s);
}

static void test_rotated(void **state)
{
	struct fixture *f = *state;
	char old[2][PATH_MAX];
	struct audit_report r;
	const char *all[3] = { old[0], old[1], f->path };
	const char *gap[2] = { old[0], f->path };

	rotate_twice(f, old);
	assert_int_equal(audit__verify(all, 3, false, &r), 0);
	assert_int_equal(r.records, RECORDS + 9);
	assert_int_equal(r.head, RECORDS + 9);
	/* A file left out breaks the chain where the next one starts. */
	assert_int_equal(audit__verify(gap, 2, false, &r), 1);
	assert_int_equal(r.file, 1);
	assert_int_equal(r.bad, RECORDS + 4);
	assert_non_null(strstr(r.why, "out of sequence"));
	/* The newest alone starts mid-chain: out of sequence, unless the
	 * files before it are said to be gone. */
	assert_int_equal(audit__verify(all + 2, 1, false, &r), 1);
	assert_int_equal(r.bad, 1);
	assert_int_equal(audit__verify(all + 1, 2, true, &r), 0);
	assert_int_equal(r.first, RECORDS + 4);
	assert_int_equal(r.records, 6);
}

/* A daemon that starts on a freshly rotated (empty) file goes on with
 * the chain its head names. */
static void test_restart_after_rotation(void **state)
{
	struct fixture *f = *state;
	char old[PATH_MAX];
	const char *both[2] = { old, f->path };
	struct audit_report r;

	snprintf(old, sizeof(old), "%s.1", f->path);
	assert_int_equal(rename(f->path, old), 0);
	write_records(f->path, RECORDS + 1, 2, NULL);
	assert_int_equal(audit__verify(both, 2, false, &r), 0);
	assert_int_equal(r.records, RECORDS + 2);
	read_lines(f);
	assert_non_null(strstr(f->lines[0], "{\"audit\":7,"));
}

static void test_link_format(void **state)
{
	struct hashchain a = { 0 }, b = { 0 };
	char line[256];
	int n = hashchain__link(&a, "{}", 2, line);

	assert_true(n > 0 && line[n - 1] == '\n');
	assert_int_equal(strncmp(line, "{\"audit\":1,\"prev\":\"0000", 23), 0);
	assert_int_equal(hashchain__check(&b, line, n - 1), HASHCHAIN_OK);
	assert_int_equal(b.n, 1);
	assert_memory_equal(a.hash, b.hash, SHA256_LEN);
	assert_int_equal(hashchain__check(&b, line, n - 1), HASHCHAIN_NUMBER);
	assert_int_equal(hashchain__check(&b, "{}", 2), HASHCHAIN_FORMAT);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_intact),
		T(test_edit),
		T(test_delete),
		T(test_reorder),
		T(test_renumbered_after_delete),
		T(test_truncate_at_a_record),
		T(test_truncate_inside_a_record),
		T(test_no_head),
		T(test_continue_and_forward),
		T(test_refused_at_start),
		T(test_rotated),
		T(test_restart_after_rotation),
		cmocka_unit_test(test_link_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
