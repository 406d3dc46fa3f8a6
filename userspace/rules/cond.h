/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Rule conditions: parsed once from text into a tree whose literals are
 * compiled for their field's type (numbers, CIDRs, PCRE2 programs, hashed
 * sets), then evaluated per event without allocating.
 *
 *   expr := expr 'or' expr | expr 'and' expr | 'not' expr | '(' expr ')'
 *         | FIELD OP VALUE | FIELD 'in' LIST | BOOL_FIELD | MACRO
 *   OP   := == != < <= > >= glob startswith endswith contains regex
 *   LIST := '(' VALUE {',' VALUE} ')' | LIST_NAME
 *
 * A VALUE is a bare word or a quoted string; a bare word in a list that
 * names a list is replaced by its items. On a list-valued field
 * (exec.argv, ancestors.exe, ...) a test holds when any element passes
 * it ('!=' when none equals). A field the event does not carry makes its
 * test false. On path fields a literal starting with '~' stands for the
 * home directory of the process's user.
 */
#ifndef VIGIL_COND_H
#define VIGIL_COND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "field.h"

#define COND_MAX_DEPTH 64	/* nesting, macros included */

enum cond_kind { C_AND, C_OR, C_NOT, C_CMP, C_REF };

enum cond_op {
	OP_TRUE,	/* a bool field alone */
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_IN, OP_GLOB, OP_STARTS, OP_ENDS, OP_CONTAINS, OP_REGEX,
};

struct lit {
	char *s;		/* strings: the text; NUL-terminated */
	size_t len;
	bool tilde;		/* a path field's '~' literal */
	/* glob: the literal text before the first and after the last
	 * wildcard, which a value must start and end with, and the longest
	 * literal run between wildcards, which it must contain (fnmatch is
	 * called only when all hold); 0 when the pattern has escapes. */
	size_t glob_head, glob_tail;
	size_t glob_mid, glob_mid_len;
	int64_t n;		/* FT_NUM */
	struct addr net;	/* FT_ADDR, with prefix */
	uint8_t prefix;
};

struct strset;

struct cond {
	enum cond_kind kind;
	size_t offset;		/* in the text it was parsed from */
	int depth;		/* on a root: the nesting, macros included */
	union {
		struct { struct cond *l, *r; };		/* and, or */
		struct cond *sub;			/* not */
		const struct cond *ref;			/* a macro's tree */
		struct {
			const struct field *field;
			enum cond_op op;
			struct lit *lits;	/* one, or a list's items */
			size_t nr_lits;
			struct strset *set;	/* large 'in' lists */
			void *re;		/* pcre2_code */
		} cmp;
	};
};

/* A parse error: where in the text, and why. */
struct cond_err {
	size_t offset;
	char msg[256];
};

/* Names a condition may refer to, resolved by the rule loader. */
struct cond_env {
	void *ctx;
	/* The macro's tree, parsed on first use; NULL with err set (an
	 * unknown name returns NULL and leaves err->msg empty). */
	const struct cond *(*macro)(void *ctx, const char *name, size_t len,
				    struct cond_err *err);
	/* The list's items, NULL for an unknown name. */
	const char *const *(*list)(void *ctx, const char *name, size_t len,
				   size_t *n);
	/* Whether a file set of this name is defined (FL_FILESET fields'
	 * literals); NULL when none is. */
	bool (*fileset)(void *ctx, const char *name, size_t len);
};

/* Parses text[0..len). Returns the tree, or NULL with err filled. */
struct cond *cond__parse(const char *text, size_t len,
			 const struct cond_env *env, struct cond_err *err);
void cond__free(struct cond *c);	/* NULL-safe; refs are not owned */

/* Per-evaluation state: the getters' context and lazily found values. */
struct eval {
	struct field_ctx f;
	struct bytes home;	/* the user's home directory */
	bool home_known;
	char *scratch;		/* VIGIL_PATH_MAX + 2 bytes, caller's */
};

bool cond__eval(const struct cond *c, struct eval *e);
/* v's '~' form ("~/.ssh/id_rsa" for /root/.ssh/id_rsa as root) in the
 * scratch buffer; false when v is not under the user's home. */
bool cond__tilde(struct eval *e, struct bytes v, struct bytes *out);

/* Calls fn for each field test in c (macros followed); stops and returns
 * fn's first non-zero result. */
int cond__walk(const struct cond *c,
	       int (*fn)(const struct cond *cmp, void *arg), void *arg);

#endif /* VIGIL_COND_H */
