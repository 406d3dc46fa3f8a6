// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "syncer.h"

#define SYNCER_QUEUE 8

struct syncer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int fds[SYNCER_QUEUE];
	int head, len;
	bool stop;
};

/* The next fd to sync, or -1 once stopped with nothing left. */
static int syncer__take(struct syncer *s)
{
	int fd = -1;

	pthread_mutex_lock(&s->mu);
	while (!s->len && !s->stop)
		pthread_cond_wait(&s->cv, &s->mu);
	if (s->len) {
		fd = s->fds[s->head];
		s->head = (s->head + 1) % SYNCER_QUEUE;
		s->len--;
	}
	pthread_mutex_unlock(&s->mu);
	return fd;
}

static void *syncer__run(void *arg)
{
	struct syncer *s = arg;
	int fd;

	while ((fd = syncer__take(s)) >= 0) {
		if (fdatasync(fd))
			log__errno(errno, "spool: fdatasync");
		close(fd);
	}
	return NULL;
}

int syncer__start(struct syncer **out)
{
	struct syncer *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	err = pthread_create(&s->thread, NULL, syncer__run, s);
	if (err) {
		free(s);
		return -err;
	}
	*out = s;
	return 0;
}

int syncer__submit(struct syncer *s, int fd)
{
	int err = 0;

	pthread_mutex_lock(&s->mu);
	if (s->len == SYNCER_QUEUE) {
		err = -EBUSY;
	} else {
		s->fds[(s->head + s->len++) % SYNCER_QUEUE] = fd;
		pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return err;
}

void syncer__stop(struct syncer *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}
