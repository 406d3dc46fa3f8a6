// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Reading a baseline file (baseline.h shows its lines): every mistake is
 * reported as FILE:LINE:COL: message, and any makes the load fail. */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "log.h"

#define TOKENS_MAX 16

struct tok {
	char *p;		/* NUL-terminated in the line */
	size_t len;
	int col;		/* 1-based */
	char *val;		/* after '=', for key=value; else NULL */
};

struct reader {
	const char *file;
	int line;
	int errors;
	struct baseline *bl;
	bool header;		/* "vigil-baseline 1" read */
};

static void reader__error(struct reader *r, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reader__error(struct reader *r, int col, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s:%d:%d: %s", r->file, r->line, col, msg);
	r->errors++;
}

static size_t line__split(char *line, struct tok *t)
{
	size_t n = 0;
	char *p = line;

	while (*p && n < TOKENS_MAX) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		t[n] = (struct tok){ .p = p, .col = p - line + 1 };
		while (*p && *p != ' ' && *p != '\t')
			p++;
		t[n].len = p - t[n].p;
		if (*p)
			*p++ = '\0';
		t[n].val = strchr(t[n].p, '=');
		if (t[n].val)
			*t[n].val++ = '\0';
		n++;
	}
	return n;
}

/* A %XX-escaped word back to its bytes; -1 for a bad escape. */
static int word__unescape(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; in[i]; i++) {
		unsigned int ch = (unsigned char)in[i];

		if (o + 1 >= cap)
			return -1;
		if (ch == '%' && (sscanf(in + i + 1, "%2x", &ch) != 1 ||
				  !in[i + 1] || !in[i + 2]))
			return -1;
		if (in[i] == '%')
			i += 2;
		out[o++] = ch;
	}
	out[o] = '\0';
	return o;
}

/* A count of sessions fits 32 bits; a rate, a double's exact range. */
static bool num__of(struct reader *r, const struct tok *t, double *out)
{
	double max = strcmp(t->p, "sessions") ? 1e15 : UINT32_MAX;
	char *end;
	double v = strtod(t->val, &end);

	if (end == t->val || *end || !(v >= 0 && v <= max)) {
		reader__error(r, t->col, "%s must be a number from 0 to %.0f, "
			      "not '%s'", t->p, max, t->val);
		return false;
	}
	*out = v;
	return true;
}

/* The key=value tokens after the words; sessions= is every line's. */
static size_t attrs__of(struct reader *r, struct tok *t, size_t n,
			const char *const *keys, double *vals,
			const char **strs)
{
	size_t words = 0;

	while (words < n && !t[words].val)
		words++;
	for (size_t i = words; i < n; i++) {
		size_t k = 0;

		while (keys[k] && strcmp(keys[k], t[i].p))
			k++;
		if (!t[i].val)
			reader__error(r, t[i].col, "'%s' after key=value "
				      "pairs", t[i].p);
		else if (!keys[k])
			reader__error(r, t[i].col, "unknown key '%s'", t[i].p);
		else if (strs && k == 0)
			strs[0] = t[i].val;	/* the one text key */
		else
			num__of(r, &t[i], &vals[k]);
	}
	return words;
}

/* ---------------------------------------------------------------- lines */

static void path__line(struct reader *r, int tree, struct tok *t, size_t n)
{
	static const char *const keys[] = { "parent", "sessions", NULL };
	char path[4096 + 1], parent[4096 + 1];
	const char *ptext = NULL;
	double vals[2] = { 0, 0 };
	size_t words = attrs__of(r, t, n, keys, vals, &ptext);
	struct pcomps pc;
	struct pnode *node;

	if (words != 2 || (tree == BL_EXEC) != (ptext != NULL)) {
		reader__error(r, t[0].col, tree == BL_EXEC
			      ? "expected: exec PATH parent=PATH sessions=N"
			      : "expected: %s PATH sessions=N", t[0].p);
		return;
	}
	if (word__unescape(t[1].p, path, sizeof(path)) < 0 ||
	    (path[0] != '/' && strncmp(path, "~/", 2) && strcmp(path, "~"))) {
		reader__error(r, t[1].col, "'%s' is not an absolute path "
			      "(or ~/...) with %%XX escapes", t[1].p);
		return;
	}
	pcomps__split(path, strlen(path), &pc);
	node = ptree__add(&r->bl->trees[tree], &pc, 0);
	if (!node) {
		reader__error(r, t[1].col, "out of memory");
		return;
	}
	node->sessions = vals[1];
	if (tree != BL_EXEC)
		return;
	/* Parents stay as written: scoring compares escaped texts. */
	if (word__unescape(ptext, parent, sizeof(parent)) < 0) {
		reader__error(r, t[2].col, "bad %%XX escape in '%s'", ptext);
		return;
	}
	if (pnode__add_parent(node, ptext, vals[1]))
		reader__error(r, t[2].col, "out of memory");
}

static void connect__line(struct reader *r, struct tok *t, size_t n)
{
	static const char *const keys[] = { "sessions", NULL };
	double vals[1] = { 0 };
	size_t words = attrs__of(r, t, n, keys, vals, NULL);
	struct bl_dest d = { 0 };

	if (words != 3) {
		reader__error(r, t[0].col, "expected: connect tcp|udp|ip "
			      "ADDR/BITS[:PORT[-PORT]] sessions=N");
		return;
	}
	if (!strcmp(t[1].p, "tcp"))
		d.proto = IPPROTO_TCP;
	else if (!strcmp(t[1].p, "udp"))
		d.proto = IPPROTO_UDP;
	else if (strcmp(t[1].p, "ip"))
		reader__error(r, t[1].col, "'%s': expected tcp, udp or ip",
			      t[1].p);
	if (dest__parse(t[2].p, &d.d))
		reader__error(r, t[2].col, "'%s': expected ADDR/BITS, "
			      "ADDR/BITS:PORT[-PORT] or [V6ADDR/BITS]:PORT",
			      t[2].p);
	d.sessions = vals[0];
	if (baseline__add_dest(r->bl, &d))
		reader__error(r, t[0].col, "out of memory");
}

