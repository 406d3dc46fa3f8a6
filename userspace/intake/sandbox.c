// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <uthash.h>

#include "cgroup.h"
#include "log.h"
#include "sandbox.h"

#define XATTR_VALUE_MAX 4096	/* longer label values are refused */

/* Directories held open from mkdir to the first record, at most: past
 * it, the labels are read by path, which a removal can beat. */
#define SANDBOX_HELD_MAX 256

/*
 * A sandbox's entry lives from its mkdir record (or its first record,
 * or the scan at start) to a few ticks after its rmdir record. Until its
 * first record it is "made": its directory is held open, because its
 * manager sets the labels after mkdir and may remove the directory
 * before the collector reads that record; an open directory keeps its
 * extended attributes readable after rmdir.
 */
struct entry {
	struct sandbox sb;
	char *dir;		/* absolute path; NULL when never found */
	int fd;			/* dir held open while made, or -1 */
	bool told;		/* listeners heard of it: it had a record */
	bool gone;		/* known gone: hidden, forgotten keep ticks
				 * after gone_at */
	unsigned int gone_at;	/* s->ticks then */
	unsigned int keep;
	UT_hash_handle hh;
};

struct sandboxes {
	const struct roots *roots;	/* NULL: nothing to discover */
	struct entry *by_cgid;
	struct sandbox_hooks hooks[SANDBOX_MAX_HOOKS];
	int nr_hooks;
	int held;		/* directories held open */
	unsigned int ticks;
	uint64_t lookups;
	sandbox_source_fn source;	/* the sandboxes made, or NULL */
	void *src;
	uint64_t malformed;	/* mkdir records the opener refused */
};

struct sandboxes *sandboxes__new(const struct roots *roots)
{
	struct sandboxes *s = calloc(1, sizeof(*s));

	if (s)
		s->roots = roots;
	return s;
}

int sandboxes__listen(struct sandboxes *s, const struct sandbox_hooks *h)
{
	if (s->nr_hooks == SANDBOX_MAX_HOOKS)
		return -ENOSPC;
	s->hooks[s->nr_hooks++] = *h;
	return 0;
}

static void sandboxes__tell_added(struct sandboxes *s, struct sandbox *sb)
{
	for (int i = 0; i < s->nr_hooks; i++)
		if (s->hooks[i].added)
			s->hooks[i].added(s->hooks[i].ctx, sb);
}

/* In reverse: a stage may read the slots of the stages below it. */
static void sandboxes__tell_removed(struct sandboxes *s, struct sandbox *sb)
{
	for (int i = s->nr_hooks - 1; i >= 0; i--)
		if (s->hooks[i].removed)
			s->hooks[i].removed(s->hooks[i].ctx, sb);
}

static void sandboxes__release(struct sandboxes *s, struct entry *e)
{
	if (e->fd < 0)
		return;
	close(e->fd);
	e->fd = -1;
	s->held--;
}

static void entry__free(struct entry *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->sb.nr_labels; i++) {
		free(e->sb.labels[i].key);
		free(e->sb.labels[i].value);
	}
	free(e->sb.labels);
	free(e->sb.profile);
	free(e->sb.id);
	free(e->sb.cgroup);
	free(e->dir);
	free(e);
}

/* Out of the table; listeners hear of it if they heard it come. */
static void sandboxes__forget(struct sandboxes *s, struct entry *e)
{
	HASH_DEL(s->by_cgid, e);
	if (e->told)
		sandboxes__tell_removed(s, &e->sb);
	sandboxes__release(s, e);
	entry__free(e);
}

void sandboxes__free(struct sandboxes *s)
{
	struct entry *e, *tmp;

	if (!s)
		return;
	HASH_ITER(hh, s->by_cgid, e, tmp)
		sandboxes__forget(s, e);
	free(s);
}

/* Reads one attribute; returns a malloc'd NUL-terminated copy. */
static char *xattr__get(int fd, const char *dir, const char *name,
			size_t *len)
{
	char buf[XATTR_VALUE_MAX];
	ssize_t n = fgetxattr(fd, name, buf, sizeof(buf));
	char *v;

	if (n < 0) {
		if (errno == ERANGE)
			log_warn("%s on %s is longer than %d bytes; ignored",
				 name, dir, XATTR_VALUE_MAX);
		return NULL;
	}
	v = malloc(n + 1);
	if (!v)
		return NULL;
	memcpy(v, buf, n);
	v[n] = '\0';
	*len = n;
	return v;
}

