// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "ringread.h"

/* Consumed bytes held back before the position is published: a few
 * hundred typical records, nothing next to the buffer's megabytes (the
 * lanes' limits see at most this much less room than there is). */
#define PUBLISH_BYTES (64 << 10)

struct ringread {
	ringread_fn fn;
	void *ctx;
	int epfd;
	size_t page;
	uint64_t mask;			/* data size - 1, a power of two */
	uint64_t *consumer_pos;		/* the page user space writes */
	const uint64_t *producer_pos;	/* read-only: the kernel's */
	const uint8_t *data;		/* mapped twice over, end to end */
};

/* As the kernel lays a record out: an 8-byte header (length and the
 * busy and discard bits), the record, padding to 8 bytes. */
static uint64_t ringread__span(uint32_t len)
{
	len &= ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
	return (len + BPF_RINGBUF_HDR_SZ + 7) & ~7ULL;
}

static void ringread__publish(struct ringread *r, uint64_t pos)
{
	__atomic_store_n(r->consumer_pos, pos, __ATOMIC_RELEASE);
}

/* The record at *cons, which it passes: 1 when handed to the callback,
 * 0 when discarded or (*busy) not committed yet, or the callback's
 * negative return. */
static int ringread__one(struct ringread *r, uint64_t *cons, bool *busy)
{
	const uint32_t *hdr = (const void *)(r->data + (*cons & r->mask));
	uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
	int err;

	*busy = len & BPF_RINGBUF_BUSY_BIT;
	if (*busy)
		return 0;
	*cons += ringread__span(len);
	if (len & BPF_RINGBUF_DISCARD_BIT)
		return 0;
	err = r->fn(r->ctx, (void *)(hdr + 2), len);
	return err < 0 ? err : 1;
}

int ringread__consume(struct ringread *r)
{
	uint64_t cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE);
	uint64_t published = cons, prod;
	int n = 0, rc = 0;
	bool busy = false;

	while (!busy && rc >= 0 &&
	       cons < (prod = __atomic_load_n(r->producer_pos,
					      __ATOMIC_ACQUIRE))) {
		while (cons < prod) {
			rc = ringread__one(r, &cons, &busy);
			if (busy)
				break;
			n += rc > 0;
			if (cons - published >= PUBLISH_BYTES) {
				ringread__publish(r, cons);
				published = cons;
			}
			if (rc < 0)
				break;
		}
	}
	if (cons != published)
		ringread__publish(r, cons);
	return rc < 0 ? rc : n;
}

int ringread__poll(struct ringread *r, int timeout_ms)
{
	struct epoll_event ev;

	if (epoll_wait(r->epfd, &ev, 1, timeout_ms) < 0)
		return -errno;
	return ringread__consume(r);
}

void ringread__free(struct ringread *r)
{
	if (!r)
		return;
	if (r->consumer_pos)
		munmap(r->consumer_pos, r->page);
	if (r->producer_pos)
		munmap((void *)r->producer_pos, r->page + 2 * (r->mask + 1));
	if (r->epfd >= 0)
		close(r->epfd);
	free(r);
}

/* The kernel's layout (kernel/bpf/ringbuf.c): the consumer page at
 * offset 0, writable; the producer page and the data, mapped twice so
 * that a record wrapping around the end reads as one piece. */
static int ringread__map(struct ringread *r, int map_fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	void *p;

	if (bpf_obj_get_info_by_fd(map_fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1)))
		return -EINVAL;
	r->mask = info.max_entries - 1;
	p = mmap(NULL, r->page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	r->consumer_pos = p;
	p = mmap(NULL, r->page + 2 * (size_t)info.max_entries, PROT_READ,
		 MAP_SHARED, map_fd, r->page);
	if (p == MAP_FAILED)
		return -errno;
	r->producer_pos = p;
	r->data = (const uint8_t *)p + r->page;
	return 0;
}

struct ringread *ringread__new(int map_fd, ringread_fn fn, void *ctx)
{
	struct ringread *r = calloc(1, sizeof(*r));
	struct epoll_event ev = { .events = EPOLLIN };
	int err;

	if (!r)
		return NULL;
	r->fn = fn;
	r->ctx = ctx;
	r->page = sysconf(_SC_PAGESIZE);
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	err = r->epfd < 0 ? -errno : ringread__map(r, map_fd);
	if (!err && epoll_ctl(r->epfd, EPOLL_CTL_ADD, map_fd, &ev))
		err = -errno;
	if (err) {
		ringread__free(r);
		errno = -err;
		return NULL;
	}
	return r;
}
