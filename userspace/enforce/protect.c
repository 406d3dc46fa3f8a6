// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uthash.h>

#include "home.h"
#include "log.h"
#include "protect.h"
#include "strv.h"

#define SETS_MAX     64		/* bits in an entry */
#define WATCHES_MAX  4096
#define ENTRIES_MAX  65536	/* a power of two: see table__add */
/* Anything that can make a name match or stop matching: a file or
 * directory coming, going or being replaced, a file rewritten or changed
 * in place (passwd), or the watched directory itself going away. */
#define WATCH_MASK   (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | \
		      IN_DELETE_SELF | IN_MOVE_SELF | IN_CLOSE_WRITE | \
		      IN_ATTRIB | IN_ONLYDIR)

/* One watched directory. Several patterns may want it, each for the names
 * of one component below it; an event for another name is noise. */
struct watch {
	int wd;
	unsigned int gen;	/* the rescan that last wanted it */
	char **next;		/* glob components, as in the patterns */
	size_t nr_next;
	UT_hash_handle hh;
};

struct pset {
	char **paths;
	size_t nr_paths;
	char **exclude;
	size_t nr_exclude;
};

/* The entries a rescan finds, in the order found until table__finish. */
struct table {
	struct protect_entry *e;
	size_t n, alloc;
	bool full;		/* sorted, at ENTRIES_MAX: only ORs bits now */
	uint64_t dropped;
};

struct protect {
	int fd;			/* inotify, or -errno if it could not start */
	struct pset *sets;
	size_t nr_sets;
	bool homes;		/* some path is under "~/" */
	struct watch *watches;	/* by wd */
	unsigned int gen;	/* rescans begun */
	size_t live;		/* watches wanted by rescan gen */
	struct protect_entry *entries;
	size_t nr_entries;
	struct protect_stats stats;
	bool watch_logged, cap_logged;
};

struct scan {
	struct protect *p;
	char **homes;		/* escaped for glob, sorted, unique */
	size_t nr_homes;
	struct table t;
};

/* path[0..len) as a NUL-terminated path in buf; the root when empty. */
static const char *path__prefix(char *buf, const char *path, size_t len)
{
	if (!len)
		return "/";
	memcpy(buf, path, len);
	buf[len] = '\0';
	return buf;
}

static bool path__is_dir(char *buf, const char *path, size_t len)
{
	struct stat st;

	return !stat(path__prefix(buf, path, len), &st) && S_ISDIR(st.st_mode);
}

/* The length of path[0..len)'s parent: its last '/', 0 for the root. */
static size_t path__up(const char *path, size_t len)
{
	while (len && path[--len] != '/')
		;
	return len;
}

/* Whether a pattern component has glob(3)'s special characters. */
static bool glob__magic(const char *c, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (c[i] == '\\')
			i++;
		else if (c[i] == '*' || c[i] == '?' || c[i] == '[')
			return true;
	}
	return false;
}

/* glob(3) as a list of paths, none on no match or an unreadable
 * directory; -ENOMEM only. */
static int glob__paths(const char *pat, int flags, glob_t *g)
{
	int r = glob(pat, flags, NULL, g);

	if (r == GLOB_NOSPACE) {
		globfree(g);
		return -ENOMEM;
	}
	if (r)
		g->gl_pathc = 0;
	return 0;
}

int protect_entry__cmp(const void *a, const void *b)
{
	const struct protect_entry *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return (x->ino > y->ino) - (x->ino < y->ino);
}

/* Sorts and merges the entries of one inode, ORing their bits; beyond
 * ENTRIES_MAX inodes, the rest are dropped. */
static void table__finish(struct table *t)
{
	size_t k = 0;

	if (!t->n)
		return;
	qsort(t->e, t->n, sizeof(*t->e), protect_entry__cmp);
	for (size_t i = 1; i < t->n; i++) {
		if (protect_entry__cmp(&t->e[k], &t->e[i]))
			t->e[++k] = t->e[i];
		else
			t->e[k].bits |= t->e[i].bits;
	}
	t->n = k + 1;
	if (t->n > ENTRIES_MAX) {
		t->dropped += t->n - ENTRIES_MAX;
		t->n = ENTRIES_MAX;
	}
}

