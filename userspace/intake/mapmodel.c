// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "log.h"
#include "mapmodel.h"

/* A slot: used flag, the check's mark, key, value (8-byte aligned). */
struct slot_hdr {
	uint32_t used;
	uint32_t seen;
};

#define ALIGN8(x) (((x) + 7) & ~(size_t)7)

void mapmodel__init(struct mapmodel *m, const struct mapmodel_opts *o)
{
	memset(m, 0, sizeof(*m));
	m->name = o->name;
	m->fd = o->fd;
	m->kind = o->kind;
	m->ksize = o->ksize;
	m->vsize = o->vsize;
	m->owned = o->owned ?: o->vsize;
	m->lapses = o->lapses;
	m->lapse_at = o->lapse_at;
	m->kernels = o->kernels;
	m->slot_size = sizeof(struct slot_hdr) + ALIGN8(o->ksize) +
		       ALIGN8(o->vsize);
}

void mapmodel__fini(struct mapmodel *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}

size_t mapmodel__size(const struct mapmodel *m)
{
	return m->n;
}

static struct slot_hdr *slot__at(const struct mapmodel *m, size_t i)
{
	return (struct slot_hdr *)(m->slots + i * m->slot_size);
}

static unsigned char *slot__key(const struct mapmodel *m, size_t i)
{
	return (unsigned char *)(slot__at(m, i) + 1);
}

static unsigned char *slot__value(const struct mapmodel *m, size_t i)
{
	return slot__key(m, i) + ALIGN8(m->ksize);
}

/* FNV-1a: keys are a few dozen bytes. */
static size_t slot__home(const struct mapmodel *m, const void *key)
{
	const unsigned char *p = key;
	uint64_t h = 14695981039346656037ull;

	for (uint32_t i = 0; i < m->ksize; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h & (m->cap - 1);
}

/* key's slot, or the empty slot where it would go; cap must be > n. */
static size_t slot__find(const struct mapmodel *m, const void *key)
{
	size_t i = slot__home(m, key);

	while (slot__at(m, i)->used && memcmp(slot__key(m, i), key, m->ksize))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int model__grow(struct mapmodel *m)
{
	struct mapmodel old = *m;

	m->cap = old.cap ? 2 * old.cap : 64;
	m->slots = calloc(m->cap, m->slot_size);
	if (!m->slots) {
		*m = old;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old.cap; i++)
		if (slot__at(&old, i)->used)
			memcpy(slot__at(m, slot__find(m, slot__key(&old, i))),
			       slot__at(&old, i), m->slot_size);
	free(old.slots);
	return 0;
}

static int model__set(struct mapmodel *m, const void *key, const void *value)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap && model__grow(m))
		return -ENOMEM;
	i = slot__find(m, key);
	if (!slot__at(m, i)->used) {
		slot__at(m, i)->used = 1;
		memcpy(slot__key(m, i), key, m->ksize);
		m->n++;
	}
	memcpy(slot__value(m, i), value, m->vsize);
	return 0;
}

/* Empties slot i and moves up the entries of its probe run that would
 * no longer be found (backward shift: no tombstones). */
static void model__drop_at(struct mapmodel *m, size_t i)
{
	size_t mask = m->cap - 1;

	slot__at(m, i)->used = 0;
	m->n--;
	for (size_t j = (i + 1) & mask; slot__at(m, j)->used;
	     j = (j + 1) & mask) {
		size_t home = slot__home(m, slot__key(m, j));

		/* j stays if its home lies cyclically in (i, j]. */
		if (((j - home) & mask) < ((j - i) & mask))
			continue;
		memcpy(slot__at(m, i), slot__at(m, j), m->slot_size);
		slot__at(m, j)->used = 0;
		i = j;
	}
}

static void model__drop(struct mapmodel *m, const void *key)
{
	size_t i;

	if (!m->cap)
		return;
	i = slot__find(m, key);
	if (slot__at(m, i)->used)
		model__drop_at(m, i);
}

