// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>

#include "emitq.h"
#include "evidence.h"

static void entry__free(struct emitq_entry *e)
{
	if (e)
		evidence__free(e->evidence);
	free(e);
}

struct emitq_entry *emitq__push(struct emitq *q)
{
	struct emitq_entry *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	if (q->tail)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
	return e;
}

struct emitq_entry *emitq__pop(struct emitq *q)
{
	entry__free(q->out);
	q->out = q->head;
	if (q->head) {
		q->head = q->head->next;
		if (!q->head)
			q->tail = NULL;
	}
	return q->out;
}

void emitq__clear(struct emitq *q)
{
	while (emitq__pop(q))
		;
}
