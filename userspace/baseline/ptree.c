// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptree.h"
#include "strv.h"

/* Names whose directory or file is a secret, or runs at login: never
 * folded, never matched by "*" or "**", so reading or writing one is
 * news whatever else was. */
#define SECRET(s) { s, sizeof(s) - 1 }
static const struct bytes secrets[] = {
	SECRET(".ssh"), SECRET(".aws"), SECRET(".gnupg"), SECRET(".kube"),
	SECRET(".docker"), SECRET(".netrc"), SECRET(".git-credentials"),
	SECRET(".pgpass"), SECRET(".vault-token"), SECRET("credentials"),
	SECRET("shadow"), SECRET("gshadow"), SECRET("sudoers"),
	SECRET("authorized_keys"),
	/* what a shell runs at login: persistence */
	SECRET(".bashrc"), SECRET(".bash_profile"), SECRET(".profile"),
	SECRET(".zshrc"),
};

/* Folding a name seen in one session needs this many such siblings,
 * and learning this many sessions. */
#define VARIANTS_MIN 2
#define SESSIONS_MIN 4

static uint64_t hash__of(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)p[i]) * 0x100000001b3ull;
	return h;
}

static bool is__glob(const struct bytes *c, const char *glob)
{
	return bytes__is(c->p, c->len, glob);
}

/* Lengths first: matching asks this of every component a glob takes. */
static bool name__secret(const char *p, size_t len)
{
	for (size_t i = 0; i < sizeof(secrets) / sizeof(*secrets); i++)
		if (secrets[i].len == len && !memcmp(secrets[i].p, p, len))
			return true;
	return false;
}

static void comp__push(struct pcomps *pc, const char *p, size_t len)
{
	if (pc->n == PTREE_DEPTH)
		return;
	pc->c[pc->n] = (struct bytes){ p, len };
	pc->h[pc->n++] = hash__of(p, len);
}

void pcomps__split(const char *path, size_t len, struct pcomps *pc)
{
	size_t i = 0, start;

	pc->n = 0;
	while (i < len) {
		while (i < len && path[i] == '/')
			i++;
		for (start = i; i < len && path[i] != '/'; i++)
			;
		if (i > start)
			comp__push(pc, path + start, i - start);
	}
	/* /root/x and /home/USER/x are ~/x; a home alone stays itself. */
	if (pc->n >= 2 && bytes__is(pc->c[0].p, pc->c[0].len, "root")) {
		pc->c[0] = (struct bytes){ "~", 1 };
		pc->h[0] = hash__of("~", 1);
	} else if (pc->n >= 3 && bytes__is(pc->c[0].p, pc->c[0].len, "home")) {
		memmove(&pc->c[1], &pc->c[2], (pc->n - 2) * sizeof(*pc->c));
		memmove(&pc->h[1], &pc->h[2], (pc->n - 2) * sizeof(*pc->h));
		pc->n--;
		pc->c[0] = (struct bytes){ "~", 1 };
		pc->h[0] = hash__of("~", 1);
	}
}

/* ---------------------------------------------------------------- nodes */

static struct pnode **slot__of(const struct pnode *n, const char *p,
			       size_t len, uint64_t h)
{
	uint32_t mask = n->cap - 1;

	for (uint32_t i = h & mask;; i = (i + 1) & mask) {
		struct pnode *c = n->slots[i];

		if (!c || (c->hash == h && c->len == len &&
			   !memcmp(c->name, p, len)))
			return &n->slots[i];
	}
}

static struct pnode *child__find(const struct pnode *n, const char *p,
				 size_t len, uint64_t h)
{
	return n->cap ? *slot__of(n, p, len, h) : NULL;
}

static int node__grow(struct pnode *n)
{
	struct pnode **old = n->slots;
	uint32_t cap = n->cap;

	n->cap = cap ? cap * 2 : 4;
	n->slots = calloc(n->cap, sizeof(*n->slots));
	if (!n->slots) {
		n->slots = old;
		n->cap = cap;
		return -1;
	}
	for (uint32_t i = 0; i < cap; i++)
		if (old[i])
			*slot__of(n, old[i]->name, old[i]->len,
				  old[i]->hash) = old[i];
	free(old);
	return 0;
}

static struct pnode *node__new(struct pnode *parent, const char *p,
			       size_t len, uint64_t h)
{
	struct pnode *c = calloc(1, sizeof(*c));

	if (!c || !(c->name = strndup(p, len))) {
		free(c);
		return NULL;
	}
	c->len = len;
	c->hash = h;
	c->parent = parent;
	return c;
}

