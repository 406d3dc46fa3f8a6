// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
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

/* The home of uid whose passwd entry says pw_dir, and its length without
 * trailing slashes ("/home/a/" would break a prefix test); NULL for
 * none. */
static const char *home__norm(uint32_t uid, const char *pw_dir, size_t *len)
{
	if (uid == 0)
		pw_dir = "/root";
	if (!pw_dir || pw_dir[0] != '/')
		return NULL;
	*len = strlen(pw_dir);
	while (*len > 1 && pw_dir[*len - 1] == '/')
		(*len)--;
	/* "/" as a home would make '~' match every path. */
	return *len > 1 ? pw_dir : NULL;
}

static char *home__lookup(uint32_t uid, size_t *len)
{
	struct passwd pw, *res = NULL;
	const char *dir;
	char buf[4096];

	if (uid != 0 &&
	    (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) || !res))
		return NULL;
	dir = home__norm(uid, uid ? pw.pw_dir : NULL, len);
	return dir ? strndup(dir, *len) : NULL;
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
		h->dir = home__lookup(uid, &h->len);
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

/* fn's dir is NUL-terminated at len: a copy when trailing slashes went. */
static int home__call(const char *dir, size_t len,
		      int (*fn)(const char *, size_t, void *), void *ctx)
{
	char *copy;
	int r;

	if (!dir[len])
		return fn(dir, len, ctx);
	copy = strndup(dir, len);
	if (!copy)
		return -ENOMEM;
	r = fn(copy, len, ctx);
	free(copy);
	return r;
}

int home__each(int (*fn)(const char *dir, size_t len, void *ctx), void *ctx)
{
	const struct passwd *pw;
	const char *dir;
	size_t len;
	int r = home__call("/root", 5, fn, ctx);

	setpwent();
	while (!r && (pw = getpwent())) {
		dir = home__norm(pw->pw_uid, pw->pw_dir, &len);
		if (dir)
			r = home__call(dir, len, fn, ctx);
	}
	endpwent();
	return r;
}