static int table__add(struct table *t, const struct stat *st, uint64_t bit)
{
	struct protect_entry e = {
		.ino = st->st_ino, .dev = (uint32_t)st->st_dev, .bits = bit,
	};

	/* Matches of the same inode (hard links, several patterns) merge
	 * here, so that the cap counts inodes: the buffer, grown in powers
	 * of two, stops at twice the cap. */
	if (t->n == 2 * ENTRIES_MAX) {
		table__finish(t);
		t->full = t->n == ENTRIES_MAX;
	}
	if (t->full) {
		struct protect_entry *old = bsearch(&e, t->e, t->n, sizeof(e),
						    protect_entry__cmp);

		if (old)
			old->bits |= bit;
		else
			t->dropped++;
		return 0;
	}
	if (t->n == t->alloc) {
		size_t alloc = t->alloc ? 2 * t->alloc : 64;
		struct protect_entry *ne = realloc(t->e, alloc * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		t->e = ne;
		t->alloc = alloc;
	}
	t->e[t->n++] = e;
	return 0;
}

static bool table__equal(const struct protect_entry *a, size_t na,
			 const struct protect_entry *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		if (a[i].ino != b[i].ino || a[i].dev != b[i].dev ||
		    a[i].bits != b[i].bits)
			return false;
	}
	return true;
}

static bool protect__valid(const char *set, const char *path)
{
	if (path[0] != '/' && strncmp(path, "~/", 2)) {
		log_warn("fileset %s: ignoring %s: neither absolute nor under ~/",
			 set, path);
		return false;
	}
	if (strlen(path) >= PATH_MAX) {
		log_warn("fileset %s: ignoring %.64s...: too long", set, path);
		return false;
	}
	return true;
}

static int protect__copy(struct protect *p, const struct protect_set *sets,
			 size_t n)
{
	if (n > SETS_MAX) {
		log_error("%zu filesets: only the first %d are protected", n,
			  SETS_MAX);
		n = SETS_MAX;
	}
	p->sets = calloc(n, sizeof(*p->sets));
	if (!p->sets && n)
		return -ENOMEM;
	p->nr_sets = n;
	for (size_t i = 0; i < n; i++) {
		const struct protect_set *from = &sets[i];
		struct pset *to = &p->sets[i];

		for (size_t j = 0; j < from->nr_paths; j++) {
			const char *path = from->paths[j];

			if (!protect__valid(from->name, path))
				continue;
			if (strv__push(&to->paths, &to->nr_paths, path,
				       strlen(path)))
				return -ENOMEM;
			p->homes |= path[0] == '~';
		}
		for (size_t j = 0; j < from->nr_exclude; j++) {
			const char *ex = from->exclude[j];

			if (strv__push(&to->exclude, &to->nr_exclude, ex,
				       strlen(ex)))
				return -ENOMEM;
		}
	}
	return 0;
}

/* A home that exists, escaped so that glob takes it literally. */
static int protect__add_home(const char *dir, size_t len, void *ctx)
{
	struct scan *s = ctx;
	char esc[2 * PATH_MAX], *o = esc;

	if (len >= PATH_MAX || !path__is_dir(esc, dir, len))
		return 0;
	/* Taken literally by glob, whatever characters it holds. */
	for (size_t i = 0; i < len; i++) {
		if (strchr("*?[\\", dir[i]))
			*o++ = '\\';
		*o++ = dir[i];
	}
	return strv__push(&s->homes, &s->nr_homes, esc, o - esc);
}

/* Every user's home, read again at each rescan for the users added since
 * (the /etc watch). */
static int protect__load_homes(struct scan *s)
{
	size_t k = 0;
	int err = home__each(protect__add_home, s);

	if (err)
		return err;
	qsort(s->homes, s->nr_homes, sizeof(*s->homes), strv__cmp);
	for (size_t i = 0; i < s->nr_homes; i++) {
		if (k && !strcmp(s->homes[k - 1], s->homes[i]))
			free(s->homes[i]);
		else
			s->homes[k++] = s->homes[i];
	}
	s->nr_homes = k;
	return 0;
}

