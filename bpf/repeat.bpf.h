/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * In-kernel aggregation of a flood: once a task makes more than
 * flood_records plain records per window, or the ring buffer is more than
 * an eighth full (the collector is behind, whoever floods), a record that
 * repeats the task's previous plain record (same result, same file or
 * same failing path) is counted in the repeats map instead of sent,
 * before the costly part of building it (the path walk). The task keeps
 * only a hash of its previous record, so a flood of records that are all
 * different costs no map update at all. The collector reports the counts
 * when the epoch closes (userspace/intake/flows.c).
 */
#ifndef VIGIL_REPEAT_BPF_H
#define VIGIL_REPEAT_BPF_H

#include "vigil.bpf.h"

#define FLOOD_WINDOW_NS (100 * 1000 * 1000ULL)

/* Whether task t floods now; each call is one plain record towards its
 * rate. */
static __always_inline bool flood__on(struct vigil_task *t, __u64 now)
{
	if (now - t->window_ns > FLOOD_WINDOW_NS) {
		t->window_ns = now;
		t->in_window = 0;
	}
	return ++t->in_window > flood_records ||
	       bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > ring_bytes / 8;
}

/* A hash of the key's words, epoch aside (it is 0 here). */
static __always_inline __u64 repeat__hash(const struct vigil_repeat_key *k)
{
	const __u64 *w = (const __u64 *)k;
	__u64 h = 0;

	for (int i = 0; i < sizeof(*k) / sizeof(__u64); i++)
		h = (h ^ w[i]) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

/* Counts one more repeat of k in this epoch; false when the map is full
 * (the record is sent instead). */
static __always_inline bool repeat__count(struct vigil_repeat_key *k,
					  __u64 now)
{
	struct vigil_repeat fresh = { .first_ns = now }, *r;

	k->epoch = flow_epoch;
	r = bpf_map_lookup_elem(&repeats, k);
	if (!r) {
		bpf_map_update_elem(&repeats, k, &fresh, BPF_NOEXIST);
		r = bpf_map_lookup_elem(&repeats, k);
		if (!r)
			return false;
	}
	__sync_fetch_and_add(&r->count, 1);
	r->last_ns = now;
	return true;
}

/* True when the record k names was counted as a repeat (not to be
 * sent): the current task floods and sent the same record last. */
static __always_inline bool repeat__counted(struct vigil_repeat_key *k,
					    __u64 now)
{
	struct vigil_task *t;
	__u64 h;
	bool same;

	if (!flood_records)
		return false;
	t = bpf_task_storage_get(&origins, bpf_get_current_task_btf(), 0, 0);
	if (!t)
		return false;
	h = repeat__hash(k);
	same = h == t->last_hash;
	t->last_hash = h;
	return flood__on(t, now) && same && repeat__count(k, now);
}

#endif /* VIGIL_REPEAT_BPF_H */
