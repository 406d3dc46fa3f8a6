// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The rule engine on small rule sets from text and hand-made events whose
 * times the tests choose: alerts, risk adding up to thresholds and
 * decaying, direct actions, taints, profiles, windows, and the index
 * (which rules it keys, and a randomized differential test against a
 * brute-force evaluation of every rule). */
#include <errno.h>
#include <math.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine.h"
#include "evtest.h"
#include "home.h"
#include "rindex.h"
#include "rules_load.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SEC 1000000000ull
#define MAX_RECS 4096

/* What the hooks saw. */
struct rec {
	const struct rule *rule;	/* the rule; for act, NULL if none */
	enum act_level level;		/* act only */
	double score, risk;
	uint64_t cgid;
};

struct fixture {
	struct ruleset rs;
	struct sandboxes *sandboxes;	/* the events' sandboxes */
	struct engine *e;
	struct rec alerts[MAX_RECS];
	size_t nr_alerts;
	struct rec acts[MAX_RECS];
	size_t nr_acts;
};

/* Feeds one event, its sandbox kept in the fixture's registry (the
 * engine's state lives in the record), and notes what it decided. */
static void feed(struct fixture *f, struct tev *t)
{
	const struct decision *d;
	struct sandbox *sb = NULL;

	if (t->ev.sandbox) {
		sb = sandboxes__add(f->sandboxes, t->ev.sandbox);
		assert_non_null(sb);
		t->ev.sandbox = sb;
	}
	d = engine__event(f->e, &t->ev);
	/* The test may relabel t's sandbox for its next event. */
	if (sb)
		t->ev.sandbox = &t->sb;
	for (size_t i = 0; i < d->nr_matches; i++) {
		assert_true(f->nr_alerts < MAX_RECS);
		f->alerts[f->nr_alerts++] = (struct rec){
			.rule = d->matches[i].rule,
			.score = d->matches[i].score,
			.risk = d->matches[i].risk, .cgid = sb->cgid,
		};
	}
	if (d->act == LEVEL_NONE)
		return;
	assert_true(f->nr_acts < MAX_RECS);
	f->acts[f->nr_acts++] = (struct rec){
		.rule = d->act_rule, .level = d->act, .risk = sb->risk->risk,
		.cgid = sb->cgid,
	};
}

/* The sandbox with cgroup id cgid, NULL if it never had an event. */
static struct sandbox *sandbox(struct fixture *f, uint64_t cgid)
{
	return sandboxes__find(f->sandboxes, cgid);
}

/* The engine's state of that sandbox, NULL if none. */
static struct sandbox_risk *risk_of(struct fixture *f, uint64_t cgid)
{
	struct sandbox *sb = sandbox(f, cgid);

	return sb ? sb->risk : NULL;
}

static void absolve(struct fixture *f, uint64_t cgid)
{
	struct sandbox *sb = sandbox(f, cgid);

	if (sb)
		engine__absolve(sb);
}

static void forget(struct fixture *f, uint64_t cgid)
{
	struct sandbox *sb = sandbox(f, cgid);

	if (sb)
		engine__forget(f->e, sb);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	*state = f;
	return f ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sandboxes__free(f->sandboxes);
	engine__free(f->e);
	ruleset__fini(&f->rs);
	free(f);
	home__flush();
	return 0;
}

/* Loads text (which must load) and starts an engine on it. */
static void start(struct fixture *f, const char *text)
{
	assert_int_equal(ruleset__init(&f->rs), 0);
	assert_int_equal(ruleset__add_text(&f->rs, "t.yaml", text,
					   strlen(text)), 0);
	if (ruleset__finish(&f->rs))
		fail_msg("rules do not load: %s", f->rs.first_error);
	f->e = engine__new(&f->rs);
	f->sandboxes = sandboxes__new(NULL);
	assert_non_null(f->e);
	assert_non_null(f->sandboxes);
	assert_int_equal(sandboxes__listen(f->sandboxes, &(struct sandbox_hooks){
		.removed = engine__forget, .ctx = f->e }), 0);
}

static void reset(struct fixture *f)
{
	f->nr_alerts = f->nr_acts = 0;
}

static void assert_alert(const struct rec *r, const char *rule, double score,
			 double risk)
{
	assert_non_null(r->rule);
	assert_string_equal(r->rule->id, rule);
	assert_true(fabs(r->score - score) < 1e-9);
	if (fabs(r->risk - risk) > 1e-6)
		fail_msg("%s: risk %f, not %f", rule, r->risk, risk);
}

static void assert_act(const struct rec *r, enum act_level level,
		       const char *rule)
{
	assert_int_equal(r->level, level);
	if (rule) {
		assert_non_null(r->rule);
		assert_string_equal(r->rule->id, rule);
	} else {
		assert_null(r->rule);
	}
}

#define RULE(id, event, when, extra)					\
	"- rule: " id "\n  description: d\n  event: " event "\n"	\
	"  when: '" when "'\n" extra

/* ---------------------------------------------------------------- alerts */

static void test_single_alert(void **state)
{
	struct fixture *f = *state;
	const struct engine_stats *st;
	struct sandbox_risk *sb;
	struct tev t;

	start(f, RULE("etc", "open", "open.path startswith /etc/",
		      "  score: 5\n"));
	tev__open(&t, 1, "/tmp/x", 0);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 0);
	tev__open(&t, 2, "/etc/hosts", 0);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 1);
	assert_alert(&f->alerts[0], "etc", 5, 5);
	assert_int_equal(f->alerts[0].cgid, 7);
	assert_int_equal(f->nr_acts, 0);	/* below the alert threshold */

	sb = risk_of(f, 7);
	assert_non_null(sb);
	assert_int_equal(sb->alerts, 1);
	assert_true(sb->risk == 5);
	assert_ptr_equal(sandbox(f, 7)->agent, f->rs.fallback);
	assert_null(risk_of(f, 8));
	st = engine__stats(f->e);
	assert_int_equal(st->events, 2);
	assert_int_equal(st->matches, 1);
	assert_int_equal(st->candidates, 1);	/* not for /tmp/x */
	assert_ptr_equal(engine__rules(f->e), &f->rs);

	/* records without a sandbox, or not sandboxed, are ignored */
	t.ev.sandbox = NULL;
	feed(f, &t);
	tev__init(&t, EVENT_GAP, 3);
	feed(f, &t);
	assert_int_equal(engine__stats(f->e)->events, 2);
	assert_int_equal(f->nr_alerts, 1);
}

/* Low scores add up: alert, then freeze, then kill, one action each, in
 * order; once killed, a sandbox still alerts but is never acted on
 * again. */
