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
#include "replay.h"

static const char rules_help[] =
"Usage: vigil rules check [FILE|DIR]...\n"
"       vigil rules test [--rules FILE|DIR]... EVENTS.jsonl|-\n"
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

/* A replayed record keeps its own text and number; what the policy makes
 * of it is numbered after it. */
static void tester__record(struct tester *t, const struct event *ev,
			   const char *line, size_t len)
{
	if (ev->seq > t->emit.seq)
		t->emit.seq = ev->seq;
	policy__record(t->emit.policy, ev, line, len);
	emit__drain(&t->emit);
}

/* Returns how many lines were records (replayed or not), or a negative
 * errno. */
static ssize_t tester__replay(struct tester *t, FILE *in, const char *name)
{
	struct replay *r = replay__new(t->rs, t->sandboxes);
	char *line = NULL, why[256];
	size_t cap = 0, lineno = 0, records = 0, unseen = 0, skipped = 0;
	ssize_t len;
	struct event ev;

	if (!r)
		return -ENOMEM;
	while ((len = getline(&line, &cap, in)) >= 0) {
		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (!len)
			continue;
		why[0] = '\0';
		switch (replay__parse(r, line, len, &ev, why, sizeof(why))) {
		case 1:
			records++;
			tester__record(t, &ev, line, len);
			break;
		case 0:
			unseen++;
			break;
		default:
			skipped++;
			log_warn("%s:%zu: skipped: %s", name, lineno, why);
		}
	}
	free(line);
	replay__free(r);
	log_info("%zu records replayed, %llu alerts, %llu actions, %zu lines "
		 "skipped", records, (unsigned long long)t->emit.alerts,
		 (unsigned long long)t->emit.actions, skipped);
	return ferror(in) ? -EIO : (ssize_t)(records + unseen);
}

static int tester__start(struct tester *t)
{
	struct policy_opts o = { .dry_run = true, .history = 0 };

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

static int rules__replay(const struct ruleset *rs, const char *path)
{
	struct tester t = { .rs = rs };
	FILE *in = strcmp(path, "-") ? fopen(path, "re") : stdin;
	ssize_t n;

	if (!in) {
		log__errno(errno, "cannot read %s", path);
		return EXIT_FAILURE;
	}
	n = tester__start(&t);
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
	struct config cfg;
	struct ruleset rs = { 0 };
	int status = EXIT_USAGE;

	switch (cli__rules_options(argc, argv, &cfg, rules_help)) {
	case 1:
		status = 0;
		goto out;
	case -1:
		goto usage;
	}
	if (optind != argc - 1)
		goto usage;
	status = EXIT_FAILURE;
	if (cli__rules(&cfg, &rs) == 0)
		status = rules__replay(&rs, argv[optind]);
	goto out;
usage:
	fputs("Usage: vigil rules test [--rules FILE|DIR]... EVENTS.jsonl|-\n",
	      stderr);
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
