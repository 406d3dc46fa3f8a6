// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Acting on a sandbox: freeze (evidence first), kill (evidence, then
 * cgroup.kill, then confirmation that the cgroup is empty), thaw; each
 * reported by one action record, refused outside the sandbox roots. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "killswitch.h"
#include "evidence.h"
#include "log.h"
#include "mkdirs.h"
#include "policy_int.h"

#define FREEZE_MS 100	/* a freeze that takes longer is reported failed */

struct outcome {
	const char *outcome;
	const char *error;
	double latency_ms;
};

static const char *action__name(enum act_level level)
{
	return level == LEVEL_NONE ? "thaw" : level__name(level);
}

/* A name for the evidence file: time, sandbox and act, in characters no
 * shell or path can misread. */
static void evfile__name(struct policy *p, const struct psb *sb,
			   enum act_level level, char *out, size_t len)
{
	struct timespec ts;
	char id[64];
	size_t i;

	for (i = 0; i < sizeof(id) - 1 && sb->sandbox.id[i]; i++) {
		char c = sb->sandbox.id[i];

		id[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '.' ? c : '_';
	}
	id[i] = '\0';
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(out, len, "%s/%lld.%09ld-%s-%s.json", p->o.evidence_dir,
		 (long long)ts.tv_sec, ts.tv_nsec, id, level__name(level));
}

/* The acts themselves; each fills o. */
/* The freeze itself happened with the evidence (do__evidence); err is
 * how it went. */
static void do__freeze(struct psb *sb, int err, struct outcome *o)
{
	if (err) {
		o->outcome = "failed";
		o->error = strerror(-err);
		return;
	}
	sb->run = SB_FROZEN;
	sb->frozen_ns = clock__boot_ns();
}

static void do__kill(struct policy *p, struct psb *sb, const char *dir,
			 uint64_t since_ns, struct outcome *o)
{
	uint64_t start_ns = clock__boot_ns(), empty_ns;
	int err = killswitch__kill(dir, p->o.kill_ms, &empty_ns);

	if (err) {
		/* Retried from policy__tick; each try is reported. */
		sb->kill_tries++;
		sb->trigger_ns = since_ns;
		o->outcome = "failed";
		o->error = strerror(-err);
		return;
	}
	log_debug("%s: decided %llu us after the syscall, empty %llu us after "
		  "cgroup.kill", dir,
		  (unsigned long long)(start_ns - since_ns) / 1000,
		  (unsigned long long)(empty_ns - start_ns) / 1000);
	sb->kill_tries = 0;
	sb->run = SB_KILLED;
	o->latency_ms = empty_ns > since_ns ? (empty_ns - since_ns) / 1e6 : 0;
}

static void do__thaw(struct policy *p, struct psb *sb, const char *dir,
			 struct outcome *o)
{
	int err = killswitch__thaw(dir);

	if (err) {
		o->outcome = "failed";
		o->error = strerror(-err);
		return;
	}
	sb->run = SB_RUNNING;
	engine__absolve(p->engine, sb->sandbox.cgid);
}

static void verdict__note(struct psb *sb, const struct act_req *req)
{
	if (req->level < sb->verdict.level && req->level != LEVEL_NONE)
		return;
	sb->verdict.level = req->level;
	sb->verdict.reason = req->reason;
	sb->verdict.risk = req->risk;
	sb->verdict.rule = NULL;
	if (req->rule) {
		snprintf(sb->verdict_rule, sizeof(sb->verdict_rule), "%s",
			 req->rule->id);
		sb->verdict.rule = sb->verdict_rule;
	}
}

/* Freeze first whatever the act, so the evidence is what the sandbox
 * was, not what it became while being read. */
static struct evidence *do__evidence(const char *dir, int *err)
{
	uint64_t t0 = clock__boot_ns(), t1;
	struct evidence *e;

	*err = killswitch__freeze(dir, FREEZE_MS);
	if (*err)
		log__errno(*err, "%s: freezing for evidence", dir);
	t1 = clock__boot_ns();
	e = evidence__take(dir);
	log_debug("%s: frozen in %llu us, evidence in %llu us", dir,
		  (unsigned long long)(t1 - t0) / 1000,
		  (unsigned long long)(clock__boot_ns() - t1) / 1000);
	return e;
}

static void do__perform(struct policy *p, struct psb *sb,
			 const struct act_req *req, struct event *rec,
			 struct evidence **evd)
{
	struct outcome o = { .outcome = "done", .latency_ms = -1 };
	char dir[PATH_MAX];
	int err;