static void test_thresholds(void **state)
{
	struct fixture *f = *state;
	static const enum act_level want[] = { LEVEL_NONE, LEVEL_ALERT,
		LEVEL_ALERT, LEVEL_FREEZE, LEVEL_FREEZE, LEVEL_FREEZE,
		LEVEL_KILL };
	struct tev t;

	start(f, RULE("low-a", "open", "open.path == /a", "  score: 15\n")
		 RULE("low-b", "exec", "exec.name == b", "  score: 15\n"));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		if (i % 2)
			tev__exec(&t, 5 * SEC, "/bin/b", "b");
		else
			tev__open(&t, 5 * SEC, "/a", 0);
		feed(f, &t);
		assert_int_equal(f->nr_alerts, i + 1);
		assert_alert(&f->alerts[i], i % 2 ? "low-b" : "low-a", 15,
			     15.0 * (i + 1));
		assert_int_equal(risk_of(f, 7)->level, want[i]);
	}
	assert_int_equal(f->nr_acts, 3);
	assert_act(&f->acts[0], LEVEL_ALERT, NULL);
	assert_true(f->acts[0].risk == 30);
	assert_act(&f->acts[1], LEVEL_FREEZE, NULL);
	assert_true(f->acts[1].risk == 60);
	assert_act(&f->acts[2], LEVEL_KILL, NULL);
	assert_true(f->acts[2].risk == 105);

	/* killed: alerts, no action, not even after absolution */
	tev__open(&t, 6 * SEC, "/a", 0);
	feed(f, &t);
	absolve(f, 7);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 9);
	assert_int_equal(f->nr_acts, 3);
	assert_int_equal(risk_of(f, 7)->level, LEVEL_KILL);

	/* a sandbox gone and made again starts afresh */
	forget(f, 7);
	assert_null(risk_of(f, 7));
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 10);
	assert_alert(&f->alerts[9], "low-a", 15, 15);
}

/* A jump past several thresholds acts once, at the highest. */
static void test_threshold_jump(void **state)
{
	struct fixture *f = *state;
	struct tev t;

	start(f, RULE("big", "open", "open.path == /a", "  score: 70\n"));
	tev__open(&t, 1, "/a", 0);
	feed(f, &t);
	assert_int_equal(f->nr_acts, 1);
	assert_act(&f->acts[0], LEVEL_FREEZE, NULL);
	feed(f, &t);
	assert_int_equal(f->nr_acts, 2);
	assert_act(&f->acts[1], LEVEL_KILL, NULL);
}

/* A rule with its own action acts at once, named; the strongest of
 * several wins; thresholds still apply above it. */
static void test_direct_action(void **state)
{
	struct fixture *f = *state;
	struct tev t;

	start(f, RULE("payload", "exec", "exec.file startswith /tmp/",
		      "  score: 1\n  action: kill\n")
		 RULE("curl", "exec", "exec.name == curl",
		      "  score: 1\n  action: freeze\n")
		 RULE("big", "open", "open.path == /big", "  score: 200\n")
		 RULE("freezer", "open", "open.path startswith /",
		      "  score: 0\n  action: freeze\n"));
	tev__exec(&t, 1, "/usr/bin/curl", "curl");
	feed(f, &t);
	assert_int_equal(f->nr_acts, 1);
	assert_act(&f->acts[0], LEVEL_FREEZE, "curl");
	tev__exec(&t, 2, "/tmp/curl", "curl");
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 3);
	assert_int_equal(f->nr_acts, 2);
	assert_act(&f->acts[1], LEVEL_KILL, "payload");

	/* in another sandbox: the threshold (kill) beats the rule (freeze) */
	tev__open(&t, 3, "/big", 0);
	tev__sandbox(&t, 8, "sb-8", NULL);
	feed(f, &t);
	assert_int_equal(f->nr_acts, 3);
	assert_act(&f->acts[2], LEVEL_KILL, NULL);
	assert_int_equal(f->acts[2].cgid, 8);
}

/* A taint set by one rule lets another match, later in the same event
 * (rules run in file order) and in later events, in that sandbox only. */
static void test_taint(void **state)
{
	struct fixture *f = *state;
	struct tev t;

	start(f, RULE("key", "open", "open.path glob \"~/.ssh/id_*\"",
		      "  score: 1\n  taint: secrets\n")
		 RULE("key-again", "open",
		      "sandbox.taint == secrets and open.name startswith id_",
		      "  score: 1\n")
		 RULE("exfil", "connect",
		      "sandbox.taint == secrets and connect.allowed == false",
		      "  score: 1\n"));
	tev__connect(&t, 1, "1.2.3.4", 443);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 0);
	tev__open(&t, 2, "/root/.ssh/id_ed25519", 0);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 2);
	assert_string_equal(f->alerts[0].rule->id, "key");
	assert_string_equal(f->alerts[1].rule->id, "key-again");
	assert_int_equal(risk_of(f, 7)->taints, 1);
	tev__connect(&t, 3, "1.2.3.4", 443);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 3);
	assert_string_equal(f->alerts[2].rule->id, "exfil");
	/* other sandboxes are not tainted */
	tev__connect(&t, 4, "1.2.3.4", 443);
	tev__sandbox(&t, 8, "sb-8", NULL);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 3);
	/* absolution forgives risk, not taints */
	absolve(f, 7);
	tev__connect(&t, 5, "1.2.3.4", 443);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 4);
}

/* Rules on the kernel's record fields: file sets named through the rule
 * set, standard fds, the kernel's kill, and an enforce: kernel rule,
 * which user space enforces too. */
static void test_kernel_fields(void **state)
{
	struct fixture *f = *state;
	struct tev t;

	start(f, "- fileset: keys\n  paths: [\"~/.ssh/id_*\"]\n"
		 "- fileset: tools\n  paths: [/usr/bin/nc]\n"
		 RULE("key", "open", "open.fileset == keys",
		      "  action: kill\n  enforce: kernel\n")
		 RULE("killed", "[open, exec]", "event.kernel_killed",
		      "  score: 1\n")
		 RULE("tool", "exec", "exec.fileset in (tools)", "  score: 2\n")
		 RULE("revshell", "exec", "exec.stdin in (inet, unix) and "
		      "exec.name == sh", "  score: 3\n"));
	tev__exec(&t, 1, "/usr/bin/nc", "nc");
	t.ev.fileset_names = f->rs.fileset_names;
	t.ev.exec.filesets = 2;
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 1);
	assert_alert(&f->alerts[0], "tool", 2, 2);
	tev__exec(&t, 2, "/bin/sh", "sh");
	t.ev.exec.stdio[0] = VIGIL_FD_INET;
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 2);
	assert_alert(&f->alerts[1], "revshell", 3, 5);
	assert_int_equal(f->nr_acts, 0);
	/* the kernel killed the opener; user space kills the sandbox */
	tev__open(&t, 3, "/root/.ssh/id_rsa", 0);
	t.ev.fileset_names = f->rs.fileset_names;
	t.ev.open.filesets = 1;
	t.hdr.flags = VIGIL_F_KILLED;
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 4);
	assert_string_equal(f->alerts[2].rule->id, "key");
	assert_string_equal(f->alerts[3].rule->id, "killed");
	assert_int_equal(f->nr_acts, 1);
	assert_act(&f->acts[0], LEVEL_KILL, "key");
}

/* The kernel's budget record is scored like any: its own fields, the
 * sandbox's, and its own record type. */