static bool value__zero(const struct mapmodel *m, const void *value)
{
	const unsigned char *p = value;

	for (uint32_t i = 0; i < m->vsize; i++)
		if (p[i])
			return false;
	return true;
}

int mapmodel__adopt(struct mapmodel *m)
{
	unsigned char key[m->ksize], next[m->ksize], value[m->vsize];
	void *prev = NULL;

	while (m->kind == MAPMODEL_HASH &&
	       !bpf_map_get_next_key(m->fd, prev, next)) {
		if (!bpf_map_lookup_elem(m->fd, next, value) &&
		    model__set(m, next, value))
			return -ENOMEM;
		memcpy(key, next, m->ksize);
		prev = key;
	}
	return 0;
}

/* A program array takes a program's fd and gives back its id. */
static int prog__id(int fd, uint32_t *id)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	return 0;
}

int mapmodel__put(struct mapmodel *m, const void *key, const void *value)
{
	uint32_t id;
	int err;

	if (bpf_map_update_elem(m->fd, key, value, BPF_ANY))
		return -errno;
	if (m->kind == MAPMODEL_ARRAY && value__zero(m, value)) {
		model__drop(m, key);
		return 0;
	}
	if (m->kind == MAPMODEL_PROGS) {
		err = prog__id(*(const int *)value, &id);
		if (err)
			return err;
		value = &id;
	}
	err = model__set(m, key, value);
	if (err)
		log_error("out of memory: the daemon cannot repair map %s",
			  m->name);
	return 0;
}

int mapmodel__del(struct mapmodel *m, const void *key)
{
	int err = bpf_map_delete_elem(m->fd, key) ? -errno : 0;

	model__drop(m, key);
	errno = -err;
	return err;
}

void mapmodel__forget_if(struct mapmodel *m,
			 bool (*match)(const void *key, void *ctx), void *ctx)
{
	/* A drop may shift a later entry into slot i: look at i again. */
	for (size_t i = 0; i < m->cap; )
		if (slot__at(m, i)->used && match(slot__key(m, i), ctx))
			model__drop_at(m, i);
		else
			i++;
}

/* Writes the copy's value of slot i into the map; bytes past owned from
 * have, the map's (NULL: it has no entry). */
static bool slot__restore(struct mapmodel *m, size_t i, const void *have)
{
	unsigned char value[m->vsize];
	int fd = -1;
	bool ok;

	memcpy(value, slot__value(m, i), m->vsize);
	if (have)
		memcpy(value + m->owned, (const unsigned char *)have + m->owned,
		       m->vsize - m->owned);
	if (m->kind == MAPMODEL_PROGS) {
		fd = bpf_prog_get_fd_by_id(*(uint32_t *)value);
		memcpy(value, &fd, sizeof(fd));
	}
	ok = !bpf_map_update_elem(m->fd, slot__key(m, i), value, BPF_ANY);
	if (!ok)
		log__errno(errno, "cannot repair an entry of map %s", m->name);
	if (fd >= 0)
		close(fd);
	return ok;
}

static bool slot__lapsed(const struct mapmodel *m, size_t i, uint64_t now)
{
	uint64_t at;

	if (!m->lapses)
		return false;
	memcpy(&at, slot__value(m, i) + m->lapse_at, sizeof(at));
	return at && at <= now;
}

/* Arrays: each entry of the copy read back; the others are zeros no
 * program reads (no policy, route or entry points at them). */
static size_t check__entries(struct mapmodel *m)
{
	unsigned char have[m->vsize];
	size_t fixed = 0;

	for (size_t i = 0; i < m->cap; i++) {
		if (!slot__at(m, i)->used)
			continue;
		if (!bpf_map_lookup_elem(m->fd, slot__key(m, i), have) &&
		    !memcmp(have, slot__value(m, i), m->owned))
			continue;
		fixed += slot__restore(m, i, NULL);
	}
	return fixed;
}

/* Keys to delete, collected first: a hash map's walk is lost once the
 * key it stands at goes. */
struct doomed {
	unsigned char *keys;
	size_t n, cap;
};

