// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "requeue.h"

static char *dup_bytes(const char *p, size_t len)
{
	char *d = malloc(len ? len : 1);

	if (d && len)
		memcpy(d, p, len);
	return d;
}

static void rec__free(struct spool_rec *r)
{
	free((void *)r->type);
	free((void *)r->key);
	free((void *)r->value);
}

int requeue__push(struct requeue *q, uint64_t seq, const struct spool_rec *r)
{
	struct requeue_entry *e;

	if (q->len == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 256;
		struct requeue_entry *grown = realloc(q->e, cap * sizeof(*e));

		if (!grown)
			return -ENOMEM;
		q->e = grown;
		q->cap = cap;
	}
	e = &q->e[q->len];
	e->seq = seq;
	e->rec = *r;
	e->rec.type = dup_bytes(r->type, r->type_len);
	e->rec.key = dup_bytes(r->key, r->key_len);
	e->rec.value = dup_bytes(r->value, r->value_len);
	if (!e->rec.type || !e->rec.key || !e->rec.value) {
		rec__free(&e->rec);
		return -ENOMEM;
	}
	q->len++;
	return 0;
}

static int entry__cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct requeue_entry *)a)->seq;
	uint64_t y = ((const struct requeue_entry *)b)->seq;

	return x < y ? -1 : x > y;
}

void requeue__drain(struct requeue *q,
		    void (*put)(void *ctx, const struct spool_rec *r),
		    void *ctx)
{
	if (!q->len)
		return;
	qsort(q->e, q->len, sizeof(*q->e), entry__cmp);
	for (size_t i = 0; i < q->len; i++) {
		if (put)
			put(ctx, &q->e[i].rec);
		rec__free(&q->e[i].rec);
	}
	q->len = 0;
}

void requeue__free(struct requeue *q)
{
	requeue__drain(q, NULL, NULL);
	free(q->e);
	memset(q, 0, sizeof(*q));
}