static void test_budget_rules(void **state)
{
	struct fixture *f = *state;
	struct tev t;

	start(f, RULE("out", "budget", "budget.addr in (203.0.113.0/24) and "
		      "budget.proto == tcp", "  score: 30\n")
		 RULE("big", "budget", "budget.spent > 1MiB",
		      "  action: freeze\n")
		 RULE("any", "[flow, budget]", "event.type == budget",
		      "  score: 1\n  taint: over-budget\n")
		 RULE("after", "connect", "sandbox.taint == over-budget",
		      "  score: 1\n"));
	tev__budget(&t, 1, "198.51.100.1", 443, 1000, 1000);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 1);
	assert_alert(&f->alerts[0], "any", 1, 1);
	assert_int_equal(f->nr_acts, 0);
	tev__budget(&t, 2, "203.0.113.7", 443, 10485760, 10485760);
	tev__sandbox(&t, 8, "sb-8", NULL);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 4);
	assert_alert(&f->alerts[1], "out", 30, 30);
	assert_string_equal(f->alerts[2].rule->id, "big");
	assert_int_equal(f->nr_acts, 1);
	assert_act(&f->acts[0], LEVEL_FREEZE, "big");
	assert_int_equal(f->acts[0].cgid, 8);
	tev__connect(&t, 3, "1.2.3.4", 443);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 5);
	assert_string_equal(f->alerts[4].rule->id, "after");
}

static void test_profiles(void **state)
{
	struct fixture *f = *state;
	struct tev t;

	start(f, RULE("a", "open", "open.path == /a", "  score: 10\n")
		 RULE("b", "open", "open.path == /a", "  score: 10\n")
		 RULE("c", "open", "open.path == /c", "  score: 1\n")
		 RULE("p", "open", "sandbox.profile == agent", "  score: 0\n")
		 "- profile: agent\n"
		 "  thresholds: {alert: 5, freeze: 50, kill: 90}\n"
		 "  rules:\n"
		 "    a: {score: 2}\n"
		 "    b: {enabled: false}\n"
		 "    c: {action: kill}\n"
		 "- profile: default\n"
		 "  thresholds: {alert: 15, freeze: 50, kill: 90}\n"
		 "  rules:\n"
		 "    a: {score: 3}\n");
	/* the trusted profile */
	tev__open(&t, 1, "/a", 0);
	tev__sandbox(&t, 1, "sb-1", "agent");
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 2);
	assert_alert(&f->alerts[0], "a", 2, 2);
	assert_alert(&f->alerts[1], "p", 0, 2);
	assert_string_equal(sandbox(f, 1)->agent->name, "agent");
	tev__open(&t, 2, "/a", 0);
	tev__sandbox(&t, 1, "sb-1", "agent");
	feed(f, &t);
	feed(f, &t);
	assert_int_equal(f->nr_acts, 1);	/* its alert threshold: 5 */
	assert_act(&f->acts[0], LEVEL_ALERT, NULL);
	tev__open(&t, 3, "/c", 0);
	tev__sandbox(&t, 1, "sb-1", "agent");
	feed(f, &t);
	assert_int_equal(f->nr_acts, 2);
	assert_act(&f->acts[1], LEVEL_KILL, "c");
	reset(f);

	/* an unknown name, and no name: the file's "default" */
	tev__open(&t, 1, "/a", 0);
	tev__sandbox(&t, 2, "sb-2", "no-such-profile");
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 2);
	assert_alert(&f->alerts[0], "a", 3, 3);
	assert_alert(&f->alerts[1], "b", 10, 13);
	assert_string_equal(sandbox(f, 2)->agent->name,
			    "default");
	assert_int_equal(f->nr_acts, 0);
	tev__open(&t, 1, "/a", 0);
	tev__sandbox(&t, 3, "sb-3", NULL);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 4);
	assert_ptr_equal(sandbox(f, 3)->agent, f->rs.fallback);
	/* c acts only in agent's tuning; 14 is below default's 15 */
	tev__open(&t, 1, "/c", 0);
	tev__sandbox(&t, 3, "sb-3", NULL);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 5);
	assert_int_equal(f->nr_acts, 0);
	tev__open(&t, 1, "/a", 0);
	tev__sandbox(&t, 3, "sb-3", NULL);
	feed(f, &t);
	assert_int_equal(f->nr_acts, 1);
	assert_act(&f->acts[0], LEVEL_ALERT, NULL);
	assert_true(f->acts[0].risk == 27);
}

/* ---------------------------------------------------------------- decay */

static void test_decay(void **state)
{
	struct fixture *f = *state;
	struct sandbox *sb;
	struct tev t;

	start(f, RULE("r", "open", "open.path == /a", "  score: 40\n")
		 "- profile: default\n  half_life: 60s\n");
	tev__open(&t, 0, "/a", 0);
	feed(f, &t);
	sb = sandbox(f, 7);
	assert_true(engine__risk(sb, 0) == 40);
	assert_true(engine__risk(sb, 60 * SEC) == 20);
	assert_true(engine__risk(sb, 120 * SEC) == 10);
	assert_true(fabs(engine__risk(sb, 30 * SEC) - 40 / sqrt(2)) < 1e-9);
	/* the next match adds to the decayed risk */
	tev__open(&t, 60 * SEC, "/a", 0);
	feed(f, &t);
	assert_alert(&f->alerts[1], "r", 40, 60);
	assert_true(engine__risk(sb, 60 * SEC) == 60);
	assert_true(engine__risk(sb, 120 * SEC) == 30);
	/* time never runs back: an older event does not grow the risk */
	assert_true(engine__risk(sb, 1) == 60);
	tev__open(&t, 30 * SEC, "/a", 0);
	feed(f, &t);
	assert_alert(&f->alerts[2], "r", 40, 100);
	assert_int_equal(sb->risk->risk_ns, 60 * SEC);
}

/* The alert level lapses once the risk has decayed below it, so a new
 * rise alerts again; freeze and kill never lapse by themselves. */
static void test_alert_lapses(void **state)
{
	struct fixture *f = *state;
	struct tev t;

	start(f, RULE("r", "open", "open.path == /a", "  score: 25\n")
		 "- profile: default\n  half_life: 10s\n");
	tev__open(&t, 0, "/a", 0);
	feed(f, &t);
	assert_int_equal(f->nr_acts, 1);
	assert_act(&f->acts[0], LEVEL_ALERT, NULL);
	/* 100 s (ten half-lives) later: the risk has gone, a rise alerts */
	tev__open(&t, 100 * SEC, "/a", 0);
	feed(f, &t);
	assert_int_equal(f->nr_acts, 2);
	assert_act(&f->acts[1], LEVEL_ALERT, NULL);
	/* an event matching nothing, after the risk decayed, ends the alert;
	 * without a new rise nothing acts */
	tev__open(&t, 200 * SEC, "/b", 0);
	feed(f, &t);
	assert_int_equal(risk_of(f, 7)->level, LEVEL_NONE);
	assert_int_equal(f->nr_acts, 2);
	tev__open(&t, 201 * SEC, "/a", 0);
	feed(f, &t);
	assert_int_equal(f->nr_acts, 3);
	/* still above: no second alert (48.3) */
	tev__open(&t, 202 * SEC, "/a", 0);
	feed(f, &t);
	assert_int_equal(f->nr_acts, 3);
	/* 45.1 + 25: freeze */
	tev__open(&t, 203 * SEC, "/a", 0);
	feed(f, &t);
	assert_int_equal(f->nr_acts, 4);
	assert_act(&f->acts[3], LEVEL_FREEZE, NULL);
	/* a freeze stays, however far the risk decays */
	tev__open(&t, 10000 * SEC, "/a", 0);
	feed(f, &t);
	assert_int_equal(f->nr_acts, 4);
	assert_int_equal(risk_of(f, 7)->level, LEVEL_FREEZE);
}

