// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <math.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <uthash.h>

#include "dnsname.h"
#include "items.h"
#include "learn.h"
#include "peaks.h"

/* Files read or written below a directory with more entries than this
 * are learnt as "dir" and everything below it. */
#define FANOUT 16
/* This many hosts of one /24 on one port: the /24; this many names
 * under one parent domain: "*.PARENT". */
#define NET_HOSTS 3

/* Something seen, counted once per session. */
struct seen {
	UT_hash_handle hh;
	uint32_t sessions, last;
	size_t len;
	char key[];
};

/* A session under way: its sandbox, its number, its rates. Once over,
 * only its busiest minutes stay (peaks.h). */
struct running {
	UT_hash_handle hh;
	const struct sandbox *sb;
	uint32_t sid;
	uint64_t start_ns;		/* of its current minute */
	uint64_t now[BL_RATES];		/* that minute's */
	uint64_t peak[BL_RATES];	/* its busiest minute's */
};

struct learner {
	struct baseline *bl;
	uint32_t nr;			/* sessions seen */
	struct running *running;	/* by sandbox */
	struct peaks ended;		/* the busiest minutes of the rest */
	size_t items, max_items;	/* distinct items held, the cap */
	uint64_t dropped;		/* new items past the cap */
	struct item it;
	struct seen *execs;	/* "program\0parent" */
	struct seen *dests;	/* proto, addr, port */
	struct seen *words[BL_SETS];
};

struct learner *learner__new(const char *profile)
{
	struct learner *l = calloc(1, sizeof(*l));

	if (!l || !(l->bl = baseline__new(profile))) {
		free(l);
		return NULL;
	}
	return l;
}

static void seen__clear(struct seen **set)
{
	struct seen *s, *tmp;

	HASH_ITER(hh, *set, s, tmp) {
		HASH_DEL(*set, s);
		free(s);
	}
}

void learner__free(struct learner *l)
{
	if (!l)
		return;
	learner__end_file(l);
	seen__clear(&l->execs);
	seen__clear(&l->dests);
	for (int i = 0; i < BL_SETS; i++)
		seen__clear(&l->words[i]);
	baseline__free(l->bl);
	peaks__free(&l->ended);
	free(l);
}

static void running__end(struct learner *l, struct running *r)
{
	peaks__add(&l->ended, r->peak);
	HASH_DEL(l->running, r);
	free(r);
}

void learner__end_file(struct learner *l)
{
	struct running *r, *tmp;

	HASH_ITER(hh, l->running, r, tmp)
		running__end(l, r);
}

bool learner__end_session(struct learner *l, const struct sandbox *sb)
{
	struct running *r;

	HASH_FIND_PTR(l->running, &sb, r);
	if (r)
		running__end(l, r);
	return r != NULL;
}

uint32_t learner__sessions(const struct learner *l)
{
	return l->nr;
}

uint32_t learner__running(const struct learner *l)
{
	return HASH_COUNT(l->running);
}

uint32_t learner__kept(const struct learner *l)
{
	return l->ended.n;
}

void learner__limit(struct learner *l, size_t max_items)
{
	l->max_items = max_items;
}

void learner__counts(const struct learner *l, size_t *items,
		     uint64_t *dropped)
{
	*items = l->items;
	*dropped = l->dropped;
}

/* Room for one more item; a learner at its cap counts what it drops. */
static bool learner__room(struct learner *l)
{
	if (l->max_items && l->items >= l->max_items) {
		l->dropped++;
		return false;
	}
	l->items++;
	return true;
}

static void seen__add(struct learner *l, struct seen **set, const void *key,
		      size_t len, uint32_t sid)
{
	struct seen *s;

	HASH_FIND(hh, *set, key, len, s);
	if (!s) {
		if (!learner__room(l) || !(s = calloc(1, sizeof(*s) + len)))
			return;
		memcpy(s->key, key, len);
		s->len = len;
		HASH_ADD(hh, *set, key, len, s);
	}
	if (s->last != sid) {
		s->sessions++;
		s->last = sid;
	}
}

/* The session of ev's sandbox (numbered from 1), made with its first
 * record; NULL when out of memory. */
static struct running *session__of(struct learner *l, const struct event *ev)
{
	struct running *r;

	HASH_FIND_PTR(l->running, &ev->sandbox, r);
	if (r || !(r = calloc(1, sizeof(*r))))
		return r;
	r->sb = ev->sandbox;
	r->start_ns = ev->ktime_ns;
	r->sid = ++l->nr;
	HASH_ADD_PTR(l->running, sb, r);
	return r;
}

static void session__rates(struct running *s, const struct event *ev)
{
	uint64_t amounts[BL_RATES];

	item__rates(ev, amounts);
	if (ev->ktime_ns >= s->start_ns + RATE_WINDOW_NS) {
		memset(s->now, 0, sizeof(s->now));
		s->start_ns = ev->ktime_ns;
	}
	for (int r = 0; r < BL_RATES; r++) {
		s->now[r] += amounts[r];
		if (s->now[r] > s->peak[r])
			s->peak[r] = s->now[r];
	}
}

