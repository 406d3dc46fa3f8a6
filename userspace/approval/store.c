// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "log.h"
#include "mkdirs.h"
#include "replace.h"
#include "slurp.h"
#include "store.h"

#define STATE_FILE "state.json"
#define STORE_MAX  (16 << 20)	/* bytes of a file read back */

/* ------------------------------------------------------------ writing */

/* A connect's destination: family, port and the address in hex. */
static void addr__store(struct json *j, uint16_t family, uint16_t port,
			const uint8_t addr[16])
{
	char hex[33];

	for (int i = 0; i < 16; i++)
		snprintf(&hex[2 * i], 3, "%02x", addr[i]);
	json__uint(j, "family", family);
	json__uint(j, "port", port);
	json__str(j, "addr", hex);
}

void store__req_named(struct json *j, const struct approval_req *r)
{
	json__str(j, "id", r->id);
	json__str(j, "sandbox", r->sandbox);
	json__str(j, "profile", r->profile);
	json__str(j, "rule", r->rule);
	json__str(j, "target", r->target);
	json__uint(j, "pid", r->pid);
	json__str(j, "comm", r->comm);
	json__str(j, "ancestry", r->ancestry);
}

static void req__store(struct json *j, const struct approval_req *r)
{
	json__obj_begin(j, NULL);
	store__req_named(j, r);
	json__uint(j, "cgid", r->cgid);
	json__int(j, "step", r->step);
	json__int(j, "held", r->held);
	json__uint(j, "dev", r->dev);
	json__uint(j, "ino", r->ino);
	addr__store(j, r->family, r->port, r->addr);
	json__int(j, "created_ns", r->created_ns);
	json__int(j, "deadline_ns", r->deadline_ns);
	json__bool(j, "default_allow", r->default_allow);
	json__uint(j, "trigger_seq", r->trigger_seq);
	json__obj_end(j);
}

static void permit__store(struct json *j, const struct permit *g)
{
	json__obj_begin(j, NULL);
	json__str(j, "id", g->id);
	json__uint(j, "cgid", g->cgid);
	json__str(j, "profile", g->profile);
	json__int(j, "step", g->step);
	json__uint(j, "dev", g->dev);
	json__uint(j, "ino", g->ino);
	addr__store(j, g->family, g->port, g->addr);
	json__str(j, "target", g->target);
	json__int(j, "until_ns", g->until_ns);
	json__obj_end(j);
}

/* The grants of one profile (profile non-NULL) or the sandboxes'. */
static void permits__store(struct json *j, const struct permits *gs,
			  const char *profile)
{
	json__arr_begin(j, "grants");
	for (size_t i = 0; i < gs->n; i++) {
		const struct permit *g = &gs->v[i];

		if (profile ? !g->cgid && !strcmp(g->profile, profile)
			    : g->cgid != 0)
			permit__store(j, g);
	}
	json__arr_end(j);
}

static int json__save(struct json *j, const char *path)
{
	const char *buf;
	size_t len;

	if (json__end(j, &buf, &len))
		return -ENOMEM;
	return file__replace(path, buf, len);
}

/* profile-NAME.json; profile names are rule-file ids, no '/'. */
static void overlay__path(const struct store *s, const char *profile,
			  char out[PATH_MAX])
{
	snprintf(out, PATH_MAX, "%s/profile-%s.json", s->dir, profile);
}

static int store__overlay(const struct store *s, const char *profile)
{
	char path[PATH_MAX];
	struct json *j;
	int err;

	if (strchr(profile, '/'))
		return 0;
	j = json__new();
	if (!j)
		return -ENOMEM;
	overlay__path(s, profile, path);
	json__begin(j);
	json__str(j, "profile", profile);
	permits__store(j, s->grants, profile);
	err = json__save(j, path);
	json__free(j);
	return err;
}

int store__save(const struct store *s, const char *profile)
{
	const struct profile *p;
	char path[PATH_MAX];
	struct json *j;
	int err;

	if (!s->dir)
		return 0;
	j = json__new();
	if (!j)
		return -ENOMEM;
	json__begin(j);
	json__arr_begin(j, "pending");
	for (size_t i = 0; i < *s->nr_pending; i++)
		req__store(j, &s->pending[i]);
	json__arr_end(j);
	permits__store(j, s->grants, NULL);
	snprintf(path, sizeof(path), "%s/%s", s->dir, STATE_FILE);
	err = json__save(j, path);
	json__free(j);
	if (!err && profile)
		err = store__overlay(s, profile);
	/* A profile's grant that lapsed leaves its overlay with it. */
	for (size_t i = 0; !err && (p = ruleset__profile_at(s->rs, i)); i++) {
		overlay__path(s, p->name, path);
		if (!access(path, F_OK))
			err = store__overlay(s, p->name);
	}
	return err;
}

/* ------------------------------------------------------------ reading */

static yajl_val member(yajl_val obj, const char *key)
{
	const char *path[] = { key, NULL };

	return yajl_tree_get(obj, path, yajl_t_any);
}

static long long num(yajl_val obj, const char *key)
{
	yajl_val v = member(obj, key);

	return YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : 0;
}

static void str(yajl_val obj, const char *key, char *out, size_t len)
{
	yajl_val v = member(obj, key);

	snprintf(out, len, "%s", YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : "");
}

static void addr__load(yajl_val o, uint16_t *family, uint16_t *port,
			uint8_t addr[16])
{
	char hex[33];
	unsigned int b;

	*family = (uint16_t)num(o, "family");
	*port = (uint16_t)num(o, "port");
	str(o, "addr", hex, sizeof(hex));
	for (int i = 0; i < 16 && sscanf(&hex[2 * i], "%2x", &b) == 1; i++)
		addr[i] = (uint8_t)b;
}