static void test_absolve(void **state)
{
	struct fixture *f = *state;
	struct sandbox_risk *sb;
	struct tev t;

	start(f, RULE("r", "open", "open.path == /a", "  score: 70\n"));
	tev__open(&t, 1, "/a", 0);
	feed(f, &t);
	assert_act(&f->acts[0], LEVEL_FREEZE, NULL);
	absolve(f, 7);
	sb = risk_of(f, 7);
	assert_true(sb->risk == 0);
	assert_int_equal(sb->level, LEVEL_NONE);
	/* the same rise acts again */
	feed(f, &t);
	assert_int_equal(f->nr_acts, 2);
	assert_act(&f->acts[1], LEVEL_FREEZE, NULL);
	assert_true(f->acts[1].risk == 70);
	absolve(f, 12345);	/* unknown: nothing */
}

static void count_sandbox(void *arg, struct sandbox *sb)
{
	if (sb->risk)
		(*(int *)arg)++;
}

static void test_each(void **state)
{
	struct fixture *f = *state;
	struct tev t;
	int n = 0;

	start(f, RULE("r", "open", "open.path == /a", ""));
	for (uint64_t cg = 1; cg <= 5; cg++) {
		tev__open(&t, 1, "/x", 0);
		tev__sandbox(&t, cg, "sb", NULL);
		feed(f, &t);
	}
	forget(f, 3);
	forget(f, 99);
	sandboxes__each(f->sandboxes, count_sandbox, &n);
	assert_int_equal(n, 4);
}

/* ---------------------------------------------------------------- windows */

static void test_window_rules(void **state)
{
	struct fixture *f = *state;
	struct tev t;
	size_t i;

	start(f, RULE("many", "exec", "exec.name == x",
		      "  window: {count: true, over: 16s, above: 2}\n")
		 RULE("volume", "flow", "flow.allowed == false",
		      "  window: {sum: flow.bytes, over: 60s, above: 1MiB}\n")
		 RULE("sweep", "open", "open.path startswith /home/",
		      "  window: {distinct: open.path, over: 10s, "
		      "above: 3}\n"));
	assert_int_equal(f->rs.nr_windows, 3);
	/* count: the third within 16 s, not three spread wider */
	tev__exec(&t, 0, "/bin/x", "x");
	feed(f, &t);
	tev__exec(&t, 20 * SEC, "/bin/x", "x");
	feed(f, &t);
	tev__exec(&t, 40 * SEC, "/bin/x", "x");
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 0);
	tev__exec(&t, 41 * SEC, "/bin/x", "x");
	feed(f, &t);
	tev__exec(&t, 42 * SEC, "/bin/x", "x");
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 1);
	assert_string_equal(f->alerts[0].rule->id, "many");
	/* sum */
	tev__flow(&t, 0, "1.2.3.4", 443, 512 * 1024);
	feed(f, &t);
	tev__flow(&t, SEC, "1.2.3.4", 443, 512 * 1024);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 1);
	tev__flow(&t, 2 * SEC, "1.2.3.4", 443, 1);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 2);
	assert_string_equal(f->alerts[1].rule->id, "volume");
	/* distinct: the same file again and again counts once */
	for (i = 0; i < 10; i++) {
		tev__open(&t, i * SEC / 10, "/home/u/a", 0);
		feed(f, &t);
	}
	tev__open(&t, SEC, "/home/u/b", 0);
	feed(f, &t);
	tev__open(&t, SEC, "/home/u/c", 0);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 2);
	tev__open(&t, 2 * SEC, "/home/u/d", 0);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 3);
	assert_string_equal(f->alerts[2].rule->id, "sweep");
	/* windows are per sandbox */
	for (i = 0; i < 3; i++) {
		tev__exec(&t, 50 * SEC, "/bin/x", "x");
		tev__sandbox(&t, 8 + i, "sb", NULL);
		feed(f, &t);
	}
	assert_int_equal(f->nr_alerts, 3);
}

/* A window over a field some of the rule's events lack: those events do
 * not feed it (and must not read the field from another record type). */
static void test_window_field_not_carried(void **state)
{
	struct fixture *f = *state;
	struct tev t;

	start(f, RULE("mixed", "[open, flow]", "sandbox.id == sb-7",
		      "  window: {distinct: open.path, over: 10s, above: 1}\n")
		 RULE("pids", "[exec, flow]", "sandbox.id == sb-7",
		      "  window: {distinct: proc.pid, over: 10s, above: 1}\n"));
	tev__flow(&t, 1, "1.2.3.4", 443, 1 << 20);
	feed(f, &t);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 0);
	tev__open(&t, 2, "/a", 0);
	feed(f, &t);
	tev__open(&t, 3, "/b", 0);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 1);
	assert_string_equal(f->alerts[0].rule->id, "mixed");
}

static void spills__add(void *ctx, const struct rule *r, uint64_t n)
{
	assert_string_equal(r->id, "per-name");
	*(uint64_t *)ctx += n;
}

/* by: a window per value of a field. Names spread over many parents do
 * not add up; past WINDOW_MAX_GROUPS values the rest share one window,
 * and the engine counts every such match. */
static void test_window_by(void **state)
{
	struct fixture *f = *state;
	uint64_t spilled = 0;
	char path[64];
	struct tev t;
	int i;

	start(f, RULE("per-name", "open", "open.path startswith /d/",
		      "  window: {distinct: open.path, by: open.name, "
		      "over: 100s, above: 2}\n"));
	for (i = 0; i < 30; i++) {
		snprintf(path, sizeof(path), "/d/%d/f%d", i % 2, i);
		tev__open(&t, SEC, path, 0);
		feed(f, &t);
	}
	assert_int_equal(f->nr_alerts, 0);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/d/%d/same", i);
		tev__open(&t, 2 * SEC, path, 0);
		feed(f, &t);
	}
	assert_int_equal(f->nr_alerts, 1);
	assert_int_equal(engine__stats(f->e)->window_spills, 0);
	for (i = 0; i < WINDOW_MAX_GROUPS + 2; i++) {
		snprintf(path, sizeof(path), "/d/0/g%d", i);
		tev__open(&t, 3 * SEC, path, 0);
		feed(f, &t);
	}
	/* 30 + 1 groups before, so 1,024 - 31 new ones fit: 33 spill, and
	 * their 33 distinct paths cross the spill window's bound of 2
	 * every third one. */
	assert_int_equal(engine__stats(f->e)->window_spills, 33);
	assert_int_equal(f->nr_alerts, 1 + 11);
	/* By rule, for the metrics: taken once, then none. */
	engine__take_spills(f->e, spills__add, &spilled);
	assert_int_equal(spilled, 33);
	engine__take_spills(f->e, spills__add, &spilled);
	assert_int_equal(spilled, 33);
}

