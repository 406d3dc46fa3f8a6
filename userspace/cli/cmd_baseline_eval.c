// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_baseline_eval.h"
#include "emit.h"
#include "log.h"
#include "policy.h"
#include "replayer.h"
#include "strv.h"

/* ---------------------------------------------------------------- diff */

/* A baseline's lines as it writes them, without their sessions= (a
 * count that moves is no new pattern), sorted. */
static int lines__of(const char *path, char ***lines, size_t *n)
{
	struct baseline *bl = baseline__load(path);
	char *text = NULL, *save = NULL;
	size_t size = 0;
	FILE *mem;
	int err = -ENOMEM;

	*lines = NULL;
	*n = 0;
	if (!bl)
		return -EINVAL;
	mem = open_memstream(&text, &size);
	if (mem) {
		err = baseline__write(bl, mem);
		fclose(mem);
	}
	for (char *l = text && !err ? strtok_r(text, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *s = strstr(l, " sessions=");

		if (l[0] == '#' || !strncmp(l, "sessions ", 9))
			continue;
		if (s)
			*s = '\0';
		if ((err = strv__push(lines, n, l, strlen(l))))
			break;
	}
	if (*lines)
		qsort(*lines, *n, sizeof(**lines), strv__cmp);
	free(text);
	baseline__free(bl);
	return err;
}

int baseline_cmd__diff(int argc, char **argv)
{
	char **a = NULL, **b = NULL;
	size_t na = 0, nb = 0, i = 0, j = 0, changes = 0;
	int status = EXIT_FAILURE;

	if (argc != 3) {
		fputs("Usage: vigil baseline diff OLD NEW\n", stderr);
		return EXIT_USAGE;
	}
	if (lines__of(argv[1], &a, &na) || lines__of(argv[2], &b, &nb))
		goto out;
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i], b[j]);

		if (c)
			printf("%c %s\n", c < 0 ? '-' : '+',
			       c < 0 ? a[i] : b[j]);
		changes += c != 0;
		i += c <= 0;
		j += c >= 0;
	}
	status = changes ? EXIT_FAILURE : 0;
out:
	strv__free(a, na);
	strv__free(b, nb);
	return status;
}

/* ---------------------------------------------------------------- eval */

/* One session's verdict, from the records the policy made of it. */
struct verdict_count {
	size_t anomalies, alerts;
	enum act_level act;
	char first[160];	/* its first anomaly's item */
};

struct evaluator {
	const struct ruleset *rs;
	struct baselines *bls;	/* lent to each session's policy */
	struct emitter emit;
	struct sink counter;	/* counts into cur */
	struct verdict_count cur;
	size_t sessions[2], flagged[2], stopped[2];
};

static enum act_level level__of(const char *action)
{
	return !strcmp(action, "kill") ? LEVEL_KILL
	       : !strcmp(action, "freeze") ? LEVEL_FREEZE
	       : !strcmp(action, "alert") ? LEVEL_ALERT : LEVEL_NONE;
}

static int counter__write(struct sink *s, const struct event *ev,
			  const char *json, size_t len)
{
	struct evaluator *e = (void *)((char *)s -
				       offsetof(struct evaluator, counter));
	struct verdict_count *v = &e->cur;

	if (ev->kind == EVENT_ANOMALY && !v->anomalies++)
		snprintf(v->first, sizeof(v->first), "%s %s", ev->anomaly.op,
			 ev->anomaly.item);
	v->alerts += ev->kind == EVENT_ALERT;
	if (ev->kind == EVENT_ACTION && level__of(ev->action.action) > v->act)
		v->act = level__of(ev->action.action);
	return 0;
}

static void counter__close(struct sink *s)
{
}

static void evaluator__record(void *ctx, const struct event *ev,
			      const char *line, size_t len)
{
	struct evaluator *e = ctx;

	replayer__policy(&e->emit, ev, line, len);
}

/* One session file through a fresh policy (dry run) with the baseline. */
static int evaluator__session(struct evaluator *e, const char *path)
{
	struct policy_opts o = { .dry_run = true, .baselines = e->bls };
	FILE *in = replayer__open(path);
	struct replay_count c;
	ssize_t n = -ENOMEM;

	e->cur = (struct verdict_count){ .first = "-" };
	e->bls = NULL;		/* the policy's until it is done */
	o.sandboxes = sandboxes__new(NULL);
	e->emit.policy = o.sandboxes ? policy__new(e->rs, &o) : NULL;
	if (!in)
		log__errno(errno, "cannot read %s", path);
	else if (e->emit.policy)
		n = replayer__file(in, path, e->rs, o.sandboxes,
				   evaluator__record, e, &c);
	if (e->emit.policy)
		e->bls = policy__baselines(e->emit.policy, NULL);
	else if (!o.sandboxes)
		baselines__free(o.baselines);
	sandboxes__free(o.sandboxes);
	policy__free(e->emit.policy);
	e->emit.policy = NULL;
	if (in)
		fclose(in);
	if (n <= 0 && in)
		log_error("%s: no records", path);
	return n > 0 ? 0 : -EINVAL;
}

static const char *const act_names[] = { "none", "alert", "freeze", "kill" };

