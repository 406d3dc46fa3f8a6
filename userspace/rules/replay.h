/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Records read back from vigil's own JSON Lines (docs/record-format.md)
 * into struct event, so that recorded sessions can be replayed through
 * the rules (`vigil rules test`). Only what rules read is restored.
 */
#ifndef VIGIL_REPLAY_H
#define VIGIL_REPLAY_H

#include <stddef.h>

#include "event.h"
#include "sandbox.h"

struct replay;
struct ruleset;

/* rs (NULL for none) names the file sets records list; sandboxes is
 * where the records' sandboxes are kept. Both must outlive the replay. */
struct replay *replay__new(const struct ruleset *rs,
			   struct sandboxes *sandboxes);
void replay__free(struct replay *r);	/* NULL-safe */

/* Parses one line into ev, valid until the next call. Returns 1 for a
 * record rules see, 0 for one the replay makes anew or they do not see
 * (alert, action, anomaly, gap, a host's drop), or
 * -EINVAL with the reason in err. */
int replay__parse(struct replay *r, const char *line, size_t len,
		  struct event *ev, char *err, size_t errlen);

#endif /* VIGIL_REPLAY_H */
