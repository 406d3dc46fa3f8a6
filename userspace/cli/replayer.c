// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>

#include "log.h"
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