static void sandbox__add_label(struct sandbox *sb, int fd, const char *dir,
			       const char *name)
{
	struct label *l, *grown;
	size_t len = 0;
	char *value = xattr__get(fd, dir, name, &len);

	if (!value)
		return;
	grown = realloc(sb->labels, (sb->nr_labels + 1) * sizeof(*l));
	if (!grown) {
		free(value);
		return;
	}
	sb->labels = grown;
	l = &sb->labels[sb->nr_labels++];
	l->key = strdup(name + strlen(XATTR_LABEL_PREFIX));
	l->value = value;
	l->value_len = len;
}

/* fd: the sandbox's directory, removed or not. */
static void sandbox__read_labels(struct sandbox *sb, int fd, const char *dir)
{
	char names[XATTR_LIST_MAX];
	ssize_t n = flistxattr(fd, names, sizeof(names));

	if (n < 0)
		return;
	for (char *name = names; name < names + n; name += strlen(name) + 1) {
		if (strcmp(name, XATTR_PROFILE) == 0)
			sb->profile = xattr__get(fd, dir, name,
						 &sb->profile_len);
		else if (strncmp(name, XATTR_LABEL_PREFIX,
				 strlen(XATTR_LABEL_PREFIX)) == 0)
			sandbox__add_label(sb, fd, dir, name);
	}
}

/* Holds the entry's directory open (fd, or opened now when fd < 0)
 * until released. */
static void sandboxes__hold(struct sandboxes *s, struct entry *e, int fd)
{
	if (fd < 0 && e->dir)
		fd = cgroup__open(e->dir, e->sb.cgid);
	if (fd >= 0)
		s->held++;
	e->fd = fd;
}

/* Calls fn for each directory directly below root until fn returns
 * non-zero; returns that. */
typedef int (*root_dir_fn)(void *arg, const char *name, uint64_t cgid);

static int root__each_dir(const struct root *root, root_dir_fn fn, void *arg)
{
	DIR *d = opendir(root->path);
	struct dirent *de;
	int ret = 0;

	if (!d)
		return 0;
	while (!ret && (de = readdir(d)))
		if (de->d_type == DT_DIR && strcmp(de->d_name, ".") &&
		    strcmp(de->d_name, ".."))
			ret = fn(arg, de->d_name, de->d_ino);
	closedir(d);
	return ret;
}

/* Names the entry after its directory below root; 0 or -ENOMEM. */
static int entry__place(struct entry *e, const struct root *root,
			const char *name)
{
	const char *rel = strcmp(root->rel, "/") ? root->rel : "";

	if (asprintf(&e->sb.cgroup, "%s/%s", rel, name) < 0)
		e->sb.cgroup = NULL;
	if (asprintf(&e->dir, "%s/%s", root->path, name) < 0)
		e->dir = NULL;
	e->sb.id = strdup(name);
	return e->sb.id && e->sb.cgroup && e->dir ? 0 : -ENOMEM;
}

/* Known gone: hidden from now on, and forgotten keep ticks later, when
 * the records still on their way are in. */
static void entry__gone(const struct sandboxes *s, struct entry *e,
			unsigned int keep)
{
	e->gone = true;
	e->gone_at = s->ticks;
	e->keep = keep;
}

/* A directory that never was found: the sandbox was gone before its
 * first record. */
static int entry__unplaced(const struct sandboxes *s, struct entry *e)
{
	if (asprintf(&e->sb.id, "cgroup-%llu",
		     (unsigned long long)e->sb.cgid) < 0)
		e->sb.id = NULL;
	e->sb.cgroup = strdup("");
	entry__gone(s, e, SANDBOX_CHECK_TICKS);
	log_debug("sandbox cgroup %llu is already gone",
		  (unsigned long long)e->sb.cgid);
	return e->sb.id && e->sb.cgroup ? 0 : -ENOMEM;
}

static struct entry *sandboxes__entry(struct sandboxes *s, uint64_t cgid)
{
	struct entry *e;

	HASH_FIND(hh, s->by_cgid, &cgid, sizeof(cgid), e);
	return e;
}

static struct entry *entry__new(uint64_t cgid)
{
	struct entry *e = calloc(1, sizeof(*e));

	if (e) {
		e->sb.cgid = cgid;
		e->fd = -1;
	}
	return e;
}

