/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every vigil BPF program shares: the scope test, record headers,
 * emission with drop accounting, and the task storage of syscalls in
 * flight.
 */
#ifndef VIGIL_BPF_H
#define VIGIL_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "records.h"
#include "arch.bpf.h"
#include "maps.bpf.h"

#define AF_UNIX   1
#define AF_INET   2
#define AF_INET6  10

/* Declared once for the linked object: __weak, since every program file
 * includes this header. */
char LICENSE[] SEC("license") __weak = "Dual BSD/GPL";

/* The id of cg's ancestor at level (cg's own at its level; the root's at
 * 0), 0 for a level deeper than cg, as the ancestor helpers say of a task
 * or a socket. cgroup->ancestors[] is 6.0's (it replaced ancestor_ids[]). */
static __always_inline __u64 cgroup__ancestor(struct cgroup *cg, int level)
{
	struct cgroup *a = NULL;

	if (level > BPF_CORE_READ(cg, level))
		return 0;
	bpf_probe_read_kernel(&a, sizeof(a), (void *)cg +
			      bpf_core_field_offset(struct cgroup, ancestors) +
			      level * sizeof(a));
	return BPF_CORE_READ(a, kn, id);
}

/* The ancestor at the given depth of the cgroup of skb's socket, of cg,
 * or (both NULL) of the current task's cgroup. */
static __always_inline __u64 ancestor(struct __sk_buff *skb, struct cgroup *cg,
				      int level)
{
	if (skb)
		return bpf_skb_ancestor_cgroup_id(skb, level);
	if (cg)
		return cgroup__ancestor(cg, level);
	return bpf_get_current_ancestor_cgroup_id(level);
}

/*
 * The sandbox cgroup id that the cgroup of skb's socket, cg, or the
 * current task's cgroup lies in, 0 outside every sandbox. This is all an
 * unwatched task pays: one ancestor lookup per configured root (usually
 * one).
 */
static __always_inline __u64 scope__in(struct __sk_buff *skb,
				       struct cgroup *cg)
{
	for (__u32 i = 0; i < VIGIL_MAX_ROOTS; i++) {
		if (i >= scope.nr_roots)
			break;
		if (ancestor(skb, cg, scope.root_level[i]) != scope.root_id[i])
			continue;
		/* 0 here: the cgroup is the root itself, not a sandbox. */
		__u64 sb = ancestor(skb, cg, scope.root_level[i] + 1);

		if (scope.only_sandbox && sb != scope.only_sandbox)
			return 0;
		return sb;
	}
	return 0;
}

/* Where skb's socket was made (cgroup_skb programs). */
static __always_inline __u64 scope__of(struct __sk_buff *skb)
{
	return scope__in(skb, NULL);
}

/* Where a cgroup the kernel handed a program lies. */
static __always_inline __u64 cgroup__sandbox(struct cgroup *cg)
{
	return scope__in(NULL, cg);
}

static __always_inline void drop__count(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&drops, &reason);

	if (n)
		*n += 1;	/* per-CPU slot: no atomics needed */
}

/*
 * The sandbox the current task belongs to, given the one it sits in (at,
 * 0 for none): the sandbox it was first seen in, wherever it sits now, so
 * that a task that left its sandbox is still watched, judged and blamed
 * as its sandbox's (bpf/escape.bpf.h). A task not marked yet is marked
 * with the sandbox it sits in. 0 for a task outside every sandbox that
 * was never in one.
 */
static __always_inline __u64 scope__task(__u64 at)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct vigil_task *origin;

	/* No task storage at all: never marked. An unwatched task pays this
	 * one load beyond the ancestor lookup. */
	if (!at && !t->bpf_storage)
		return 0;
	origin = bpf_task_storage_get(&origins, t, 0,
				      at ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (!origin) {
		if (at)
			drop__count(VIGIL_DROP_INFLIGHT);
		return at;
	}
	if (!origin->sandbox)
		origin->sandbox = at;
	return origin->sandbox;
}

#define SIGKILL 9

/* The sandbox's policy, or the default one for a sandbox user space has
 * not placed yet; NULL only before user space wrote the default. */
static __always_inline struct vigil_policy *policy__of(__u64 sandbox)
{
	struct vigil_policy *p = bpf_map_lookup_elem(&policies, &sandbox);
	__u64 none = 0;

	return p ?: bpf_map_lookup_elem(&policies, &none);
}

/*
 * Fail-closed: a task of a sandbox whose policy says so is killed at its
 * next watched call once the daemon's heartbeat (daemon_state, refreshed
 * every tick) is older than the policy's limit: with nobody to read the
 * records and act, the sandbox stops rather than runs unwatched. The
 * smallest limit of any policy comes first, so a live daemon costs a
 * sandboxed call one array lookup, and none when no profile fails
 * closed.
 */
