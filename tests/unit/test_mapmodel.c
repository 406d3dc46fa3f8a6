// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A map and the daemon's copy of it (intake/mapmodel.c), in real BPF maps
 * (needs root, or CAP_BPF): what someone else deleted, overwrote or added
 * put back and counted, the kernel's bytes of a value left alone, lapsed
 * entries dropped rather than made again, entries the kernel may have
 * added kept, an array's zeros as no entry, hash maps read in batches and
 * tries a key at a time, and a copy that survives growth and deletes
 * (thousands of keys). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <cmocka.h>

#include "mapmodel.h"

struct val {
	uint64_t until;		/* a lapse time */
	uint64_t kernels;	/* the kernel's bytes */
};

struct lpm_key {
	uint32_t prefixlen;
	uint8_t addr[4];
};

static int create(enum bpf_map_type type, size_t key, size_t value,
		  uint32_t entries, uint32_t flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = flags);
	int fd = bpf_map_create(type, "test_model", key, value, entries, &o);

	if (fd < 0)
		fail_msg("cannot create a BPF map (run as root): %s",
			 strerror(errno));
	return fd;
}

static void model(struct mapmodel *m, int fd, enum mapmodel_kind kind,
		  size_t key, size_t value)
{
	mapmodel__init(m, &(struct mapmodel_opts){
		.name = "test", .fd = fd, .kind = kind, .ksize = key,
		.vsize = value, .owned = value == sizeof(struct val) ?
			offsetof(struct val, kernels) : 0,
		.lapses = value == sizeof(struct val),
		.lapse_at = offsetof(struct val, until),
	});
}

static uint64_t lookup(int fd, const void *key, bool *found)
{
	struct val v = { 0 };

	*found = !bpf_map_lookup_elem(fd, key, &v);
	return v.until;
}

static void test_hash_repaired(void **state)
{
	int fd = create(BPF_MAP_TYPE_HASH, 8, sizeof(struct val), 16384, 0);
	struct mapmodel m;
	uint64_t k, added = 99999;
	struct val v = { .until = 0 }, bad = { .until = 1 };
	bool found;

	(void)state;
	model(&m, fd, MAPMODEL_HASH, 8, sizeof(v));
	/* Enough keys for the copy to grow and the walk to take batches. */
	for (k = 1; k <= 3000; k++) {
		v.until = 1000 + k;
		assert_int_equal(mapmodel__put(&m, &k, &v), 0);
	}
	for (k = 1; k <= 1000; k++)
		assert_int_equal(mapmodel__del(&m, &k), 0);
	assert_int_equal(mapmodel__size(&m), 2000);
	assert_int_equal(mapmodel__check(&m, 0), 0);

	k = 1500;			/* deleted by someone */
	assert_int_equal(bpf_map_delete_elem(fd, &k), 0);
	k = 2500;			/* overwritten */
	assert_int_equal(bpf_map_update_elem(fd, &k, &bad, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(fd, &added, &bad, BPF_ANY), 0);
	k = 2600;			/* the kernel's bytes only */
	v = (struct val){ .until = 1000 + k, .kernels = 7 };
	assert_int_equal(bpf_map_update_elem(fd, &k, &v, BPF_ANY), 0);
	assert_int_equal(mapmodel__check(&m, 0), 3);
	k = 1500;
	assert_int_equal(lookup(fd, &k, &found), 2500);
	assert_true(found);
	k = 2500;
	assert_int_equal(lookup(fd, &k, &found), 3500);
	lookup(fd, &added, &found);
	assert_false(found);
	k = 2600;
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &v), 0);
	assert_int_equal(v.kernels, 7);
	assert_int_equal(mapmodel__check(&m, 0), 0);
	mapmodel__fini(&m);
	close(fd);
}