static bool req__load(yajl_val o, struct approval_req *r)
{
	str(o, "id", r->id, sizeof(r->id));
	r->cgid = (uint64_t)num(o, "cgid");
	str(o, "sandbox", r->sandbox, sizeof(r->sandbox));
	str(o, "profile", r->profile, sizeof(r->profile));
	str(o, "rule", r->rule, sizeof(r->rule));
	r->step = (enum approval_step)num(o, "step");
	r->held = num(o, "held") ? HELD_FREEZE : HELD_KERNEL;
	str(o, "target", r->target, sizeof(r->target));
	r->dev = (uint32_t)num(o, "dev");
	r->ino = (uint64_t)num(o, "ino");
	addr__load(o, &r->family, &r->port, r->addr);
	r->pid = (uint32_t)num(o, "pid");
	str(o, "comm", r->comm, sizeof(r->comm));
	str(o, "ancestry", r->ancestry, sizeof(r->ancestry));
	r->created_ns = num(o, "created_ns");
	r->deadline_ns = num(o, "deadline_ns");
	r->default_allow = YAJL_IS_TRUE(member(o, "default_allow"));
	r->trigger_seq = (uint64_t)num(o, "trigger_seq");
	return r->id[0] && r->step <= STEP_FREEZE;
}

static bool permit__load(yajl_val o, struct permit *g)
{
	str(o, "id", g->id, sizeof(g->id));
	g->cgid = (uint64_t)num(o, "cgid");
	str(o, "profile", g->profile, sizeof(g->profile));
	g->step = (enum approval_step)num(o, "step");
	g->dev = (uint32_t)num(o, "dev");
	g->ino = (uint64_t)num(o, "ino");
	addr__load(o, &g->family, &g->port, g->addr);
	str(o, "target", g->target, sizeof(g->target));
	g->until_ns = num(o, "until_ns");
	return g->step <= STEP_FREEZE;
}

/* The file's JSON object into *out, NULL when there is no file. */
static int file__parse(const char *path, yajl_val *out)
{
	char err[128] = "", *text;
	size_t len = 0;
	FILE *f = fopen(path, "re");
	int rc;

	*out = NULL;
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	rc = file__slurp(f, STORE_MAX, &text, &len);
	fclose(f);
	if (rc) {
		log__errno(rc, "%s", path);
		return rc;
	}
	*out = yajl_tree_parse(text, err, sizeof(err));
	free(text);
	if (!YAJL_IS_OBJECT(*out)) {
		log_error("%s: not a vigil approvals file (%s); move it away",
			  path, err);
		yajl_tree_free(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

static void permits__load(const struct store *s, yajl_val doc)
{
	yajl_val arr = member(doc, "grants");
	struct permit g;

	for (size_t i = 0; YAJL_IS_ARRAY(arr) && i < arr->u.array.len; i++) {
		memset(&g, 0, sizeof(g));
		if (permit__load(arr->u.array.values[i], &g))
			permits__add(s->grants, &g, false);
	}
}

/* Pending requests come back, each recorded as restored; one whose
 * deadline passed while no daemon ran is decided at the first tick. */
static void pending__load(const struct store *s, yajl_val doc,
			  struct notes *q)
{
	yajl_val arr = member(doc, "pending");
	struct approval_req *r;

	for (size_t i = 0; YAJL_IS_ARRAY(arr) && i < arr->u.array.len &&
			   *s->nr_pending < APPROVAL_MAX; i++) {
		r = &s->pending[*s->nr_pending];
		memset(r, 0, sizeof(*r));
		if (!req__load(arr->u.array.values[i], r))
			continue;
		(*s->nr_pending)++;
		notes__push(q, r, "restored", NULL);
	}
}

static int overlays__load(const struct store *s)
{
	const struct profile *p;
	char path[PATH_MAX];
	yajl_val doc;
	int err = 0;

	for (size_t i = 0; !err && (p = ruleset__profile_at(s->rs, i)); i++) {
		overlay__path(s, p->name, path);
		err = file__parse(path, &doc);
		if (doc)
			permits__load(s, doc);
		yajl_tree_free(doc);
	}
	return err;
}

static int store__lock(struct store *s)
{
	s->lock_fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->lock_fd < 0) {
		log__errno(errno, "cannot open the approvals directory %s",
			   s->dir);
		return -errno;
	}
	if (!flock(s->lock_fd, LOCK_EX | LOCK_NB))
		return 0;
	if (errno == EWOULDBLOCK) {
		log__msg(s->own ? LOG_ERROR : LOG_WARN, "approvals directory "
			 "%s: another vigil (a daemon or a run) keeps its "
			 "requests there; give each its own", s->dir);
		return s->own ? -EBUSY : 0;
	}
	log__errno(errno, "cannot lock the approvals directory %s", s->dir);
	return -errno;
}

void store__close(struct store *s)
{
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
}

int store__load(struct store *s, struct notes *q)
{
	char path[PATH_MAX];
	yajl_val doc;
	int err;

	if (!s->dir)
		return 0;
	err = mkdirs(s->dir, 0700, "approvals directory") ?: store__lock(s);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%s", s->dir, STATE_FILE);
	err = file__parse(path, &doc);
	if (doc) {
		pending__load(s, doc, q);
		permits__load(s, doc);
	}
	yajl_tree_free(doc);
	return err ?: overlays__load(s);
}
