// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Condition evaluation: one pass over the tree per event, every value read
 * in place, nothing allocated. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <fnmatch.h>
#include <pcre2.h>
#include <string.h>

#include "cidr.h"
#include "cond.h"
#include "home.h"
#include "strset.h"

/* Match data shared by every regex test of this thread: pcre2 sizes it
 * on demand, and conditions run on one thread at a time. */
static __thread pcre2_match_data *match_data;

bool cond__tilde(struct eval *e, struct bytes v, struct bytes *out)
{
	struct bytes h;

	if (!e->home_known) {
		e->home_known = true;
		if (!e->f.ev->hdr || !home__of(e->f.ev->hdr->uid, &e->home))
			e->home.p = NULL;
	}
	h = e->home;
	if (!h.p || v.len < h.len || memcmp(v.p, h.p, h.len) ||
	    (v.len > h.len && v.p[h.len] != '/') ||
	    v.len - h.len + 1 > VIGIL_PATH_MAX)
		return false;
	e->scratch[0] = '~';
	memcpy(e->scratch + 1, v.p + h.len, v.len - h.len);
	*out = (struct bytes){ e->scratch, v.len - h.len + 1 };
	return true;
}

/* fnmatch wants a C string. The longest values are command lines and
 * their arguments, not paths: a value too long for the copy would make
 * the test false, so padding a command line would hide it. */
static bool str__glob(const struct lit *l, struct bytes v)
{
	char buf[VIGIL_ARGV_MAX + 1];
	const char *pat = l->s;

	/* Most values fail on the pattern's literal ends: no copy, no
	 * fnmatch for them. */
	if (v.len < l->glob_head + l->glob_tail ||
	    memcmp(v.p, pat, l->glob_head) ||
	    memcmp(v.p + v.len - l->glob_tail, pat + l->len - l->glob_tail,
		   l->glob_tail) ||
	    (l->glob_mid_len && !memmem(v.p, v.len, pat + l->glob_mid,
					l->glob_mid_len)))
		return false;
	if (v.len >= sizeof(buf))
		return false;
	memcpy(buf, v.p, v.len);
	buf[v.len] = '\0';
	return fnmatch(pat, buf, 0) == 0;
}

static bool str__regex(void *re, struct bytes v)
{
	if (!match_data) {
		match_data = pcre2_match_data_create(32, NULL);
		if (!match_data)
			return false;
	}
	return pcre2_match(re, (PCRE2_SPTR)v.p, v.len, 0, 0, match_data,
			   NULL) >= 0;
}

static bool str__eq(const struct lit *l, struct bytes v)
{
	return v.len == l->len && !memcmp(v.p, l->s, v.len);
}

/* One string against one literal, '~' literals against v's '~' form. */
static bool str__test(struct eval *e, const struct cond *c,
		      const struct lit *l, struct bytes v)
{
	if (l->tilde && !cond__tilde(e, v, &v))
		return false;
	switch (c->cmp.op) {
	case OP_EQ:
	case OP_NE:
	case OP_IN:
		return str__eq(l, v);
	case OP_STARTS:
		return v.len >= l->len && !memcmp(v.p, l->s, l->len);
	case OP_ENDS:
		return v.len >= l->len &&
		       !memcmp(v.p + v.len - l->len, l->s, l->len);
	case OP_CONTAINS:
		return memmem(v.p, v.len, l->s, l->len);
	case OP_GLOB:
		return str__glob(l, v);
	case OP_REGEX:
		return str__regex(c->cmp.re, v);
	default:
		return false;
	}
}

static bool str__any(struct eval *e, const struct cond *c, struct bytes v)
{
	const struct lit *l = c->cmp.lits;

	if (c->cmp.set) {
		/* The set holds the plain literals; '~' ones are tried too. */
		if (strset__has(c->cmp.set, v.p, v.len))
			return true;
		for (size_t i = 0; i < c->cmp.nr_lits; i++)
			if (l[i].tilde && str__test(e, c, &l[i], v))
				return true;
		return false;
	}
	for (size_t i = 0; i < c->cmp.nr_lits; i++)
		if (str__test(e, c, &l[i], v))
			return true;
	return false;
}

static bool num__test(const struct cond *c, int64_t n)
{
	int64_t want = c->cmp.lits[0].n;

	switch (c->cmp.op) {
	case OP_EQ: return n == want;
	case OP_NE: return n != want;
	case OP_LT: return n < want;
	case OP_LE: return n <= want;
	case OP_GT: return n > want;
	case OP_GE: return n >= want;
	case OP_IN:
		for (size_t i = 0; i < c->cmp.nr_lits; i++)
			if (c->cmp.lits[i].n == n)
				return true;
		return false;
	default:
		return false;
	}
}

static bool addr__in(const struct cond *c, const struct addr *a)
{
	for (size_t i = 0; i < c->cmp.nr_lits; i++)
		if (cidr__match(&c->cmp.lits[i].net, c->cmp.lits[i].prefix, a))
			return true;
	return false;
}

static bool cmp__eval(const struct cond *c, struct eval *e)
{
	struct fval v;
	struct bytes b;
	bool any = false;

	if (!(c->cmp.field->events & EVBIT(e->f.ev->kind)) ||
	    !c->cmp.field->get(&e->f, &v))
		return false;
	switch (v.type) {
	case FT_STR:
		return str__any(e, c, v.s) != (c->cmp.op == OP_NE);
	case FT_LIST:
		while (!any && fval__next(&v, &b))
			any = str__any(e, c, b);
		return any != (c->cmp.op == OP_NE);
	case FT_NUM:
		return num__test(c, v.n);
	case FT_BOOL:
		if (c->cmp.op == OP_TRUE)
			return v.b;
		return (v.b == c->cmp.lits[0].n) != (c->cmp.op == OP_NE);
	case FT_ADDR:
		return addr__in(c, &v.addr) != (c->cmp.op == OP_NE);
	}
	return false;
}

bool cond__eval(const struct cond *c, struct eval *e)
{
	switch (c->kind) {
	case C_AND:
		return cond__eval(c->l, e) && cond__eval(c->r, e);
	case C_OR:
		return cond__eval(c->l, e) || cond__eval(c->r, e);
	case C_NOT:
		return !cond__eval(c->sub, e);
	case C_REF:
		return cond__eval(c->ref, e);
	case C_CMP:
		return cmp__eval(c, e);
	}
	return false;
}