static __always_inline void failsafe__check(__u64 sandbox)
{
	struct vigil_daemon *d;
	struct vigil_policy *p;
	__u32 zero = 0;
	__u64 age;

	if (!fail_closed_min_ns)
		return;
	d = bpf_map_lookup_elem(&daemon_state, &zero);
	if (!d || !d->heartbeat_ns)
		return;
	age = bpf_ktime_get_boot_ns() - d->heartbeat_ns;
	if (age < fail_closed_min_ns)
		return;
	p = policy__of(sandbox);
	if (p && p->fail_closed_ns && age >= p->fail_closed_ns)
		bpf_send_signal(SIGKILL);
}

/* The scope test of every program that runs in a task's context. A
 * marked task is its mark's, wherever it sits (scope__task): one task
 * storage lookup, the cgroup checks only for a task not marked yet. */
static __always_inline __u64 scope__sandbox(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct vigil_task *origin = NULL;
	__u64 sb;

	if (t->bpf_storage)
		origin = bpf_task_storage_get(&origins, t, 0, 0);
	sb = origin && origin->sandbox ? origin->sandbox
				       : scope__task(scope__in(NULL, NULL));

	if (sb)
		failsafe__check(sb);
	return sb;
}

/*
 * Fills the common header from the current task. Its fields are read
 * with plain loads through the task's BTF pointer, as the helpers for
 * the ids, credentials, cgroup and comm would read them (under the RCU
 * read lock every tracing program holds), at a load each instead of a
 * helper call each: every record pays for this.
 */
static __always_inline void hdr__fill(struct vigil_hdr *h, __u16 type,
				      __u64 sandbox)
{
	struct task_struct *t = bpf_get_current_task_btf();
	const struct cred *cred = t->cred;
	const __u64 *comm = (const __u64 *)t->comm;

	h->type = type;
	h->flags = 0;
	h->ktime_ns = bpf_ktime_get_boot_ns();
	h->cgroup_id = t->cgroups->dfl_cgrp->kn->id;
	h->sandbox_cgid = sandbox;
	h->pid = t->tgid;
	h->tid = t->pid;
	h->ppid = t->real_parent->tgid;
	h->uid = cred->uid.val;
	h->gid = cred->gid.val;
	h->__pad = 0;
	_Static_assert(sizeof(h->comm) == 2 * sizeof(__u64), "comm");
	((__u64 *)h->comm)[0] = comm[0];
	((__u64 *)h->comm)[1] = comm[1];
}

/*
 * Lanes: which records a flood may crowd out of the ring buffer. Common
 * records (plain opens, the bulk of any flood) stop at three quarters of
 * it, rare ones (exec, fork, exit, connect, syscalls, opens of protected
 * files) at fifteen sixteenths. So a flood of opens can never push out
 * the exec, the connect or the read of a secret that follows it, and
 * everything stays in one buffer, in the order it happened. Verdicts (a
 * task killed, an escape, a budget spent) go apart (verdict__emit).
 */
enum lane {
	LANE_COMMON,
	LANE_RARE,
};

/* Bytes of the ring buffer unread, or, when a record of size may not
 * enter in its lane, a value above the ring's size. */
static __always_inline __u64 lane__room(enum lane lane, __u64 size)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 limit = lane == LANE_COMMON ? ring_bytes - ring_bytes / 4
					 : ring_bytes - ring_bytes / 16;

	/* 8: the ring's own header of each record */
	return avail + size + 8 <= limit ? avail : ~0ULL;
}

/* A sandbox's loss counts, made on its first loss; NULL when the map is
 * full. */
static __always_inline struct vigil_load *load__of(__u64 sandbox)
{
	struct vigil_load *l = bpf_map_lookup_elem(&sandbox_load, &sandbox);
	struct vigil_load zero = {};

	if (l)
		return l;
	bpf_map_update_elem(&sandbox_load, &sandbox, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&sandbox_load, &sandbox);
}

/* A record that could not be sent: counted in the host's count, and
 * against its sandbox and type where the sandbox's counts can take it. */
static __always_inline void drop__record(const struct vigil_hdr *h)
{
	struct vigil_load *l = load__of(h->sandbox_cgid);

	drop__count(VIGIL_DROP_RINGBUF);
	if (!l)
		return;
	__sync_fetch_and_add(&l->lost[h->type & (VIGIL_KINDS - 1)], 1);
	if (h->flags & VIGIL_F_KILLED)
		__sync_fetch_and_add(&l->kills_lost, 1);
}

