// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <uthash.h>

#include "log.h"
#include "sandbox.h"

#define XATTR_VALUE_MAX 4096	/* longer label values are refused */

struct entry {
	struct sandbox sb;
	char dir[PATH_MAX];	/* absolute path, for pruning */
	int gone;		/* prune passes that found dir missing */
	UT_hash_handle hh;
};

struct sandboxes {
	const struct roots *roots;	/* NULL: nothing to discover */
	struct entry *by_cgid;
	struct sandbox_hooks hooks[SANDBOX_MAX_HOOKS];
	int nr_hooks;
	uint64_t lookups;
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

static void entry__free(struct entry *e)
{
	for (size_t i = 0; i < e->sb.nr_labels; i++) {
		free(e->sb.labels[i].key);
		free(e->sb.labels[i].value);
	}
	free(e->sb.labels);
	free(e->sb.profile);
	free(e->sb.id);
	free(e->sb.cgroup);
	free(e);
}

void sandboxes__free(struct sandboxes *s)
{
	struct entry *e, *tmp;

	if (!s)
		return;
	HASH_ITER(hh, s->by_cgid, e, tmp) {
		HASH_DEL(s->by_cgid, e);
		sandboxes__tell_removed(s, &e->sb);
		entry__free(e);
	}
	free(s);
}

/* Reads one attribute; returns a malloc'd NUL-terminated copy. */
static char *xattr__get(const char *dir, const char *name, size_t *len)
{
	char buf[XATTR_VALUE_MAX];
	ssize_t n = getxattr(dir, name, buf, sizeof(buf));
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

static void sandbox__add_label(struct sandbox *sb, const char *dir,
			       const char *name)
{
	struct label *l, *grown;
	size_t len = 0;
	char *value = xattr__get(dir, name, &len);

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

static int sandbox__read_labels(struct sandbox *sb, const char *dir)
{
	char names[XATTR_LIST_MAX];
	ssize_t n = listxattr(dir, names, sizeof(names));

	if (n < 0)
		return -errno;
	for (char *name = names; name < names + n; name += strlen(name) + 1) {
		if (strcmp(name, XATTR_PROFILE) == 0)
			sb->profile = xattr__get(dir, name, &sb->profile_len);
		else if (strncmp(name, XATTR_LABEL_PREFIX,
				 strlen(XATTR_LABEL_PREFIX)) == 0)
			sandbox__add_label(sb, dir, name);
	}
	return 0;
}

/* Looks for the child directory of root whose inode is cgid. */
static int root__find(const struct root *root, uint64_t cgid,
			   char name[NAME_MAX + 1])
{
	DIR *d = opendir(root->path);
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		if (de->d_type == DT_DIR && de->d_ino == cgid &&
		    strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			snprintf(name, NAME_MAX + 1, "%s", de->d_name);
			found = 1;
		}
	}
	closedir(d);
	return found;
}

static void sandboxes__discover(struct sandboxes *s, struct entry *e)
{
	char name[NAME_MAX + 1], path[PATH_MAX];

	for (int i = 0; s->roots && i < s->roots->nr; i++) {
		const struct root *root = &s->roots->root[i];

		if (!root__find(root, e->sb.cgid, name))
			continue;
		e->sb.id = strdup(name);
		snprintf(path, sizeof(path), "%s/%s",
			 strcmp(root->rel, "/") ? root->rel : "", name);
		e->sb.cgroup = strdup(path);
		snprintf(e->dir, sizeof(e->dir), "%s/%s", root->path, name);
		sandbox__read_labels(&e->sb, e->dir);
		return;
	}
	snprintf(name, sizeof(name), "cgroup-%llu",
		 (unsigned long long)e->sb.cgid);
	e->sb.id = strdup(name);
	e->sb.cgroup = strdup("");
	log_debug("sandbox cgroup %llu is already gone",
		  (unsigned long long)e->sb.cgid);
}

struct sandbox *sandboxes__find(struct sandboxes *s, uint64_t cgid)
{
	struct entry *e;

	HASH_FIND(hh, s->by_cgid, &cgid, sizeof(cgid), e);
	return e ? &e->sb : NULL;
}

/* Fills a new entry's identity; 0 or a negative errno. */
typedef int (*entry_fill_fn)(struct sandboxes *s, struct entry *e,
			     const void *arg);

/* The sandbox known by cgid, or a new one filled by fill; every stage
 * listening hears of a new one. NULL when out of memory. */
static struct sandbox *sandboxes__make(struct sandboxes *s, uint64_t cgid,
				       entry_fill_fn fill, const void *arg)
{
	struct sandbox *sb = sandboxes__find(s, cgid);
	struct entry *e;

	if (sb)
		return sb;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->sb.cgid = cgid;
	if (fill(s, e, arg)) {
		entry__free(e);
		return NULL;
	}
	HASH_ADD(hh, s->by_cgid, sb.cgid, sizeof(e->sb.cgid), e);
	sandboxes__tell_added(s, &e->sb);
	return &e->sb;
}

static int entry__discover(struct sandboxes *s, struct entry *e,
			   const void *arg)
{
	sandboxes__discover(s, e);
	return e->sb.id && e->sb.cgroup ? 0 : -ENOMEM;
}

static struct sandbox *sandboxes__lookup(struct sandboxes *s, uint64_t cgid)
{
	return sandboxes__make(s, cgid, entry__discover, NULL);
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

struct sandbox *sandboxes__find_id(struct sandboxes *s, const char *id)
{
	struct entry *e, *tmp;

	HASH_ITER(hh, s->by_cgid, e, tmp)
		if (!strcmp(e->sb.id, id))
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

static int entry__copy(struct sandboxes *s, struct entry *e,
		       const void *proto)
{
	return sandbox__copy(&e->sb, proto);
}

struct sandbox *sandboxes__add(struct sandboxes *s,
			       const struct sandbox *proto)
{
	return sandboxes__make(s, proto->cgid, entry__copy, proto);
}

void sandboxes__each(struct sandboxes *s,
		     void (*fn)(void *arg, struct sandbox *sb), void *arg)
{
	struct entry *e, *tmp;

	HASH_ITER(hh, s->by_cgid, e, tmp)
		fn(arg, &e->sb);
}

void sandboxes__prune(struct sandboxes *s)
{
	struct entry *e, *tmp;
	struct stat st;

	HASH_ITER(hh, s->by_cgid, e, tmp) {
		if (e->dir[0] && stat(e->dir, &st) == 0 &&
		    st.st_ino == e->sb.cgid)
			continue;
		/* Records still in the ring buffer may name it: keep it for
		 * one more pass. */
		if (e->gone++ == 0)
			continue;
		HASH_DEL(s->by_cgid, e);
		sandboxes__tell_removed(s, &e->sb);
		entry__free(e);
	}
}
