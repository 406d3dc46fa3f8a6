/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* How full a BPF ring buffer is, read from any thread: its consumer and
 * producer positions mapped a second time, read-only (libbpf 1.1 has no
 * ring__avail_data_size). */
#ifndef VIGIL_RINGFILL_H
#define VIGIL_RINGFILL_H

#include <stddef.h>
#include <stdint.h>

struct ringfill {
	const char *name;		/* a label value; NULL: none mapped */
	size_t size;			/* data bytes */
	const unsigned long *consumer, *producer;
};

/* Maps the positions of the ring buffer map_fd of size data bytes. 0 or a
 * negative errno (logged). */
int ringfill__open(struct ringfill *r, const char *name, int map_fd,
		   size_t size);
/* Bytes written and not yet consumed. */
uint64_t ringfill__used(const struct ringfill *r);
void ringfill__close(struct ringfill *r);

#endif /* VIGIL_RINGFILL_H */