static struct watch *protect__watch_of(const struct protect *p, int wd)
{
	struct watch *w;

	HASH_FIND_INT(p->watches, &wd, w);
	return w;
}

static void protect__watch_del(struct protect *p, struct watch *w)
{
	HASH_DEL(p->watches, w);
	strv__free(w->next, w->nr_next);
	free(w);
}

/* err 0: the cap. Every failure is counted, the first one logged. */
static void protect__watch_failed(struct protect *p, const char *dir, int err)
{
	p->stats.watch_failures++;
	if (p->watch_logged)
		return;
	p->watch_logged = true;
	if (err)
		log__errno(err, "cannot watch %s for new protected files "
			   "(further failures only counted)", dir);
	else
		log_warn("more than %d directories to watch for new protected "
			 "files; the rest are picked up only by rescans",
			 WATCHES_MAX);
}

/* Watches dir for the names matching next, the pattern component below
 * it (up to the next '/'). Returns 1 if watched, 0 if not (counted),
 * -ENOENT if dir has gone since it was seen, -ENOMEM. */
static int protect__watch(struct protect *p, const char *dir,
			  const char *next)
{
	size_t len = strcspn(next, "/");
	struct watch *w;
	int wd;

	if (p->fd < 0) {
		protect__watch_failed(p, dir, p->fd);
		return 0;
	}
	wd = inotify_add_watch(p->fd, dir, WATCH_MASK);
	if (wd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return -ENOENT;
		protect__watch_failed(p, dir, -errno);
		return 0;
	}
	w = protect__watch_of(p, wd);
	if (!w || w->gen != p->gen) {
		if (p->live == WATCHES_MAX) {
			if (!w)
				inotify_rm_watch(p->fd, wd);
			protect__watch_failed(p, dir, 0);
			return 0;
		}
		if (!w) {
			w = calloc(1, sizeof(*w));
			if (!w) {
				inotify_rm_watch(p->fd, wd);
				return -ENOMEM;
			}
			w->wd = wd;
			HASH_ADD_INT(p->watches, wd, w);
		}
		/* What older rescans wanted of it may be wanted no more. */
		strv__free(w->next, w->nr_next);
		w->next = NULL;
		w->nr_next = 0;
		w->gen = p->gen;
		p->live++;
	}
	for (size_t i = 0; i < w->nr_next; i++) {
		if (!strncmp(w->next[i], next, len) && !w->next[i][len])
			return 1;
	}
	return strv__push(&w->next, &w->nr_next, next, len) ?: 1;
}

/* Watches dir, pat[0..lit) unescaped, for pat's next component; if dir
 * does not exist, its nearest existing ancestor for the component leading
 * towards it, so that creating it brings the rescan that goes deeper.
 * Returns 1 if dir exists, 0 if not, -ENOMEM. */
static int protect__watch_literal(struct protect *p, const char *pat,
				  size_t lit, const char *dir)
{
	size_t full = strlen(dir);
	char buf[PATH_MAX];

	/* Again if a directory came or went between looking and watching:
	 * its event came before the watch. A few times at most, so that a
	 * directory flapping under us cannot keep us here; the watches
	 * already set see it. */
	for (int tries = 0; tries < 4; tries++) {
		size_t dlen = full, plen = lit, child;
		int r;

		while (dlen && !path__is_dir(buf, dir, dlen)) {
			dlen = path__up(dir, dlen);
			plen = path__up(pat, plen);
		}
		r = protect__watch(p, path__prefix(buf, dir, dlen),
				   pat + plen + 1);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		if (dlen == full)
			return 1;
		child = dlen + 1 + strcspn(dir + dlen + 1, "/");
		if (!r || !path__is_dir(buf, dir, child))
			return 0;
	}
	return 0;
}

/* Watches every directory matching pat[0..end) for the component after
 * it. Returns 1 if any matched, 0 if none, -ENOMEM. */
