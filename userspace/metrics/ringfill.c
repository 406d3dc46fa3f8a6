// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "ringfill.h"

/* The kernel's layout: the consumer position on the first page, the
 * producer position on the second, the data after. */
static const unsigned long *ringfill__map(int fd, off_t page)
{
	long sz = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, sz, PROT_READ, MAP_SHARED, fd, page * sz);

	return p == MAP_FAILED ? NULL : p;
}

int ringfill__open(struct ringfill *r, const char *name, int map_fd,
		   size_t size)
{
	int err;

	r->consumer = ringfill__map(map_fd, 0);
	r->producer = r->consumer ? ringfill__map(map_fd, 1) : NULL;
	if (!r->producer) {
		err = -errno;
		log__errno(err, "metrics: cannot map the %s ring buffer", name);
		ringfill__close(r);
		return err;
	}
	r->name = name;
	r->size = size;
	return 0;
}

uint64_t ringfill__used(const struct ringfill *r)
{
	unsigned long cons, prod;

	if (!r->name)
		return 0;
	cons = __atomic_load_n(r->consumer, __ATOMIC_ACQUIRE);
	prod = __atomic_load_n(r->producer, __ATOMIC_ACQUIRE);
	return prod > cons ? prod - cons : 0;
}

void ringfill__close(struct ringfill *r)
{
	long sz = sysconf(_SC_PAGESIZE);

	if (r->consumer)
		munmap((void *)r->consumer, sz);
	if (r->producer)
		munmap((void *)r->producer, sz);
	*r = (struct ringfill){ 0 };
}
