// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "learn.h"
#include "learning.h"
#include "log.h"
#include "replace.h"

/* One profile learning into its file. */
struct learnt {
	char *profile, *file;
	struct learner *l;
	/* The file as it was when learning began, merged into each save;
	 * NULL: there was none. */
	struct baseline *base;
	bool broken;		/* the file was unreadable: never written */
	bool dirty;		/* learnt into since the last save */
	bool ended;		/* a session ended since the last save */
	bool warned;		/* the cap said */
	uint64_t saved_ns;	/* the last save's, or the start's */
	uint64_t ok_ns;		/* the last good save's, or the start's */
	size_t patterns;
	uint32_t saves, failures;
	int error;
};

struct learning {
	struct learnt *v;
	size_t n;
	uint64_t now_ns;	/* the last tick's */
};

struct learning *learning__new(void)
{
	return calloc(1, sizeof(struct learning));
}

static void learnt__fini(struct learnt *e)
{
	learner__free(e->l);
	baseline__free(e->base);
	free(e->profile);
	free(e->file);
}

void learning__free(struct learning *lr)
{
	if (!lr)
		return;
	learning__save(lr);
	for (size_t i = 0; i < lr->n; i++)
		learnt__fini(&lr->v[i]);
	free(lr->v);
	free(lr);
}

/* ---------------------------------------------------------------- saving */

/* What was learnt and what the file held, as the file's text. */
static int learnt__text(struct learnt *e, char **buf, size_t *len)
{
	struct baseline *bl = learner__snapshot(e->l);
	FILE *f;
	int err;

	if (!bl)
		return -ENOMEM;
	err = e->base ? baseline__merge(bl, e->base) : 0;
	f = err ? NULL : open_memstream(buf, len);
	if (!err)
		err = f ? baseline__write(bl, f) : -ENOMEM;
	if (f && fclose(f) && !err)
		err = -ENOMEM;
	if (!err)
		e->patterns = baseline__patterns(bl);
	baseline__free(bl);
	return err;
}

static int learnt__save(struct learnt *e, uint64_t now_ns)
{
	char *buf = NULL;
	size_t len = 0;
	int err;

	if (!e->dirty)
		return e->error;
	if (e->broken) {
		log_error("profile %s: %s could not be read when learning "
			  "began; what was learnt is not written over it",
			  e->profile, e->file);
		e->failures++;
		return e->error = -EINVAL;
	}
	err = learnt__text(e, &buf, &len) ?: file__replace(e->file, buf, len);
	free(buf);
	if (err)
		log__errno(err, "profile %s: what was learnt is not saved to "
			   "%s", e->profile, e->file);
	e->error = err;
	e->saved_ns = now_ns;
	e->dirty = err != 0;
	e->ended &= err != 0;
	e->saves += !err;
	e->failures += err != 0;
	if (!err)
		e->ok_ns = now_ns;
	return err;
}

int learning__save(struct learning *lr)
{
	int first = 0;

	for (size_t i = 0; lr && i < lr->n; i++) {
		int err = learnt__save(&lr->v[i], lr->now_ns);

		first = first ?: err;
	}
	return first;
}

/* A session that ended is saved at the next tick (the sandboxes gone
 * within one tick, one write); news at all, a minute after the last
 * save; a failed save is tried again a minute later. */
static bool learnt__due(const struct learnt *e, uint64_t now_ns)
{
	bool minute = now_ns - e->saved_ns >= LEARNING_SAVE_NS;

	return e->dirty && (minute || (e->ended && !e->error));
}

void learning__tick(struct learning *lr, uint64_t now_ns)
{
	if (!lr)
		return;
	lr->now_ns = now_ns;
	for (size_t i = 0; i < lr->n; i++) {
		struct learnt *e = &lr->v[i];

		if (!e->saved_ns)	/* learning began before the first tick */
			e->saved_ns = e->ok_ns = now_ns;
		if (learnt__due(e, now_ns))
			learnt__save(e, now_ns);
	}
}

/* ---------------------------------------------------------------- learning */

