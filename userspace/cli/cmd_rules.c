// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vigil rules check [FILE|DIR]...   validate rule files
 * vigil rules test EVENTS.jsonl     replay records through the rules
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "emit.h"
#include "log.h"
#include "policy.h"
#include "replayer.h"

static const char rules_help[] =
"Usage: vigil rules check [FILE|DIR]...\n"
"       vigil rules test [--rules FILE|DIR]... [--baseline FILE]\n"
"                        EVENTS.jsonl|-\n"
"\n"
"check   Loads the rule files (or every *.yaml in each DIR) as one set,\n"
"        as the daemon would, and reports every mistake as\n"
"        FILE:LINE:COL: message on stderr: unknown keys and fields,\n"
"        type mismatches, undefined or cyclic lists and macros, taints no\n"
"        rule sets, rules that can never match. Without files, checks\n"
"        the rules built into vigil. Prints a summary on stdout.\n"
"\n"
"test    Replays recorded records (vigil's JSON Lines, e.g. from\n"
"        `vigil run --output FILE`) through the rules, and prints the\n"
"        alert and action records that would follow, as JSON Lines on\n"
"        stdout. Nothing is acted on (actions say \"outcome\":\"dry-run\").\n"
"        Windows and risk decay run on the records' own times. A line\n"
"        that is not a record is reported on stderr and skipped; a file\n"
"        with no record at all (empty, or nothing but such lines) is an\n"
"        error.\n"
"        --rules FILE|DIR   rules to use (repeatable; \"builtin\" is the\n"
"                           shipped set, the default).\n"
"        --baseline FILE    a baseline (docs/baseline.md) for the profile\n"
"                           it names, beside those the profiles name:\n"
"                           anomaly records follow what is new.\n"
"\n"
"EXIT STATUS\n"
"  0 the rules loaded (and the records replayed); 1 a rule error, an\n"
"  unreadable file or one without records; 2 bad usage.\n";

/* ---------------------------------------------------------------- check */

static int rules__check(int argc, char **argv)
{
	struct config cfg;
	struct ruleset rs;
	int status = EXIT_FAILURE;

	config__defaults(&cfg);
	for (int i = 0; i < argc; i++)
		if (config__add_rules(&cfg, argv[i], argv[i]))
			goto out;
	if (cli__rules(&cfg, &rs) == 0) {
		printf("%zu rules, %zu profiles, %d taints: ok\n", rs.nr_rules,
		       rs.nr_profiles, rs.nr_taints);
		status = 0;
	}
	ruleset__fini(&rs);
out:
	config__free(&cfg);
	return status;
}

/* ---------------------------------------------------------------- test */

/* The replay's sandboxes, and the policy (dry run) that prints what it
 * would do through the collector's emit step. */
struct tester {
	const struct ruleset *rs;
	struct sandboxes *sandboxes;
	struct emitter emit;
};

static void tester__record(void *ctx, const struct event *ev,
			   const char *line, size_t len)
{
	struct tester *t = ctx;

	replayer__policy(&t->emit, ev, line, len);
}

/* Returns how many lines were records (replayed or not), or a negative
 * errno. */
static ssize_t tester__replay(struct tester *t, FILE *in, const char *name)
{
	struct replay_count c;
	ssize_t n = replayer__file(in, name, t->rs, t->sandboxes,
				   tester__record, t, &c);

	if (n >= 0)
		log_info("%zu records replayed, %llu alerts, %llu actions, "
			 "%zu lines skipped", c.records,
			 (unsigned long long)t->emit.alerts,
			 (unsigned long long)t->emit.actions, c.skipped);
	return n;
}

static int tester__start(struct tester *t, struct baselines *bls)
{
	struct policy_opts o = { .dry_run = true, .history = 0,
				 .baselines = bls };

	t->sandboxes = sandboxes__new(NULL);
	t->emit.sinks[0] = sink__jsonl("-");
	if (!t->sandboxes || !t->emit.sinks[0] || emit__init(&t->emit))
		return -ENOMEM;
	t->emit.nr_sinks = 1;
	o.sandboxes = t->sandboxes;
	t->emit.policy = policy__new(t->rs, &o);
	return t->emit.policy ? 0 : -ENOMEM;
}

/* The registry first: the policy hears every sandbox go. */
static void tester__stop(struct tester *t)
{
	emit__flush(&t->emit);
	sandboxes__free(t->sandboxes);
	policy__free(t->emit.policy);
	emit__fini(&t->emit);
}

/* bls (taken; NULL for none): the baselines records are scored against
 * too. */
static int rules__replay(const struct ruleset *rs, struct baselines *bls,
			 const char *path)
{
	struct tester t = { .rs = rs };
	FILE *in = replayer__open(path);
	ssize_t n;

	if (!in) {
		log__errno(errno, "cannot read %s", path);
		baselines__free(bls);
		return EXIT_FAILURE;
	}
	n = tester__start(&t, bls);
	if (!n)
		n = tester__replay(&t, in, path);
	if (n < 0)
		log__errno(n, "replaying %s", path);
	else if (n == 0)	/* the wrong file: no verdict to trust */
		log_error("%s: no line is a vigil record", path);
	tester__stop(&t);
	if (in != stdin)
		fclose(in);
	return n > 0 ? 0 : EXIT_FAILURE;
}

static int rules__test(int argc, char **argv)
{
	struct baselines *bls = NULL;
	struct config cfg;
	struct ruleset rs = { 0 };
	int status = EXIT_USAGE;

	switch (cli__rules_options(argc, argv, &cfg, rules_help, true)) {
	case 1:
		status = 0;
		goto out;
	case -1:
		goto usage;
	}
	if (optind != argc - 1)
		goto usage;
	status = EXIT_FAILURE;
	if (cli__rules(&cfg, &rs) == 0 && cli__baselines(&cfg, &rs, &bls) == 0)
		status = rules__replay(&rs, bls, argv[optind]);
	goto out;
usage:
	fputs("Usage: vigil rules test [--rules FILE|DIR]... [--baseline FILE] "
	      "EVENTS.jsonl|-\n", stderr);
out:
	ruleset__fini(&rs);
	config__free(&cfg);
	return status;
}

int cli__rules_cmd(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "check")) {
		if (argc >= 3 && (!strcmp(argv[2], "-h") ||
				  !strcmp(argv[2], "--help"))) {
			fputs(rules_help, stdout);
			return 0;
		}
		return rules__check(argc - 2, argv + 2);
	}
	if (argc >= 2 && !strcmp(argv[1], "test"))
		return rules__test(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(rules_help, stdout);
		return 0;
	}
	fputs(rules_help, stderr);
	return EXIT_USAGE;
}
