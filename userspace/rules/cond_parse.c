// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The condition parser: a hand-sized lexer and a recursive-descent parser
 * over the grammar in cond.h. Literals are compiled here for the field
 * they are compared with, so every type error is a parse error. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <errno.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "cond.h"
#include "netname.h"
#include "strset.h"
#include "units.h"

/* 'in' lists longer than this are looked up in a hash set. */
#define SET_MIN 8

enum tok_kind { T_EOF, T_LPAREN, T_RPAREN, T_COMMA, T_OP, T_WORD, T_STRING };

struct tok {
	enum tok_kind kind;
	size_t offset;
	const char *p;		/* T_WORD and T_OP: in the text */
	size_t len;
	char *str;		/* T_STRING: unescaped, owned */
};

struct parser {
	const char *text;
	size_t len, pos;
	struct tok tok;		/* the current token */
	const struct cond_env *env;
	struct cond_err *err;
	int depth;
	int max;		/* the deepest nesting, macros included */
	bool failed;
};

static void parse__fail(struct parser *p, size_t offset, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void parse__fail(struct parser *p, size_t offset, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	p->err->offset = offset;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- lexer */

static bool word__char(char c)
{
	return !isspace((unsigned char)c) && !strchr("(),\"'=!<>", c) && c;
}

/* A quoted string: backslash escapes the quote and itself only, so
 * regexes and globs keep their own backslashes. */
static void lex__string(struct parser *p, struct tok *t)
{
	char quote = p->text[p->pos++];
	size_t n = 0;

	t->kind = T_STRING;
	t->str = malloc(p->len - p->pos + 1);
	if (!t->str) {
		parse__fail(p, t->offset, "out of memory");
		return;
	}
	while (p->pos < p->len && p->text[p->pos] != quote) {
		char c = p->text[p->pos++];

		if (c == '\\' && p->pos < p->len &&
		    (p->text[p->pos] == quote || p->text[p->pos] == '\\'))
			c = p->text[p->pos++];
		t->str[n++] = c;
	}
	t->str[n] = '\0';
	t->len = n;
	if (p->pos >= p->len)
		parse__fail(p, t->offset, "unterminated string");
	else
		p->pos++;
}

static void lex__op(struct parser *p, struct tok *t)
{
	const char *s = p->text + p->pos;
	size_t rest = p->len - p->pos;

	t->kind = T_OP;
	t->p = s;
	t->len = rest >= 2 && s[1] == '=' ? 2 : 1;
	if (t->len == 1 && (s[0] == '=' || s[0] == '!'))
		parse__fail(p, t->offset, "unknown operator '%c' (use == or !=)",
			    s[0]);
	p->pos += t->len;
}

static void lex__next(struct parser *p)
{
	struct tok *t = &p->tok;
	char c;

	free(t->str);
	memset(t, 0, sizeof(*t));
	while (p->pos < p->len && isspace((unsigned char)p->text[p->pos]))
		p->pos++;
	t->offset = p->pos;
	if (p->pos >= p->len) {
		t->kind = T_EOF;
		return;
	}
	c = p->text[p->pos];
	if (c == '(' || c == ')' || c == ',') {
		t->kind = c == '(' ? T_LPAREN : c == ')' ? T_RPAREN : T_COMMA;
		t->p = p->text + p->pos++;
		t->len = 1;
	} else if (c == '"' || c == '\'') {
		lex__string(p, t);
	} else if (c == '\0') {	/* before strchr, which finds it too */
		parse__fail(p, p->pos, "NUL byte in condition");
		t->kind = T_EOF;
	} else if (strchr("=!<>", c)) {
		lex__op(p, t);
	} else {
		t->kind = T_WORD;
		t->p = p->text + p->pos;
		while (p->pos < p->len && word__char(p->text[p->pos]))
			p->pos++;
		t->len = p->text + p->pos - t->p;
	}
}

static bool tok__is(const struct tok *t, const char *word)
{
	return t->kind == T_WORD && t->len == strlen(word) &&
	       !memcmp(t->p, word, t->len);
}

static const char *tok__text(const struct tok *t, size_t *len)
{
	if (t->kind == T_STRING) {
		*len = t->len;
		return t->str;
	}
	*len = t->len;
	return t->p;
}

/* ---------------------------------------------------------------- nodes */

static struct cond *node__new(struct parser *p, enum cond_kind kind,
			      size_t offset)
{
	struct cond *c = calloc(1, sizeof(*c));

	if (!c)
		parse__fail(p, offset, "out of memory");
	else {
		c->kind = kind;
		c->offset = offset;
	}
	return c;
}

static void lit__free(struct lit *l)
{
	free(l->s);
}

void cond__free(struct cond *c)
{
	if (!c)
		return;
	switch (c->kind) {
	case C_AND:
	case C_OR:
		cond__free(c->l);
		cond__free(c->r);
		break;
	case C_NOT:
		cond__free(c->sub);
		break;
	case C_CMP:
		for (size_t i = 0; i < c->cmp.nr_lits; i++)
			lit__free(&c->cmp.lits[i]);
		free(c->cmp.lits);
		strset__free(c->cmp.set);
		pcre2_code_free(c->cmp.re);
		break;
	case C_REF:
		break;
	}
	free(c);
}

/* ---------------------------------------------------------------- literals */

static int lit__string(struct lit *l, const struct field *f, const char *s,
		       size_t len)
{
	l->s = strndup(s, len);
	if (!l->s)
		return -ENOMEM;
	l->len = len;
	l->tilde = f->lits == FL_PATH && len && s[0] == '~' && (len == 1 || s[1] == '/');
	return 0;
}

/* Compiles one literal for field f; on error writes why into msg. */
static int lit__compile(struct lit *l, const struct field *f, const char *s,
			size_t len, char *msg, size_t msglen)
{
	/* A quoted literal may hold one; numbers and addresses would stop
	 * at it and ignore the rest. */
	if (memchr(s, '\0', len)) {
		snprintf(msg, msglen, "NUL byte in a string");
		return -EINVAL;
	}
	switch (f->type) {
	case FT_NUM:
		if (units__number(s, len, &l->n) == 0)
			return 0;
		snprintf(msg, msglen, "%s is a number: '%.*s' is not one",
			 f->name, (int)len, s);
		return -EINVAL;
	case FT_ADDR:
		if (cidr__parse(s, len, &l->net, &l->prefix) == 0)
			return 0;
		snprintf(msg, msglen, "%s is an address: '%.*s' is neither an "
			 "IP address nor a CIDR", f->name, (int)len, s);
		return -EINVAL;
	case FT_BOOL:
		if ((len == 4 && !memcmp(s, "true", 4)) ||
		    (len == 5 && !memcmp(s, "false", 5))) {
			l->n = len == 4;
			return 0;
		}
		snprintf(msg, msglen, "%s is true or false, not '%.*s'",
			 f->name, (int)len, s);
		return -EINVAL;
	default:
		return lit__string(l, f, s, len);
	}
}

/* A literal of a field whose values the language knows must be one of
 * them: a typo would make a test that is never true. */
static bool lit__known(struct parser *p, const struct field *f,
		       const struct lit *l, size_t offset)
{
	const struct cond_env *env = p->env;

	switch (f->lits) {
	case FL_FDTYPE:
		if (fdtype__parse(l->s) >= 0)
			return true;
		parse__fail(p, offset, "%s is an fd type (none, file, dir, tty, "
			    "chr, pipe, unix, inet, sock or other), not '%s'",
			    f->name, l->s);
		return false;
	case FL_FILESET:
		if (env->fileset && env->fileset(env->ctx, l->s, l->len))
			return true;
		parse__fail(p, offset, "undefined fileset '%s'", l->s);
		return false;
	case FL_TEXT:
	case FL_PATH:
		break;
	}
	return true;
}

static bool cmp__add(struct parser *p, struct cond *c, const char *s,
		     size_t len, size_t offset)
{
	struct lit *lits = realloc(c->cmp.lits,
				   (c->cmp.nr_lits + 1) * sizeof(*lits));
	char msg[200];

	if (!lits) {
		parse__fail(p, offset, "out of memory");
		return false;
	}
	c->cmp.lits = lits;
	memset(&lits[c->cmp.nr_lits], 0, sizeof(*lits));
	if (lit__compile(&lits[c->cmp.nr_lits], c->cmp.field, s, len, msg,
			 sizeof(msg))) {
		parse__fail(p, offset, "%s", msg);
		return false;
	}
	if (!lit__known(p, c->cmp.field, &lits[c->cmp.nr_lits], offset)) {
		lit__free(&lits[c->cmp.nr_lits]);
		return false;
	}
	c->cmp.nr_lits++;
	return true;
}

/* A list item: a list's name (unquoted) is replaced by its items. */
static bool cmp__add_item(struct parser *p, struct cond *c)
{
	const struct tok *t = &p->tok;
	const char *const *items;
	size_t n, len;
	const char *s = tok__text(t, &len);

	if (t->kind == T_WORD && p->env->list &&
	    (items = p->env->list(p->env->ctx, t->p, t->len, &n))) {
		for (size_t i = 0; i < n; i++)
			if (!cmp__add(p, c, items[i], strlen(items[i]),
				      t->offset))
				return false;
		return true;
	}
	if (t->kind != T_WORD && t->kind != T_STRING) {
		parse__fail(p, t->offset, "expected a value");
		return false;
	}
	return cmp__add(p, c, s, len, t->offset);
}

/* '(' item {',' item} ')' or a list's name. */
static void parse__list(struct parser *p, struct cond *c)
{
	if (p->tok.kind == T_WORD) {
		size_t n;

		if (!p->env->list ||
		    !p->env->list(p->env->ctx, p->tok.p, p->tok.len, &n))
			parse__fail(p, p->tok.offset, "undefined list '%.*s'",
				    (int)p->tok.len, p->tok.p);
		else if (cmp__add_item(p, c) && !c->cmp.nr_lits)
			parse__fail(p, p->tok.offset, "empty list: the test "
				    "can never be true");
		lex__next(p);
		return;
	}
	if (p->tok.kind != T_LPAREN) {
		parse__fail(p, p->tok.offset, "expected '(' or a list name "
			    "after 'in'");
		return;
	}
	do {
		lex__next(p);
		if (p->tok.kind == T_RPAREN && c->cmp.nr_lits == 0)
			break;
		if (!cmp__add_item(p, c))
			return;
		lex__next(p);
	} while (p->tok.kind == T_COMMA);
	if (p->tok.kind != T_RPAREN)
		parse__fail(p, p->tok.offset, "expected ',' or ')' in a list");
	else if (c->cmp.nr_lits == 0)
		parse__fail(p, p->tok.offset, "empty list: the test can never "
			    "be true");
	lex__next(p);
}

/* ---------------------------------------------------------------- tests */

static const struct {
	const char *name;
	enum cond_op op;
} ops[] = {
	{ "==", OP_EQ }, { "!=", OP_NE }, { "<", OP_LT }, { "<=", OP_LE },
	{ ">", OP_GT }, { ">=", OP_GE }, { "in", OP_IN }, { "glob", OP_GLOB },
	{ "startswith", OP_STARTS }, { "endswith", OP_ENDS },
	{ "contains", OP_CONTAINS }, { "regex", OP_REGEX },
};

static bool op__find(const struct tok *t, enum cond_op *op)
{
	if (t->kind != T_OP && t->kind != T_WORD)
		return false;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strlen(ops[i].name) == t->len &&
		    !memcmp(ops[i].name, t->p, t->len)) {
			*op = ops[i].op;
			return true;
		}
	return false;
}

/* Which operators each field takes: by type, and only equality on a
 * field whose values are known (a glob over fd types means nothing). */
static bool op__fits(enum cond_op op, const struct field *f)
{
	if (f->lits == FL_FDTYPE || f->lits == FL_FILESET)
		return op == OP_EQ || op == OP_NE || op == OP_IN;
	switch (f->type) {
	case FT_NUM:
		return op <= OP_IN;
	case FT_ADDR:
		return op == OP_EQ || op == OP_NE || op == OP_IN;
	case FT_BOOL:
		return op == OP_EQ || op == OP_NE;
	default:
		return op == OP_EQ || op == OP_NE || op >= OP_IN;
	}
}

static void cmp__regex(struct parser *p, struct cond *c, size_t offset)
{
	int code;
	PCRE2_SIZE at;
	const struct lit *l = &c->cmp.lits[0];

	c->cmp.re = pcre2_compile((PCRE2_SPTR)l->s, l->len, 0, &code, &at,
				  NULL);
	if (!c->cmp.re) {
		PCRE2_UCHAR msg[120];

		pcre2_get_error_message(code, msg, sizeof(msg));
		parse__fail(p, offset, "bad regex at character %zu: %s",
			    (size_t)at, (char *)msg);
		return;
	}
	/* JIT makes matching several times faster where the CPU has it. */
	pcre2_jit_compile(c->cmp.re, PCRE2_JIT_COMPLETE);
}

static void cmp__set(struct parser *p, struct cond *c)
{
	if (c->cmp.nr_lits < SET_MIN ||
	    (c->cmp.field->type != FT_STR && c->cmp.field->type != FT_LIST))
		return;
	c->cmp.set = strset__new();
	for (size_t i = 0; c->cmp.set && i < c->cmp.nr_lits; i++)
		if (!c->cmp.lits[i].tilde &&
		    strset__add(c->cmp.set, c->cmp.lits[i].s,
				c->cmp.lits[i].len)) {
			strset__free(c->cmp.set);
			c->cmp.set = NULL;
		}
	if (!c->cmp.set)
		parse__fail(p, c->offset, "out of memory");
}

static void lit__glob_ends(struct lit *l)
{
	size_t last;

	if (memchr(l->s, '\\', l->len))
		return;
	l->glob_head = strcspn(l->s, "*?[");
	for (last = l->len; last > l->glob_head; last--)
		if (strchr("*?]", l->s[last - 1]))
			break;
	l->glob_tail = l->len - last;
	/* The longest run of plain characters in between; brackets would
	 * need parsing ("[ab]" is not the text "ab"), so none is taken. */
	if (memchr(l->s, '[', l->len))
		return;
	for (size_t i = l->glob_head; i < last; ) {
		size_t run = strcspn(l->s + i, "*?");

		if (i + run > last)
			run = last - i;
		if (run > l->glob_mid_len) {
			l->glob_mid = i;
			l->glob_mid_len = run;
		}
		i += run + 1;
	}
}

/* The rest of a field test, after its field name. */
static void parse__cmp(struct parser *p, struct cond *c)
{
	const struct field *f = c->cmp.field;
	size_t at = p->tok.offset, oplen = p->tok.len, len;
	const char *s;

	if (!op__find(&p->tok, &c->cmp.op)) {
		if (f->type == FT_BOOL) {
			c->cmp.op = OP_TRUE;
			return;
		}
		parse__fail(p, at, "expected an operator after '%s'", f->name);
		return;
	}
	if (!op__fits(c->cmp.op, f)) {
		parse__fail(p, at, "operator '%.*s' does not apply to %s",
			    (int)p->tok.len, p->tok.p, f->name);
		return;
	}
	lex__next(p);
	if (c->cmp.op == OP_IN) {
		parse__list(p, c);
		if (!p->failed)
			cmp__set(p, c);
		return;
	}
	if (p->tok.kind != T_WORD && p->tok.kind != T_STRING) {
		parse__fail(p, p->tok.offset, "expected a value after '%.*s'",
			    (int)oplen, p->text + at);
		return;
	}
	s = tok__text(&p->tok, &len);
	if (cmp__add(p, c, s, len, p->tok.offset) && c->cmp.op == OP_REGEX)
		cmp__regex(p, c, p->tok.offset);
	if (c->cmp.nr_lits && c->cmp.op == OP_GLOB)
		lit__glob_ends(&c->cmp.lits[0]);
	lex__next(p);
}

static struct cond *parse__or(struct parser *p);

static struct cond *parse__word(struct parser *p)
{
	const struct tok *t = &p->tok;
	const struct field *f = field__find(t->p, t->len);
	struct cond *c;

	if (f) {
		c = node__new(p, C_CMP, t->offset);
		if (c) {
			c->cmp.field = f;
			lex__next(p);
			parse__cmp(p, c);
		}
		return c;
	}
	c = node__new(p, C_REF, t->offset);
	if (!c)
		return NULL;
	c->ref = p->env->macro ? p->env->macro(p->env->ctx, t->p, t->len,
					       p->err) : NULL;
	if (c->ref && p->depth + c->ref->depth > COND_MAX_DEPTH)
		parse__fail(p, t->offset, "condition nested deeper than %d",
			    COND_MAX_DEPTH);
	else if (c->ref && p->depth + c->ref->depth > p->max)
		p->max = p->depth + c->ref->depth;
	if (!c->ref && !p->failed) {
		if (p->err->msg[0]) {	/* the macro's own error, here */
			p->failed = true;
			p->err->offset = t->offset;
		} else {
			parse__fail(p, t->offset, "unknown field or macro "
				    "'%.*s'", (int)t->len, t->p);
		}
	}
	lex__next(p);
	return c;
}

static struct cond *parse__unary(struct parser *p)
{
	struct cond *c;

	if (++p->depth > COND_MAX_DEPTH) {
		parse__fail(p, p->tok.offset, "condition nested deeper than %d",
			    COND_MAX_DEPTH);
		return NULL;
	}
	if (p->depth > p->max)
		p->max = p->depth;
	if (tok__is(&p->tok, "not")) {
		c = node__new(p, C_NOT, p->tok.offset);
		lex__next(p);
		if (c)
			c->sub = parse__unary(p);
	} else if (p->tok.kind == T_LPAREN) {
		size_t open = p->tok.offset;

		lex__next(p);
		c = parse__or(p);
		if (p->tok.kind != T_RPAREN)
			parse__fail(p, p->failed ? open : p->tok.offset,
				    "expected ')' to close the '(' at "
				    "character %zu", open + 1);
		lex__next(p);
	} else if (p->tok.kind == T_WORD) {
		c = parse__word(p);
	} else {
		parse__fail(p, p->tok.offset, p->tok.kind == T_EOF
			    ? "condition ends where a test was expected"
			    : "expected a field, a macro, 'not' or '('");
		c = NULL;
	}
	p->depth--;
	return c;
}

static struct cond *parse__binary(struct parser *p, const char *word,
				  enum cond_kind kind,
				  struct cond *(*operand)(struct parser *))
{
	struct cond *l = operand(p);

	while (!p->failed && tok__is(&p->tok, word)) {
		struct cond *c = node__new(p, kind, p->tok.offset);

		lex__next(p);
		if (!c)
			break;
		c->l = l;
		c->r = operand(p);
		l = c;
	}
	return l;
}

static struct cond *parse__and(struct parser *p)
{
	return parse__binary(p, "and", C_AND, parse__unary);
}

static struct cond *parse__or(struct parser *p)
{
	return parse__binary(p, "or", C_OR, parse__and);
}

struct cond *cond__parse(const char *text, size_t len,
			 const struct cond_env *env, struct cond_err *err)
{
	struct parser p = { .text = text, .len = len, .env = env, .err = err };
	struct cond *c;

	memset(err, 0, sizeof(*err));
	lex__next(&p);
	c = parse__or(&p);
	if (!p.failed && p.tok.kind != T_EOF)
		parse__fail(&p, p.tok.offset, "unexpected '%.*s' after a "
			    "complete condition (missing 'and'/'or'?)",
			    (int)(p.tok.kind == T_STRING ? 1 : p.tok.len),
			    p.tok.kind == T_STRING ? "\"" : p.tok.p);
	free(p.tok.str);
	if (p.failed) {
		cond__free(c);
		return NULL;
	}
	c->depth = p.max;
	return c;
}

int cond__walk(const struct cond *c,
	       int (*fn)(const struct cond *cmp, void *arg), void *arg)
{
	int r;

	switch (c->kind) {
	case C_AND:
	case C_OR:
		r = cond__walk(c->l, fn, arg);
		return r ? r : cond__walk(c->r, fn, arg);
	case C_NOT:
		return cond__walk(c->sub, fn, arg);
	case C_REF:
		return cond__walk(c->ref, fn, arg);
	case C_CMP:
		return fn(c, arg);
	}
	return 0;
}
