// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rindex.h"
#include "ruleset.h"
#include "strv.h"

#define KINDS EV_KINDS	/* EVBIT positions */
#define ADDR_BITS_MAX (1 + 128)	/* addr__bits' text */

struct ivec {
	int *v;
	size_t n;
};

/* Rules keyed by literals: a character trie, rules on the node where
 * their literal ends, as a prefix or as the whole value. One walk along
 * the value finds both kinds, with no hash of the value. */
struct trie {
	char c;
	struct trie *child, *next;	/* while building */
	/* Once built, the children as arrays: one memchr finds the way.
	 * A chain of nodes with one child and no rules is one step: segs[i]
	 * holds the characters that must follow keys[i], and kids[i] is
	 * the node at the chain's end. */
	char *keys;
	struct trie **kids;
	char **segs;
	size_t *seg_lens;
	size_t nr_kids;
	struct ivec rules;	/* the value starts with this node's text */
	struct ivec exact;	/* the value is this node's text */
};

/* The keys on one field, for one event kind. */
struct fkeys {
	const struct field *field;
	struct trie root;
	bool tilde;		/* some key is a '~' literal */
	struct fkeys *next;
};

/* A rule that sets a taint when it matches. The engine tries candidates
 * in order and a match's taint counts for the rules after it on the same
 * record, so a candidate setter may give the record that taint. */
struct setter {
	int rule;
	int bit;
};

struct kindex {
	uint64_t *base;		/* rules tried on every event */
	size_t nr_base;
	struct fkeys *fields;
	/* sandbox.taint's keys, looked up after every other field's with
	 * the taints the candidates found so far may set (kindex__taints) */
	struct fkeys *taint;
	struct setter *setters;	/* the kind's rules that set a taint */
	size_t nr_setters;
};

struct rindex {
	size_t words;
	struct kindex kind[KINDS];
};

/* One key: a literal that must equal, or start, the field's value. */
struct key {
	const struct field *field;
	const struct lit *lit;
	size_t len;		/* of the literal used; < lit->len: a glob's head */
	bool prefix;
};

struct keys {
	struct key *v;
	size_t n;
	bool ok;		/* false: the condition has no keys */
};

