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
	const uint8_t *data;		/* mapped once */
	uint8_t *bounce;		/* a record that wraps, in one piece */
	size_t bounce_cap;
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

/* The len bytes of the record whose body starts at offset off of the
 * data: in place, or, for the one record a lap that wraps around the end,
 * copied whole into the bounce buffer. NULL when that cannot grow. */
static const void *ringread__body(struct ringread *r, uint64_t off,
				  uint32_t len)
{
	uint64_t size = r->mask + 1, first = size - off;

	if (len <= first)
		return r->data + off;
	if (len > r->bounce_cap) {
		uint8_t *b = realloc(r->bounce, len);

		if (!b)
			return NULL;
		r->bounce = b;
		r->bounce_cap = len;
	}
	memcpy(r->bounce, r->data + off, first);
	memcpy(r->bounce + first, r->data, len - first);
	return r->bounce;
}

/* The record at *cons, which it passes: 1 when handed to the callback,
 * 0 when discarded or (*busy) not committed yet, or the callback's
 * negative return; -ENOMEM, the record left unread for the next call,
 * when a wrapping record found no room. */
static int ringread__one(struct ringread *r, uint64_t *cons, bool *busy)
{
	uint64_t off = *cons & r->mask;
	const uint32_t *hdr = (const void *)(r->data + off);
	uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
	const void *body;
	int err;

	*busy = len & BPF_RINGBUF_BUSY_BIT;
	if (*busy)
		return 0;
	if (len & BPF_RINGBUF_DISCARD_BIT) {
		*cons += ringread__span(len);
		return 0;
	}
	/* The 8-byte header never wraps: records are 8-aligned. */
	body = ringread__body(r, (off + BPF_RINGBUF_HDR_SZ) & r->mask, len);
	if (!body)
		return -ENOMEM;
	*cons += ringread__span(len);
	err = r->fn(r->ctx, (void *)body, len);
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
		munmap((void *)r->producer_pos, r->page + r->mask + 1);
	if (r->epfd >= 0)
		close(r->epfd);
	free(r->bounce);
	free(r);
}

/* The kernel's layout (kernel/bpf/ringbuf.c): the consumer page at
 * offset 0, writable; the producer page and the data. libbpf maps the
 * data twice, end to end, so that a record wrapping around the end reads
 * as one piece, which counts the buffer twice in the daemon's RSS (16 MiB
 * of 67 under a flood); once, and the rare wrapping record copied, is
 * enough. */
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
	p = mmap(NULL, r->page + (size_t)info.max_entries, PROT_READ,
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