/* attack: 1 for the attack directory. Every *.jsonl, by name. */
static int evaluator__dir(struct evaluator *e, const char *dir, int attack)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), err = 0;

	if (n < 0) {
		log__errno(errno, "cannot list %s", dir);
		return -EINVAL;
	}
	for (int i = 0; i < n; i++) {
		const char *f = names[i]->d_name;
		size_t len = strlen(f);
		char path[4096];

		bool jsonl = (len > 6 && !strcmp(f + len - 6, ".jsonl")) ||
			     (len > 9 && !strcmp(f + len - 9, ".jsonl.gz"));

		if (jsonl && !err) {
			snprintf(path, sizeof(path), "%s/%s", dir, f);
			err = evaluator__session(e, path);
			if (!err) {
				const struct verdict_count *v = &e->cur;
				bool hit = attack ? v->anomalies || v->alerts
						  : v->act >= LEVEL_ALERT;

				e->sessions[attack]++;
				e->flagged[attack] += hit;
				e->stopped[attack] += v->act >= LEVEL_FREEZE;
				printf("%-6s %-32s anomalies=%zu alerts=%zu "
				       "action=%s%s first=%s\n",
				       attack ? "attack" : "benign", f,
				       v->anomalies, v->alerts,
				       act_names[v->act],
				       attack && !hit ? " MISSED" : "",
				       v->first);
			}
		}
		free(names[i]);
	}
	free(names);
	return err;
}

/* The baseline alone: every rule off in every profile, the profiles'
 * thresholds and anomaly scores kept. */
static void rules__off(struct ruleset *rs)
{
	for (size_t i = 0; i <= rs->nr_profiles; i++) {
		struct profile *p = i < rs->nr_profiles ? rs->profiles[i]
							: rs->owned_fallback;

		for (size_t r = 0; p && r < rs->nr_rules; r++)
			p->tune[r].disabled = true;
	}
}

/* Benign: at most one alerting session in 20, none frozen or killed;
 * attacks: every one detected. */
static bool evaluator__totals(const struct evaluator *e)
{
	bool ok = e->flagged[0] * 20 <= e->sessions[0] && !e->stopped[0] &&
		  e->flagged[1] == e->sessions[1] && e->sessions[1];

	printf("benign: %zu sessions, %zu alerted (%.3f per session, target "
	       "<= 0.05), %zu frozen or killed\n", e->sessions[0],
	       e->flagged[0], e->sessions[0] ? (double)e->flagged[0] /
					       e->sessions[0] : 0,
	       e->stopped[0]);
	printf("attack: %zu sessions, %zu detected, %zu stopped\n",
	       e->sessions[1], e->flagged[1], e->stopped[1]);
	printf("targets %s\n", ok ? "met" : "MISSED");
	return ok;
}

static int evaluator__run(struct evaluator *e, const char *benign,
			  const char *attack)
{
	int status = EXIT_FAILURE;

	if (emit__init(&e->emit))
		return EXIT_FAILURE;
	e->counter = (struct sink){ .name = "eval", .write = counter__write,
				    .close = counter__close };
	e->emit.sinks[e->emit.nr_sinks++] = &e->counter;
	if (!evaluator__dir(e, benign, 0) && !evaluator__dir(e, attack, 1))
		status = evaluator__totals(e) ? 0 : EXIT_FAILURE;
	emit__fini(&e->emit);
	return status;
}

int baseline_cmd__eval(int argc, char **argv)
{
	static const struct option options[] = {
		{ "baseline", required_argument, NULL, 'b' },
		{ "benign", required_argument, NULL, 'g' },
		{ "attack", required_argument, NULL, 'a' },
		{ "rules", required_argument, NULL, 'r' },
		{ "no-rules", no_argument, NULL, 'n' },
		{ 0 },
	};
	const char *benign = NULL, *attack = NULL;
	struct evaluator e = { 0 };
	struct ruleset rs = { 0 };
	bool off = false;
	struct config cfg;
	int opt, status = EXIT_USAGE;

	config__defaults(&cfg);
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'b':
			if (config__set(&cfg, "baseline", optarg, "--baseline"))
				goto usage;
			break;
		case 'g':
			benign = optarg;
			break;
		case 'a':
			attack = optarg;
			break;
		case 'n':
			off = true;
			break;
		case 'r':
			if (config__add_rules(&cfg, optarg, "--rules"))
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (!benign || !attack || optind != argc)
		goto usage;
	status = EXIT_FAILURE;
	if (cli__rules(&cfg, &rs) || cli__baselines(&cfg, &rs, &e.bls))
		goto out;
	if (!e.bls) {
		log_error("no baseline: give --baseline FILE, or rules whose "
			  "profiles name one");
		goto out;
	}
	if (off)
		rules__off(&rs);
	e.rs = &rs;
	status = evaluator__run(&e, benign, attack);
	goto out;
usage:
	fputs("Usage: vigil baseline eval --baseline FILE --benign DIR "
	      "--attack DIR [--rules FILE|DIR]... [--no-rules]\n", stderr);
out:
	baselines__free(e.bls);
	ruleset__fini(&rs);
	config__free(&cfg);
	return status;
}