static void word__line(struct reader *r, int set, struct tok *t, size_t n)
{
	static const char *const keys[] = { "sessions", NULL };
	double vals[1] = { 0 };
	size_t words = attrs__of(r, t, n, keys, vals, NULL);
	char word[512] = "";
	size_t o = 0;

	if (words < 2) {
		reader__error(r, t[0].col, "expected: %s WORD... sessions=N",
			      t[0].p);
		return;
	}
	for (size_t i = 1; i < words; i++)
		o += snprintf(word + o, o < sizeof(word) ? sizeof(word) - o : 0,
			      "%s%s", i > 1 ? " " : "", t[i].p);
	if (o >= sizeof(word))
		reader__error(r, t[1].col, "longer than %zu bytes",
			      sizeof(word) - 1);
	else if (bl_words__add(&r->bl->words[set], word, vals[0]))
		reader__error(r, t[0].col, "out of memory");
}

static void rate__line(struct reader *r, struct tok *t, size_t n)
{
	static const char *const keys[] = { "median", "mad", "max",
					    "sessions", NULL };
	double v[4] = { 0, 0, 0, 0 };
	size_t words = attrs__of(r, t, n, keys, v, NULL);
	int rate = 0;

	while (words == 2 && rate < BL_RATES && strcmp(t[1].p,
						       bl_rate__name(rate)))
		rate++;
	if (words != 2 || rate == BL_RATES) {
		reader__error(r, words >= 2 ? t[1].col : t[0].col,
			      "expected: rate execs_per_min|opens_per_min|"
			      "bytes_out_per_min median=N mad=N max=N "
			      "sessions=N");
		return;
	}
	r->bl->rates[rate] = (struct bl_stat){
		.median = v[0], .mad = v[1], .max = v[2],
		.sessions = v[3] ? v[3] : 1,
	};
}

/* The header: "vigil-baseline 1", then profile and sessions. */
static bool head__line(struct reader *r, struct tok *t, size_t n)
{
	if (!strcmp(t[0].p, "vigil-baseline")) {
		if (n != 2 || strcmp(t[1].p, "1"))
			reader__error(r, n > 1 ? t[1].col : t[0].col,
				      "this vigil reads baseline version 1");
		r->header = true;
	} else if (!strcmp(t[0].p, "profile") && n == 2) {
		free(r->bl->profile);
		r->bl->profile = strdup(t[1].p);
	} else if (!strcmp(t[0].p, "sessions") && n == 2) {
		char *end;
		unsigned long v = strtoul(t[1].p, &end, 10);

		if (*end || end == t[1].p || v > UINT32_MAX)
			reader__error(r, t[1].col, "sessions must be a number "
				      "from 0 to %u, not '%s'", UINT32_MAX,
				      t[1].p);
		r->bl->sessions = v;
	} else {
		return false;
	}
	return true;
}

static void line__read(struct reader *r, char *line)
{
	struct tok t[TOKENS_MAX];
	size_t n = line__split(line, t);

	if (!n || t[0].p[0] == '#' || head__line(r, t, n))
		return;
	if (!r->header) {
		reader__error(r, t[0].col, "a baseline starts with "
			      "'vigil-baseline 1'");
		r->header = true;	/* once */
		return;
	}
	if (n == TOKENS_MAX) {
		reader__error(r, t[n - 1].col, "too many words");
		return;
	}
	for (int i = 0; i < BL_TREES; i++)
		if (!strcmp(t[0].p, bl_tree__name(i)))
			return path__line(r, i, t, n);
	for (int i = 0; i < BL_SETS; i++)
		if (!strcmp(t[0].p, bl_set__name(i)))
			return word__line(r, i, t, n);
	if (!strcmp(t[0].p, "connect"))
		return connect__line(r, t, n);
	if (!strcmp(t[0].p, "rate"))
		return rate__line(r, t, n);
	reader__error(r, t[0].col, "unknown line kind '%s' (exec, read, "
		      "write, unix, mkdir, unlink, rmdir, rename, link, "
		      "symlink, chmod, chown, truncate, connect, listen, "
		      "syscall, cred, dns, rate)", t[0].p);
}

struct baseline *baseline__load(const char *path)
{
	struct reader r = { .file = path };
	FILE *in = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!in) {
		log__errno(errno, "cannot read baseline %s", path);
		return NULL;
	}
	r.bl = baseline__new("");
	while (r.bl && (len = getline(&line, &cap, in)) >= 0) {
		r.line++;
		if (strlen(line) < (size_t)len) {
			reader__error(&r, strlen(line) + 1, "a NUL byte");
			continue;
		}
		line[strcspn(line, "\r\n")] = '\0';
		line__read(&r, line);
	}
	free(line);
	fclose(in);
	if (r.bl && !r.header && !r.errors) {
		r.line = 1;
		reader__error(&r, 1, "empty: a baseline starts with "
			      "'vigil-baseline 1'");
	}
	if (r.bl && !*r.bl->profile && !r.errors)
		reader__error(&r, 1, "no 'profile NAME' line");
	if (!r.bl || r.errors) {
		baseline__free(r.bl);
		return NULL;
	}
	r.bl->file = strdup(path);
	return r.bl;
}
