// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "log.h"
#include "mapkeys.h"

static int mapkeys__grow(struct mapkeys *m, size_t *cap)
{
	size_t c = *cap ? 2 * *cap : 64;
	unsigned char *k = realloc(m->keys, c * m->size);

	if (!k)
		return -ENOMEM;
	m->keys = k;
	*cap = c;
	return 0;
}

int mapkeys__read(struct mapkeys *m, int fd, size_t key_size)
{
	size_t cap = 0;
	int err = 0;

	*m = (struct mapkeys){ .size = key_size };
	for (;;) {
		if (m->n == cap && (err = mapkeys__grow(m, &cap)))
			break;
		/* the key before, looked up after the growth moved it */
		if (bpf_map_get_next_key(fd, m->n ? m->keys +
					 (m->n - 1) * key_size : NULL,
					 m->keys + m->n * key_size)) {
			err = errno == ENOENT ? 0 : -errno;
			break;
		}
		m->n++;
	}
	m->kept = calloc(m->n ?: 1, sizeof(*m->kept));
	if (!err && !m->kept)
		err = -ENOMEM;
	if (err) {
		free(m->keys);
		free(m->kept);
		*m = (struct mapkeys){ 0 };
	}
	return err;
}

void mapkeys__keep(struct mapkeys *m, const void *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (!memcmp(m->keys + i * m->size, key, m->size))
			m->kept[i] = true;
}

void mapkeys__prune(struct mapkeys *m, struct mapmodel *model)
{
	for (size_t i = 0; model && i < m->n; i++)
		if (!m->kept[i] &&
		    mapmodel__del(model, m->keys + i * m->size) &&
		    errno != ENOENT)
			log__errno(errno, "cannot delete a stale map entry");
	free(m->keys);
	free(m->kept);
	*m = (struct mapkeys){ 0 };
}