static int ivec__push(struct ivec *iv, int x)
{
	int *v;

	if (iv->n && iv->v[iv->n - 1] == x)
		return 0;
	v = realloc(iv->v, (iv->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	v[iv->n++] = x;
	iv->v = v;
	return 0;
}

/* ---------------------------------------------------------------- keys */

static int keys__add(struct keys *k, const struct field *f,
		     const struct lit *l, size_t len, bool prefix)
{
	struct key *v = realloc(k->v, (k->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	v[k->n++] = (struct key){ f, l, len, prefix };
	k->v = v;
	return 0;
}

static struct keys keys__of(const struct cond *c, uint32_t kind);

static struct keys keys__cmp(const struct cond *c, uint32_t kind)
{
	const struct field *f = c->cmp.field;
	struct keys k = { .ok = true };
	int err = 0;

	if (f->type == FT_ADDR && c->cmp.op != OP_EQ && c->cmp.op != OP_IN)
		return (struct keys){ .ok = false };
	if (!(f->events & kind))
		return k;	/* false on this kind: no key can match */
	/* A list's test holds when an element passes it: its keys are
	 * looked up once per element. '!=' (no element equals) is not
	 * keyed, below. */
	k.ok = f->type == FT_STR || f->type == FT_LIST || f->type == FT_ADDR;
	if (!k.ok)
		return k;
	switch (c->cmp.op) {
	case OP_EQ:
	case OP_IN:
		/* A network is a prefix of its addresses' bits. */
		for (size_t i = 0; !err && i < c->cmp.nr_lits; i++)
			err = keys__add(&k, f, &c->cmp.lits[i],
					c->cmp.lits[i].len, f->type == FT_ADDR);
		break;
	case OP_STARTS:
		err = keys__add(&k, f, c->cmp.lits, c->cmp.lits->len, true);
		break;
	case OP_GLOB: {
		size_t head = strcspn(c->cmp.lits->s, "*?[\\");

		k.ok = head > 0;
		if (k.ok)
			err = keys__add(&k, f, c->cmp.lits, head, true);
		break;
	}
	default:
		k.ok = false;
	}
	if (err)
		k.ok = false;
	return k;
}

static size_t keys__min_len(const struct keys *k)
{
	size_t min = SIZE_MAX;

	for (size_t i = 0; i < k->n; i++)
		if (k->v[i].len < min)
			min = k->v[i].len;
	return min;
}

static struct keys keys__pick(struct keys l, struct keys r, bool both)
{
	struct keys *drop;

	if (both) {		/* or: every side must be keyed */
		if (!l.ok || !r.ok) {
			free(l.v);
			free(r.v);
			return (struct keys){ .ok = false };
		}
		for (size_t i = 0; i < r.n; i++)
			if (keys__add(&l, r.v[i].field, r.v[i].lit,
				      r.v[i].len, r.v[i].prefix))
				l.ok = false;
		free(r.v);
		return l;
	}
	/* and: the keyed side with fewer keys; between as many, the one
	 * with the longer shortest literal, which fewer values reach */
	if (!r.ok || (l.ok && (l.n < r.n ||
			       (l.n == r.n && keys__min_len(&l) >=
						      keys__min_len(&r)))))
		drop = &r;
	else
		drop = &l;
	free(drop->v);
	return drop == &r ? l : r;
}

static struct keys keys__of(const struct cond *c, uint32_t kind)
{
	switch (c->kind) {
	case C_AND:
		return keys__pick(keys__of(c->l, kind), keys__of(c->r, kind),
				  false);
	case C_OR:
		return keys__pick(keys__of(c->l, kind), keys__of(c->r, kind),
				  true);
	case C_REF:
		return keys__of(c->ref, kind);
	case C_CMP:
		return keys__cmp(c, kind);
	case C_NOT:
		break;
	}
	return (struct keys){ .ok = false };
}

/* ---------------------------------------------------------------- build */

/* The field whose value changes while a record's rules are tried. */
static bool field__is_taint(const struct field *f)
{
	return !strcmp(f->name, "sandbox.taint");
}

static struct fkeys *fkeys__get(struct kindex *ki, const struct field *f)
{
	struct fkeys **head = field__is_taint(f) ? &ki->taint : &ki->fields;
	struct fkeys *fk;

	for (fk = *head; fk; fk = fk->next)
		if (fk->field == f)
			return fk;
	fk = calloc(1, sizeof(*fk));
	if (fk) {
		fk->field = f;
		fk->next = *head;
		*head = fk;
	}
	return fk;
}

static struct trie *trie__step(struct trie *t, char c)
{
	struct trie *n;

	for (n = t->child; n; n = n->next)
		if (n->c == c)
			return n;
	if (!(n = calloc(1, sizeof(*n))))
		return NULL;
	n->c = c;
	n->next = t->child;
	t->child = n;
	return n;
}

/* Lays each node's children out as arrays for the lookups. */
static int trie__compact(struct trie *t)
{
	size_t n = 0;

	for (struct trie *c = t->child; c; c = c->next)
		n++;
	if (!n)
		return 0;
	t->keys = malloc(n);
	t->kids = malloc(n * sizeof(*t->kids));
	t->segs = calloc(n, sizeof(*t->segs));
	t->seg_lens = calloc(n, sizeof(*t->seg_lens));
	if (!t->keys || !t->kids || !t->segs || !t->seg_lens)
		return -ENOMEM;
	for (struct trie *c = t->child; c; c = c->next) {
		struct trie *end = c;
		size_t len = 0;

		while (end->child && !end->child->next && !end->rules.n &&
		       !end->exact.n) {
			end = end->child;
			len++;
		}
		t->keys[t->nr_kids] = c->c;
		t->kids[t->nr_kids] = end;
		t->seg_lens[t->nr_kids] = len;
		if (len && !(t->segs[t->nr_kids] = malloc(len)))
			return -ENOMEM;
		len = 0;
		for (struct trie *m = c; m != end; m = m->child)
			t->segs[t->nr_kids][len++] = m->child->c;
		t->nr_kids++;
		if (trie__compact(end))
			return -ENOMEM;
	}
	return 0;
}

/* Segments are mostly a few characters: a loop beats a memcmp call. */
static bool seg__equal(const char *a, const char *b, size_t len)
{
	if (len > 16)
		return !memcmp(a, b, len);
	for (size_t i = 0; i < len; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* The node v leads to from t, *at its first character; moves *at past
 * the characters used. NULL where no key goes on. */
static const struct trie *trie__next(const struct trie *t, struct bytes v,
				     size_t *at)
{
	const char *k;
	size_t i, len;

	/* Most nodes have one child: no call for them. */
	if (t->nr_kids == 1 && t->keys[0] == v.p[*at])
		i = 0;
	else if (t->nr_kids > 1 &&
		 (k = memchr(t->keys, v.p[*at], t->nr_kids)))
		i = k - t->keys;
	else
		return NULL;
	len = t->seg_lens[i];
	/* A value ending inside the chain reaches no node with rules. */
	if (v.len - *at - 1 < len || !seg__equal(v.p + *at + 1, t->segs[i], len))
		return NULL;
	*at += 1 + len;
	return t->kids[i];
}

/* An address as trie text: '4' or '6', then its first nbits bits as '0'
 * and '1', so a CIDR is a prefix of every address in it. */
static size_t addr__bits(const struct addr *a, unsigned int nbits, char *out)
{
	out[0] = a->family == AF_INET ? '4' : '6';
	for (unsigned int i = 0; i < nbits; i++)
		out[i + 1] = '0' + (a->a[i / 8] >> (7 - i % 8) & 1);
	return nbits + 1;
}

static int fkeys__add(struct fkeys *fk, const struct key *k, int rule)
{
	struct trie *t = &fk->root;
	char bits[ADDR_BITS_MAX];
	const char *s = k->lit->s;
	size_t len = k->len;

	if (k->field->type == FT_ADDR) {
		len = addr__bits(&k->lit->net, k->lit->prefix, bits);
		s = bits;
	}
	fk->tilde |= k->lit->tilde;
	for (size_t i = 0; t && i < len; i++)
		t = trie__step(t, s[i]);
	if (!t)
		return -ENOMEM;
	return ivec__push(k->prefix ? &t->rules : &t->exact, rule);
}

static int kindex__add(struct rindex *ix, struct kindex *ki,
		       const struct rule *r, uint32_t kind)
{
	struct keys k = keys__of(r->when, kind);
	int err = 0;

	if (!k.ok) {
		ki->base[r->index / 64] |= 1ull << (r->index % 64);
		ki->nr_base++;
	}
	for (size_t i = 0; k.ok && !err && i < k.n; i++) {
		struct fkeys *fk = fkeys__get(ki, k.v[i].field);

		err = fk ? fkeys__add(fk, &k.v[i], r->index) : -ENOMEM;
	}
	free(k.v);
	return err;
}

/* The kind's taint setters, needed only when some rule of it is keyed
 * on a taint. */
static int kindex__setters(struct kindex *ki, const struct ruleset *rs,
			   uint32_t kind)
{
	for (size_t i = 0; i < rs->nr_rules; i++) {
		const struct rule *r = rs->rules[i];
		struct setter *v;

		if (r->taint < 0 || !(r->events & kind))
			continue;
		v = realloc(ki->setters, (ki->nr_setters + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		v[ki->nr_setters++] = (struct setter){ r->index, r->taint };
		ki->setters = v;
	}
	return 0;
}

static int kindex__compact(struct kindex *ki)
{
	int err = ki->taint ? trie__compact(&ki->taint->root) : 0;

	for (struct fkeys *fk = ki->fields; !err && fk; fk = fk->next)
		err = trie__compact(&fk->root);
	return err;
}

struct rindex *rindex__build(const struct ruleset *rs)
{
	struct rindex *ix = calloc(1, sizeof(*ix));
	int err = 0;

	if (!ix)
		return NULL;
	ix->words = (rs->nr_rules + 63) / 64 ? : 1;
	for (int k = 0; !err && k < KINDS; k++) {
		ix->kind[k].base = calloc(ix->words, sizeof(uint64_t));
		if (!ix->kind[k].base)
			err = -ENOMEM;
		for (size_t i = 0; !err && i < rs->nr_rules; i++) {
			const struct rule *r = rs->rules[i];

			if (r->when && (r->events & (1u << k)))
				err = kindex__add(ix, &ix->kind[k], r, 1u << k);
		}
		if (!err)
			err = kindex__compact(&ix->kind[k]);
		if (!err && ix->kind[k].taint)
			err = kindex__setters(&ix->kind[k], rs, 1u << k);
	}
	if (err) {
		rindex__free(ix);
		return NULL;
	}
	return ix;
}

static void trie__free_arrays(struct trie *t)
{
	strv__free(t->segs, t->nr_kids);
	free(t->seg_lens);
	free(t->keys);
	free(t->kids);
}

static void trie__free(struct trie *t)
{
	while (t) {
		struct trie *next = t->next;

		trie__free(t->child);
		free(t->rules.v);
		free(t->exact.v);
		trie__free_arrays(t);
		free(t);
		t = next;
	}
}

static void fkeys__free(struct fkeys *fk)
{
	while (fk) {
		struct fkeys *next = fk->next;

		trie__free(fk->root.child);
		free(fk->root.rules.v);
		free(fk->root.exact.v);
		trie__free_arrays(&fk->root);
		free(fk);
		fk = next;
	}
}

void rindex__free(struct rindex *ix)
{
	if (!ix)
		return;
	for (int k = 0; k < KINDS; k++) {
		fkeys__free(ix->kind[k].fields);
		fkeys__free(ix->kind[k].taint);
		free(ix->kind[k].setters);
		free(ix->kind[k].base);
	}
	free(ix);
}

/* ---------------------------------------------------------------- lookup */

static void bits__mark(uint64_t *bits, const struct ivec *iv)
{
	for (size_t i = 0; i < iv->n; i++)
		bits[iv->v[i] / 64] |= 1ull << (iv->v[i] % 64);
}

static void fkeys__lookup(const struct fkeys *fk, struct bytes v,
			  uint64_t *bits)
{
	const struct trie *t = &fk->root;
	size_t i;

	bits__mark(bits, &t->rules);	/* the empty prefix */
	for (i = 0; i < v.len && t; ) {
		t = trie__next(t, v, &i);
		if (t)
			bits__mark(bits, &t->rules);
	}
	if (t)				/* the walk used up the value */
		bits__mark(bits, &t->exact);
}

/* One string: its walk, and its '~' form's when some key has one. */
static void fkeys__lookup_str(const struct fkeys *fk, struct eval *e,
			      struct bytes v, uint64_t *bits)
{
	struct bytes tilde;

	fkeys__lookup(fk, v, bits);
	if (fk->tilde && cond__tilde(e, v, &tilde))
		fkeys__lookup(fk, tilde, bits);
}

/* A field's value: an address as its bits, a list one walk per element
 * (none for an empty list, which no key matches), a string as itself. */
static void fkeys__lookup_val(const struct fkeys *fk, struct eval *e,
			      struct fval *v, uint64_t *bits)
{
	char text[ADDR_BITS_MAX];
	struct bytes b = { text, 0 };

	switch (v->type) {
	case FT_ADDR:
		b.len = addr__bits(&v->addr,
				   v->addr.family == AF_INET ? 32 : 128, text);
		fkeys__lookup(fk, b, bits);
		break;
	case FT_LIST:
		while (fval__next(v, &b))
			fkeys__lookup_str(fk, e, b, bits);
		break;
	default:
		fkeys__lookup_str(fk, e, v->s, bits);
	}
}

/* The taints the candidates in bits set if they match. */
static uint64_t kindex__set_by(const struct kindex *ki, const uint64_t *bits)
{
	uint64_t taints = 0;

	for (size_t i = 0; i < ki->nr_setters; i++) {
		int r = ki->setters[i].rule;

		if (bits[r / 64] & (1ull << (r % 64)))
			taints |= 1ull << ki->setters[i].bit;
	}
	return taints;
}

/* sandbox.taint: a rule may see the record's taints and those that
 * rules tried before it set on this record, which are candidates. Each
 * taint is walked once, until the candidates it adds set no new one. */
static void kindex__taints(const struct kindex *ki, struct eval *e,
			   uint64_t *bits)
{
	struct field_ctx f = e->f;
	uint64_t walked = 0, more;
	struct fval v;

	while ((more = (e->f.taints | kindex__set_by(ki, bits)) & ~walked)) {
		walked |= more;
		f.taints = more;
		if (ki->taint->field->get(&f, &v))
			fkeys__lookup_val(ki->taint, e, &v, bits);
	}
}

void rindex__candidates(const struct rindex *ix, struct eval *e,
			uint64_t *bits)
{
	const struct kindex *ki = &ix->kind[__builtin_ctz(EVBIT(e->f.ev->kind))];

	memcpy(bits, ki->base, ix->words * sizeof(*bits));
	for (const struct fkeys *fk = ki->fields; fk; fk = fk->next) {
		struct fval v;

		if (fk->field->get(&e->f, &v))
			fkeys__lookup_val(fk, e, &v, bits);
	}
	if (ki->taint)
		kindex__taints(ki, e, bits);
}

size_t rindex__words(const struct rindex *ix)
{
	return ix->words;
}

size_t rindex__unkeyed(const struct rindex *ix, enum event_kind kind)
{
	return ix->kind[__builtin_ctz(EVBIT(kind))].nr_base;
}