/* ---------------------------------------------------------------- index */

static void test_index_keys(void **state)
{
	struct fixture *f = *state;

	start(f, RULE("k-starts", "open", "open.path startswith /etc/", "")
		 RULE("k-eq", "open", "open.name == id_rsa", "")
		 RULE("k-in", "open", "open.path in (/a, /b, ~/c)", "")
		 RULE("k-glob", "open", "open.path glob \"/tmp/*.sh\"", "")
		 RULE("k-and", "open", "open.write and open.path == /x", "")
		 RULE("k-and-not", "open",
		      "open.path startswith /x and not open.name == y", "")
		 RULE("k-or", "open", "open.path == /a or open.name == b", "")
		 RULE("k-macro", "open", "secret", "")
		 RULE("u-not", "open", "not open.path startswith /etc/", "")
		 RULE("u-or", "open", "open.path == /a or open.write", "")
		 RULE("u-glob", "open", "open.path glob \"*.pem\"", "")
		 RULE("u-ends", "open", "open.path endswith .pem", "")
		 RULE("u-ne", "open", "open.path != /a", "")
		 RULE("k-list", "open", "open.flags in (O_CREAT, O_EXCL)", "")
		 RULE("u-list-ne", "open", "open.flags != O_CREAT", "")
		 RULE("u-num", "open", "proc.uid == 0", "")
		 RULE("both", "[open, exec]",
		      "open.path == /a or exec.file == /b", "")
		 RULE("exec-k", "exec", "ancestors.name == bash", "")
		 RULE("exec-u", "exec", "not ancestors.name == bash", "")
		 RULE("conn-k", "connect", "proc.name == curl", "")
		 "- macro: secret\n"
		 "  condition: open.path startswith ~/.ssh/\n");
	assert_int_equal(rindex__unkeyed(f->rs.index, EVENT_OPEN), 7);
	assert_int_equal(rindex__unkeyed(f->rs.index, EVENT_EXEC), 1);
	assert_int_equal(rindex__unkeyed(f->rs.index, EVENT_CONNECT), 0);
	assert_int_equal(rindex__unkeyed(f->rs.index, EVENT_FLOW), 0);
	assert_int_equal(rindex__words(f->rs.index), 1);
}

/* An empty prefix is a key every value has. */
static void test_index_empty_prefix(void **state)
{
	struct fixture *f = *state;
	struct tev t;

	start(f, RULE("any", "open", "open.path startswith \"\"", "")
		 RULE("any-glob", "open", "open.name glob \"*\"", "")
		 RULE("none", "open", "open.path == \"\"", ""));
	tev__open(&t, 1, "/x", 0);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 2);
	assert_string_equal(f->alerts[0].rule->id, "any");
	assert_string_equal(f->alerts[1].rule->id, "any-glob");
}

/* List fields are keyed element by element: a record whose list is
 * empty reaches none of their rules. A taint is the record's from the
 * rule that sets it on: the rules after it see it on the same record. */
static void test_index_lists(void **state)
{
	struct fixture *f = *state;
	uint64_t c0;
	struct tev t;

	start(f, "- fileset: fs-a\n  paths: [/srv/a]\n"
		 "- fileset: fs-b\n  paths: [/srv/b]\n"
		 RULE("fs", "open", "open.fileset == fs-a or open.path == /x",
		      "")
		 RULE("set", "open", "open.path == /secret", "  taint: t\n")
		 RULE("use", "[open, connect]", "sandbox.taint in (t)", "")
		 RULE("fs-b", "[open, exec]", "(open.fileset == fs-b or "
		      "exec.fileset in (fs-b)) and not proc.uid == 1", ""));
	assert_int_equal(rindex__unkeyed(f->rs.index, EVENT_OPEN), 0);
	assert_int_equal(rindex__unkeyed(f->rs.index, EVENT_EXEC), 0);
	assert_int_equal(rindex__unkeyed(f->rs.index, EVENT_CONNECT), 0);
	/* no file set, no taint: no candidate */
	tev__open(&t, 1, "/y", 0);
	t.ev.fileset_names = f->rs.fileset_names;
	feed(f, &t);
	assert_int_equal(engine__stats(f->e)->candidates, 0);
	/* each of a record's sets; a set no rule names is none */
	t.ev.open.filesets = 1 | 2 | 8;
	feed(f, &t);
	assert_int_equal(engine__stats(f->e)->candidates, 2);
	assert_int_equal(f->nr_alerts, 2);
	assert_string_equal(f->alerts[0].rule->id, "fs");
	assert_string_equal(f->alerts[1].rule->id, "fs-b");
	tev__exec(&t, 2, "/srv/b", "b");
	t.ev.fileset_names = f->rs.fileset_names;
	t.ev.exec.filesets = 2;
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 3);
	assert_string_equal(f->alerts[2].rule->id, "fs-b");
	/* the taint, set and used on one record, then on later ones */
	reset(f);
	tev__open(&t, 3, "/secret", 0);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 2);
	assert_string_equal(f->alerts[0].rule->id, "set");
	assert_string_equal(f->alerts[1].rule->id, "use");
	tev__connect(&t, 4, "1.2.3.4", 443);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 3);
	/* in an untainted sandbox, not even a candidate */
	c0 = engine__stats(f->e)->candidates;
	tev__sandbox(&t, 8, "sb-8", NULL);
	feed(f, &t);
	assert_int_equal(f->nr_alerts, 3);
	assert_int_equal(engine__stats(f->e)->candidates, c0);
}

/* ---------------------------------------------------------- differential */

static uint64_t rng = 0x9e3779b97f4a7c15ull;	/* TEST_SEED overrides */

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;	/* xorshift64 */
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

#define PICK(a) ((a)[rnd(ARRAY_SIZE(a))])

static const char *const str_fields[] = {
	"open.path", "open.name", "open.arg", "exec.file", "exec.name",
	"exec.arg", "exec.cmdline", "proc.exe", "proc.name", "proc.comm",
	"parent.exe", "parent.name", "connect.path", "connect.family",
	"connect.proto", "flow.proto", "event.type", "sandbox.id",
	"sandbox.profile", "exec.argv", "ancestors.exe", "ancestors.name",
	"open.flags",
};
static const char *const num_fields[] = {
	"proc.pid", "proc.uid", "open.ret", "exec.argc", "exec.ret",
	"connect.port", "flow.port", "flow.bytes", "exit.code",
	"fork.child_pid",
};
static const char *const bool_fields[] = {
	"open.write", "exec.allowed", "connect.allowed", "flow.allowed",
};
static const char *const addr_fields[] = { "connect.addr", "flow.addr" };

