// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <uthash.h>

#include "strset.h"

struct strset_item {
	const char *s;
	size_t len;
	UT_hash_handle hh;
};

struct strset {
	struct strset_item *items;
};

struct strset *strset__new(void)
{
	return calloc(1, sizeof(struct strset));
}

int strset__add(struct strset *set, const char *s, size_t len)
{
	struct strset_item *it;

	if (strset__has(set, s, len))
		return 0;
	it = calloc(1, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->s = s;
	it->len = len;
	HASH_ADD_KEYPTR(hh, set->items, it->s, it->len, it);
	return 0;
}

bool strset__has(const struct strset *set, const char *s, size_t len)
{
	struct strset_item *it;

	HASH_FIND(hh, set->items, s, len, it);
	return it;
}

void strset__free(struct strset *set)
{
	struct strset_item *it, *tmp;

	if (!set)
		return;
	HASH_ITER(hh, set->items, it, tmp) {
		HASH_DEL(set->items, it);
		free(it);
	}
	free(set);
}