static void sandboxes__insert(struct sandboxes *s, struct entry *e)
{
	HASH_ADD(hh, s->by_cgid, sb.cgid, sizeof(e->sb.cgid), e);
}

void sandboxes__made(struct sandboxes *s, uint64_t cgid, uint32_t root,
		     const char *name, int fd)
{
	struct entry *e = NULL;

	if (s->roots && root < (uint32_t)s->roots->nr &&
	    !sandboxes__entry(s, cgid))
		e = entry__new(cgid);
	if (e && entry__place(e, &s->roots->root[root], name)) {
		entry__free(e);
		e = NULL;
	}
	if (e)
		sandboxes__insert(s, e);
	if (e && s->held < SANDBOX_HELD_MAX)
		sandboxes__hold(s, e, fd);
	else if (fd >= 0)
		close(fd);
}

void sandboxes__feed(struct sandboxes *s, sandbox_source_fn fn, void *src)
{
	s->source = fn;
	s->src = src;
}

void sandboxes__take(struct sandboxes *s)
{
	if (s->source)
		s->malformed += s->source(s->src, s);
}

uint64_t sandboxes__malformed(const struct sandboxes *s)
{
	return s->malformed;
}

/* A sandbox the registry does not know: its mkdir, which the kernel
 * wrote before any record of its processes and its rmdir, may still be
 * the opener's. Taking only then keeps a known sandbox's records free of
 * the opener's lock. */
static struct entry *sandboxes__entry_made(struct sandboxes *s, uint64_t cgid)
{
	struct entry *e = sandboxes__entry(s, cgid);

	if (!e && s->source) {
		sandboxes__take(s);
		e = sandboxes__entry(s, cgid);
	}
	return e;
}

struct scan {
	struct sandboxes *s;
	uint32_t root;
};

static int scan__one(void *arg, const char *name, uint64_t cgid)
{
	struct scan *sc = arg;

	sandboxes__made(sc->s, cgid, sc->root, name, -1);
	return 0;
}

void sandboxes__scan(struct sandboxes *s)
{
	for (int i = 0; s->roots && i < s->roots->nr; i++) {
		struct scan sc = { s, i };

		root__each_dir(&s->roots->root[i], scan__one, &sc);
	}
}

void sandboxes__removed(struct sandboxes *s, uint64_t cgid)
{
	struct entry *e = sandboxes__entry_made(s, cgid);

	if (e && !e->told)	/* no record: nothing more will name it */
		sandboxes__forget(s, e);
	else if (e)
		entry__gone(s, e, SANDBOX_REMOVED_TICKS);
}

struct find {
	uint64_t cgid;
	char name[NAME_MAX + 1];
};

static int find__one(void *arg, const char *name, uint64_t cgid)
{
	struct find *f = arg;

	if (cgid != f->cgid)
		return 0;
	snprintf(f->name, sizeof(f->name), "%s", name);
	return 1;
}

/* A sandbox whose mkdir came before the collector's start, or whose
 * mkdir record was lost, by its directory under a root. */
static int entry__discover(struct sandboxes *s, struct entry *e)
{
	struct find f = { .cgid = e->sb.cgid };

	for (int i = 0; s->roots && i < s->roots->nr; i++)
		if (root__each_dir(&s->roots->root[i], find__one, &f))
			return entry__place(e, &s->roots->root[i], f.name);
	return entry__unplaced(s, e);
}

/* Its first record: labels are set before a process enters, so they are
 * read now, from the directory held since mkdir if there is one. */
static void sandboxes__tell(struct sandboxes *s, struct entry *e)
{
	if (e->fd < 0)
		sandboxes__hold(s, e, -1);
	if (e->fd >= 0)
		sandbox__read_labels(&e->sb, e->fd, e->dir);
	else if (e->dir)	/* the window opener.h narrows */
		log_debug("sandbox %s was removed before its labels were read",
			  e->sb.id);
	sandboxes__release(s, e);
	e->told = true;
	sandboxes__tell_added(s, &e->sb);
}

static struct sandbox *sandboxes__lookup(struct sandboxes *s, uint64_t cgid)
{
	struct entry *e = sandboxes__entry_made(s, cgid);

	if (!e) {
		e = entry__new(cgid);
		if (!e || entry__discover(s, e)) {
			entry__free(e);
			return NULL;
		}
		sandboxes__insert(s, e);
	}
	if (!e->told)
		sandboxes__tell(s, e);
	return &e->sb;
}