static int protect__watch_matches(struct protect *p, const char *pat,
				  size_t end)
{
	char buf[PATH_MAX];
	glob_t g;
	int err = glob__paths(path__prefix(buf, pat, end),
			      GLOB_NOSORT | GLOB_ONLYDIR, &g);

	for (size_t i = 0; !err && i < g.gl_pathc; i++) {
		if (protect__watch(p, g.gl_pathv[i], pat + end + 1) == -ENOMEM)
			err = -ENOMEM;
	}
	if (!err)
		err = g.gl_pathc > 0;
	globfree(&g);
	return err;
}

static bool protect__excluded(const struct pset *set, const char *path)
{
	for (size_t i = 0; i < set->nr_exclude; i++) {
		if (!fnmatch(set->exclude[i], path, 0))
			return true;
	}
	return false;
}

/* Adds the regular files matching pat; vanished or unreadable ones are
 * simply absent. */
static int protect__match(struct scan *s, const struct pset *set,
			  const char *pat, uint64_t bit)
{
	glob_t g;
	int err = glob__paths(pat, GLOB_NOSORT, &g);

	for (size_t i = 0; !err && i < g.gl_pathc; i++) {
		const char *path = g.gl_pathv[i];
		struct stat st;

		/* stat, not lstat: a symlink protects its target. */
		if (!protect__excluded(set, path) && !stat(path, &st) &&
		    S_ISREG(st.st_mode))
			err = table__add(&s->t, &st, bit);
	}
	globfree(&g);
	return err;
}

/* One absolute pattern: watches every directory a match could appear in
 * (its literal prefix, then each directory matching each deeper prefix),
 * before reading them, so that nothing comes unseen in between; then adds
 * its matches. */
static int protect__pattern(struct scan *s, const struct pset *set,
			    const char *pat, uint64_t bit)
{
	char dir[PATH_MAX], *o = dir;
	size_t lit = 0, at;
	int r;

	/* The literal prefix: the directories before the first component
	 * with glob characters, or before the file name. */
	for (at = 1; ; ) {
		size_t end = at + strcspn(pat + at, "/");

		if (!pat[end] || glob__magic(pat + at, end - at))
			break;
		lit = end;
		at = end + 1;
	}
	for (size_t i = 0; i < lit; i++) {
		if (pat[i] == '\\' && i + 1 < lit)
			i++;
		*o++ = pat[i];
	}
	*o = '\0';
	r = protect__watch_literal(s->p, pat, lit, dir);
	if (r <= 0)
		return r;
	for (at = lit + 1; r > 0; ) {
		size_t end = at + strcspn(pat + at, "/");

		if (!pat[end])
			break;
		r = protect__watch_matches(s->p, pat, end);
		at = end + 1;
	}
	return r <= 0 ? r : protect__match(s, set, pat, bit);
}

static int protect__path(struct scan *s, const struct pset *set,
			 const char *path, uint64_t bit)
{
	char pat[PATH_MAX];

	if (path[0] == '/')
		return protect__pattern(s, set, path, bit);
	for (size_t i = 0; i < s->nr_homes; i++) {
		int err;

		if (snprintf(pat, sizeof(pat), "%s%s", s->homes[i], path + 1) >=
		    (int)sizeof(pat))
			continue;
		err = protect__pattern(s, set, pat, bit);
		if (err)
			return err;
	}
	return 0;
}

/* Removes the watches this rescan did not want. */
static void protect__sweep(struct protect *p)
{
	struct watch *w, *tmp;

	HASH_ITER(hh, p->watches, w, tmp) {
		if (w->gen == p->gen)
			continue;
		/* EINVAL when the kernel dropped it, its directory gone. */
		inotify_rm_watch(p->fd, w->wd);
		protect__watch_del(p, w);
	}
}