/* A record of something the kernel did: a task killed, an escape, a
 * budget spent. userspace/collector/verdicts.c says the same. */
static __always_inline bool verdict__is(const struct vigil_hdr *h)
{
	return (h->flags & VIGIL_F_KILLED) || h->type == VIGIL_EV_ESCAPE ||
	       h->type == VIGIL_EV_BUDGET;
}

/*
 * A verdict goes twice, each copy waking the collector: to the verdicts
 * ring, which the collector reads before the backlog of events, so that
 * no flood delays a kill; and to events, in order, where it may use all
 * of the buffer. The collector handles the first copy it reads. Lost
 * only when neither went.
 */
static __always_inline void verdict__emit(const struct vigil_hdr *h,
					  __u64 size)
{
	long early = bpf_ringbuf_output(&verdicts, (void *)h, size,
					BPF_RB_FORCE_WAKEUP);
	long ordered = bpf_ringbuf_output(&events, (void *)h, size,
					  BPF_RB_FORCE_WAKEUP);

	if (early && ordered)
		drop__record(h);
}

/*
 * Wake the collector only when unread records (avail bytes) cross a
 * batch's worth: a wakeup per record costs the producing CPU an irq_work
 * each time, which is most of the overhead at high event rates. Only the
 * crossing wakes it, so a collector that falls behind is not woken for
 * every record after (it polls on a short timer and catches up). A lone
 * record arrives within that timer's period.
 */
#define WAKEUP_BYTES (256 << 10)

static __always_inline __u64 wakeup__flags(__u64 avail, __u64 size)
{
	return avail < WAKEUP_BYTES && avail + size >= WAKEUP_BYTES
		       ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/*
 * Copies a record built in a per-CPU scratch buffer, or on the stack,
 * into the ring buffer, in its lane (a verdict apart). Variable-length
 * records cannot use bpf_ringbuf_reserve (its size must be a verifier
 * constant), hence output; a record with no room is counted against its
 * sandbox.
 */
static __always_inline void emit(void *rec, __u64 size, __u64 max,
				 enum lane lane)
{
	struct vigil_hdr *h = rec;
	__u64 avail;

	if (size > max)
		size = max;
	h->size = size;
	if (verdict__is(h)) {
		verdict__emit(h, size);
		return;
	}
	avail = lane__room(lane, size);
	if (avail == ~0ULL || bpf_ringbuf_output(&events, rec, size,
						 wakeup__flags(avail, size)))
		drop__record(h);
}

/* A fixed-size record reserved in place in ring, header filled; NULL
 * (counted) when it is full. size must be a compile-time constant. */
static __always_inline void *reserve_in(void *ring, __u64 size, __u16 type,
					__u64 sandbox)
{
	struct vigil_hdr *h = bpf_ringbuf_reserve(ring, size, 0);

	if (!h) {
		drop__count(VIGIL_DROP_RINGBUF);
		return NULL;
	}
	hdr__fill(h, type, sandbox);
	h->size = size;
	return h;
}

/* The same in the ring buffer of every other record, in a lane, with the
 * record's flags; a record with no room is counted against its sandbox.
 * Never for a verdict, which goes through emit(). */
static __always_inline void *reserve(__u64 size, __u16 type, __u64 sandbox,
				     __u32 flags, enum lane lane)
{
	struct vigil_hdr *h = NULL;

	if (lane__room(lane, size) != ~0ULL)
		h = bpf_ringbuf_reserve(&events, size, 0);
	if (!h) {
		struct vigil_hdr lost = { .type = type, .flags = flags,
					  .sandbox_cgid = sandbox };

		drop__record(&lost);
		return NULL;
	}
	hdr__fill(h, type, sandbox);
	h->flags = flags;
	h->size = size;
	return h;
}

static __always_inline void submit(void *rec)
{
	struct vigil_hdr *h = rec;

	bpf_ringbuf_submit(rec, wakeup__flags(bpf_ringbuf_query(
			   &events, BPF_RB_AVAIL_DATA), h->size));
}

static __always_inline void *inflight__new(void *map)
{
	void *v = bpf_task_storage_get(map, bpf_get_current_task_btf(), 0,
				       BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!v)
		drop__count(VIGIL_DROP_INFLIGHT);
	return v;
}

/* The syscall in flight of the current task, NULL for none. A task
 * that no program stored anything for (every unwatched one) has no
 * storage at all: one load tells, not a helper call at each exit. */
static __always_inline void *inflight__get(void *map)
{
	struct task_struct *t = bpf_get_current_task_btf();

	if (!t->bpf_storage)
		return NULL;
	return bpf_task_storage_get(map, t, 0, 0);
}

#endif /* VIGIL_BPF_H */