static struct pnode *child__get(struct pnode *n, const char *p, size_t len,
				uint64_t h)
{
	struct pnode *c;

	if (len == 1 && *p == '*') {
		if (!n->star)
			n->star = node__new(n, p, len, h);
		return n->star;
	}
	if ((c = child__find(n, p, len, h)))
		return c;
	if ((n->nr + 1) * 2 > n->cap && node__grow(n))
		return NULL;
	c = node__new(n, p, len, h);
	if (c) {
		*slot__of(n, p, len, h) = c;
		n->nr++;
	}
	return c;
}

static void node__clear(struct pnode *n)
{
	for (uint32_t i = 0; i < n->cap; i++)
		if (n->slots[i]) {
			node__clear(n->slots[i]);
			free(n->slots[i]);
		}
	if (n->star) {
		node__clear(n->star);
		free(n->star);
	}
	free(n->slots);
	free(n->name);
	strv__free(n->parents, n->nr_parents);
	free(n->parent_sessions);
	memset(n, 0, sizeof(*n));
}

void ptree__init(struct ptree *t)
{
	memset(t, 0, sizeof(*t));
}

void ptree__fini(struct ptree *t)
{
	node__clear(&t->root);
	t->patterns = 0;
}

static void node__seen(struct pnode *n, uint32_t sid)
{
	if (sid && (!n->sessions || n->last != sid)) {
		n->sessions++;
		n->last = sid;
	}
}

struct pnode *ptree__add(struct ptree *t, const struct pcomps *pc,
			 uint32_t sid)
{
	struct pnode *n = &t->root;
	bool rest = pc->n && is__glob(&pc->c[pc->n - 1], "**");
	size_t depth = pc->n - rest;

	node__seen(n, sid);
	for (size_t i = 0; i < depth && n; i++) {
		n = child__get(n, pc->c[i].p, pc->c[i].len, pc->h[i]);
		if (n)
			node__seen(n, sid);
	}
	if (!n)
		return NULL;
	if (!n->leaf && !n->rest)
		t->patterns++;
	if (rest)
		n->rest = true;
	else
		n->leaf = true;
	return n;
}

/* ---------------------------------------------------------------- matching */

struct walk {
	const struct pcomps *pc;
	size_t deepest;
	const struct pnode *deep;
};

/* Whether a glob may stand for pc's components from i on: not for a
 * secret. */
static bool glob__may(const struct walk *w, size_t i, size_t to)
{
	for (; i < to; i++)
		if (name__secret(w->pc->c[i].p, w->pc->c[i].len))
			return false;
	return true;
}

/* A name before "*" before "**" (which stands for one component or
 * more): the most specific pattern wins. */
static const struct pnode *node__match(struct walk *w, const struct pnode *n,
				       size_t i)
{
	const struct pnode *c, *m;

	if (i >= w->deepest) {
		w->deepest = i;
		w->deep = n;
	}
	if (i == w->pc->n)
		return n->leaf ? n : NULL;
	c = child__find(n, w->pc->c[i].p, w->pc->c[i].len, w->pc->h[i]);
	if (c && (m = node__match(w, c, i + 1)))
		return m;
	if (n->star && glob__may(w, i, i + 1) &&
	    (m = node__match(w, n->star, i + 1)))
		return m;
	return n->rest && glob__may(w, i, w->pc->n) ? n : NULL;
}

const struct pnode *ptree__match(const struct ptree *t,
				 const struct pcomps *pc)
{
	struct walk w = { .pc = pc };

	return node__match(&w, &t->root, 0);
}

/* ---------------------------------------------------------------- text */

/* Bytes a baseline file cannot hold bare: separators, '%', '=', and
 * anything not printable ASCII. */
size_t ptree__escape(const char *p, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 4 < cap; i++) {
		unsigned char ch = p[i];

		if (ch <= ' ' || ch >= 0x7f || ch == '%' || ch == '=')
			o += snprintf(out + o, cap - o, "%%%02X", ch);
		else
			out[o++] = ch;
	}
	out[o] = '\0';
	return o;
}

void pnode__pattern(const struct pnode *n, bool rest, char *buf, size_t len)
{
	const struct pnode *chain[PTREE_DEPTH + 1];
	size_t depth = 0, o = 0;

	for (const struct pnode *p = n; p && p->parent && depth < PTREE_DEPTH;
	     p = p->parent)
		chain[depth++] = p;
	buf[0] = '\0';
	if (!len)
		return;
	while (depth-- && o + 2 < len) {
		bool home = !chain[depth]->parent->parent &&
			    bytes__is(chain[depth]->name, chain[depth]->len, "~");

		if (!home)
			buf[o++] = '/';
		o += ptree__escape(chain[depth]->name, chain[depth]->len,
				  buf + o, len - o);
	}
	if (rest && o + 4 < len)
		o += snprintf(buf + o, len - o, "/**");
	if (!o && len > 1)
		snprintf(buf, len, "/");
}