/* The file learning goes on from: none yet, or one that reads. */
static void learnt__base(struct learnt *e)
{
	if (access(e->file, F_OK) && errno == ENOENT)
		return;
	e->base = baseline__load(e->file);
	e->broken = !e->base;
	if (e->base)
		log_info("profile %s: learning goes on from %s (%u sessions)",
			 e->profile, e->file, e->base->sessions);
}

static struct learnt *learnt__of(struct learning *lr, const struct profile *p)
{
	struct learnt *e;

	for (size_t i = 0; i < lr->n; i++)
		if (!strcmp(lr->v[i].profile, p->name))
			return &lr->v[i];
	e = realloc(lr->v, (lr->n + 1) * sizeof(*e));
	if (!e)
		return NULL;
	lr->v = e;
	e = &e[lr->n];
	*e = (struct learnt){ .profile = strdup(p->name),
			      .file = strdup(p->baseline),
			      .l = learner__new(p->name),
			      .saved_ns = lr->now_ns, .ok_ns = lr->now_ns };
	if (!e->profile || !e->file || !e->l) {
		learnt__fini(e);
		return NULL;
	}
	learner__limit(e->l, LEARNING_ITEMS_MAX);
	learnt__base(e);
	lr->n++;
	return e;
}

static void learnt__cap(struct learnt *e)
{
	size_t items;
	uint64_t dropped;

	learner__counts(e->l, &items, &dropped);
	if (!dropped || e->warned)
		return;
	e->warned = true;
	log_warn("profile %s: learning holds %zu items, its most; new ones "
		 "are dropped (counted in vigil baseline status)", e->profile,
		 items);
}

bool learning__event(struct learning *lr, const struct event *ev)
{
	const struct profile *p = ev->sandbox ? ev->sandbox->agent : NULL;
	struct learnt *e;

	if (!lr || !p || !p->baseline_learn || !p->baseline)
		return false;
	if (ev->kind == EVENT_ALERT || ev->kind == EVENT_ACTION ||
	    ev->kind == EVENT_ANOMALY)
		return true;	/* vigil's own word, not the agent's */
	e = learnt__of(lr, p);
	if (!e) {
		log_error("profile %s: out of memory; a record not learnt",
			  p->name);
		return true;
	}
	learner__event(e->l, ev);
	e->dirty = true;
	learnt__cap(e);
	return true;
}

void learning__end(struct learning *lr, const struct sandbox *sb)
{
	for (size_t i = 0; lr && i < lr->n; i++)
		if (learner__end_session(lr->v[i].l, sb))
			lr->v[i].ended = true;
}

void learning__reload(struct learning *lr, const struct ruleset *rs)
{
	size_t k = 0;

	for (size_t i = 0; lr && i < lr->n; i++) {
		struct learnt *e = &lr->v[i];
		const struct profile *p = ruleset__profile(rs, e->profile,
							   strlen(e->profile));

		if (p && !strcmp(p->name, e->profile) && p->baseline_learn &&
		    p->baseline && !strcmp(p->baseline, e->file)) {
			lr->v[k++] = *e;
			continue;
		}
		learnt__save(e, lr->now_ns);
		log_info("profile %s: learning into %s ends", e->profile,
			 e->file);
		learnt__fini(e);
	}
	if (lr)
		lr->n = k;
}

void learning__each(struct learning *lr,
		    void (*fn)(void *ctx, const struct learning_stat *st),
		    void *ctx)
{
	for (size_t i = 0; lr && i < lr->n; i++) {
		struct learnt *e = &lr->v[i];
		struct learning_stat st = {
			.profile = e->profile, .file = e->file,
			.sessions = learner__sessions(e->l) +
				    (e->base ? e->base->sessions : 0),
			.running = learner__running(e->l),
			.patterns = e->patterns, .saves = e->saves,
			.failures = e->failures, .error = e->error,
			.unsaved_ns = lr->now_ns - e->ok_ns,
		};

		learner__counts(e->l, &st.items, &st.dropped);
		fn(ctx, &st);
	}
}