	if (p->o.dry_run) {
		o.outcome = "dry-run";
	} else if (req->level != LEVEL_ALERT &&
		   (err = killswitch__sandbox_dir(p->o.roots, sb->sandbox.cgroup,
					   dir))) {
		o.outcome = "refused";
		o.error = strerror(-err);
	} else if (req->level == LEVEL_NONE) {
		do__thaw(p, sb, dir, &o);
	} else if (req->level == LEVEL_FREEZE) {
		*evd = do__evidence(dir, &err);
		do__freeze(sb, err, &o);
	} else if (req->level == LEVEL_KILL) {
		/* A retried kill took its evidence the first time. */
		if (!sb->kill_tries)
			*evd = do__evidence(dir, &err);
		do__kill(p, sb, dir, req->since_ns, &o);
	}
	rec->action.outcome = o.outcome;
	rec->action.error = o.error;
	rec->action.latency_ms = o.latency_ms;
	rec->action.evidence = *evd;
}

/* The kernel acts before user space on protected files and budgets. */
static const char *kernel__verdict(const struct event *t)
{
	if (t && t->kind == EVENT_BUDGET)
		return "drop";
	if (t && t->hdr && (t->hdr->flags & VIGIL_F_KILLED))
		return "sigkill";
	return NULL;
}

void policy__act(struct policy *p, struct psb *sb, const struct act_req *req)
{
	const char *history[POLICY_HISTORY_MAX];
	size_t history_len[POLICY_HISTORY_MAX];
	struct evidence *evd = NULL;
	char file[PATH_MAX];
	const struct event *t = req->trigger;
	struct event rec = {
		.kind = EVENT_ACTION, .ktime_ns = clock__boot_ns(),
		.sandbox = &sb->sandbox,
		.hdr = t ? t->hdr : NULL, .proc = t ? t->proc : NULL,
	};

	rec.action = (struct ev_action){
		.action = action__name(req->level), .reason = req->reason,
		.rule = req->rule ? req->rule->id : NULL, .risk = req->risk,
		.threshold = req->threshold,
		.profile = policy__profile_name(p, sb),
		.trigger_seq = t ? t->seq : 0,
		.kernel_verdict = kernel__verdict(t),
	};
	do__perform(p, sb, req, &rec, &evd);
	if (evd) {
		rec.action.nr_history = history__list(&sb->hist,
						      p->o.history, history,
						      history_len);
		rec.action.history = history;
		rec.action.history_len = history_len;
		if (p->o.evidence_dir) {
			evfile__name(p, sb, req->level, file, sizeof(file));
			rec.action.evidence_file = file;
		}
	}
	verdict__note(sb, req);
	p->emit(p->ctx, &rec);
	evidence__free(evd);
}

/* ---------------------------------------------------------------- files */

static int newest_first(const struct dirent **a, const struct dirent **b)
{
	return -alphasort(a, b);
}

static int evfile__filter(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return len > 5 && !strcmp(d->d_name + len - 5, ".json");
}

/* Keeps the newest evidence_max files (names start with the time). */
static void evfile__prune(struct policy *p)
{
	struct dirent **names;
	int n = scandir(p->o.evidence_dir, &names, evfile__filter, newest_first);

	for (int i = 0; i < n; i++) {
		if ((unsigned int)i >= p->o.evidence_max) {
			char path[PATH_MAX];

			snprintf(path, sizeof(path), "%s/%s", p->o.evidence_dir,
				 names[i]->d_name);
			unlink(path);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

void policy__keep_evidence(struct policy *p, const struct event *ev,
			   const char *json, size_t len)
{
	const char *path = ev->action.evidence_file;
	int fd;

	if (mkdirs(p->o.evidence_dir, 0700, "evidence directory"))
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0 || write(fd, json, len) != (ssize_t)len ||
	    write(fd, "\n", 1) != 1)
		log__errno(errno, "evidence file %s", path);
	if (fd >= 0)
		close(fd);
	evfile__prune(p);
}