/* The program and its parent as recorded, "program\0parent": they are
 * generalised once the exec tree is. */
static void exec__learn(struct learner *l, const struct event *ev,
			uint32_t sid)
{
	char key[2 * VIGIL_PATH_MAX + 2];
	size_t plen = ev->exec.file.len, alen = l->it.parent.len;

	if (plen >= VIGIL_PATH_MAX || alen >= VIGIL_PATH_MAX)
		return;
	memcpy(key, ev->exec.file.p, plen);
	key[plen++] = '\0';
	memcpy(key + plen, l->it.parent.p, alen);
	seen__add(l, &l->execs, key, plen + alen, sid);
}

/* A destination: its protocol, address and port as one key. */
struct dest_key {
	uint8_t proto;
	uint16_t port;
	struct addr addr;
};

/* A path a tree does not hold yet takes room (the trees are not
 * generalised while learning: a match is the path itself). */
static bool path__learn(struct learner *l, const struct item *it,
			uint32_t sid)
{
	struct ptree *t = &l->bl->trees[it->tree];

	if (!ptree__match(t, &it->pc) && !learner__room(l))
		return false;
	return ptree__add(t, &it->pc, sid) != NULL;
}

void learner__event(struct learner *l, const struct event *ev)
{
	struct item *it = &l->it;
	struct running *s;
	uint32_t sid;

	if (!ev->sandbox || !(s = session__of(l, ev)))
		return;
	sid = s->sid;
	session__rates(s, ev);
	if (!item__of(ev, it))
		return;
	if (it->tree >= 0 && !path__learn(l, it, sid))
		return;
	if (it->tree == BL_EXEC)
		exec__learn(l, ev, sid);
	if (it->set >= 0)
		seen__add(l, &l->words[it->set], it->word,
			  strlen(it->word) + 1, sid);
	if (it->dest) {
		struct dest_key k;

		memset(&k, 0, sizeof(k));
		k.proto = it->proto;
		k.port = it->port;
		k.addr = it->addr;
		seen__add(l, &l->dests, &k, sizeof(k), sid);
	}
}

/* ---------------------------------------------------------------- finish */

/* A parent program as the exec tree generalised it, or as it is. */
static void parent__pattern(const struct ptree *t, const char *p, size_t len,
			    char *buf, size_t cap)
{
	struct pcomps pc;
	const struct pnode *n;

	pcomps__split(p, len, &pc);
	n = ptree__match(t, &pc);
	if (n)
		pnode__pattern(n, false, buf, cap);
	else
		pcomps__text(&pc, buf, cap);
}

static void execs__finish(struct learner *l, struct baseline *bl)
{
	struct ptree *t = &bl->trees[BL_EXEC];
	char parent[FILEPATH_ESC_MAX];
	struct seen *s, *tmp;

	HASH_ITER(hh, l->execs, s, tmp) {
		size_t plen = strlen(s->key);
		struct pnode *n;
		struct pcomps pc;

		pcomps__split(s->key, plen, &pc);
		n = (struct pnode *)ptree__match(t, &pc);
		if (!n)
			continue;
		if (s->len == plen + 1)	/* the session's first: "-" */
			snprintf(parent, sizeof(parent), "-");
		else
			parent__pattern(t, s->key + plen + 1,
					s->len - plen - 1, parent,
					sizeof(parent));
		pnode__add_parent(n, parent, s->sessions);
	}
}

static bool addr__loopback(const struct addr *a)
{
	static const uint8_t v6_lo[16] = { [15] = 1 };

	return a->family == AF_INET ? a->a[0] == 127
				    : !memcmp(a->a, v6_lo, 16);
}

/* Loopback is one network, whatever port a test server got; a remote
 * host is itself, unless NET_HOSTS of its /24 share its port. */
static void dest__general(const struct learner *l, const struct dest_key *k,
			  struct bl_dest *d)
{
	bool v4 = k->addr.family == AF_INET;
	uint32_t hosts = 0;
	struct seen *s, *tmp;

	*d = (struct bl_dest){ .proto = k->proto };
	d->d.net = k->addr;
	d->d.prefix = v4 ? 32 : 128;
	d->d.port_lo = d->d.port_hi = k->port;
	if (addr__loopback(&k->addr)) {
		d->d.prefix = v4 ? 8 : 128;
		if (v4)
			memset(d->d.net.a + 1, 0, 3);
		if (k->port >= 32768)
			d->d.port_hi = 65535, d->d.port_lo = 32768;
		return;
	}
	HASH_ITER(hh, l->dests, s, tmp) {
		const struct dest_key *o = (const void *)s->key;

		hosts += o->proto == k->proto && o->port == k->port &&
			 o->addr.family == AF_INET && v4 &&
			 !memcmp(o->addr.a, k->addr.a, 3);
	}
	if (hosts >= NET_HOSTS) {
		d->d.prefix = 24;
		d->d.net.a[3] = 0;
	}
}

