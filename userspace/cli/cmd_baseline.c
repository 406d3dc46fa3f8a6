// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vigil baseline learn --profile NAME [-o FILE] RECORDS.jsonl...
 * vigil baseline show FILE
 * vigil baseline diff OLD NEW
 * vigil baseline merge [-o FILE] FILE...
 * vigil baseline eval --baseline FILE --benign DIR --attack DIR
 * vigil baseline status|save [--control PATH] [--json]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_baseline_eval.h"
#include "cli.h"
#include "learn.h"
#include "log.h"
#include "replayer.h"

static const char baseline_help[] =
"Usage: vigil baseline learn --profile NAME [-o FILE] [--rules FILE|DIR]...\n"
"                            RECORDS.jsonl...\n"
"       vigil baseline show FILE\n"
"       vigil baseline diff OLD NEW\n"
"       vigil baseline merge [-o FILE] FILE...\n"
"       vigil baseline eval --baseline FILE --benign DIR --attack DIR\n"
"                           [--rules FILE|DIR]... [--no-rules]\n"
"       vigil baseline status|save [--control PATH] [--json]\n"
"\n"
"learn   Learns what agents of profile NAME did in recorded sessions\n"
"        (vigil's JSON Lines, e.g. `vigil run --output FILE`, or gzipped\n"
"        as FILE.gz; each sandbox of each file a session; sandboxes of\n"
"        another profile are left out) and writes the baseline\n"
"        (docs/baseline.md) to FILE, or standard output.\n"
"show    Checks a baseline (every mistake as FILE:LINE:COL: message) and\n"
"        prints it as vigil writes it, after a summary.\n"
"diff    The patterns only OLD has (\"- \") and only NEW has (\"+ \");\n"
"        exit 1 when there are any.\n"
"merge   One baseline with the patterns and sessions of all.\n"
"eval    Replays each session file (*.jsonl, *.jsonl.gz) of the benign\n"
"        and attack directories through the rules (--no-rules: every\n"
"        rule off, the baseline alone) and the baseline, as `vigil rules\n"
"        test` does, and prints per session its anomalies, alerts and\n"
"        the action that would follow, then the totals. Exit 0 only when\n"
"        every attack session is detected (an anomaly or an alert) and\n"
"        the benign sessions stay within the targets: at most one\n"
"        alerting session in 20, none frozen or killed.\n"
"status  What a running daemon learns for the profiles in learning\n"
"        mode (baseline_mode: learn): per profile its sessions, the\n"
"        sandboxes learning now, the patterns last saved, the items\n"
"        dropped at its cap, its file.\n"
"save    Has the daemon write what they learnt to their files now.\n"
"\n"
"EXIT STATUS\n"
"  0 done (diff: no difference; eval: targets met); 1 an error, a\n"
"  difference, targets missed; 2 bad usage.\n";

static int usage(void)
{
	fputs(baseline_help, stderr);
	return EXIT_USAGE;
}

static FILE *out__open(const char *path)
{
	FILE *f = path ? fopen(path, "we") : stdout;

	if (!f)
		log__errno(errno, "cannot write %s", path);
	return f;
}

/* Writes bl to path (standard output for NULL). */
static int out__write(const struct baseline *bl, const char *path)
{
	FILE *f = out__open(path);
	int err = f ? baseline__write(bl, f) : -EIO;

	if (f && f != stdout && fclose(f))
		err = -EIO;
	if (err)
		log_error("cannot write the baseline to %s",
			  path ? path : "standard output");
	return err ? EXIT_FAILURE : 0;
}

/* ---------------------------------------------------------------- learn */

struct learning {
	struct learner *l;
	const char *profile;
};

/* A sandbox labelled for another profile is another kind of agent. */
static void learning__record(void *ctx, const struct event *ev,
			     const char *line, size_t len)
{
	struct learning *lc = ctx;
	const struct sandbox *sb = ev->sandbox;

	if (sb->profile && !bytes__is(sb->profile, sb->profile_len,
				      lc->profile))
		return;
	learner__event(lc->l, ev);
}

static int learning__file(struct learning *lc, const struct ruleset *rs,
			  const char *path)
{
	FILE *in = replayer__open(path);
	struct sandboxes *sbs = sandboxes__new(NULL);
	struct replay_count c;
	ssize_t n = -ENOMEM;

	if (!in)
		log__errno(errno, "cannot read %s", path);
	else if (sbs)
		n = replayer__file(in, path, rs, sbs, learning__record, lc, &c);
	if (in && n < 0)
		log__errno(n, "reading %s", path);
	else if (in && n == 0)
		log_error("%s: no line is a vigil record", path);
	learner__end_file(lc->l);
	sandboxes__free(sbs);
	if (in)
		fclose(in);
	return in && n > 0 ? 0 : -EINVAL;
}

