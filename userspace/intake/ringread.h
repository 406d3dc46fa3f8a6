/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The reader of the events ring buffer: libbpf's ring_buffer__consume
 * with two differences. libbpf publishes the consumer position after
 * every record; the kernel reads it at every reserve (and bpf/vigil.bpf.h
 * at every record, for the lanes), so under a flood each record the
 * producing CPU makes would miss on a cache line the collector's CPU
 * just wrote. This reader publishes it after a batch of bytes and at
 * the end of each read: the space freed is returned a little later,
 * and the sandboxed open pays no cross-CPU miss for it (issue 12). And
 * libbpf maps the data twice, end to end, which counts the buffer twice
 * in the daemon's RSS; this reader maps it once and copies the one
 * record a lap that wraps around the end.
 */
#ifndef VIGIL_RINGREAD_H
#define VIGIL_RINGREAD_H

#include <stddef.h>

/* As libbpf's ring_buffer_sample_fn: a negative return stops the read
 * after this record, which is consumed. */
typedef int (*ringread_fn)(void *ctx, void *data, size_t size);

struct ringread;

/* Maps the BPF_MAP_TYPE_RINGBUF map_fd; NULL with errno set. */
struct ringread *ringread__new(int map_fd, ringread_fn fn, void *ctx);
/* Hands fn every record committed so far: how many, or fn's negative
 * return. */
int ringread__consume(struct ringread *r);
/* Waits up to timeout_ms for the kernel's wakeup, then consumes: as
 * ringread__consume, or a negative errno from the wait. */
int ringread__poll(struct ringread *r, int timeout_ms);
void ringread__free(struct ringread *r);

#endif /* VIGIL_RINGREAD_H */
