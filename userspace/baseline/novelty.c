// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dnsname.h"
#include "items.h"
#include "learn.h"
#include "novelty.h"
#include "profile.h"

/* What a sandbox was told, and its current minute. */
struct sandbox_novelty {
	uint64_t gen;			/* of the table bl came from */
	const struct baseline *bl;	/* its profile's, or NULL */
	uint64_t *told;			/* item hashes, open addressing */
	uint32_t nr_told, cap_told;
	uint64_t start_ns;		/* of its minute */
	uint64_t now[BL_RATES];
	bool over[BL_RATES];		/* said this minute */
};

struct novelty {
	struct baselines *t;
	struct item it;
	char text[FILEPATH_ESC_MAX];
};

struct novelty *novelty__new(struct baselines *t)
{
	struct novelty *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->t = t;
	return n;
}

void novelty__free(struct novelty *n)
{
	if (!n)
		return;
	baselines__free(n->t);
	free(n);
}

struct baselines *novelty__swap(struct novelty *n, struct baselines *t)
{
	static uint64_t gens;
	struct baselines *old = n->t;

	if (t)
		t->gen = ++gens;
	n->t = t;
	return old;
}

void novelty__forget(struct sandbox *sb)
{
	if (!sb->novel)
		return;
	free(sb->novel->told);
	free(sb->novel);
	sb->novel = NULL;
}

/* ---------------------------------------------------------------- told */