struct sandbox *sandboxes__get(struct sandboxes *s, uint64_t cgid)
{
	s->lookups++;
	return sandboxes__lookup(s, cgid);
}

const char *sandboxes__cgroup_of(void *ctx, uint64_t cgid)
{
	struct sandbox *sb = sandboxes__lookup(ctx, cgid);

	return sb ? sb->cgroup : "";
}

uint64_t sandboxes__lookups(const struct sandboxes *s)
{
	return s->lookups;
}

/* Known to listeners and not known to be gone. */
static bool entry__listed(const struct entry *e)
{
	return e->told && !e->gone;
}

struct sandbox *sandboxes__find(struct sandboxes *s, uint64_t cgid)
{
	struct entry *e = sandboxes__entry(s, cgid);

	return e && entry__listed(e) ? &e->sb : NULL;
}

struct sandbox *sandboxes__find_id(struct sandboxes *s, const char *id)
{
	struct entry *e, *tmp;

	HASH_ITER(hh, s->by_cgid, e, tmp)
		if (entry__listed(e) && !strcmp(e->sb.id, id))
			return &e->sb;
	return NULL;
}

static int sandbox__copy_labels(struct sandbox *dst, const struct sandbox *src)
{
	dst->labels = calloc(src->nr_labels, sizeof(*dst->labels));
	if (src->nr_labels && !dst->labels)
		return -ENOMEM;
	for (size_t i = 0; i < src->nr_labels; i++) {
		struct label *l = &dst->labels[dst->nr_labels++];

		l->key = strdup(src->labels[i].key);
		l->value = malloc(src->labels[i].value_len + 1);
		if (!l->key || !l->value)
			return -ENOMEM;
		memcpy(l->value, src->labels[i].value, src->labels[i].value_len);
		l->value[src->labels[i].value_len] = '\0';
		l->value_len = src->labels[i].value_len;
	}
	return 0;
}

static int sandbox__copy(struct sandbox *dst, const struct sandbox *src)
{
	dst->id = strdup(src->id);
	dst->cgroup = strdup(src->cgroup ? src->cgroup : "");
	if (src->profile) {
		dst->profile = strndup(src->profile, src->profile_len);
		dst->profile_len = src->profile_len;
	}
	if (!dst->id || !dst->cgroup || (src->profile && !dst->profile))
		return -ENOMEM;
	return sandbox__copy_labels(dst, src);
}

struct sandbox *sandboxes__add(struct sandboxes *s,
			       const struct sandbox *proto)
{
	struct entry *e = sandboxes__entry(s, proto->cgid);

	if (e)
		return &e->sb;
	e = entry__new(proto->cgid);
	if (!e || sandbox__copy(&e->sb, proto)) {
		entry__free(e);
		return NULL;
	}
	sandboxes__insert(s, e);
	e->told = true;
	sandboxes__tell_added(s, &e->sb);
	return &e->sb;
}

void sandboxes__each(struct sandboxes *s,
		     void (*fn)(void *arg, struct sandbox *sb), void *arg)
{
	struct entry *e, *tmp;

	HASH_ITER(hh, s->by_cgid, e, tmp)
		if (entry__listed(e))
			fn(arg, &e->sb);
}

void sandboxes__each_told(struct sandboxes *s,
			  void (*fn)(void *arg, struct sandbox *sb), void *arg)
{
	struct entry *e, *tmp;

	HASH_ITER(hh, s->by_cgid, e, tmp)
		if (e->told)
			fn(arg, &e->sb);
}

static bool entry__present(const struct entry *e)
{
	struct stat st;

	return e->dir && stat(e->dir, &st) == 0 && st.st_ino == e->sb.cgid;
}

/* Whether every record of a sandbox is in. Sandboxes known from
 * elsewhere (no directory) are never done. */
static bool entry__done(struct sandboxes *s, struct entry *e)
{
	if (!e->gone && e->dir && s->ticks % SANDBOX_CHECK_TICKS == 0 &&
	    !entry__present(e))
		entry__gone(s, e, SANDBOX_CHECK_TICKS);
	return e->gone && s->ticks - e->gone_at >= e->keep;
}

void sandboxes__prune(struct sandboxes *s)
{
	struct entry *e, *tmp;

	s->ticks++;
	HASH_ITER(hh, s->by_cgid, e, tmp)
		if (entry__done(s, e))
			sandboxes__forget(s, e);
}