/* The first pattern below n: its busiest child's, down to one that ends
 * a pattern. */
static const struct pnode *node__first(const struct pnode *n)
{
	while (n && !n->leaf && !n->rest) {
		const struct pnode *best = n->star;

		for (uint32_t i = 0; i < n->cap; i++)
			if (n->slots[i] && (!best ||
			    n->slots[i]->sessions > best->sessions))
				best = n->slots[i];
		n = best;
	}
	return n;
}

void ptree__nearest(const struct ptree *t, const struct pcomps *pc,
		    char *buf, size_t len)
{
	struct walk w = { .pc = pc };
	const struct pnode *n;

	node__match(&w, &t->root, 0);
	n = node__first(w.deep);
	if (n && n != &t->root)
		pnode__pattern(n, !n->leaf, buf, len);
	else
		snprintf(buf, len, "-");
}

/* ---------------------------------------------------------------- learning */

/* A name no two sessions would share: a number, a long run of digits or
 * of hex, many digits (tmp839201, a pid, a hash, a time), not a version
 * (python3.11, x86_64-linux-gnu). */
static bool name__varies(const char *p, size_t len)
{
	size_t digits = 0, run = 0, best_run = 0, hex = 0, best_hex = 0;

	for (size_t i = 0; i < len; i++) {
		bool d = isdigit((unsigned char)p[i]);

		digits += d;
		run = d ? run + 1 : 0;
		hex = isxdigit((unsigned char)p[i]) ? hex + 1 : 0;
		if (run > best_run)
			best_run = run;
		if (hex > best_hex)
			best_hex = hex;
	}
	return (digits && digits == len) || best_run >= 5 || digits >= 8 ||
	       (best_hex >= 8 && digits);
}

int pnode__add_parent(struct pnode *n, const char *parent, uint32_t sessions)
{
	size_t j = 0;
	uint32_t *s;

	while (j < n->nr_parents && strcmp(n->parents[j], parent))
		j++;
	if (j == n->nr_parents) {
		char *last;

		s = realloc(n->parent_sessions, (j + 1) * sizeof(*s));
		if (!s)
			return -ENOMEM;
		n->parent_sessions = s;
		if (strv__push(&n->parents, &n->nr_parents, parent,
			       strlen(parent)))
			return -ENOMEM;
		/* Kept sorted, so that the file's lines are. */
		last = n->parents[j];
		while (j && strcmp(n->parents[j - 1], last) > 0) {
			n->parents[j] = n->parents[j - 1];
			s[j] = s[j - 1];
			j--;
		}
		n->parents[j] = last;
		s[j] = 0;
	}
	n->parent_sessions[j] += sessions;
	return 0;
}

/* Moves what src learnt into dst (a "*" or a "**" taking it in). */
static void node__merge(struct pnode *dst, const struct pnode *src)
{
	dst->leaf |= src->leaf;
	dst->rest |= src->rest;
	dst->sessions += src->sessions;
	for (size_t i = 0; i < src->nr_parents; i++)
		pnode__add_parent(dst, src->parents[i], src->parent_sessions[i]);
	for (uint32_t i = 0; i < src->cap; i++) {
		const struct pnode *c = src->slots[i];
		struct pnode *d = c ? child__get(dst, c->name, c->len,
						 c->hash) : NULL;

		if (d)
			node__merge(d, c);
	}
	if (src->star) {
		struct pnode *d = child__get(dst, "*", 1, hash__of("*", 1));

		if (d)
			node__merge(d, src->star);
	}
}

static void node__drop(struct pnode *c)
{
	node__clear(c);
	free(c);
}

typedef bool (*fold_fn)(const struct pnode *c, const void *ctx);

/* Children for which fold says so go into "*" (NULL: into n's "**"). */
static void node__fold(struct pnode *n, fold_fn fold, const void *ctx,
		       bool into_star)
{
	struct pnode **old = n->slots;
	uint32_t cap = n->cap;

	n->slots = NULL;
	n->cap = n->nr = 0;
	for (uint32_t i = 0; i < cap; i++) {
		struct pnode *c = old[i], *star;

		if (!c)
			continue;
		if (!fold(c, ctx)) {
			if ((n->nr + 1) * 2 > n->cap && node__grow(n)) {
				node__drop(c);	/* out of memory: forgotten */
				continue;
			}
			*slot__of(n, c->name, c->len, c->hash) = c;
			n->nr++;
			continue;
		}
		star = into_star ? child__get(n, "*", 1, hash__of("*", 1)) : NULL;
		if (star)
			node__merge(star, c);
		node__drop(c);
	}
	free(old);
}

