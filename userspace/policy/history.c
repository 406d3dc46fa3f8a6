// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>

#include "history.h"

void history__free(struct history *h, unsigned int cap)
{
	for (size_t i = 0; h->text && i < cap; i++)
		free(h->text[i]);
	free(h->text);
	free(h->len);
	free(h->cap);
}

void history__add(struct history *h, unsigned int cap, const char *json,
		  size_t len)
{
	size_t i;

	if (!cap)
		return;
	if (!h->text) {
		h->text = calloc(cap, sizeof(*h->text));
		h->len = calloc(cap, sizeof(*h->len));
		h->cap = calloc(cap, sizeof(*h->cap));
		if (!h->text || !h->len || !h->cap)
			return;
	}
	i = (h->head + h->n) % cap;
	if (h->n == cap)
		h->head = (h->head + 1) % cap;
	else
		h->n++;
	/* Slots are reused: after warm-up nothing is allocated per record. */
	if (h->cap[i] < len) {
		char *t = realloc(h->text[i], len);

		if (!t) {
			h->len[i] = 0;
			return;
		}
		h->text[i] = t;
		h->cap[i] = len;
	}
	memcpy(h->text[i], json, len);
	h->len[i] = len;
}

size_t history__list(const struct history *h, unsigned int cap,
		     const char **text, size_t *len)
{
	size_t n = 0, bytes = 0, first = 0;

	if (!h->text)
		return 0;
	/* The newest records that fit the byte budget, oldest first. */
	while (first < h->n) {
		size_t i = (h->head + h->n - 1 - first) % cap;

		if (bytes + h->len[i] > HISTORY_BYTES)
			break;
		bytes += h->len[i];
		first++;
	}
	for (size_t k = h->n - first; k < h->n && n < HISTORY_MAX; k++) {
		size_t i = (h->head + k) % cap;

		if (!h->len[i])
			continue;
		text[n] = h->text[i];
		len[n++] = h->len[i];
	}
	return n;
}