static const char *const strs[] = {
	"/root/.ssh/id_rsa", "/etc/shadow", "/tmp/x", "/tmp/payload.sh",
	"/usr/sbin/conf", "/home/u/.aws/credentials", "/root/.aws/config",
	"~/.ssh/id_rsa", "~/", "~", "~/.aws/", "~/conf", "/etc/", "/tmp/",
	"/root", "/", "id_rsa", "shadow", "bash", "sh", "python3", "curl",
	"/usr/bin/curl", "/bin/bash", "/usr/bin/python3", "", "sb-7", "sb-8",
	"default", "open", "exec", "connect", "flow", "inet", "inet6",
	"unix", "tcp", "udp", "stream", "/run/docker.sock", "O_WRONLY",
	"O_CREAT", "O_RDONLY", "-c", "http://x", "/usr/bin/tini", "tini",
	"curl -s http://x", "payload.sh", "/usr", "x",
};
/* startswith: short prefixes, the empty one too */
static const char *const prefixes[] = {
	"", "/", "~", "~/", "~/.", "/tmp/", "/etc/", "/root/", "/usr/", "O_",
	"c", "sb-", "/usr/sbin/", "/root", "python", "-", "h",
};
static const char *const globs[] = {
	"/tmp/*", "~/.ssh/id_*", "*sh", "/usr/bin/?ash", "/etc/[ps]*", "*",
	"~/*", "/root/.*", "*.sock", "O_*", "/usr/*/tini", "~", "[a-z]*",
};
static const char *const regexes[] = {
	"^/tmp/", "sh$", "^~/", "id_(rsa|dsa)", "^$", ".*", "^O_W", "/",
	"~/\\.aws", "c[ou]",
};
static const char *const nums[] = {
	"0", "1", "2", "3", "100", "101", "443", "53", "1000", "-2",
	"5000", "1MiB",
};
static const char *const addrs[] = {
	"10.0.0.0/8", "10.1.2.3", "1.2.3.4", "::1", "2001:db8::/32",
	"0.0.0.0/0", "::/0", "::ffff:10.1.2.3", "169.254.169.254",
	"127.0.0.0/8", "10.1.0.0/17", "2001:db8::5/127",
};
/* The differential rule set's file sets and taints (rules set them). */
static const char *const filesets[] = { "fs-a", "fs-b", "fs-c" };
static const char *const taint_names[] = { "t-a", "t-b", "t-c" };
static const char *const name_list_fields[] = {
	"open.fileset", "exec.fileset", "sandbox.taint",
};
static const char *const name_ops[] = { "==", "!=", "in" };
static const char *const str_ops[] = {
	"==", "!=", "in", "glob", "startswith", "endswith", "contains",
	"regex",
};
static const char *const num_ops[] = { "==", "!=", "<", "<=", ">", ">=", "in" };
static const char *const addr_ops[] = { "==", "!=", "in" };

/* The kinds carrying f, as EVBIT()s. */
static uint32_t kinds_of(const char *name)
{
	return field__find(name, strlen(name))->events;
}

/* Appends one random event kind carrying field to *events. */
static void add_kind(uint32_t *events, const char *name)
{
	uint32_t k = kinds_of(name), bits[EV_KINDS];
	size_t n = 0;

	for (int b = 0; b < EV_KINDS; b++)
		if (k & (1u << b))
			bits[n++] = 1u << b;
	*events |= bits[rnd(n)];
}

static void cat(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void cat(char *out, size_t size, const char *fmt, ...)
{
	size_t len = strlen(out);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out + len, size - len, fmt, ap);
	va_end(ap);
}

static void gen_list(char *out, size_t size, const char *const *pool,
		     size_t n)
{
	size_t items = 1 + rnd(rnd(3) ? 4 : 12);

	cat(out, size, "(");
	for (size_t i = 0; i < items; i++)
		cat(out, size, "%s\"%s\"", i ? ", " : "", pool[rnd(n)]);
	cat(out, size, ")");
}

/* A test of a list of names: file sets or taints. */
static void gen_names_test(char *out, size_t size, const char *f,
			   const char *op)
{
	bool taint = !strcmp(f, "sandbox.taint");
	const char *const *pool = taint ? taint_names : filesets;

	cat(out, size, "%s %s ", f, op);
	if (!strcmp(op, "in"))
		gen_list(out, size, pool, 3);
	else
		cat(out, size, "%s", pool[rnd(3)]);
}

static void gen_test(char *out, size_t size, uint32_t *events)
{
	const char *f, *op;

	switch (rnd(12)) {
	case 0:
	case 1:
		f = PICK(num_fields);
		op = PICK(num_ops);
		cat(out, size, "%s %s ", f, op);
		if (!strcmp(op, "in"))
			gen_list(out, size, nums, ARRAY_SIZE(nums));
		else
			cat(out, size, "%s", PICK(nums));
		break;
	case 2:
		f = PICK(bool_fields);
		switch (rnd(3)) {
		case 0:
			cat(out, size, "%s", f);
			break;
		default:
			cat(out, size, "%s %s %s", f, rnd(2) ? "==" : "!=",
			    rnd(2) ? "true" : "false");
		}
		break;
	case 3:
		f = PICK(addr_fields);
		op = PICK(addr_ops);
		cat(out, size, "%s %s ", f, op);
		if (!strcmp(op, "in"))
			gen_list(out, size, addrs, ARRAY_SIZE(addrs));
		else
			cat(out, size, "%s", PICK(addrs));
		break;
	case 4:
	case 5:
		f = PICK(name_list_fields);
		gen_names_test(out, size, f, PICK(name_ops));
		break;
	default:
		f = PICK(str_fields);
		op = PICK(str_ops);
		cat(out, size, "%s %s ", f, op);
		if (!strcmp(op, "in"))
			gen_list(out, size, strs, ARRAY_SIZE(strs));
		else if (!strcmp(op, "glob"))
			cat(out, size, "\"%s\"", PICK(globs));
		else if (!strcmp(op, "regex"))
			cat(out, size, "\"%s\"", PICK(regexes));
		else if (!strcmp(op, "startswith") && rnd(2))
			cat(out, size, "\"%s\"", PICK(prefixes));
		else
			cat(out, size, "\"%s\"", PICK(strs));
	}
	add_kind(events, f);
}

static void gen_cond(char *out, size_t size, uint32_t *events, int depth)
{
	uint32_t r = depth > 3 ? 9 : rnd(10);

	if (r < 3) {
		cat(out, size, "(");
		gen_cond(out, size, events, depth + 1);
		cat(out, size, r == 0 ? " and " : " or ");
		gen_cond(out, size, events, depth + 1);
		cat(out, size, ")");
	} else if (r < 5) {
		gen_cond(out, size, events, depth + 1);
		cat(out, size, rnd(2) ? " and " : " or ");
		gen_cond(out, size, events, depth + 1);
	} else if (r == 5) {
		cat(out, size, "not ");
		gen_cond(out, size, events, depth + 1);
	} else {
		gen_test(out, size, events);
	}
}

