// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "cgroup.h"
#include "event.h"
#include "log.h"
#include "opener.h"
#include "sandbox.h"

struct opener {
	pthread_t thread;
	pthread_mutex_t mu;	/* the ring's consumer, and what follows */
	struct ring_buffer *ring;
	const struct roots *roots;
	struct opened *made;	/* found, not taken yet */
	size_t nr, cap;
	unsigned int malformed;
	int stop;		/* eventfd: the thread ends when readable */
};

static void opener__push(struct opener *o, const struct opened *r)
{
	struct opened *grown;

	if (o->nr == o->cap) {
		grown = realloc(o->made, (o->cap * 2 + 16) * sizeof(*grown));
		if (!grown) {	/* its first record looks it up instead */
			if (r->fd >= 0)
				close(r->fd);
			return;
		}
		o->made = grown;
		o->cap = o->cap * 2 + 16;
	}
	o->made[o->nr++] = *r;
}

/* Ring buffer callback, under mu: never an error, which would stop the
 * consumer. */
static int opener__on_record(void *ctx, void *data, size_t size)
{
	struct opener *o = ctx;
	struct opened r;
	struct event ev;
	char dir[PATH_MAX];

	if (event__decode(data, size, &ev) || ev.kind != EVENT_MKDIR ||
	    ev.cgroup.root >= (uint32_t)o->roots->nr) {
		o->malformed++;
		return 0;
	}
	r.cgid = ev.hdr->sandbox_cgid;
	r.root = ev.cgroup.root;
	memcpy(r.name, ev.cgroup.name.p, ev.cgroup.name.len);
	r.name[ev.cgroup.name.len] = '\0';
	snprintf(dir, sizeof(dir), "%s/%s", o->roots->root[r.root].path,
		 r.name);
	r.fd = cgroup__open(dir, r.cgid);
	opener__push(o, &r);
	return 0;
}

static void opener__read(struct opener *o)
{
	pthread_mutex_lock(&o->mu);
	ring_buffer__consume(o->ring);
	pthread_mutex_unlock(&o->mu);
}

static void *opener__run(void *arg)
{
	struct opener *o = arg;
	struct pollfd fds[2] = {
		{ .fd = ring_buffer__epoll_fd(o->ring), .events = POLLIN },
		{ .fd = o->stop, .events = POLLIN },
	};

	while (!(fds[1].revents & POLLIN))
		if (poll(fds, 2, -1) > 0 && (fds[0].revents & POLLIN))
			opener__read(o);
	return NULL;
}

/* The thread does little, and must do it before a manager's rmdir:
 * real-time priority, where the system allows it. */
static void opener__prioritize(struct opener *o)
{
	struct sched_param sp = { .sched_priority = 1 };
	int err = pthread_setschedparam(o->thread, SCHED_FIFO, &sp);

	if (err)
		log_warn("sandbox directories are opened without real-time "
			 "priority (%s): the labels of a sandbox removed "
			 "within milliseconds may be lost", strerror(err));
}

int opener__start(struct opener **out, int ring_fd, const struct roots *roots)
{
	struct opener *o = calloc(1, sizeof(*o));
	int err = -ENOMEM;

	if (!o)
		return err;
	o->roots = roots;
	pthread_mutex_init(&o->mu, NULL);
	o->stop = eventfd(0, EFD_CLOEXEC);
	o->ring = ring_buffer__new(ring_fd, opener__on_record, o, NULL);
	if (o->stop < 0 || !o->ring)
		err = -errno;
	else
		err = -pthread_create(&o->thread, NULL, opener__run, o);
	if (err) {
		log__errno(err, "cannot read the sandboxes' mkdir records");
		ring_buffer__free(o->ring);
		if (o->stop >= 0)
			close(o->stop);
		free(o);
		return err;
	}
	pthread_setname_np(o->thread, "vigil-opener");
	opener__prioritize(o);
	*out = o;
	return 0;
}

unsigned int opener__take(struct opener *o,
			  void (*fn)(void *ctx, const struct opened *r),
			  void *ctx)
{
	struct opened *made;
	unsigned int malformed;
	size_t nr;

	pthread_mutex_lock(&o->mu);
	ring_buffer__consume(o->ring);	/* if the thread lags */
	made = o->made;
	nr = o->nr;
	malformed = o->malformed;
	o->made = NULL;
	o->nr = o->cap = 0;
	o->malformed = 0;
	pthread_mutex_unlock(&o->mu);
	for (size_t i = 0; i < nr; i++)
		fn(ctx, &made[i]);
	free(made);
	return malformed;
}

static void opener__made(void *ctx, const struct opened *r)
{
	sandboxes__made(ctx, r->cgid, r->root, r->name, r->fd);
}

unsigned int opener__feed(void *o, struct sandboxes *s)
{
	return opener__take(o, opener__made, s);
}

static void opener__close(void *ctx, const struct opened *r)
{
	if (r->fd >= 0)
		close(r->fd);
}

void opener__stop(struct opener *o)
{
	if (!o)
		return;
	eventfd_write(o->stop, 1);
	pthread_join(o->thread, NULL);
	opener__take(o, opener__close, NULL);
	ring_buffer__free(o->ring);
	close(o->stop);
	pthread_mutex_destroy(&o->mu);
	free(o);
}