static int baseline__learn_files(const char *profile, const char *out,
				 const struct ruleset *rs, char **files,
				 int nr)
{
	struct learning lc = { learner__new(profile), profile };
	struct baseline *bl = NULL;
	int status = EXIT_FAILURE;

	for (int i = 0; lc.l && i < nr; i++)
		if (learning__file(&lc, rs, files[i]))
			goto out;
	if (!lc.l || !learner__sessions(lc.l)) {
		log_error("no session of profile %s in the records", profile);
		goto out;
	}
	bl = learner__finish(lc.l);
	if (bl) {
		log_info("%u sessions, %zu patterns", bl->sessions,
			 baseline__patterns(bl));
		status = out__write(bl, out);
	}
out:
	baseline__free(bl);
	learner__free(lc.l);
	return status;
}

static int baseline__learn(int argc, char **argv)
{
	static const struct option options[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "rules", required_argument, NULL, 'r' },
		{ 0 },
	};
	const char *profile = NULL, *out = NULL;
	struct ruleset rs = { 0 };
	struct config cfg;
	int opt, status = EXIT_USAGE;

	config__defaults(&cfg);
	while ((opt = getopt_long(argc, argv, "o:", options, NULL)) != -1) {
		if (opt == 'p')
			profile = optarg;
		else if (opt == 'o')
			out = optarg;
		else if (opt != 'r' ||
			 config__add_rules(&cfg, optarg, "--rules"))
			goto done;
	}
	if (!profile || optind == argc) {
		usage();
		goto done;
	}
	/* The rules name the file sets records list. */
	status = cli__rules(&cfg, &rs) ? EXIT_FAILURE
		 : baseline__learn_files(profile, out, &rs, argv + optind,
					 argc - optind);
done:
	ruleset__fini(&rs);
	config__free(&cfg);
	return status;
}

/* ---------------------------------------------------------------- show */

static int baseline__show(int argc, char **argv)
{
	struct baseline *bl;
	size_t trees = 0;

	if (argc != 2)
		return usage();
	bl = baseline__load(argv[1]);
	if (!bl)
		return EXIT_FAILURE;
	for (int t = 0; t < BL_TREES; t++)
		trees += bl->trees[t].patterns;
	printf("# %s: profile %s, %u sessions, %zu patterns: %zu paths, "
	       "%zu destinations, %zu words\n", argv[1], bl->profile,
	       bl->sessions, baseline__patterns(bl), trees, bl->nr_dests,
	       bl->words[BL_LISTEN].n + bl->words[BL_SYSCALL].n +
	       bl->words[BL_CRED].n + bl->words[BL_DNS].n);
	baseline__write(bl, stdout);
	baseline__free(bl);
	return 0;
}

/* ---------------------------------------------------------------- merge */

static int baseline__merge_cmd(int argc, char **argv)
{
	const char *out = NULL;
	struct baseline *bl = NULL;
	int opt, status = EXIT_FAILURE;

	while ((opt = getopt(argc, argv, "o:")) != -1) {
		if (opt != 'o')
			return usage();
		out = optarg;
	}
	if (optind == argc)
		return usage();
	for (int i = optind; i < argc; i++) {
		struct baseline *next = baseline__load(argv[i]);

		if (!next)
			goto done;
		if (!bl) {
			bl = next;
			continue;
		}
		if (strcmp(bl->profile, next->profile))
			log_warn("%s: profile %s merged into %s", argv[i],
				 next->profile, bl->profile);
		if (baseline__merge(bl, next)) {
			baseline__free(next);
			goto done;
		}
		baseline__free(next);
	}
	status = out__write(bl, out);
done:
	baseline__free(bl);
	return status;
}

/* ---------------------------------------------------------------- daemon */

/* status and save: the control socket's "learning" and "learning-save". */
static int baseline__ctl(int argc, char **argv)
{
	bool save = !strcmp(argv[0], "save");

	return cli__ctl_as(argc, argv, save ? "learning-save" : "learning",
			   save ? "baseline save" : "baseline status");
}

int cli__baseline(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "learn", baseline__learn }, { "show", baseline__show },
		{ "diff", baseline_cmd__diff }, { "merge", baseline__merge_cmd },
		{ "eval", baseline_cmd__eval }, { "status", baseline__ctl },
		{ "save", baseline__ctl },
	};

	if (argc >= 2 && (!strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "--help"))) {
		fputs(baseline_help, stdout);
		return 0;
	}
	for (size_t i = 0; argc >= 2 && i < sizeof(cmds) / sizeof(*cmds); i++)
		if (!strcmp(argv[1], cmds[i].name)) {
			optind = 1;
			return cmds[i].fn(argc - 1, argv + 1);
		}
	return usage();
}
