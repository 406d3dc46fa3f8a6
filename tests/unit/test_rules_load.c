// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Rule files: what a good file loads into, and every kind of mistake as
 * the first error it reports, "FILE:LINE:COL: message", with the column
 * of the offending token inside single-line, folded and quoted
 * conditions. The shipped rules must load without an error. */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "ruleset.h"
#include "syscalls.h"
#include "tmptree.h"

/* A rule that loads, to build cases on. */
#define RULE(id) \
	"- rule: " id "\n  description: d\n  event: open\n  when: open.write\n"

static FILE *devnull;

/* Loads text as t.yaml. The loader logs every error to stderr; the tests
 * read first_error, so the log goes to /dev/null (TEST_VERBOSE=1 keeps
 * it) while cmocka's own messages still reach stderr. */
static int load(struct ruleset *rs, const char *text)
{
	FILE *saved = stderr;
	int rc;

	assert_int_equal(ruleset__init(rs), 0);
	if (devnull)
		stderr = devnull;
	ruleset__add_text(rs, "t.yaml", text, strlen(text));
	rc = ruleset__finish(rs);
	stderr = saved;
	return rc;
}

/* The file must fail to load with first as its first error. */
#define LOAD_ERROR(text, first) load_error(text, first, __LINE__)

static void load_error(const char *text, const char *first, int line)
{
	struct ruleset rs;
	int rc = load(&rs, text);

	if (strcmp(rs.first_error, first))
		print_error("line %d: got \"%s\"\n", line, rs.first_error);
	_assert_int_equal(rc, -EINVAL, __FILE__, line);
	_assert_string_equal(rs.first_error, first, __FILE__, line);
	_assert_true(rs.errors > 0, "errors counted", __FILE__, line);
	ruleset__fini(&rs);
}

/* The file must fail to load, its first error starting with first. */
static void load_error_prefix(const char *text, const char *first)
{
	struct ruleset rs;

	assert_int_equal(load(&rs, text), -EINVAL);
	if (strncmp(rs.first_error, first, strlen(first)))
		fail_msg("got \"%s\"", rs.first_error);
	ruleset__fini(&rs);
}

static int setup(void **state)
{
	if (!getenv("TEST_VERBOSE"))
		devnull = fopen("/dev/null", "w");
	return 0;
}

static int teardown(void **state)
{
	if (devnull)
		fclose(devnull);
	return 0;
}

/* ---------------------------------------------------------------- good */

static void test_good_file(void **state)
{
	static const char text[] =
		"# a comment\n"
		"- list: tools\n"
		"  items: [nc, socat]\n"
		"- list: more_tools\n"
		"  items: [tools, nmap]\n"
		"- macro: writes\n"
		"  condition: open.write\n"
		"- rule: a\n"
		"  description: >\n"
		"    two\n"
		"    lines\n"
		"  event: [open, exec]\n"
		"  when: writes or exec.name in (more_tools)\n"
		"  score: 12.5\n"
		"  severity: high\n"
		"  tags: [x, T1]\n"
		"  action: freeze\n"
		"  taint: t-1\n"
		"- rule: b\n"
		"  description: d\n"
		"  event: flow\n"
		"  when: sandbox.taint == t-1\n"
		"  window: {sum: flow.bytes, over: 1m, above: 1MiB}\n"
		"  enabled: false\n"
		"- profile: agent\n"
		"  description: an agent\n"
		"  thresholds: {alert: 5, freeze: 10, kill: 15.5}\n"
		"  half_life: 90s\n"
		"  freeze_timeout: 5m\n"
		"  allow:\n"
		"    destinations: [10.0.0.0/8, \"[::1]:443\", 1.2.3.4:80-90]\n"
		"    executables: [\"/usr/bin/*\"]\n"
		"  rules:\n"
		"    a: {score: 1, action: kill}\n"
		"    b: {enabled: true}\n";
	struct ruleset rs;
	const struct profile *p;
	const struct rule *a, *b;

	assert_int_equal(load(&rs, text), 0);
	assert_int_equal(rs.errors, 0);
	assert_string_equal(rs.first_error, "");
	assert_int_equal(rs.nr_rules, 2);
	a = rs.rules[0];
	b = rs.rules[1];
	assert_string_equal(a->id, "a");
	assert_string_equal(a->description, "two lines\n");
	assert_int_equal(a->events, EVBIT(EVENT_OPEN) | EVBIT(EVENT_EXEC));
	assert_true(a->score == 12.5);
	assert_int_equal(a->severity, SEV_HIGH);
	assert_int_equal(a->nr_tags, 2);
	assert_string_equal(a->tags[1], "T1");
	assert_int_equal(a->action, LEVEL_FREEZE);
	assert_int_equal(a->taint, 0);
	assert_string_equal(rs.taints[0], "t-1");
	assert_int_equal(rs.nr_taints, 1);
	assert_null(a->window);
	assert_false(a->disabled);
	assert_string_equal(a->file, "t.yaml");
	assert_int_equal(a->line, 8);
	assert_int_equal(a->index, 0);

	assert_int_equal(b->taint, -1);
	assert_true(b->disabled);
	assert_non_null(b->window);
	assert_int_equal(b->window->agg, WIN_SUM);
	assert_string_equal(b->window->field->name, "flow.bytes");
	assert_int_equal(b->window->over_ns, 60000000000ull);
	assert_int_equal(b->window->above, 1048576);
	assert_int_equal(b->window->slot, 0);
	assert_int_equal(rs.nr_windows, 1);
	assert_int_equal(b->severity, SEV_MEDIUM);	/* the default */
	assert_int_equal(b->action, LEVEL_ALERT);

	assert_int_equal(rs.nr_profiles, 1);
	p = ruleset__profile(&rs, "agent", 5);
	assert_ptr_equal(p, rs.profiles[0]);
	assert_true(p->threshold[LEVEL_ALERT] == 5 &&
		    p->threshold[LEVEL_FREEZE] == 10 &&
		    p->threshold[LEVEL_KILL] == 15.5);
	assert_int_equal(p->half_life_ns, 90000000000ull);
	assert_int_equal(p->freeze_timeout_ns, 300000000000ull);
	assert_int_equal(p->nr_dests, 3);
	assert_int_equal(p->dests[1].net.family, AF_INET6);
	assert_int_equal(p->dests[1].port_lo, 443);
	assert_int_equal(p->dests[2].port_hi, 90);
	assert_int_equal(p->nr_exes, 1);
	assert_true(p->tune[0].score == 1);
	assert_int_equal(p->tune[0].action, LEVEL_KILL);
	assert_false(p->tune[0].disabled);
	assert_false(p->tune[1].disabled);	/* enabled here */
	assert_true(p->tune[1].score == 0);

	/* No "default" in the files: the built-in one, untuned. */
	assert_null(ruleset__profile(&rs, "default", 7));
	assert_non_null(rs.fallback);
	assert_ptr_equal(rs.fallback, rs.owned_fallback);
	assert_string_equal(rs.fallback->name, "default");
	assert_true(rs.fallback->threshold[LEVEL_KILL] == 100);
	assert_int_equal(rs.fallback->half_life_ns, 600000000000ull);
	assert_true(rs.fallback->tune[1].disabled);
	assert_non_null(rs.index);
	ruleset__fini(&rs);
}

/* Items may come in any order and across files: a rule may use a macro
 * or a list defined later, or in a later file. */
static void test_order_and_files(void **state)
{
	static const char one[] =
		"- rule: r\n  description: d\n  event: exec\n"
		"  when: net_tool and not proc.name in (later)\n";
	static const char two[] =
		"- macro: net_tool\n  condition: exec.name in (tools)\n"
		"- list: tools\n  items: [nc]\n"
		"- list: later\n  items: [x]\n";
	struct ruleset rs;

	assert_int_equal(ruleset__init(&rs), 0);
	assert_int_equal(ruleset__add_text(&rs, "one.yaml", one, strlen(one)),
			 0);
	assert_int_equal(ruleset__add_text(&rs, "two.yaml", two, strlen(two)),
			 0);
	assert_int_equal(ruleset__finish(&rs), 0);
	ruleset__fini(&rs);

	/* an empty file, and one of comments only, hold no items */
	assert_int_equal(load(&rs, ""), 0);
	assert_int_equal(rs.nr_rules, 0);
	ruleset__fini(&rs);
	assert_int_equal(load(&rs, "# nothing\n"), 0);
	ruleset__fini(&rs);
}

