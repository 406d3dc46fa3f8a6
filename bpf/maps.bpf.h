/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Maps every vigil BPF object declares. Each object gets its own instance;
 * the loader makes all objects share the first object's (bpf_map__reuse_fd),
 * so the collector reads one ring buffer and one set of drop counters and
 * keeps one copy of the enforcement maps.
 */
#ifndef VIGIL_MAPS_BPF_H
#define VIGIL_MAPS_BPF_H

/* Every record for the collector, in commit order across CPUs. Its size is
 * set by the loader before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

/* Per-CPU counts of what the kernel side could not deliver, indexed by
 * enum vigil_drop; summed and reported by the collector. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VIGIL_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* Protected files: (dev, ino) -> the bits of the sets they belong to.
 * Written by user space from the rules' file sets. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct vigil_inode);
	__type(value, __u64);
} protected SEC(".maps");

/* What the kernel enforces per sandbox (key: sandbox cgroup id; 0: the
 * default for sandboxes not placed yet). Written by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct vigil_policy);
} policies SEC(".maps");

#endif /* VIGIL_MAPS_BPF_H */
