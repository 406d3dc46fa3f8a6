// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A reload's carry (rules/carry.h) between two rule sets loaded from
 * text: a sandbox scored by the first keeps its risk, level and profile
 * by name in the second, its taints by name, and the windows of the
 * rules whose id and window stay; the others start empty. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "carry.h"
#include "engine.h"
#include "evtest.h"
#include "home.h"

#define SEC 1000000000ull

#define RULE(id, path, extra)						\
	"- rule: " id "\n  description: d\n  event: open\n"		\
	"  when: 'open.path == " path "'\n" extra

static const char before[] =
	"- profile: p\n  thresholds: {alert: 5, freeze: 900, kill: 1000}\n"
	RULE("a", "/a", "  score: 7\n  taint: gone\n")
	RULE("b", "/b", "  taint: kept\n")
	RULE("stays", "/w", "  window: {count: true, over: 60s, above: 3}\n")
	RULE("respan", "/w", "  window: {count: true, over: 30s, above: 3}\n")
	RULE("removed", "/w", "  window: {count: true, over: 60s, above: 9}\n");

/* Another order, a taint gone and one new, one window's span changed, a
 * window rule removed. */
static const char after[] =
	RULE("new", "/n", "  taint: fresh\n")
	RULE("respan", "/w", "  window: {count: true, over: 20s, above: 3}\n")
	RULE("b", "/b", "  taint: kept\n")
	RULE("stays", "/w", "  window: {count: true, over: 60s, above: 3}\n")
	"- profile: p\n  thresholds: {alert: 5, freeze: 900, kill: 1000}\n";

struct fixture {
	struct ruleset from, to;
	struct engine *e;
	struct sandboxes *sandboxes;
	struct tev t;
	struct sandbox *sb;
};

static void load(struct ruleset *rs, const char *text)
{
	assert_int_equal(ruleset__init(rs), 0);
	assert_int_equal(ruleset__add_text(rs, "t.yaml", text, strlen(text)),
			 0);
	if (ruleset__finish(rs))
		fail_msg("rules do not load: %s", rs->first_error);
}

static const struct decision *open_at(struct fixture *f, uint64_t ns,
				      const char *path)
{
	tev__open(&f->t, ns, path, 0);
	tev__sandbox(&f->t, 7, "sb-7", "p");
	f->t.ev.sandbox = f->sb;
	return engine__event(f->e, &f->t.ev);
}

static bool matched(const struct decision *d, const char *rule)
{
	for (size_t i = 0; i < d->nr_matches; i++)
		if (!strcmp(d->matches[i].rule->id, rule))
			return true;
	return false;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sandbox proto = { .cgid = 7, .id = (char *)"sb-7",
				 .cgroup = (char *)"vigil/sb-7",
				 .profile = (char *)"p", .profile_len = 1 };

	if (!f)
		return -1;
	load(&f->from, before);
	load(&f->to, after);
	f->e = engine__new(&f->from);
	f->sandboxes = sandboxes__new(NULL);
	assert_non_null(f->e);
	assert_non_null(f->sandboxes);
	f->sb = sandboxes__add(f->sandboxes, &proto);
	assert_non_null(f->sb);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	engine__forget(f->e, f->sb);
	sandboxes__free(f->sandboxes);
	engine__free(f->e);
	ruleset__fini(&f->from);
	ruleset__fini(&f->to);
	free(f);
	home__flush();
	return 0;
}

/* Scored by the first set, moved, scored by the second. */
static void move(struct fixture *f)
{
	struct carry *c = carry__plan(&f->from, &f->to);

	assert_non_null(c);
	assert_int_equal(carry__sandbox(c, f->sb), 0);
	carry__free(c);
	engine__free(f->e);
	f->e = engine__new(&f->to);
	assert_non_null(f->e);
}

static void test_risk_level_profile_taints(void **state)
{
	struct fixture *f = *state;
	const struct decision *d = open_at(f, SEC, "/a");

	assert_int_equal(d->act, LEVEL_ALERT);
	open_at(f, 2 * SEC, "/b");
	assert_int_equal(f->sb->risk->taints, 3);	/* gone, kept */
	move(f);
	assert_ptr_equal(f->sb->agent, ruleset__profile(&f->to, "p", 1));
	assert_true(f->sb->risk->risk > 6.99 && f->sb->risk->risk <= 7);
	assert_int_equal(f->sb->risk->level, LEVEL_ALERT);
	/* kept is bit 1 of the new set's (fresh is 0); gone is no more */
	assert_string_equal(f->to.taints[1], "kept");
	assert_int_equal(f->sb->risk->taints, 1ull << 1);
	/* the level stays: no second alert action for the same risk */
	d = open_at(f, 3 * SEC, "/b");
	assert_true(matched(d, "b"));
	assert_int_equal(d->act, LEVEL_NONE);
}

static void test_windows_by_rule_id(void **state)
{
	struct fixture *f = *state;
	const struct decision *d;

	for (int i = 1; i <= 3; i++)	/* each window at 3 of above 3 */
		assert_int_equal(open_at(f, i * SEC, "/w")->nr_matches, 0);
	move(f);
	/* "stays" goes on from 3 and fires; "respan" now counts over
	 * another span: it starts empty. */
	d = open_at(f, 4 * SEC, "/w");
	assert_true(matched(d, "stays"));
	assert_false(matched(d, "respan"));
	for (int i = 5; i <= 7; i++)
		d = open_at(f, i * SEC, "/w");
	assert_true(matched(d, "respan"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_risk_level_profile_taints,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_windows_by_rule_id,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