/* The shipped rules load as they are. */
static void test_builtin(void **state)
{
	struct ruleset rs;

	assert_int_equal(ruleset__init(&rs), 0);
	assert_int_equal(ruleset__add_builtin(&rs), 0);
	assert_int_equal(ruleset__finish(&rs), 0);
	assert_int_equal(rs.errors, 0);
	assert_true(rs.nr_rules >= 9);
	assert_non_null(ruleset__profile(&rs, "default", 7));
	assert_ptr_equal(rs.fallback, ruleset__profile(&rs, "default", 7));
	assert_null(rs.owned_fallback);
	assert_int_equal(rs.nr_taints, 1);
	assert_string_equal(rs.taints[0], "secrets-read");
	ruleset__fini(&rs);
}

static void test_add_path(void **state)
{
	char dir[] = "/tmp/vigil-test-rules-XXXXXX", path[128];
	FILE *f, *saved = stderr;
	struct ruleset rs;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/b.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(RULE("from-b"), f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/a.yml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(RULE("from-a"), f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/.hidden.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("not: [a rule file", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("not: [a rule file", f);
	fclose(f);

	/* a directory: its *.yaml and *.yml files in name order */
	assert_int_equal(ruleset__init(&rs), 0);
	assert_int_equal(ruleset__add_path(&rs, dir), 0);
	assert_int_equal(ruleset__finish(&rs), 0);
	assert_int_equal(rs.nr_rules, 2);
	assert_string_equal(rs.rules[0]->id, "from-a");
	assert_string_equal(rs.rules[1]->id, "from-b");
	ruleset__fini(&rs);

	/* one file; then one that is missing */
	snprintf(path, sizeof(path), "%s/b.yaml", dir);
	assert_int_equal(ruleset__init(&rs), 0);
	assert_int_equal(ruleset__add_path(&rs, path), 0);
	assert_int_equal(rs.nr_rules, 1);
	snprintf(path, sizeof(path), "%s/missing.yaml", dir);
	stderr = devnull ? devnull : stderr;
	assert_int_equal(ruleset__add_path(&rs, path), -ENOENT);
	stderr = saved;
	assert_int_equal(rs.errors, 1);
	assert_int_equal(ruleset__finish(&rs), -EINVAL);
	ruleset__fini(&rs);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/* ---------------------------------------------------------------- items */

static void test_error_items(void **state)
{
	LOAD_ERROR("a: 1\n", "t.yaml:1:1: a rule file is a list of items "
		   "(- list:, - macro:, - rule:, - profile:, - fileset:)");
	LOAD_ERROR("just text\n", "t.yaml:1:1: a rule file is a list of items "
		   "(- list:, - macro:, - rule:, - profile:, - fileset:)");
	LOAD_ERROR("- x\n", "t.yaml:1:3: expected an item: a mapping "
		   "starting with list, macro, rule, profile or fileset");
	LOAD_ERROR(RULE("a") "- {}\n", "t.yaml:5:3: expected an item: a "
		   "mapping starting with list, macro, rule, profile or fileset");
	LOAD_ERROR("- [rule, a]\n", "t.yaml:1:3: expected an item: a "
		   "mapping starting with list, macro, rule, profile or fileset");
	LOAD_ERROR("- rules: a\n", "t.yaml:1:3: unknown item 'rules': an "
		   "item starts with list, macro, rule, profile or fileset");
	LOAD_ERROR("- description: d\n  rule: a\n", "t.yaml:1:3: unknown "
		   "item 'description': an item starts with list, macro, rule, "
		   "profile or fileset");
	LOAD_ERROR("- [a]: b\n", "t.yaml:1:3: an item's first key must be a "
		   "single value");
	LOAD_ERROR("- rule: [a]\n", "t.yaml:1:9: rule must be a single value");
	LOAD_ERROR("- rule: \"a b\"\n", "t.yaml:1:9: rule 'a b': use 1-128 "
		   "letters, digits, '_', '.' or '-'");
	LOAD_ERROR("- list: ''\n  items: []\n", "t.yaml:1:9: list '': use "
		   "1-128 letters, digits, '_', '.' or '-'");
	LOAD_ERROR("- macro: a/b\n  condition: open.write\n", "t.yaml:1:10: "
		   "macro 'a/b': use 1-128 letters, digits, '_', '.' or '-'");
	LOAD_ERROR("- profile: \"\\0\"\n", "t.yaml:1:12: profile contains a "
		   "NUL byte");
	/* 128 characters are a name, 129 are not */
	{
		char name[130], text[256], want[512];
		struct ruleset rs;

		memset(name, 'a', 128);
		name[128] = '\0';
		snprintf(text, sizeof(text), RULE("%s"), name);
		assert_int_equal(load(&rs, text), 0);
		ruleset__fini(&rs);
		strcat(name, "a");
		snprintf(text, sizeof(text), "- rule: %s\n", name);
		snprintf(want, sizeof(want), "t.yaml:1:9: rule '%s': use 1-128 "
			 "letters, digits, '_', '.' or '-'", name);
		load_error(text, want, __LINE__);
	}
}

static void test_error_keys(void **state)
{
	LOAD_ERROR(RULE("a") "  scroe: 5\n",
		   "t.yaml:5:3: unknown key 'scroe' in rule");
	LOAD_ERROR(RULE("a") "  when: open.write\n",
		   "t.yaml:5:3: 'when' given twice");
	LOAD_ERROR(RULE("a") "  [x]: 1\n", "t.yaml:5:3: a key must be a "
		   "single value");
	LOAD_ERROR("- list: l\n  items: [a]\n  extra: 1\n",
		   "t.yaml:3:3: unknown key 'extra' in list");
	LOAD_ERROR("- macro: m\n  condition: open.write\n  when: x\n",
		   "t.yaml:3:3: unknown key 'when' in macro");
	LOAD_ERROR("- profile: p\n  threshold: {}\n",
		   "t.yaml:2:3: unknown key 'threshold' in profile");
	LOAD_ERROR("- profile: p\n  thresholds: {alert: 1, warn: 2}\n",
		   "t.yaml:2:26: unknown key 'warn' in thresholds (alert, "
		   "freeze, kill)");
	LOAD_ERROR("- profile: p\n  allow: {dests: []}\n",
		   "t.yaml:2:11: unknown key 'dests' in allow (destinations, "
		   "executables)");
	LOAD_ERROR(RULE("a") "- profile: p\n  rules:\n    a: {scor: 1}\n",
		   "t.yaml:7:9: unknown key 'scor' in a rule's tuning (score, "
		   "action, enabled)");
	LOAD_ERROR(RULE("a") "  window: {count: true, over: 1s, above: 1, "
		   "per: proc.pid}\n", "t.yaml:5:45: unknown key 'per' in "
		   "window (count, sum, distinct, by, over, above)");
	LOAD_ERROR("- profile: p\n  allow: [a]\n",
		   "t.yaml:2:10: allow must be a mapping (key: value)");
	LOAD_ERROR("- profile: p\n  rules: {a: 1}\n",
		   "t.yaml:2:14: a rule's tuning must be a mapping (key: "
		   "value)");
}

static void test_error_required(void **state)
{
	LOAD_ERROR("- rule: a\n  event: open\n  when: open.write\n",
		   "t.yaml:1:3: rule needs 'description'");
	LOAD_ERROR("- rule: a\n  description: d\n  when: open.write\n",
		   "t.yaml:1:3: rule needs 'event'");
	LOAD_ERROR("- rule: a\n  description: d\n  event: open\n",
		   "t.yaml:1:3: rule needs 'when'");
	LOAD_ERROR("- list: a\n", "t.yaml:1:3: list needs 'items'");
	LOAD_ERROR("- macro: a\n", "t.yaml:1:3: macro needs 'condition'");
	/* a macro without a condition, used: reported once, where it is */
	LOAD_ERROR("- macro: m\n- rule: a\n  description: d\n  event: open\n"
		   "  when: m\n", "t.yaml:1:3: macro needs 'condition'");
}

static void test_error_duplicates(void **state)
{
	LOAD_ERROR(RULE("a") RULE("a"),
		   "t.yaml:5:9: rule 'a' already defined at t.yaml:1");
	LOAD_ERROR("- list: l\n  items: [a]\n- list: l\n  items: [b]\n",
		   "t.yaml:3:9: list 'l' already defined at t.yaml:1:9");
	LOAD_ERROR("- macro: m\n  condition: open.write\n- macro: m\n"
		   "  condition: open.write\n",
		   "t.yaml:3:10: macro 'm' already defined");
	LOAD_ERROR("- profile: p\n- profile: p\n",
		   "t.yaml:2:12: profile 'p' already defined at t.yaml:1");
	LOAD_ERROR("- macro: proc.pid\n  condition: open.write\n",
		   "t.yaml:1:10: macro 'proc.pid' has a field's name");
}

/* ---------------------------------------------------------------- learning */

/* Two learning profiles, a's file named by fa and b's by fb. */
static const char *learners(const char *fa, const char *mode_b,
			    const char *fb)
{
	static char text[1024];

	snprintf(text, sizeof(text), "- profile: a\n  baseline: %s\n"
		 "  baseline_mode: learn\n- profile: b\n  baseline: %s\n"
		 "  baseline_mode: %s\n", fa, fb, mode_b);
	return text;
}

static void learners_ok(const char *fa, const char *mode_b, const char *fb)
{
	struct ruleset rs;

	assert_int_equal(load(&rs, learners(fa, mode_b, fb)), 0);
	ruleset__fini(&rs);
}

/* One file learnt into by two profiles (each save overwriting the
 * other's) is refused whatever names it: a path not made yet by its
 * spelling, a file by its inode (hard link, symlinked directory). */
static void test_error_learn_files(void **state)
{
	char dir[64], want[512], fa[300], fb[300];

	assert_int_equal(tree__make(dir, "learnfiles"), 0);
	snprintf(fa, sizeof(fa), "%s/x.b", dir);
	snprintf(fb, sizeof(fb), "%s//./x.b", dir);
	snprintf(want, sizeof(want), "t.yaml:5:13: profile 'b' learns into "
		 "%s, the file profile 'a' learns into (t.yaml:2:13): each "
		 "would save over the other's sessions; give each learning "
		 "profile a file of its own", fb);
	LOAD_ERROR(learners(fa, "learn", fb), want);
	learners_ok(fa, "detect", fb);
	learners_ok(fa, "learn", tree__at(dir, "y.b"));

	assert_int_equal(close(creat(fa, 0600)), 0);
	assert_int_equal(link(fa, tree__at(dir, "h.b")), 0);
	assert_int_equal(symlink(dir, tree__at(dir, "alias")), 0);
	snprintf(fb, sizeof(fb), "%s", tree__at(dir, "h.b"));
	snprintf(want, sizeof(want), "t.yaml:5:13: profile 'b' learns into "
		 "%s, the file", fb);
	load_error_prefix(learners(fa, "learn", fb), want);
	snprintf(fb, sizeof(fb), "%s", tree__at(dir, "alias/x.b"));
	snprintf(want, sizeof(want), "t.yaml:5:13: profile 'b' learns into "
		 "%s, the file", fb);
	load_error_prefix(learners(fa, "learn", fb), want);
	learners_ok(fa, "learn", tree__at(dir, "alias/y.b"));
	/* A symlink to a file not made yet names that file. */
	assert_int_equal(symlink("z.b", tree__at(dir, "dangles.b")), 0);
	snprintf(fb, sizeof(fb), "%s", tree__at(dir, "dangles.b"));
	snprintf(want, sizeof(want), "t.yaml:5:13: profile 'b' learns into "
		 "%s, the file", fb);
	load_error_prefix(learners(tree__at(dir, "alias/z.b"), "learn", fb),
			  want);
	tree__remove(dir);
}

/* ---------------------------------------------------------------- values */

static void test_error_values(void **state)
{
	LOAD_ERROR("- rule: a\n  description: d\n  event: opn\n  when: x\n",
		   "t.yaml:3:10: unknown event type 'opn' (exec, fork, exit, "
		   "open, connect, flow, syscall, budget, escape, drop, "
		   "repeat, file, cred, socket, dns or anomaly)");
	LOAD_ERROR("- rule: a\n  description: d\n  event: [open, gap]\n"
		   "  when: open.write\n", "t.yaml:3:17: unknown event type "
		   "'gap' (exec, fork, exit, open, connect, flow, syscall, "
		   "budget, escape, drop, repeat, file, cred, socket, dns or "
		   "anomaly)");
	LOAD_ERROR("- rule: a\n  description: d\n  event: {open: 1}\n"
		   "  when: open.write\n", "t.yaml:3:10: event must be a list");
	/* an empty list of events would leave a rule that never runs */
	LOAD_ERROR("- rule: a\n  description: d\n  event: []\n"
		   "  when: open.write\n", "t.yaml:3:10: event names no event "
		   "type (exec, fork, exit, open, connect, flow, syscall, "
		   "budget, escape, drop, repeat, file, cred, socket, dns or "
		   "anomaly)");
	LOAD_ERROR("- rule: a\n  description: [d]\n  event: open\n"
		   "  when: open.write\n",
		   "t.yaml:2:16: description must be a single value");
	LOAD_ERROR(RULE("a") "  score: -1\n", "t.yaml:5:10: score must be a "
		   "number from 0 to 1e+06, not '-1'");
	LOAD_ERROR(RULE("a") "  score: lots\n", "t.yaml:5:10: score must be "
		   "a number from 0 to 1e+06, not 'lots'");
	LOAD_ERROR(RULE("a") "  score: 1e7\n", "t.yaml:5:10: score must be "
		   "a number from 0 to 1e+06, not '1e7'");
	LOAD_ERROR(RULE("a") "  score: nan\n", "t.yaml:5:10: score must be "
		   "a number from 0 to 1e+06, not 'nan'");
	LOAD_ERROR(RULE("a") "  severity: extreme\n", "t.yaml:5:13: severity "
		   "must be info, low, medium, high or critical, not "
		   "'extreme'");
	LOAD_ERROR(RULE("a") "  action: stop\n", "t.yaml:5:11: action must "
		   "be alert, freeze, kill or ask, not 'stop'");
	LOAD_ERROR(RULE("a") "  enabled: yes\n", "t.yaml:5:12: enabled must "
		   "be true or false, not 'yes'");
	LOAD_ERROR(RULE("a") "  taint: \"a b\"\n", "t.yaml:5:10: taint 'a b': "
		   "use 1-128 letters, digits, '_', '.' or '-'");
	LOAD_ERROR(RULE("a") "  tags: x\n", "t.yaml:5:9: tags must be a list");
	LOAD_ERROR(RULE("a") "  tags: [[x]]\n",
		   "t.yaml:5:10: tags must be a single value");
	LOAD_ERROR("- list: l\n  items: a\n",
		   "t.yaml:2:10: items must be a list");
	LOAD_ERROR("- profile: p\n  half_life: soon\n", "t.yaml:2:14: "
		   "half_life must be a duration such as 500ms, 10s, 5m or 1h, "
		   "not 'soon'");
	LOAD_ERROR("- profile: p\n  half_life: 0s\n",
		   "t.yaml:2:14: half_life must be longer than 0");
	LOAD_ERROR("- profile: p\n  freeze_timeout: -1s\n", "t.yaml:2:19: "
		   "freeze_timeout must be a duration such as 500ms, 10s, 5m "
		   "or 1h, not '-1s'");
	LOAD_ERROR(RULE("a") "- profile: p\n  rules: {a: {enabled: no}}\n",
		   "t.yaml:6:24: enabled must be true or false, not 'no'");
	LOAD_ERROR(RULE("a") "- profile: p\n  rules: {a: {action: none}}\n",
		   "t.yaml:6:23: action must be alert, freeze, kill or ask, not "
		   "'none'");
	LOAD_ERROR(RULE("a") "- profile: p\n  rules: {a: {score: -5}}\n",
		   "t.yaml:6:22: score must be a number from 0 to 1e+06, not "
		   "'-5'");
}

static void test_error_windows(void **state)
{
	LOAD_ERROR(RULE("a") "  window: {count: true}\n", "t.yaml:5:11: "
		   "window needs 'over' (a duration) and 'above' (a bound)");
	LOAD_ERROR(RULE("a") "  window: {over: 1s}\n", "t.yaml:5:11: "
		   "window needs 'over' (a duration) and 'above' (a bound)");
	LOAD_ERROR(RULE("a") "  window: 5\n", "t.yaml:5:11: window must be "
		   "a mapping (key: value)");
	LOAD_ERROR(RULE("a") "  window: {over: 0s, above: 1}\n",
		   "t.yaml:5:18: over must be longer than 0");
	LOAD_ERROR(RULE("a") "  window: {over: 1s, above: lots}\n",
		   "t.yaml:5:29: above must be a whole number (100, 50MiB, "
		   "...), "
		   "not 'lots'");
	LOAD_ERROR(RULE("a") "  window: {count: false, over: 1s, above: 1}\n",
		   "t.yaml:5:19: count: false counts nothing; use count: true, "
		   "sum: FIELD or distinct: FIELD");
	LOAD_ERROR(RULE("a") "  window: {sum: open.path, over: 1s, above: 1}\n",
		   "t.yaml:5:17: sum needs a number field; open.path is not "
		   "one");
	LOAD_ERROR(RULE("a") "  window: {sum: nope, over: 1s, above: 1}\n",
		   "t.yaml:5:17: unknown field 'nope'");
	LOAD_ERROR(RULE("a") "  window: {sum: flow.bytes, over: 1s, "
		   "above: 1}\n",
		   "t.yaml:5:17: flow.bytes is not a field of rule 'a''s "
		   "events");
	LOAD_ERROR("- rule: a\n  description: d\n  event: exec\n"
		   "  when: exec.argc > 1\n"
		   "  window: {distinct: exec.argv, over: 1s, above: 1}\n",
		   "t.yaml:5:22: distinct needs a single-valued field; "
		   "exec.argv "
		   "is a list");
	LOAD_ERROR(RULE("a") "  window: {distinct: open.path, over: 1s, "
		   "above: 100000}\n", "t.yaml:5:22: distinct counts at most "
		   "99999 values");
	LOAD_ERROR(RULE("a") "  window: {count: true, by: nope, over: 1s, "
		   "above: 1}\n", "t.yaml:5:29: unknown field 'nope'");
	LOAD_ERROR(RULE("a") "  window: {count: true, by: flow.bytes, "
		   "over: 1s, above: 1}\n", "t.yaml:5:29: by needs a field of "
		   "every event of rule 'a'; flow.bytes is not one");
	LOAD_ERROR("- rule: a\n  description: d\n  event: exec\n"
		   "  when: exec.argc > 1\n"
		   "  window: {count: true, by: exec.argv, over: 1s, above: 1}\n",
		   "t.yaml:5:29: by needs a single-valued field; exec.argv is "
		   "a list");
}

static void test_error_profiles(void **state)
{
	LOAD_ERROR("- profile: p\n  thresholds: {alert: 50, freeze: 40, "
		   "kill: 100}\n", "t.yaml:2:15: thresholds must rise: alert "
		   "(50) < freeze (40) < kill (100)");
	/* unset ones keep their defaults (20/60/100) */
	LOAD_ERROR("- profile: p\n  thresholds: {alert: 70}\n", "t.yaml:2:15: "
		   "thresholds must rise: alert (70) < freeze (60) < kill "
		   "(100)");
	LOAD_ERROR("- profile: p\n  thresholds: {freeze: 0}\n", "t.yaml:2:24: "
		   "freeze must be a number from 0.001 to 1e+06, not '0'");
	LOAD_ERROR("- profile: p\n  allow: {destinations: [1.2.3.4:99999]}\n",
		   "t.yaml:2:26: destination '1.2.3.4:99999': expected "
		   "ADDR[/BITS], ADDR[/BITS]:PORT[-PORT], "
		   "[V6ADDR[/BITS]]:PORT, or a DNS name ([*.]NAME[:PORT], "
		   "one port or '*')");
	LOAD_ERROR("- profile: p\n  allow: {destinations: [\"[::1\"]}\n",
		   "t.yaml:2:26: destination '[::1': expected ADDR[/BITS], "
		   "ADDR[/BITS]:PORT[-PORT], [V6ADDR[/BITS]]:PORT, or a DNS "
		   "name ([*.]NAME[:PORT], one port or '*')");
	/* Names: one port or every port; labels of at most 63 bytes. */
	LOAD_ERROR("- profile: p\n  allow: {destinations: [pypi.org:80-90]}\n",
		   "t.yaml:2:26: destination 'pypi.org:80-90': expected "
		   "ADDR[/BITS], ADDR[/BITS]:PORT[-PORT], "
		   "[V6ADDR[/BITS]]:PORT, or a DNS name ([*.]NAME[:PORT], "
		   "one port or '*')");
	LOAD_ERROR("- profile: p\n  allow: {destinations: [a..org]}\n",
		   "t.yaml:2:26: destination 'a..org': expected "
		   "ADDR[/BITS], ADDR[/BITS]:PORT[-PORT], "
		   "[V6ADDR[/BITS]]:PORT, or a DNS name ([*.]NAME[:PORT], "
		   "one port or '*')");
	LOAD_ERROR("- profile: p\n  egress: open\n", "t.yaml:2:11: egress must "
		   "be deny (refuse destinations outside allow.destinations) "
		   "or monitor (record them), not 'open'");
	LOAD_ERROR("- profile: p\n  allow: {destinations: 10.0.0.0/8}\n",
		   "t.yaml:2:25: destinations must be a list");
	LOAD_ERROR(RULE("a") "- profile: p\n  rules:\n    nope: {score: 1}\n",
		   "t.yaml:7:5: profile 'p' tunes rule 'nope', which does not "
		   "exist");
}

/* ---------------------------------------------------------------- names */

static void test_error_resolution(void **state)
{
	LOAD_ERROR("- rule: a\n  description: d\n  event: open\n"
		   "  when: exec.argv contains x\n", "t.yaml:4:9: rule 'a' can "
		   "never match: exec.argv is not a field of its events");
	/* through a macro too */
	LOAD_ERROR("- macro: m\n  condition: open.write or connect.port == 1\n"
		   "- rule: a\n  description: d\n  event: [exec, flow]\n"
		   "  when: m\n", "t.yaml:6:9: rule 'a' can never match: "
		   "open.write is not a field of its events");
	LOAD_ERROR(RULE("a") "- rule: b\n  description: d\n  event: open\n"
		   "  when: sandbox.taint == x\n", "t.yaml:8:9: rule 'b' tests "
		   "taint 'x', which no rule sets");
	LOAD_ERROR("- macro: a\n  condition: b\n- macro: b\n  condition: a\n"
		   "- rule: r\n  description: d\n  event: open\n  when: a\n",
		   "t.yaml:4:14: in macro 'b': macro 'a' refers to itself");
	LOAD_ERROR("- macro: a\n  condition: open.write and a\n"
		   "- rule: r\n  description: d\n  event: open\n  when: a\n",
		   "t.yaml:2:29: in macro 'a': macro 'a' refers to itself");
	LOAD_ERROR("- list: l1\n  items: [l2]\n- list: l2\n  items: [x, l1]\n"
		   "- rule: r\n  description: d\n  event: open\n"
		   "  when: open.name in (l1)\n",
		   "t.yaml:1:9: list 'l1' contains itself");
	LOAD_ERROR("- list: l1\n  items: [l1]\n"
		   "- rule: r\n  description: d\n  event: open\n"
		   "  when: open.name in l1\n",
		   "t.yaml:1:9: list 'l1' contains itself");
	/* an empty list is an empty list, not an undefined one */
	LOAD_ERROR("- list: none\n  items: []\n"
		   "- rule: r\n  description: d\n  event: open\n"
		   "  when: open.name in none\n", "t.yaml:6:22: empty list: "
		   "the test can never be true");
	LOAD_ERROR("- list: none\n  items: []\n"
		   "- rule: r\n  description: d\n  event: open\n"
		   "  when: open.name in (none)\n", "t.yaml:6:27: empty list: "
		   "the test can never be true");
	LOAD_ERROR("- macro: m\n  condition: open.path ==\n"
		   "- rule: r\n  description: d\n  event: open\n  when: m\n",
		   "t.yaml:2:26: in macro 'm': expected a value after '=='");
}

/* ---------------------------------------------------------------- filesets */

/* Two file sets (lines 1-6), to build rules on from line 7. */
#define FILESETS							\
	"- fileset: keys\n"						\
	"  description: SSH private keys.\n"				\
	"  paths: [\"~/.ssh/id_*\", \"~/.ssh/*_key\"]\n"		\
	"  exclude: [\"*.pub\"]\n"					\
	"- fileset: shadow\n"						\
	"  paths: [/etc/shadow]\n"

/* A rule from line 7 with its condition at column 9. */
#define KRULE(id, event, when, extra)					\
	"- rule: " id "\n  description: d\n  event: " event "\n"	\
	"  when: " when "\n" extra

static void test_filesets(void **state)
{
	/* a rule may name a file set defined after it */
	static const char text[] =
		"- rule: r\n  description: d\n  event: [open, exec]\n"
		"  when: open.fileset == keys or exec.fileset in (keys, shadow)\n"
		FILESETS;
	struct ruleset rs;
	const struct fileset *f;

	assert_int_equal(load(&rs, text), 0);
	assert_int_equal(rs.nr_filesets, 2);
	f = &rs.filesets[0];
	assert_string_equal(f->name, "keys");
	assert_string_equal(f->description, "SSH private keys.");
	assert_int_equal(f->nr_paths, 2);
	assert_string_equal(f->paths[0], "~/.ssh/id_*");
	assert_string_equal(f->paths[1], "~/.ssh/*_key");
	assert_int_equal(f->nr_exclude, 1);
	assert_string_equal(f->exclude[0], "*.pub");
	assert_string_equal(f->file, "t.yaml");
	assert_int_equal(f->line, 5);
	assert_int_equal(f->index, 0);
	f = &rs.filesets[1];
	assert_string_equal(f->name, "shadow");
	assert_null(f->description);
	assert_int_equal(f->nr_paths, 1);
	assert_string_equal(f->paths[0], "/etc/shadow");
	assert_int_equal(f->nr_exclude, 0);
	assert_int_equal(f->index, 1);
	assert_string_equal(rs.fileset_names[0], "keys");
	assert_string_equal(rs.fileset_names[1], "shadow");
	assert_null(rs.fileset_names[2]);
	assert_int_equal(ruleset__fileset(&rs, "shadow", 6), 1);
	assert_int_equal(ruleset__fileset(&rs, "shadowy", 7), -1);
	assert_int_equal(ruleset__fileset(&rs, "shad", 4), -1);
	/* not a kernel rule */
	assert_int_equal(rs.rules[0]->kernel_kind, 0);
	assert_int_equal(rs.rules[0]->kernel_bits, 0);
	ruleset__fini(&rs);
}

static void test_error_filesets(void **state)
{
	LOAD_ERROR("- fileset: f\n", "t.yaml:1:3: fileset needs 'paths'");
	LOAD_ERROR("- fileset: f\n  paths: []\n",
		   "t.yaml:2:10: paths is empty: a fileset needs a file");
	LOAD_ERROR("- fileset: f\n  paths: /etc/shadow\n",
		   "t.yaml:2:10: paths must be a list");
	LOAD_ERROR("- fileset: f\n  paths: [/a, etc/shadow]\n",
		   "t.yaml:2:15: path 'etc/shadow' must be absolute or start "
		   "with ~/");
	LOAD_ERROR("- fileset: f\n  paths: [\"~alice/.ssh/id_rsa\"]\n",
		   "t.yaml:2:11: path '~alice/.ssh/id_rsa' must be absolute "
		   "or start with ~/");
	LOAD_ERROR("- fileset: f\n  paths: [\"\"]\n",
		   "t.yaml:2:11: path '' must be absolute or start with ~/");
	LOAD_ERROR("- fileset: f\n  paths: [/a]\n  exclude: \"*.pub\"\n",
		   "t.yaml:3:12: exclude must be a list");
	LOAD_ERROR("- fileset: f\n  paths: [/a]\n  include: [/b]\n",
		   "t.yaml:3:3: unknown key 'include' in fileset");
	LOAD_ERROR("- fileset: f\n  paths: [/a]\n- fileset: f\n  paths: [/b]\n",
		   "t.yaml:3:12: fileset 'f' already defined at t.yaml:1");
	LOAD_ERROR("- fileset: a/b\n  paths: [/a]\n", "t.yaml:1:12: fileset "
		   "'a/b': use 1-128 letters, digits, '_', '.' or '-'");
	/* one bit each in the kernel's 64-bit masks */
	{
		char text[4096] = "";

		for (int i = 0; i <= VIGIL_MAX_FILESETS; i++)
			snprintf(text + strlen(text),
				 sizeof(text) - strlen(text),
				 "- fileset: f%d\n  paths: [/f%d]\n", i, i);
		load_error(text, "t.yaml:129:12: more than 64 filesets",
			   __LINE__);
		text[strlen(text) - strlen("- fileset: f64\n  paths: [/f64]\n")]
			= '\0';
		{
			struct ruleset rs;

			assert_int_equal(load(&rs, text), 0);
			assert_int_equal(rs.nr_filesets, 64);
			assert_string_equal(rs.fileset_names[63], "f63");
			ruleset__fini(&rs);
		}
	}
}

/* Fields whose values the language knows take only those, and only
 * equality tests. */
static void test_error_known_values(void **state)
{
	struct ruleset rs;

	LOAD_ERROR(FILESETS KRULE("a", "open", "open.fileset == key", ""),
		   "t.yaml:10:25: undefined fileset 'key'");
	LOAD_ERROR(FILESETS KRULE("a", "open", "open.fileset in (keys, nope)",
				  ""), "t.yaml:10:32: undefined fileset 'nope'");
	LOAD_ERROR(KRULE("a", "exec", "exec.fileset == keys", ""),
		   "t.yaml:4:25: undefined fileset 'keys'");
	LOAD_ERROR(FILESETS "- macro: m\n  condition: open.fileset != x\n"
		   KRULE("a", "open", "m", ""), "t.yaml:8:30: in macro 'm': "
		   "undefined fileset 'x'");
	LOAD_ERROR(FILESETS "- list: sets\n  items: [keys, shadw]\n"
		   KRULE("a", "open", "open.fileset in sets", ""),
		   "t.yaml:12:25: undefined fileset 'shadw'");
	LOAD_ERROR(FILESETS KRULE("a", "open", "open.fileset glob \"k*\"", ""),
		   "t.yaml:10:22: operator 'glob' does not apply to "
		   "open.fileset");
	LOAD_ERROR(KRULE("a", "exec", "exec.stdin == socket", ""),
		   "t.yaml:4:23: exec.stdin is an fd type (none, file, dir, "
		   "tty, chr, pipe, unix, inet, sock or other), not 'socket'");
	LOAD_ERROR(KRULE("a", "exec", "exec.stderr in (tty, Inet)", ""),
		   "t.yaml:4:30: exec.stderr is an fd type (none, file, dir, "
		   "tty, chr, pipe, unix, inet, sock or other), not 'Inet'");
	LOAD_ERROR(KRULE("a", "exec", "exec.stdout startswith i", ""),
		   "t.yaml:4:21: operator 'startswith' does not apply to "
		   "exec.stdout");
	LOAD_ERROR(KRULE("a", "open", "exec.stdin == inet", ""),
		   "t.yaml:4:9: rule 'a' can never match: exec.stdin is not "
		   "a field of its events");
	LOAD_ERROR(KRULE("a", "exec", "budget.port == 1", ""),
		   "t.yaml:4:9: rule 'a' can never match: budget.port is not "
		   "a field of its events");
	LOAD_ERROR(KRULE("a", "budget", "budget.addr == 10.0.0.300", ""),
		   "t.yaml:4:24: budget.addr is an address: '10.0.0.300' is "
		   "neither an IP address nor a CIDR");
	assert_int_equal(load(&rs, KRULE("a", "exec", "exec.stdin in (inet, "
					 "unix) and exec.stdout != none", "")),
			 0);
	ruleset__fini(&rs);
	assert_int_equal(load(&rs, KRULE("a", "budget", "budget.addr in "
					 "(10.0.0.0/8) and budget.proto == tcp "
					 "and budget.spent > 1MiB", "")), 0);
	assert_int_equal(rs.rules[0]->events, EVBIT(EVENT_BUDGET));
	ruleset__fini(&rs);
}

/* ---------------------------------------------------------------- enforce */

#define KILL "  action: kill\n  enforce: kernel\n"

static void test_enforce_kernel(void **state)
{
	static const char text[] = FILESETS
		KRULE("k1", "open", "open.fileset == keys", KILL)
		KRULE("k2", "exec", "exec.fileset in (keys, shadow) or "
		      "proc.name == x", KILL)
		"- macro: secret\n"
		"  condition: open.fileset == shadow or open.path == /r\n"
		KRULE("k3", "open", "open.write or (secret or open.fileset != "
		      "keys)", KILL)
		KRULE("k4", "[open]", "(open.fileset == keys and proc.uid == 0) "
		      "or open.fileset in (shadow)", KILL)
		KRULE("plain", "open", "open.fileset == keys", "  action: kill\n");
	struct ruleset rs;

	assert_int_equal(load(&rs, text), 0);
	assert_int_equal(rs.rules[0]->kernel_kind, EVENT_OPEN);
	assert_int_equal(rs.rules[0]->kernel_bits, 1);
	assert_int_equal(rs.rules[1]->kernel_kind, EVENT_EXEC);
	assert_int_equal(rs.rules[1]->kernel_bits, 3);
	/* through the macro; '!=' is no kernel test */
	assert_int_equal(rs.rules[2]->kernel_kind, EVENT_OPEN);
	assert_int_equal(rs.rules[2]->kernel_bits, 2);
	/* an 'and' term is user space's */
	assert_int_equal(rs.rules[3]->kernel_bits, 2);
	assert_int_equal(rs.rules[4]->kernel_kind, 0);
	assert_int_equal(rs.rules[4]->kernel_bits, 0);
	ruleset__fini(&rs);
}

/* A watched syscall's bit is its position in syscalls__watched(). */
static void test_enforce_kernel_syscalls(void **state)
{
	static const char text[] =
		KRULE("s", "syscall", "syscall.name in (io_uring_setup, bpf) "
		      "or syscall.ret == 0", KILL);
	struct kernel_policy k;
	struct ruleset rs;
	uint64_t want = (1ull << syscalls__index("io_uring_setup", 14)) |
			(1ull << syscalls__index("bpf", 3));

	assert_int_equal(load(&rs, text), 0);
	assert_int_equal(rs.rules[0]->kernel_kind, EVENT_SYSCALL);
	assert_int_equal(rs.rules[0]->kernel_bits, want);
	ruleset__kernel_policy(&rs, rs.fallback, &k);
	assert_int_equal(k.syscall_kill, want);
	assert_int_equal(k.open_kill | k.exec_kill, 0);
	ruleset__fini(&rs);
}

/* The condition error of an enforce: kernel rule on field f, as KRULE
 * places it. */
#define FORM(f) "t.yaml:10:9: enforce: kernel needs '" f " == NAME' or '" \
	f " in (NAME, ...)' as the condition or as one of its top-level " \
	"'or' terms: the kernel acts on that test alone"

#define EXEC_FORM "t.yaml:10:9: enforce: kernel needs 'exec.fileset == " \
	"NAME' or 'exec.fileset in (NAME, ...)' or 'exec.allowed == false' " \
	"as the condition or as one of its top-level 'or' terms: the kernel " \
	"acts on that test alone"

static void test_error_enforce(void **state)
{
	LOAD_ERROR(FILESETS KRULE("a", "open", "open.fileset == keys",
				  "  action: kill\n  enforce: user\n"),
		   "t.yaml:12:12: enforce must be kernel (without it, user "
		   "space alone acts), not 'user'");
	LOAD_ERROR(FILESETS KRULE("a", "open", "open.fileset == keys",
				  "  enforce: kernel\n"),
		   "t.yaml:11:12: enforce: kernel needs action: kill or ask "
		   "(the kernel only kills)");
	LOAD_ERROR(FILESETS KRULE("a", "open", "open.fileset == keys",
				  "  enforce: kernel\n  action: freeze\n"),
		   "t.yaml:11:12: enforce: kernel needs action: kill or ask "
		   "(the kernel only kills)");
	LOAD_ERROR(FILESETS KRULE("a", "syscall", "syscall.name == ptrace",
				  "  enforce: kernel\n  action: ask\n"),
		   "t.yaml:11:12: enforce: kernel with action: ask needs "
		   "event: open or exec (a syscall cannot be granted)");
	LOAD_ERROR(FILESETS KRULE("a", "[open, exec]", "open.fileset == keys",
				  KILL), "t.yaml:12:12: enforce: kernel needs "
		   "event: open, exec or syscall, alone");
	LOAD_ERROR(FILESETS KRULE("a", "connect", "connect.port == 1", KILL),
		   "t.yaml:12:12: enforce: kernel needs event: open, exec or "
		   "syscall, alone");
	LOAD_ERROR(FILESETS KRULE("a", "open", "open.fileset == keys", KILL
				  "  window: {count: true, over: 1s, above: 1}\n"),
		   "t.yaml:12:12: enforce: kernel cannot take a window: the "
		   "kernel judges each record alone");
	LOAD_ERROR(FILESETS KRULE("a", "open", "open.fileset == keys and "
				  "proc.uid == 0", KILL), FORM("open.fileset"));
	LOAD_ERROR(FILESETS KRULE("a", "open", "open.fileset != keys", KILL),
		   FORM("open.fileset"));
	LOAD_ERROR(FILESETS KRULE("a", "open", "not open.fileset == keys",
				  KILL), FORM("open.fileset"));
	LOAD_ERROR(FILESETS KRULE("a", "open", "open.write or open.path == "
				  "/etc/shadow", KILL), FORM("open.fileset"));
	/* exec rules name exec.fileset, or test exec.allowed == false
	 * (not 'not exec.allowed': that holds for failed execs too) */
	LOAD_ERROR(FILESETS KRULE("a", "exec", "exec.name == sh", KILL),
		   EXEC_FORM);
	LOAD_ERROR(FILESETS KRULE("a", "exec", "not exec.allowed", KILL),
		   EXEC_FORM);
	LOAD_ERROR(FILESETS KRULE("a", "exec", "exec.allowed == false and "
				  "proc.uid == 0", KILL), EXEC_FORM);
	/* syscall rules name syscall.name, and only syscalls vigil hooks */
	LOAD_ERROR(FILESETS KRULE("a", "syscall", "syscall.ret < 0", KILL),
		   FORM("syscall.name"));
	LOAD_ERROR(FILESETS KRULE("a", "syscall", "syscall.name in (bpf, "
				  "read)", KILL),
		   "t.yaml:10:9: enforce: kernel: syscall.name names a "
		   "syscall vigil does not watch (docs/record-format.md lists "
		   "them)");
}

/* What the kernel enforces for a profile follows the profile's tuning:
 * the kernel kills only where user space would. */
static void test_kernel_policy(void **state)
{
	static const char text[] = FILESETS
		KRULE("k-open", "open", "open.fileset == keys", KILL)
		KRULE("k-exec", "exec", "exec.fileset == shadow", KILL)
		KRULE("k-off", "open", "open.fileset == shadow", KILL
		      "  enabled: false\n")
		KRULE("user", "open", "open.fileset == shadow", "  action: kill\n")
		"- profile: default\n"
		"- profile: lax\n"
		"  rules:\n"
		"    k-open: {action: freeze}\n"
		"    k-exec: {enabled: false}\n"
		"- profile: strict\n"
		"  rules:\n"
		"    k-off: {enabled: true}\n"
		"    user: {action: kill}\n";
	struct ruleset rs;
	struct kernel_policy k;

	assert_int_equal(load(&rs, text), 0);
	ruleset__kernel_policy(&rs, rs.fallback, &k);
	assert_int_equal(k.open_kill, 1);
	assert_int_equal(k.exec_kill, 2);
	assert_int_equal(k.syscall_kill, 0);
	ruleset__kernel_policy(&rs, ruleset__profile(&rs, "lax", 3), &k);
	assert_int_equal(k.open_kill, 0);
	assert_int_equal(k.exec_kill, 0);
	ruleset__kernel_policy(&rs, ruleset__profile(&rs, "strict", 6), &k);
	assert_int_equal(k.open_kill, 3);
	assert_int_equal(k.exec_kill, 2);
	ruleset__fini(&rs);

	/* the built-in default when no file defines one */
	assert_int_equal(load(&rs, FILESETS KRULE("k", "exec", "exec.fileset "
						  "in (keys, shadow)", KILL)),
			 0);
	assert_non_null(rs.owned_fallback);
	ruleset__kernel_policy(&rs, rs.fallback, &k);
	assert_int_equal(k.open_kill, 0);
	assert_int_equal(k.exec_kill, 3);
	ruleset__fini(&rs);
}

/* A program its profile does not list: the kernel judges it for the
 * profiles that list some, as their tuning says. */
static void test_kernel_unlisted(void **state)
{
	static const char text[] =
		KRULE("unlisted", "exec", "exec.allowed != true or "
		      "proc.name == x", "  action: ask\n  enforce: kernel\n")
		"- profile: default\n"
		"- profile: picky\n"
		"  allow: {executables: [\"/usr/*\"]}\n"
		"- profile: strict\n"
		"  allow: {executables: [\"/usr/*\"]}\n"
		"  rules: {unlisted: {action: kill}}\n"
		"- profile: lax\n"
		"  allow: {executables: [\"/usr/*\"]}\n"
		"  rules: {unlisted: {action: alert}}\n";
	static const struct { const char *name; enum act_level want; } cases[] = {
		{ "default", LEVEL_NONE },	/* lists none: allows any */
		{ "picky", LEVEL_ASK },
		{ "strict", LEVEL_KILL },
		{ "lax", LEVEL_NONE },
	};
	struct ruleset rs;
	struct kernel_policy k;

	assert_int_equal(load(&rs, text), 0);
	assert_true(rs.rules[0]->kernel_unlisted);
	assert_int_equal(rs.rules[0]->kernel_kind, EVENT_EXEC);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *n = cases[i].name;

		ruleset__kernel_policy(&rs, ruleset__profile(&rs, n, strlen(n)),
				       &k);
		assert_int_equal(k.exec_unlisted, cases[i].want);
		assert_int_equal(k.exec_ask | k.exec_kill, 0);
	}
	ruleset__fini(&rs);
}

/* A glob the kernel's matcher cannot take is refused only where the
 * kernel judges the profile's programs. */
static void test_kernel_unlisted_globs(void **state)
{
#define LONG_GLOB "/opt/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/*"
#define GLOBS "- profile: default\n  allow:\n" \
	"    executables: [\"/usr/*\", \"" LONG_GLOB "\", \"x\\\\\"]\n"
	struct ruleset rs;

	assert_int_equal(load(&rs, GLOBS), 0);
	ruleset__fini(&rs);
	LOAD_ERROR(KRULE("u", "exec", "exec.allowed == false", KILL) GLOBS,
		   "t.yaml:9:29: profile 'default': the kernel judges its "
		   "executables (a rule 'exec.allowed == false' with enforce: "
		   "kernel), and this pattern is longer than the kernel "
		   "matches (128 characters)");
#undef GLOBS
#undef LONG_GLOB
}

/* ---------------------------------------------------------------- profiles */

static void test_profile_ids_budget(void **state)
{
	static const char text[] =
		"- profile: a\n  egress_budget: 10MiB\n"
		"- profile: b\n  egress_budget: 0\n"
		"- profile: c\n  egress_budget: 1500\n";
	struct ruleset rs;
	const struct profile *p;
	size_t n;

	assert_int_equal(load(&rs, text), 0);
	assert_int_equal(rs.profiles[0]->egress_budget, 10485760);
	assert_int_equal(rs.profiles[1]->egress_budget, 0);
	assert_int_equal(rs.profiles[2]->egress_budget, 1500);
	assert_int_equal(rs.fallback->egress_budget, 0);
	/* every profile once, the built-in default last; ids unique from 1 */
	for (n = 0; (p = ruleset__profile_at(&rs, n)); n++)
		assert_int_equal(p->id, n + 1);
	assert_int_equal(n, 4);
	assert_ptr_equal(ruleset__profile_at(&rs, 3), rs.owned_fallback);
	ruleset__fini(&rs);

	/* a file's default is one of the profiles: nothing more */
	assert_int_equal(load(&rs, "- profile: x\n- profile: default\n"), 0);
	for (n = 0; (p = ruleset__profile_at(&rs, n)); n++)
		assert_int_equal(p->id, n + 1);
	assert_int_equal(n, 2);
	assert_int_equal(rs.fallback->id, 2);
	ruleset__fini(&rs);

	LOAD_ERROR("- profile: p\n  egress_budget: -1\n", "t.yaml:2:18: "
		   "egress_budget must be a size in bytes (10MiB, 1GB, ...; 0 "
		   "for none), not '-1'");
	LOAD_ERROR("- profile: p\n  egress_budget: lots\n", "t.yaml:2:18: "
		   "egress_budget must be a size in bytes (10MiB, 1GB, ...; 0 "
		   "for none), not 'lots'");
	LOAD_ERROR("- profile: p\n  egress_budget: 1.5\n", "t.yaml:2:18: "
		   "egress_budget must be a size in bytes (10MiB, 1GB, ...; 0 "
		   "for none), not '1.5'");
	LOAD_ERROR("- profile: p\n  egress_budget: [1]\n", "t.yaml:2:18: "
		   "egress_budget must be a single value");
}

/* The column of a condition's error is that of the offending token, in
 * every way YAML can write the condition. */
static void test_error_positions(void **state)
{
	LOAD_ERROR("- rule: a\n  description: d\n  event: open\n"
		   "  when: proc.pid == x\n",
		   "t.yaml:4:21: proc.pid is a number: 'x' is not one");
	LOAD_ERROR("- rule: a\n  description: d\n  event: open\n"
		   "  when:   proc.pid == 1 and   proc.uid ! 0\n",
		   "t.yaml:4:40: unknown operator '!' (use == or !=)");
	/* folded block */
	LOAD_ERROR("- rule: a\n  description: d\n  event: open\n"
		   "  when: >\n    proc.pid == 1\n    and proc.uid == x\n",
		   "t.yaml:6:21: proc.uid is a number: 'x' is not one");
	LOAD_ERROR("- rule: a\n  description: d\n  event: open\n"
		   "  when: >\n    proc.pid == 1 and\n      (proc.uid == 0\n"
		   "      or nosuch)\n",
		   "t.yaml:7:10: unknown field or macro 'nosuch'");
	/* literal block */
	LOAD_ERROR("- rule: a\n  description: d\n  event: open\n"
		   "  when: |\n    proc.pid == 1\n    or   bogus\n",
		   "t.yaml:6:10: unknown field or macro 'bogus'");
	/* a plain scalar over several lines */
	LOAD_ERROR("- rule: a\n  description: d\n  event: open\n"
		   "  when: proc.pid == 1\n    or proc.uid == x\n",
		   "t.yaml:5:20: proc.uid is a number: 'x' is not one");
	/* double-quoted, with escapes before the token */
	LOAD_ERROR("- rule: a\n  description: d\n  event: open\n"
		   "  when: \"open.path == \\\"a\\\" and proc.pid == x\"\n",
		   "t.yaml:4:45: proc.pid is a number: 'x' is not one");
	/* single-quoted, with a doubled quote before the token */
	LOAD_ERROR("- rule: a\n  description: d\n  event: open\n"
		   "  when: 'open.path == \"it''s\" and proc.pid == x'\n",
		   "t.yaml:4:47: proc.pid is a number: 'x' is not one");
	/* flow mapping */
	LOAD_ERROR("- {rule: a, description: d, event: open, when: proc.pid "
		   "== x}\n", "t.yaml:1:60: proc.pid is a number: 'x' is not "
		   "one");
	/* where the condition ends: after its last token, not on the line
	 * after a block */
	LOAD_ERROR("- rule: a\n  description: d\n  event: open\n"
		   "  when: proc.pid ==\n",
		   "t.yaml:4:20: expected a value after '=='");
	LOAD_ERROR("- rule: a\n  description: d\n  event: open\n"
		   "  when: \"proc.pid ==  \"\n",
		   "t.yaml:4:21: expected a value after '=='");
	LOAD_ERROR("- rule: a\n  description: d\n  event: open\n"
		   "  when: >\n    proc.pid == 1 and\n\n" RULE("b"),
		   "t.yaml:5:22: condition ends where a test was expected");
	LOAD_ERROR("- rule: a\n  description: d\n  event: open\n"
		   "  when: |\n    proc.pid == 1 or\n    (proc.uid ==\n",
		   "t.yaml:6:17: expected a value after '=='");
}

static void test_error_yaml(void **state)
{
	LOAD_ERROR("- rule: [a\n", "t.yaml:2:1: YAML: did not find expected "
		   "',' or ']'");
	LOAD_ERROR(RULE("a") "  when: \"x\n", "t.yaml:6:1: YAML: found "
		   "unexpected end of stream");
	LOAD_ERROR("- list: a\n  items: [x]\n---\n- list: b\n  items: [y]\n",
		   "t.yaml:3:1: a rule file holds one YAML document; this one "
		   "is a second");
	/* a broken second document is reported, not ignored */
	LOAD_ERROR("- list: a\n  items: [x]\n---\n- list: [b\n",
		   "t.yaml:5:1: YAML: did not find expected ',' or ']'");
	LOAD_ERROR("- list: a\n  items: [x]\n- *nope\n",
		   "t.yaml:3:3: YAML: found undefined alias");
}

/* A rule using a chain of n macros (m0 uses m1, ... m(n-1) is a test),
 * or a list made of a chain of n lists. */
static char *chain(int n, bool lists)
{
	size_t size = (size_t)n * 64 + 256;
	char *t = malloc(size);

	assert_non_null(t);
	snprintf(t, size, "- rule: r\n  description: d\n  event: open\n"
		 "  when: %s\n", lists ? "open.name in m0" : "m0");
	for (int i = 0; i < n - 1; i++)
		snprintf(t + strlen(t), size - strlen(t), lists ?
			 "- list: m%d\n  items: [m%d]\n" :
			 "- macro: m%d\n  condition: m%d\n", i, i + 1);
	snprintf(t + strlen(t), size - strlen(t), lists ?
		 "- list: m%d\n  items: [x]\n" :
		 "- macro: m%d\n  condition: open.write\n", n - 1);
	return t;
}

/* Macros nest into the condition using them: 63 macros and the test
 * make 64 levels, with the rule's; a longer chain is refused, however
 * long (it would exhaust the stack). Lists nest up to 64 deep. */
static void test_error_depth(void **state)
{
	struct ruleset rs;
	char *t;

	t = chain(63, false);
	assert_int_equal(load(&rs, t), 0);
	ruleset__fini(&rs);
	free(t);
	t = chain(64, false);
	load_error(t, "t.yaml:4:9: condition nested deeper than 64", __LINE__);
	free(t);
	t = chain(65, false);
	load_error(t, "t.yaml:132:14: in macro 'm63': condition nested "
		   "deeper than 64", __LINE__);
	free(t);
	t = chain(5000, false);
	load_error(t, "t.yaml:132:14: in macro 'm63': condition nested "
		   "deeper than 64", __LINE__);
	free(t);

	t = chain(64, true);
	assert_int_equal(load(&rs, t), 0);
	ruleset__fini(&rs);
	free(t);
	t = chain(65, true);
	load_error(t, "t.yaml:133:9: list 'm64' is nested deeper than 64 "
		   "lists", __LINE__);
	free(t);
	t = chain(20000, true);
	load_error(t, "t.yaml:133:9: list 'm64' is nested deeper than 64 "
		   "lists", __LINE__);
	free(t);
}

/* Errors are all counted, the first kept, at most RULES_MAX_ERRORS
 * logged. */
static void test_error_count(void **state)
{
	char text[8192] = "";
	struct ruleset rs;

	for (int i = 0; i < 60; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "- rule: r%d\n  description: d\n  event: open\n"
			 "  when: proc.pid == x\n", i);
	assert_int_equal(load(&rs, text), -EINVAL);
	assert_int_equal(rs.errors, 60);
	assert_string_equal(rs.first_error, "t.yaml:4:21: proc.pid is a "
			    "number: 'x' is not one");
	assert_null(rs.index);
	ruleset__fini(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_order_and_files),
		cmocka_unit_test(test_builtin),
		cmocka_unit_test(test_add_path),
		cmocka_unit_test(test_error_items),
		cmocka_unit_test(test_error_keys),
		cmocka_unit_test(test_error_required),
		cmocka_unit_test(test_error_duplicates),
		cmocka_unit_test(test_error_values),
		cmocka_unit_test(test_error_windows),
		cmocka_unit_test(test_error_profiles),
		cmocka_unit_test(test_error_resolution),
		cmocka_unit_test(test_error_positions),
		cmocka_unit_test(test_error_yaml),
		cmocka_unit_test(test_error_depth),
		cmocka_unit_test(test_error_count),
		cmocka_unit_test(test_filesets),
		cmocka_unit_test(test_error_filesets),
		cmocka_unit_test(test_error_known_values),
		cmocka_unit_test(test_enforce_kernel),
		cmocka_unit_test(test_enforce_kernel_syscalls),
		cmocka_unit_test(test_error_enforce),
		cmocka_unit_test(test_kernel_policy),
		cmocka_unit_test(test_kernel_unlisted),
		cmocka_unit_test(test_kernel_unlisted_globs),
		cmocka_unit_test(test_profile_ids_budget),
		cmocka_unit_test(test_error_learn_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
