// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "home.h"

#define HOME_CACHE_MAX 4096	/* uids remembered; then start over */

struct home {
	uint32_t uid;
	char *dir;		/* NULL: the uid has no home */
	size_t len;
	UT_hash_handle hh;
};

static struct home *homes;

static char *home__lookup(uint32_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (uid == 0)
		return strdup("/root");
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) || !res ||
	    !pw.pw_dir || pw.pw_dir[0] != '/')
		return NULL;
	/* "/" as a home would make '~' match every path. */
	if (!strcmp(pw.pw_dir, "/"))
		return NULL;
	return strdup(pw.pw_dir);
}

bool home__of(uint32_t uid, struct bytes *out)
{
	struct home *h;

	HASH_FIND(hh, homes, &uid, sizeof(uid), h);
	if (!h) {
		if (HASH_COUNT(homes) >= HOME_CACHE_MAX)
			home__flush();
		h = calloc(1, sizeof(*h));
		if (!h)
			return false;
		h->uid = uid;
		h->dir = home__lookup(uid);
		h->len = h->dir ? strlen(h->dir) : 0;
		/* Trailing slashes ("/home/a/") would break the prefix test. */
		while (h->len > 1 && h->dir[h->len - 1] == '/')
			h->len--;
		HASH_ADD(hh, homes, uid, sizeof(h->uid), h);
	}
	if (!h->dir)
		return false;
	*out = (struct bytes){ h->dir, h->len };
	return true;
}

void home__flush(void)
{
	struct home *h, *tmp;

	HASH_ITER(hh, homes, h, tmp) {
		HASH_DEL(homes, h);
		free(h->dir);
		free(h);
	}
}