int protect__rescan(struct protect *p)
{
	struct scan s = { .p = p };
	bool changed;
	int err = 0;

	p->gen++;
	p->live = 0;
	p->stats.rescans++;
	if (p->homes) {
		err = protect__load_homes(&s);
		/* useradd replaces /etc/passwd by a rename; vipw may rewrite
		 * it in place. */
		if (!err && protect__watch(p, "/etc", "passwd") == -ENOMEM)
			err = -ENOMEM;
	}
	for (size_t i = 0; !err && i < p->nr_sets; i++) {
		const struct pset *set = &p->sets[i];

		for (size_t j = 0; !err && j < set->nr_paths; j++)
			err = protect__path(&s, set, set->paths[j], 1ull << i);
	}
	strv__free(s.homes, s.nr_homes);
	if (err) {
		/* The old table stays; the watches of both, until the next
		 * rescan's sweep. */
		free(s.t.e);
		p->stats.watches = HASH_COUNT(p->watches);
		log__errno(err, "cannot resolve the protected files");
		return err;
	}
	table__finish(&s.t);
	protect__sweep(p);
	p->stats.watches = HASH_COUNT(p->watches);
	p->stats.truncated += s.t.dropped;
	if (s.t.dropped && !p->cap_logged) {
		p->cap_logged = true;
		log_warn("more than %d protected files: %" PRIu64 " left "
			 "unprotected", ENTRIES_MAX, s.t.dropped);
	}
	changed = !table__equal(p->entries, p->nr_entries, s.t.e, s.t.n);
	free(p->entries);
	p->entries = s.t.e;
	p->nr_entries = s.t.n;
	return changed;
}

struct protect *protect__new(const struct protect_set *sets, size_t n)
{
	struct protect *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (p->fd < 0)
		p->fd = -errno;
	if (protect__copy(p, sets, n) || protect__rescan(p) < 0) {
		protect__free(p);
		return NULL;
	}
	return p;
}

void protect__free(struct protect *p)
{
	struct watch *w, *tmp;

	if (!p)
		return;
	HASH_ITER(hh, p->watches, w, tmp)
		protect__watch_del(p, w);
	if (p->fd >= 0)
		close(p->fd);
	for (size_t i = 0; i < p->nr_sets; i++) {
		strv__free(p->sets[i].paths, p->sets[i].nr_paths);
		strv__free(p->sets[i].exclude, p->sets[i].nr_exclude);
	}
	free(p->sets);
	free(p->entries);
	free(p);
}

int protect__fd(const struct protect *p)
{
	return p->fd < 0 ? -1 : p->fd;
}

/* Whether ev can change what a rescan finds: a name matching a component
 * its directory is watched for, or the directory itself changing. */
static bool protect__relevant(const struct protect *p,
			      const struct inotify_event *ev)
{
	const struct watch *w;

	if (ev->mask & IN_Q_OVERFLOW)
		return true;
	/* After a removal: ours, or the IN_DELETE_SELF already seen. */
	if (ev->mask & IN_IGNORED)
		return false;
	if (!ev->len)
		return true;
	w = protect__watch_of(p, ev->wd);
	for (size_t i = 0; w && i < w->nr_next; i++) {
		/* glob(3) matches a leading '.' only explicitly. */
		if (!fnmatch(w->next[i], ev->name, FNM_PERIOD))
			return true;
	}
	return false;
}

int protect__refresh(struct protect *p)
{
	char buf[4096]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	bool relevant = false;
	ssize_t len;

	if (p->fd < 0)
		return 0;
	for (;;) {
		len = read(p->fd, buf, sizeof(buf));
		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0)
			break;
		for (char *at = buf; at < buf + len; ) {
			const struct inotify_event *ev = (const void *)at;

			relevant |= protect__relevant(p, ev);
			at += sizeof(*ev) + ev->len;
		}
	}
	if (len < 0 && errno != EAGAIN) {
		int err = -errno;

		log__errno(err, "cannot read the protected files' events");
		return err;
	}
	return relevant ? protect__rescan(p) : 0;
}

const struct protect_entry *protect__entries(const struct protect *p,
					     size_t *n)
{
	*n = p->nr_entries;
	return p->entries;
}

void protect__stats(const struct protect *p, struct protect_stats *out)
{
	*out = p->stats;
}