/* A test the index can key on: a string field's value or prefix, or an
 * element's of a list. */
static void gen_keyed(char *out, size_t size, uint32_t *events)
{
	static const char *const ops[] = { "==", "in", "startswith", "glob" };
	static const char *const fields[] = {
		"open.path", "open.name", "exec.file", "exec.name", "proc.exe",
		"proc.name", "parent.name", "connect.family", "event.type",
		"sandbox.id", "exec.cmdline", "proc.comm", "exec.argv",
		"ancestors.exe", "ancestors.name", "open.flags",
	};
	const char *f = PICK(fields), *op = PICK(ops);

	if (!rnd(3)) {
		f = PICK(name_list_fields);
		gen_names_test(out, size, f, rnd(2) ? "==" : "in");
		add_kind(events, f);
		return;
	}
	cat(out, size, "%s %s ", f, op);
	if (!strcmp(op, "in"))
		gen_list(out, size, strs, ARRAY_SIZE(strs));
	else if (!strcmp(op, "glob"))
		cat(out, size, "\"%s\"", PICK(globs));
	else if (!strcmp(op, "startswith"))
		cat(out, size, "\"%s\"", PICK(prefixes));
	else
		cat(out, size, "\"%s\"", PICK(strs));
	add_kind(events, f);
}

/* Most real rules are keyed: half the rules are made so. */
static void gen_rule_cond(char *out, size_t size, uint32_t *events)
{
	switch (rnd(4)) {
	case 0:
		gen_keyed(out, size, events);
		cat(out, size, " and (");
		gen_cond(out, size, events, 1);
		cat(out, size, ")");
		break;
	case 1:
		gen_keyed(out, size, events);
		cat(out, size, " or ");
		gen_keyed(out, size, events);
		break;
	default:
		gen_cond(out, size, events, 0);
	}
}

#define NR_RULES 400
#define NR_EVENTS 4000

/* The YAML of NR_RULES random rules; `when` is a literal block, so the
 * condition's quotes need no escaping. */
static char *gen_rules(void)
{
	static const char *const kinds[] = { "exec", "fork", "exit", "open",
					     "connect", "flow", "syscall",
					     "budget", "escape", "drop",
					     "repeat", "file", "cred", "socket",
					     "dns" };
	size_t size = NR_RULES * 2048;
	char *text = calloc(1, size);

	assert_non_null(text);
	for (size_t i = 0; i < ARRAY_SIZE(filesets); i++)
		cat(text, size, "- fileset: %s\n  paths: [/srv/%s]\n",
		    filesets[i], filesets[i]);
	for (int i = 0; i < NR_RULES; i++) {
		char cond[1024] = "";
		uint32_t events = 0;

		gen_rule_cond(cond, sizeof(cond), &events);
		if (!rnd(4)) {		/* a kind its fields may lack */
			const char *k = PICK(kinds);

			events |= field__event_bit(k, strlen(k));
		}
		cat(text, size, "- rule: r%d\n  description: d\n  event: [", i);
		for (size_t k = 0, n = 0; k < ARRAY_SIZE(kinds); k++) {
			uint32_t bit = field__event_bit(kinds[k],
							strlen(kinds[k]));

			if (events & bit)
				cat(text, size, "%s%s", n++ ? ", " : "",
				    kinds[k]);
		}
		cat(text, size, "]\n  score: 0\n  when: |\n    %s\n", cond);
		/* every taint set by some rule, a few more setters */
		if (i < (int)ARRAY_SIZE(taint_names) || !rnd(32))
			cat(text, size, "  taint: %s\n",
			    i < (int)ARRAY_SIZE(taint_names)
				    ? taint_names[i] : PICK(taint_names));
	}
	return text;
}

/* An open's or exec's file sets: mostly none, else one or several,
 * bit 5 a set the rules do not name; now and then no names at all (a
 * collector without rules). */
static void gen_filesets(struct tev *t, const char *const *names)
{
	static const uint64_t sets[] = {
		0, 0, 0, 0, 0, 0, 1, 2, 4, 3, 6, 7, 1 << 5, 1 << 5 | 4,
	};
	uint64_t bits = PICK(sets);

	t->ev.fileset_names = rnd(16) ? names : NULL;
	if (t->ev.kind == EVENT_OPEN)
		t->ev.open.filesets = bits;
	else
		t->ev.exec.filesets = bits;
}

static void gen_event(struct tev *t, uint64_t ns, uid_t other,
		      const char *const *fileset_names)
{
	static const char *const paths[] = {
		"/root/.ssh/id_rsa", "/etc/shadow", "/tmp/x", "/tmp/payload.sh",
		"/usr/sbin/conf", "/home/u/.aws/credentials", "/root",
		"/root/.aws/config", "/", "/rootkit/x", "/usr/bin/curl", "",
	};
	static const char *const files[] = {
		"/usr/bin/curl", "/bin/bash", "/tmp/payload.sh",
		"/usr/bin/tini", "/usr/bin/python3", "", "/usr/sbin/tool",
		"/bin/sh",
	};
	static const char *const argvs[] = {
		"curl|-s|http://x", "bash|-c|id", "sh", "", "python3|/tmp/x",
		"x|O_WRONLY|~/conf",
	};
	static const char *const peers[] = {
		"10.1.2.3", "1.2.3.4", "::1", "2001:db8::5", "::ffff:10.1.2.3",
		"169.254.169.254", "/run/docker.sock", "127.0.0.1",
		"10.1.200.1",
	};
	static const char *const flow_peers[] = {
		"10.1.2.3", "1.2.3.4", "::1", "2001:db8::5", "::ffff:10.1.2.3",
		"127.0.0.1",
	};
	static const uint32_t flags[] = { 0, 01, 0101, 02, 01101, 02000 };
	/* under a home too: ancestors.exe's '~' keys, element by element */
	static const char *const parents[] = {
		"/bin/bash", "/usr/bin/python3", NULL, "/bin/sh",
		"/usr/sbin/conf", "/root/.aws/x",
	};
	static const int32_t rets[] = { 0, 3, -2, 100 };
	const uid_t uids[] = { 0, other, 1000 };

	switch (rnd(6)) {
	case 0:
		tev__exec(t, ns, PICK(files), PICK(argvs));
		t->ev.exec.ret = PICK(rets);
		gen_filesets(t, fileset_names);
		break;
	case 1:
		tev__open(t, ns, PICK(paths), PICK(flags));
		t->ev.open.ret = PICK(rets);
		gen_filesets(t, fileset_names);
		break;
	case 2:
		tev__connect(t, ns, PICK(peers), rnd(2) ? 443 : 53);
		break;
	case 3:
		tev__flow(t, ns, PICK(flow_peers), rnd(2) ? 443 : 53,
			  rnd(3) * 5000);
		break;
	case 4:
		tev__init(t, EVENT_FORK, ns);
		t->ev.child_pid = 100 + rnd(3);
		break;
	default:
		tev__init(t, EVENT_EXIT, ns);
		t->ev.exit_code = rnd(2) ? 3 << 8 : 9;
	}
	if (t->ev.kind != EVENT_FLOW) {
		t->hdr.uid = PICK(uids);
		t->hdr.pid = 99 + rnd(4);
		tev__proc(&t->parent, 99, PICK(parents), &t->grand);
		if (!rnd(4))
			t->proc.parent = NULL;
	}
	/* sandboxes 7 to 9, each with its own taints (and, as a sandbox's
	 * record has one identity, its own id) */
	if (rnd(2)) {
		static const char *const ids[] = { "sb-7", "sb-8", "sb-9" };
		int i = rnd(3);

		tev__sandbox(t, 7 + i, ids[i], NULL);
	}
}