static uint64_t hash__mix(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* Whether key was told before; tells it now if not. A full set tells
 * nothing more: a sandbox that finds thousands of new things has been
 * told enough to be stopped. */
static bool told__before(struct sandbox_novelty *s, uint64_t key)
{
	uint32_t mask;

	key |= 1;	/* 0 marks an empty slot */
	if ((s->nr_told + 1) * 2 > s->cap_told) {
		uint32_t cap = s->cap_told ? 2 * s->cap_told : 64;
		uint64_t *v, *old = s->told;

		if (s->nr_told >= NOVELTY_TOLD_MAX ||
		    !(v = calloc(cap, sizeof(*v))))
			return true;
		for (uint32_t i = 0; i < s->cap_told; i++) {
			uint32_t j = old[i] & (cap - 1);

			if (!old[i])
				continue;
			while (v[j])
				j = (j + 1) & (cap - 1);
			v[j] = old[i];
		}
		free(old);
		s->told = v;
		s->cap_told = cap;
	}
	mask = s->cap_told - 1;
	for (uint32_t i = key & mask;; i = (i + 1) & mask) {
		if (s->told[i] == key)
			return true;
		if (!s->told[i]) {
			s->told[i] = key;
			s->nr_told++;
			return false;
		}
	}
}

/* A new file is news once per directory: a tool unpacking a thousand
 * files somewhere new is one anomaly, not a thousand. */
static uint64_t item__key(const struct item *it)
{
	uint64_t h = hash__mix(0xcbf29ce484222325ull, &it->what,
			       sizeof(it->what));
	size_t comps = it->pc.n;

	if (it->tree >= 0) {
		if (it->tree != BL_EXEC && comps)
			comps--;
		h = hash__mix(h, &it->tree, sizeof(it->tree));
		for (size_t i = 0; i < comps; i++)
			h = hash__mix(h, &it->pc.h[i], sizeof(it->pc.h[i]));
		return hash__mix(h, it->parent.p, it->parent.len);
	}
	if (it->dest) {
		h = hash__mix(h, &it->proto, sizeof(it->proto));
		h = hash__mix(h, &it->port, sizeof(it->port));
		return hash__mix(h, &it->addr, sizeof(it->addr));
	}
	return hash__mix(h, it->word, strlen(it->word));
}

/* ---------------------------------------------------------------- lookups */

/* Whether text (an escaped path) matches pat: "*" one component, a last
 * "**" the rest. */
static bool glob__match(const char *pat, const char *text)
{
	for (;;) {
		const char *pe = strchrnul(pat, '/'), *te = strchrnul(text, '/');
		size_t pl = pe - pat, tl = te - text;

		if (pl == 2 && !memcmp(pat, "**", 2) && !*pe)
			return true;
		if (!(pl == 1 && *pat == '*' && tl) &&
		    (pl != tl || memcmp(pat, text, pl)))
			return false;
		if (!*pe || !*te)
			return !*pe && !*te;
		pat = pe + 1;
		text = te + 1;
	}
}

static void out__init(struct novelty_out *o, const struct baseline *bl,
		      uint16_t what, const char *op)
{
	o->what = what;
	o->op = op;
	o->sessions = bl->sessions;
	o->seen = 0;
	o->rarity = 1;
	o->value = o->limit = 0;
	snprintf(o->nearest, sizeof(o->nearest), "-");
}

/* A program run by a parent it never had: known, but not so. */
static bool exec__parent_new(struct novelty *n, const struct pnode *node,
			     struct novelty_out *o, const struct baseline *bl)
{
	struct pcomps pc;
	char pat[NOVELTY_TEXT_MAX];

	if (!n->it.parent.len || !node->nr_parents)
		return false;
	pcomps__split(n->it.parent.p, n->it.parent.len, &pc);
	pcomps__text(&pc, n->text, sizeof(n->text));
	for (size_t i = 0; i < node->nr_parents; i++)
		if (glob__match(node->parents[i], n->text))
			return false;
	out__init(o, bl, ANOMALY_EXEC, "exec");
	pcomps__text(&n->it.pc, pat, sizeof(pat));
	snprintf(o->item, sizeof(o->item), "%s parent=%s", pat, n->text);
	pnode__pattern(node, false, pat, sizeof(pat));
	snprintf(o->nearest, sizeof(o->nearest), "%s parent=%s", pat,
		 node->parents[0]);
	o->seen = node->sessions;
	return true;
}

static bool tree__new(struct novelty *n, const struct baseline *bl,
		      struct novelty_out *o)
{
	const struct item *it = &n->it;
	const struct pnode *node = ptree__match(&bl->trees[it->tree], &it->pc);

	if (node)
		return it->tree == BL_EXEC && exec__parent_new(n, node, o, bl);
	out__init(o, bl, it->what, bl_tree__name(it->tree));
	pcomps__text(&it->pc, o->item, sizeof(o->item));
	if (it->tree == BL_EXEC && it->parent.len) {
		struct pcomps pc;
		size_t len = strlen(o->item);

		pcomps__split(it->parent.p, it->parent.len, &pc);
		snprintf(o->item + len, sizeof(o->item) - len, " parent=");
		len = strlen(o->item);
		pcomps__text(&pc, o->item + len, sizeof(o->item) - len);
	}
	ptree__nearest(&bl->trees[it->tree], &it->pc, o->nearest,
		       sizeof(o->nearest));
	return true;
}

static bool dest__new(const struct item *it, const struct baseline *bl,
		      struct novelty_out *o)
{
	struct bl_dest d = { .proto = it->proto };
	const struct bl_dest *near = NULL;

	if (baseline__dest(bl, it->proto, &it->addr, it->port))
		return false;
	d.d.net = it->addr;
	d.d.prefix = it->addr.family == AF_INET ? 32 : 128;
	d.d.port_lo = d.d.port_hi = it->port;
	out__init(o, bl, ANOMALY_CONNECT, it->proto == IPPROTO_UDP ? "udp"
					  : "tcp");
	bl_dest__text(&d, o->item, sizeof(o->item));
	/* The nearest: one on the same port, else the first. */
	for (size_t i = 0; i < bl->nr_dests && !near; i++)
		if (it->port >= bl->dests[i].d.port_lo &&
		    it->port <= bl->dests[i].d.port_hi)
			near = &bl->dests[i];
	if (!near && bl->nr_dests)
		near = &bl->dests[0];
	if (near) {
		bl_dest__text(near, o->nearest, sizeof(o->nearest));
		o->seen = near->sessions;
	}
	return true;
}

/* A name, or "*.PARENT" for the names under its parent. */
static bool dns__known(const struct bl_words *w, const char *name)
{
	char star[sizeof(((struct item *)0)->word) + 2];
	size_t len = strlen(name), at = dnsname__parent(name, len);

	if (bl_words__has(w, name, NULL))
		return true;
	snprintf(star, sizeof(star), "*.%s", name + at);
	return at && bl_words__has(w, star, NULL);
}

/* Whether w, a word of the set, is near word: it starts with the same
 * first word (a DNS name: ends with the same parent domain). */
static bool word__near(int set, const char *w, const char *word)
{
	size_t len = strlen(word), first = strcspn(word, " ");

	if (set == BL_DNS) {
		size_t at = dnsname__parent(word, len), wl = strlen(w);

		return wl >= len - at && !strcmp(w + wl - (len - at),
						 word + at);
	}
	return !strncmp(w, word, first) && (w[first] == ' ' || !w[first]);
}

static bool word__new(const struct item *it, const struct baseline *bl,
		      struct novelty_out *o)
{
	const struct bl_words *w = &bl->words[it->set];

	if (it->set == BL_DNS ? dns__known(w, it->word)
			      : bl_words__has(w, it->word, NULL))
		return false;
	out__init(o, bl, it->what, bl_set__name(it->set));
	snprintf(o->item, sizeof(o->item), "%s", it->word);
	for (size_t i = 0; i < w->n; i++)
		if (word__near(it->set, w->v[i].word, it->word)) {
			snprintf(o->nearest, sizeof(o->nearest), "%s",
				 w->v[i].word);
			o->seen = w->v[i].sessions;
			break;
		}
	return true;
}

/* ---------------------------------------------------------------- scoring */

/* The sandbox's slot, its baseline found again after a swap. */
static struct sandbox_novelty *slot__of(struct novelty *n, struct sandbox *sb)
{
	struct sandbox_novelty *s = sb->novel;

	if (!s && !(s = sb->novel = calloc(1, sizeof(*s))))
		return NULL;
	if (!s->gen || s->gen != (n->t ? n->t->gen : 0)) {
		s->gen = n->t ? n->t->gen : 0;
		s->bl = baselines__of(n->t, sb->agent ? sb->agent->name : NULL);
		if (!s->gen)
			s->gen = ~0ull;	/* no table: looked up, none */
	}
	return s;
}

static size_t rates__over(struct sandbox_novelty *s, const struct event *ev,
			  struct novelty_out *out, size_t max)
{
	uint64_t amounts[BL_RATES];
	size_t k = 0;

	item__rates(ev, amounts);
	if (ev->ktime_ns >= s->start_ns + RATE_WINDOW_NS) {
		memset(s->now, 0, sizeof(s->now));
		memset(s->over, 0, sizeof(s->over));
		s->start_ns = ev->ktime_ns;
	}
	for (int r = 0; r < BL_RATES && k < max; r++) {
		double limit;

		if (!amounts[r] || !s->bl->rates[r].sessions)
			continue;
		s->now[r] += amounts[r];
		limit = baseline__rate_limit(s->bl, r);
		if (s->over[r] || s->now[r] <= limit)
			continue;
		s->over[r] = true;
		out__init(&out[k], s->bl, ANOMALY_RATE, bl_rate__name(r));
		snprintf(out[k].item, sizeof(out[k].item), "%llu in a minute",
			 (unsigned long long)s->now[r]);
		snprintf(out[k].nearest, sizeof(out[k].nearest),
			 "%s median=%g mad=%g max=%g", bl_rate__name(r),
			 s->bl->rates[r].median, s->bl->rates[r].mad,
			 s->bl->rates[r].max);
		out[k].seen = s->bl->rates[r].sessions;
		out[k].value = s->now[r];
		out[k].limit = limit;
		out[k].rarity = s->now[r] / limit;
		k++;
	}
	return k;
}

size_t novelty__score(struct novelty *n, const struct event *ev,
		      struct novelty_out *out)
{
	struct sandbox_novelty *s;
	const struct item *it = &n->it;
	size_t k;
	bool found;

	if (!n->t || !ev->sandbox || !(s = slot__of(n, ev->sandbox)) || !s->bl)
		return 0;
	k = rates__over(s, ev, out, NOVELTY_MAX - 1);
	if (!item__of(ev, &n->it))
		return k;
	if (it->tree >= 0)
		found = tree__new(n, s->bl, &out[k]);
	else if (it->dest)
		found = dest__new(it, s->bl, &out[k]);
	else
		found = word__new(it, s->bl, &out[k]);
	return k + (found && !told__before(s, item__key(it)));
}