static void doomed__add(struct doomed *d, const void *key, size_t size)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 16;
		unsigned char *k = realloc(d->keys, cap * size);

		if (!k)
			return;
		d->keys = k;
		d->cap = cap;
	}
	memcpy(d->keys + d->n++ * size, key, size);
}

/* One entry of the map (key, have): marked seen in the copy and put back
 * if it differs, or doomed when the copy has no such key (someone added
 * it). */
static void check__entry(struct mapmodel *m, const void *key,
			 const void *have, struct doomed *d, size_t *fixed)
{
	size_t i = m->cap ? slot__find(m, key) : 0;

	if (!m->cap || !slot__at(m, i)->used) {
		if (!m->kernels || !m->kernels(key, have, m->now))
			doomed__add(d, key, m->ksize);
		return;
	}
	slot__at(m, i)->seen = m->gen;
	if (memcmp(have, slot__value(m, i), m->owned))
		*fixed += slot__restore(m, i, have);
}

/* Reads the map a key at a time (an LPM trie has no batches). */
static void walk__keys(struct mapmodel *m, struct doomed *d, size_t *fixed)
{
	unsigned char key[m->ksize], next[m->ksize], have[m->vsize];
	void *prev = NULL;

	while (!bpf_map_get_next_key(m->fd, prev, next)) {
		/* gone meanwhile: the kernel's */
		if (!bpf_map_lookup_elem(m->fd, next, have))
			check__entry(m, next, have, d, fixed);
		memcpy(key, next, m->ksize);
		prev = key;
	}
}

#define BATCH 256

/* Reads a hash map BATCH entries a call: a syscall per entry made the
 * heartbeat's check of 1000 protected files cost a millisecond. False
 * when the map cannot (then nothing changed but seen marks). */
static bool walk__batches(struct mapmodel *m, struct doomed *d,
			  size_t *fixed)
{
	unsigned char *keys = malloc(BATCH * (size_t)(m->ksize + m->vsize));
	/* A hash map's position is a u32 bucket, another's a key. */
	unsigned char at[m->ksize + 4], next[m->ksize + 4];
	void *from = NULL;
	int err = 0;

	while (keys && !err) {
		uint32_t n = BATCH;

		err = bpf_map_lookup_batch(m->fd, from, next, keys,
					   keys + BATCH * m->ksize, &n, NULL)
			? -errno : 0;
		if (err && err != -ENOENT)
			break;
		for (uint32_t i = 0; i < n; i++)
			check__entry(m, keys + i * m->ksize,
				      keys + BATCH * m->ksize + i * m->vsize,
				      d, fixed);
		memcpy(at, next, sizeof(at));
		from = at;
	}
	free(keys);
	return err == -ENOENT;
}

/* Hash maps and tries: the map's entries read (added ones deleted, the
 * changed put back), then the copy's entries the walk did not meet made
 * again, unless they lapsed. */
static size_t check__keys(struct mapmodel *m, uint64_t now)
{
	struct doomed d = { 0 };
	size_t fixed = 0;

	m->gen++;
	m->now = now;
	if (!walk__batches(m, &d, &fixed)) {
		d.n = 0;
		walk__keys(m, &d, &fixed);
	}
	for (size_t i = 0; i < d.n; i++)
		fixed += !bpf_map_delete_elem(m->fd, d.keys + i * m->ksize);
	free(d.keys);
	for (size_t i = 0; i < m->cap; ) {
		if (!slot__at(m, i)->used || slot__at(m, i)->seen == m->gen) {
			i++;
		} else if (slot__lapsed(m, i, now)) {
			model__drop_at(m, i);	/* may shift one into i */
		} else {
			fixed += slot__restore(m, i, NULL);
			slot__at(m, i)->seen = m->gen;
			i++;
		}
	}
	return fixed;
}

size_t mapmodel__check(struct mapmodel *m, uint64_t now)
{
	return m->kind == MAPMODEL_HASH ? check__keys(m, now)
					: check__entries(m);
}