/* The rules an event matches, by brute force: every rule of its kind in
 * order, its condition evaluated directly, each match's taint added to
 * the sandbox's *taints for the rules after it. */
static void brute(const struct ruleset *rs, const struct event *ev,
		  uint64_t *taints, uint64_t *bits, size_t words)
{
	char scratch[VIGIL_PATH_MAX + 2];
	struct eval e = {
		.f = { .ev = ev, .profile = rs->fallback, .taints = *taints,
		       .taint_names = (const char *const *)rs->taints },
		.scratch = scratch,
	};

	memset(bits, 0, words * sizeof(*bits));
	for (size_t i = 0; i < rs->nr_rules; i++) {
		const struct rule *r = rs->rules[i];

		if (!(r->events & EVBIT(ev->kind)) || !cond__eval(r->when, &e))
			continue;
		bits[i / 64] |= 1ull << (i % 64);
		if (r->taint >= 0)
			e.f.taints |= 1ull << r->taint;
	}
	*taints = e.f.taints;
}

/* How many records had 0, 1 and several taints, and (opens and execs)
 * file sets: the list keys' cases, each of which must occur. */
struct list_mix {
	size_t taints[3], sets[3];
};

static void list_mix__add(struct list_mix *m, const struct tev *t,
			  uint64_t taints)
{
	uint64_t sets = t->ev.kind == EVENT_OPEN ? t->ev.open.filesets
						 : t->ev.exec.filesets;

	m->taints[__builtin_popcountll(taints) < 2 ?
		  __builtin_popcountll(taints) : 2]++;
	if ((t->ev.kind == EVENT_OPEN || t->ev.kind == EVENT_EXEC) &&
	    t->ev.fileset_names)
		m->sets[__builtin_popcountll(sets) < 2 ?
			__builtin_popcountll(sets) : 2]++;
}

/* One sandbox's taints as the test expects them (the engine's before the
 * event); now and then the sandbox is forgotten, so records with few
 * taints keep coming. */
static uint64_t *sandbox_taints(struct fixture *f, const struct tev *t,
				uint64_t *by_cgid)
{
	uint64_t *taints = &by_cgid[t->ev.sandbox->cgid - 7];

	if (!rnd(4)) {
		forget(f, t->ev.sandbox->cgid);
		*taints = 0;
	}
	return taints;
}

static void test_index_differential(void **state)
{
	struct fixture *f = *state;
	struct passwd *pw = getpwnam("daemon");
	size_t words = (NR_RULES + 63) / 64, total = 0, unkeyed_open;
	uint64_t want[(NR_RULES + 63) / 64], got[(NR_RULES + 63) / 64];
	uint64_t eligible = 0, by_cgid[3] = { 0 };
	struct list_mix mix = { 0 };
	char *text;
	struct tev t;

	assert_non_null(pw);
	if (getenv("TEST_SEED"))
		rng = strtoull(getenv("TEST_SEED"), NULL, 0) | 1;
	text = gen_rules();
	start(f, text);
	free(text);
	assert_int_equal(f->rs.nr_rules, NR_RULES);
	unkeyed_open = rindex__unkeyed(f->rs.index, EVENT_OPEN);
	for (int i = 0; i < NR_EVENTS; i++) {
		uint64_t *taints;

		reset(f);
		gen_event(&t, (uint64_t)i * SEC, pw->pw_uid,
			  f->rs.fileset_names);
		taints = sandbox_taints(f, &t, by_cgid);
		list_mix__add(&mix, &t, *taints);
		brute(&f->rs, &t.ev, taints, want, words);
		for (size_t r = 0; r < f->rs.nr_rules; r++)
			eligible += !!(f->rs.rules[r]->events &
				       EVBIT(t.ev.kind));
		feed(f, &t);
		memset(got, 0, sizeof(got));
		for (size_t a = 0; a < f->nr_alerts; a++) {
			int idx = f->alerts[a].rule->index;

			assert_false(got[idx / 64] & (1ull << (idx % 64)));
			got[idx / 64] |= 1ull << (idx % 64);
		}
		for (size_t w = 0; w < words; w++)
			if (got[w] != want[w]) {
				uint64_t diff = got[w] ^ want[w];
				int r = w * 64 + __builtin_ctzll(diff);

				fail_msg("event %d (%s): rule r%d: engine %d, "
					 "brute force %d: %s", i,
					 event__type_name(t.ev.kind), r,
					 !!(got[w] & (diff & -diff)),
					 !!(want[w] & (diff & -diff)),
					 f->rs.load->rule_srcs[r].when);
			}
		assert_int_equal(risk_of(f, t.ev.sandbox->cgid)
					 ->taints, *taints);
		total += f->nr_alerts;
		assert_int_equal(f->nr_acts, 0);
	}
	/* the test means something: many matches, and the index skipped
	 * most rules */
	print_message("%zu matches; %zu of %d rules unkeyed for open; "
		      "%llu candidates of %llu rules of the events' kinds\n",
		      total, unkeyed_open, NR_RULES,
		      (unsigned long long)engine__stats(f->e)->candidates,
		      (unsigned long long)eligible);
	print_message("records with 0/1/more taints: %zu/%zu/%zu; opens and "
		      "execs with 0/1/more file sets: %zu/%zu/%zu\n",
		      mix.taints[0], mix.taints[1], mix.taints[2], mix.sets[0],
		      mix.sets[1], mix.sets[2]);
	for (int n = 0; n < 3; n++) {
		assert_true(mix.taints[n] > NR_EVENTS / 100);
		assert_true(mix.sets[n] > NR_EVENTS / 100);
	}
	assert_true(total > NR_EVENTS);
	assert_true(unkeyed_open < NR_RULES / 2);
	assert_true(engine__stats(f->e)->candidates < eligible * 2 / 3);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_single_alert),
		TEST(test_thresholds),
		TEST(test_threshold_jump),
		TEST(test_direct_action),
		TEST(test_taint),
		TEST(test_kernel_fields),
		TEST(test_budget_rules),
		TEST(test_profiles),
		TEST(test_decay),
		TEST(test_alert_lapses),
		TEST(test_absolve),
		TEST(test_each),
		TEST(test_window_rules),
		TEST(test_window_field_not_carried),
		TEST(test_window_by),
		TEST(test_index_keys),
		TEST(test_index_empty_prefix),
		TEST(test_index_lists),
		TEST(test_index_differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
