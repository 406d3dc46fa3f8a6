/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Users' home directories from the passwd database, cached by uid, for
 * the '~' of rule paths. */
#ifndef VIGIL_HOME_H
#define VIGIL_HOME_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"

/* uid's home directory ("/root" for root whatever passwd says); false
 * for a uid without one. Cached; home__flush forgets the cache. */
bool home__of(uint32_t uid, struct bytes *out);
void home__flush(void);

#endif /* VIGIL_HOME_H */
