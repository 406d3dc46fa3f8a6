/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Recorded JSON Lines read back record by record (rules/replay.h), for
 * `vigil rules test` and `vigil baseline learn|eval`. */
#ifndef VIGIL_REPLAYER_H
#define VIGIL_REPLAYER_H

#include <stdio.h>
#include <sys/types.h>

#include "emit.h"
#include "event.h"
#include "ruleset.h"
#include "sandbox.h"

/* What a replay read: records handed on, records vigil makes anew or
 * rules do not see, lines that were not records (each logged). */
struct replay_count {
	size_t records, unseen, skipped;
};

/* path opened for reading: "-" is standard input, a FILE.gz is read
 * through gzip. NULL with errno set on failure. */
FILE *replayer__open(const char *path);

typedef void (*replay_fn)(void *ctx, const struct event *ev,
			  const char *line, size_t len);

/* Hands each record of in (named name in messages) to fn; the records'
 * sandboxes are kept in sandboxes, rs (or NULL) names their file sets.
 * Returns the lines that were records (handed on or not), or a negative
 * errno. */
ssize_t replayer__file(FILE *in, const char *name, const struct ruleset *rs,
		       struct sandboxes *sandboxes, replay_fn fn, void *ctx,
		       struct replay_count *count);

/* A replayed record through em's policy (a dry run), keeping its own
 * text and number; what the policy makes of it is emitted after it. */
void replayer__policy(struct emitter *em, const struct event *ev,
		      const char *line, size_t len);

#endif /* VIGIL_REPLAYER_H */
