// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baselines.h"
#include "log.h"

/* ---------------------------------------------------------------- table */

int baselines__add(struct baselines *t, struct baseline *bl)
{
	struct baseline **v;

	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i]->profile, bl->profile)) {
			baseline__free(t->v[i]);
			t->v[i] = bl;
			return 0;
		}
	v = realloc(t->v, (t->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	t->v = v;
	v[t->n++] = bl;
	return 0;
}

const struct baseline *baselines__of(const struct baselines *t,
				     const char *profile)
{
	for (size_t i = 0; t && profile && i < t->n; i++)
		if (!strcmp(t->v[i]->profile, profile))
			return t->v[i];
	return NULL;
}

void baselines__free(struct baselines *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		baseline__free(t->v[i]);
	free(t->v);
	free(t);
}

/* A file's baseline for the profile that names it, whatever its own
 * profile line says. */
static int baselines__file(struct baselines *t, const char *path,
			   const char *profile)
{
	struct baseline *bl = baseline__load(path);

	if (!bl)
		return -EINVAL;
	if (profile && strcmp(bl->profile, profile)) {
		free(bl->profile);
		bl->profile = strdup(profile);
	}
	if (!bl->profile || baselines__add(t, bl)) {
		baseline__free(bl);
		return -ENOMEM;
	}
	return 0;
}

/* A learning profile's file is learnt into, not scored against: none
 * yet is fine, but one there must be sound (it is merged into). */
static int baselines__learnt(const char *path)
{
	struct baseline *bl;

	if (access(path, F_OK) && errno == ENOENT)
		return 0;
	bl = baseline__load(path);
	baseline__free(bl);
	return bl ? 0 : -EINVAL;
}

int baselines__load(const struct ruleset *rs, const char *extra,
		    struct baselines **out)
{
	struct baselines *t = calloc(1, sizeof(*t));
	const struct profile *p;
	int err = t ? 0 : -ENOMEM;

	for (size_t i = 0; t && (p = ruleset__profile_at(rs, i)); i++)
		if (p->baseline && (p->baseline_learn
				    ? baselines__learnt(p->baseline)
				    : baselines__file(t, p->baseline, p->name)))
			err = -EINVAL;
	if (t && extra && !err) {
		struct baseline *bl = baseline__load(extra);
		const char *name = bl ? bl->profile : NULL;

		if (bl && !ruleset__profile(rs, name, strlen(name))) {
			log_info("%s: the rules define no profile %s; its "
				 "baseline is the default profile's", extra,
				 name);
			name = PROFILE_DEFAULT;
		}
		err = bl ? baselines__file(t, extra, name) : -EINVAL;
		baseline__free(bl);
	}
	if (err || !t->n) {
		baselines__free(t);
		t = NULL;
	}
	*out = t;
	return err;
}