static void dests__finish(struct learner *l, struct baseline *bl)
{
	struct seen *s, *tmp;
	struct bl_dest d;

	HASH_ITER(hh, l->dests, s, tmp) {
		dest__general(l, (const void *)s->key, &d);
		d.sessions = s->sessions;
		baseline__add_dest(bl, &d);
	}
	/* Several hosts of a network may have been seen in one session. */
	for (size_t i = 0; i < bl->nr_dests; i++)
		if (bl->dests[i].sessions > l->nr)
			bl->dests[i].sessions = l->nr;
}

/* The names under each parent domain, counted in a set of its own. */
static void dns__parents(struct learner *l, struct seen **parents)
{
	struct seen *s, *tmp, *p;

	HASH_ITER(hh, l->words[BL_DNS], s, tmp) {
		size_t len = strlen(s->key);
		size_t at = dnsname__parent(s->key, len);

		if (!at)
			continue;	/* a parent itself */
		HASH_FIND(hh, *parents, s->key + at, len - at + 1, p);
		if (!p && (p = calloc(1, sizeof(*p) + len - at + 1))) {
			memcpy(p->key, s->key + at, len - at + 1);
			p->len = len - at + 1;
			HASH_ADD(hh, *parents, key, p->len, p);
		}
		if (p)
			p->sessions++;	/* here: names */
	}
}

/* A CDN's or an API's host names vary: NET_HOSTS names under one parent
 * are "*.PARENT". */
static void dns__finish(struct learner *l, struct baseline *bl)
{
	struct seen *parents = NULL, *s, *tmp, *p;
	char word[sizeof(l->it.word) + 2];
	struct bl_words *w = &bl->words[BL_DNS];

	dns__parents(l, &parents);
	HASH_ITER(hh, l->words[BL_DNS], s, tmp) {
		size_t len = strlen(s->key);
		size_t at = dnsname__parent(s->key, len);

		p = NULL;
		if (at)
			HASH_FIND(hh, parents, s->key + at, len - at + 1, p);
		if (p && p->sessions >= NET_HOSTS)
			snprintf(word, sizeof(word), "*.%s", s->key + at);
		else
			snprintf(word, sizeof(word), "%s", s->key);
		bl_words__add(w, word, s->sessions);
	}
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].sessions > l->nr)
			w->v[i].sessions = l->nr;
	seen__clear(&parents);
}

static int dbl__cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double stat__median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), dbl__cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double stat__mad(double *v, size_t n, double median)
{
	for (size_t i = 0; i < n; i++)
		v[i] = fabs(v[i] - median);
	return stat__median(v, n);
}

/* Rate r's busiest minutes: the ended sessions' kept (peaks.h) and the
 * running ones'. Their number. */
static size_t rates__values(const struct learner *l, int r, double *v)
{
	const struct running *s, *tmp;
	size_t n = 0;

	for (uint32_t i = 0; i < l->ended.n; i++)
		v[n++] = l->ended.v[i][r];
	HASH_ITER(hh, l->running, s, tmp)
		v[n++] = s->peak[r];
	return n;
}

static void rates__finish(struct learner *l, struct baseline *bl)
{
	size_t cap = l->ended.n + HASH_COUNT(l->running);
	double *v = calloc(cap ?: 1, sizeof(*v));

	for (int r = 0; v && cap && r < BL_RATES; r++) {
		struct bl_stat *st = &bl->rates[r];
		size_t n = rates__values(l, r, v);

		st->max = l->ended.max[r];
		for (size_t i = 0; i < n; i++)
			if (v[i] > st->max)
				st->max = v[i];
		st->median = stat__median(v, n);
		st->mad = stat__mad(v, n, st->median);
		st->sessions = l->nr;
	}
	free(v);
}

/* bl holds the trees as learnt; the rest is the learner's. */
static struct baseline *learner__build(struct learner *l, struct baseline *bl)
{
	bl->sessions = l->nr;
	for (int t = 0; t < BL_TREES; t++)
		ptree__generalise(&bl->trees[t], l->nr,
				  t == BL_EXEC ? 0 : FANOUT);
	execs__finish(l, bl);
	dests__finish(l, bl);
	for (int i = 0; i < BL_SETS; i++) {
		struct seen *s, *tmp;

		HASH_ITER(hh, l->words[i], s, tmp)
			if (i != BL_DNS)
				bl_words__add(&bl->words[i], s->key,
					      s->sessions);
	}
	dns__finish(l, bl);
	rates__finish(l, bl);
	return bl;
}

struct baseline *learner__finish(struct learner *l)
{
	struct baseline *bl = l->bl;

	l->bl = NULL;
	return learner__build(l, bl);
}

/* Generalising folds the trees in place: a snapshot folds a copy. */
struct baseline *learner__snapshot(struct learner *l)
{
	struct baseline *bl = baseline__new(l->bl->profile);

	for (int t = 0; bl && t < BL_TREES; t++)
		ptree__merge(&bl->trees[t], &l->bl->trees[t]);
	return bl ? learner__build(l, bl) : NULL;
}
