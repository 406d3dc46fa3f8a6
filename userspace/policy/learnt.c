// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>

#include "learnt.h"

static void learnt__one(void *ctx, const struct learning_stat *st)
{
	struct json *j = ctx;

	json__obj_begin(j, NULL);
	json__str(j, "profile", st->profile);
	json__str(j, "file", st->file);
	json__uint(j, "sessions", st->sessions);
	json__uint(j, "running", st->running);
	json__uint(j, "items", st->items);
	json__uint(j, "dropped", st->dropped);
	json__uint(j, "patterns", st->patterns);
	json__uint(j, "saves", st->saves);
	if (st->error)
		json__str(j, "error", strerror(abs(st->error)));
	else
		json__null(j, "error");
	json__obj_end(j);
}

/* A failed save is the reply's error: the operator asked for a file. */
int learnt__op(void *ctx, bool save, struct json *j)
{
	struct policy *p = ctx;
	int err = save ? learning__save(p->learning) : 0;

	if (err)
		return err;
	json__arr_begin(j, "learning");
	learning__each(p->learning, learnt__one, j);
	json__arr_end(j);
	return 0;
}
