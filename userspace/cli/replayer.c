// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "log.h"
#include "policy.h"
#include "replay.h"
#include "replayer.h"

ssize_t replayer__file(FILE *in, const char *name, const struct ruleset *rs,
		       struct sandboxes *sandboxes, replay_fn fn, void *ctx,
		       struct replay_count *count)
{
	struct replay *r = replay__new(rs, sandboxes);
	char *line = NULL, why[256];
	size_t cap = 0, lineno = 0;
	ssize_t len;
	struct event ev;

	if (!r)
		return -ENOMEM;
	*count = (struct replay_count){ 0 };
	while ((len = getline(&line, &cap, in)) >= 0) {
		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (!len)
			continue;
		why[0] = '\0';
		switch (replay__parse(r, line, len, &ev, why, sizeof(why))) {
		case 1:
			count->records++;
			fn(ctx, &ev, line, len);
			break;
		case 0:
			count->unseen++;
			break;
		default:
			count->skipped++;
			log_warn("%s:%zu: skipped: %s", name, lineno, why);
		}
	}
	free(line);
	replay__free(r);
	return ferror(in) ? -EIO : (ssize_t)(count->records + count->unseen);
}

void replayer__policy(struct emitter *em, const struct event *ev,
		      const char *line, size_t len)
{
	if (ev->seq > em->seq)
		em->seq = ev->seq;
	policy__record(em->policy, ev, line, len);
	emit__drain(em);
}

/* ---------------------------------------------------------------- gzip */

static ssize_t gz__read(void *cookie, char *buf, size_t size)
{
	int n = gzread(cookie, buf, size > INT32_MAX ? INT32_MAX : size);

	return n < 0 ? -1 : n;
}

static int gz__close(void *cookie)
{
	return gzclose(cookie) == Z_OK ? 0 : EOF;
}

FILE *replayer__open(const char *path)
{
	static const cookie_io_functions_t gz_io = {
		.read = gz__read, .close = gz__close,
	};
	size_t len = strlen(path);
	gzFile gz;
	FILE *f;

	if (!strcmp(path, "-"))
		return stdin;
	if (len < 3 || strcmp(path + len - 3, ".gz"))
		return fopen(path, "re");
	gz = gzopen(path, "rbe");
	if (!gz)
		return NULL;
	f = fopencookie(gz, "r", gz_io);
	if (!f)
		gzclose(gz);
	return f;
}