static void test_lapsed_dropped(void **state)
{
	int fd = create(BPF_MAP_TYPE_HASH, 8, sizeof(struct val), 64, 0);
	struct mapmodel m;
	uint64_t k = 1;
	struct val v = { .until = 50 };

	(void)state;
	model(&m, fd, MAPMODEL_HASH, 8, sizeof(v));
	assert_int_equal(mapmodel__put(&m, &k, &v), 0);
	assert_int_equal(bpf_map_delete_elem(fd, &k), 0);
	/* Not lapsed yet: someone's delete, undone. */
	assert_int_equal(mapmodel__check(&m, 40), 1);
	assert_int_equal(bpf_map_delete_elem(fd, &k), 0);
	/* Lapsed: the kernel's to drop; the copy forgets it. */
	assert_int_equal(mapmodel__check(&m, 60), 0);
	assert_int_equal(mapmodel__size(&m), 0);
	mapmodel__fini(&m);
	close(fd);
}

static bool odd(const void *key, const void *value, uint64_t now)
{
	(void)value;
	(void)now;
	return ((const struct lpm_key *)key)->addr[3] & 1;
}

static bool ten(const void *key, void *ctx)
{
	(void)ctx;
	return ((const struct lpm_key *)key)->addr[0] == 10;
}

/* An LPM trie, read a key at a time; the kernel's entries (odd here)
 * stay, others added go; forget_if drops from the copy alone. */
static void test_trie_shared(void **state)
{
	int fd = create(BPF_MAP_TYPE_LPM_TRIE, sizeof(struct lpm_key), 8, 64,
			BPF_F_NO_PREALLOC);
	struct mapmodel m;
	struct lpm_key mine = { 32, { 10, 0, 0, 2 } },
		       kernels = { 32, { 10, 0, 0, 3 } },
		       added = { 24, { 10, 0, 1, 0 } };
	uint64_t one = 1;

	(void)state;
	mapmodel__init(&m, &(struct mapmodel_opts){
		.name = "trie", .fd = fd, .ksize = sizeof(mine), .vsize = 8,
		.kernels = odd,
	});
	assert_int_equal(mapmodel__put(&m, &mine, &one), 0);
	assert_int_equal(bpf_map_update_elem(fd, &kernels, &one, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(fd, &added, &one, BPF_ANY), 0);
	assert_int_equal(bpf_map_delete_elem(fd, &mine), 0);
	assert_int_equal(mapmodel__check(&m, 0), 2);
	assert_int_equal(bpf_map_lookup_elem(fd, &mine, &one), 0);
	assert_int_equal(bpf_map_lookup_elem(fd, &kernels, &one), 0);
	assert_int_not_equal(bpf_map_lookup_elem(fd, &added, &one), 0);
	mapmodel__forget_if(&m, ten, NULL);
	assert_int_equal(mapmodel__size(&m), 0);
	mapmodel__fini(&m);
	close(fd);
}

/* An array: only the entries written are the copy's (a zero is none). */
static void test_array(void **state)
{
	int fd = create(BPF_MAP_TYPE_ARRAY, 4, 8, 16, 0);
	struct mapmodel m;
	uint32_t k = 3, other = 4;
	uint64_t bit = 1 << 3, zero = 0, v;

	(void)state;
	model(&m, fd, MAPMODEL_ARRAY, 4, 8);
	assert_int_equal(mapmodel__put(&m, &k, &bit), 0);
	assert_int_equal(mapmodel__put(&m, &other, &zero), 0);
	assert_int_equal(mapmodel__size(&m), 1);
	assert_int_equal(bpf_map_update_elem(fd, &k, &zero, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(fd, &other, &bit, BPF_ANY), 0);
	assert_int_equal(mapmodel__check(&m, 0), 1);
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &v), 0);
	assert_int_equal(v, bit);
	mapmodel__fini(&m);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_repaired),
		cmocka_unit_test(test_lapsed_dropped),
		cmocka_unit_test(test_trie_shared),
		cmocka_unit_test(test_array),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