struct fold_ctx {
	uint32_t sessions;	/* learnt from */
	bool programs;		/* the exec tree: its leaves are programs,
				 * and a new one is news */
};

/* A name only one session had (its workspace, a temporary file or
 * directory; but a program is itself), or a name made to vary. */
static bool fold__variant(const struct pnode *c, const void *arg)
{
	const struct fold_ctx *f = arg;
	bool dir = c->nr || c->star || c->rest;

	if (name__secret(c->name, c->len))
		return false;
	if (name__varies(c->name, c->len))
		return true;
	return (dir || !f->programs) && c->sessions <= 1 &&
	       f->sessions >= SESSIONS_MIN;
}

static bool fold__unsecret(const struct pnode *c, const void *arg)
{
	return !name__secret(c->name, c->len);
}

static uint32_t variants__count(const struct pnode *n, const struct fold_ctx *f)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < n->cap; i++)
		if (n->slots[i] && fold__variant(n->slots[i], f) &&
		    !name__varies(n->slots[i]->name, n->slots[i]->len))
			k++;
	return k;
}

static bool fold__varies(const struct pnode *c, const void *arg)
{
	return !name__secret(c->name, c->len) && name__varies(c->name, c->len);
}

static void node__generalise(struct pnode *n, int depth,
			     const struct fold_ctx *f, uint32_t fanout)
{
	/* A few single-session directories may be chance; many are a name
	 * that changes with each session. */
	node__fold(n, variants__count(n, f) >= VARIANTS_MIN ? fold__variant
							    : fold__varies,
		   f, true);
	/* "/" and "~" and their entries ("/usr", "~/.cache") never become
	 * "**": that would hide everything. */
	if (fanout && depth >= 2 && !name__secret(n->name, n->len) &&
	    n->nr + (n->star != NULL) > fanout) {
		n->rest = true;
		node__fold(n, fold__unsecret, NULL, false);
		if (n->star)
			node__drop(n->star);
		n->star = NULL;
	}
	for (uint32_t i = 0; i < n->cap; i++)
		if (n->slots[i])
			node__generalise(n->slots[i], depth + 1, f, fanout);
	if (n->star)
		node__generalise(n->star, depth + 1, f, fanout);
}

static size_t node__count(const struct pnode *n)
{
	size_t k = n->leaf || n->rest;

	for (uint32_t i = 0; i < n->cap; i++)
		if (n->slots[i])
			k += node__count(n->slots[i]);
	return k + (n->star ? node__count(n->star) : 0);
}

void ptree__generalise(struct ptree *t, uint32_t sessions, uint32_t fanout)
{
	struct fold_ctx f = { .sessions = sessions, .programs = !fanout };

	node__generalise(&t->root, 0, &f, fanout);
	t->patterns = node__count(&t->root);
}

/* ---------------------------------------------------------------- walks */

static int node__cmp(const void *a, const void *b)
{
	const struct pnode *x = *(const struct pnode *const *)a;
	const struct pnode *y = *(const struct pnode *const *)b;

	return strcmp(x->name, y->name);
}

static void node__each(const struct pnode *n,
		       void (*fn)(const struct pnode *n, void *ctx), void *ctx)
{
	const struct pnode **kids;
	size_t k = 0;

	if (n->leaf || n->rest)
		fn(n, ctx);
	kids = malloc((n->nr + 1) * sizeof(*kids));
	if (!kids)
		return;
	if (n->star)
		kids[k++] = n->star;
	for (uint32_t i = 0; i < n->cap; i++)
		if (n->slots[i])
			kids[k++] = n->slots[i];
	qsort(kids, k, sizeof(*kids), node__cmp);
	for (size_t i = 0; i < k; i++)
		node__each(kids[i], fn, ctx);
	free(kids);
}

void ptree__each(const struct ptree *t,
		 void (*fn)(const struct pnode *n, void *ctx), void *ctx)
{
	node__each(&t->root, fn, ctx);
}

int ptree__merge(struct ptree *t, const struct ptree *other)
{
	node__merge(&t->root, &other->root);
	t->patterns = node__count(&t->root);
	return 0;
}
