// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "audit_head.h"
#include "log.h"

struct audit {
	struct sink sink;
	int fd, head_fd;
	struct hashchain chain;
	struct hashchain synced;	/* what the head says */
	struct sink *forward;
	char *line;
	size_t cap;
	char path[];
};

static bool audit__wanted(enum event_kind kind)
{
	return kind == EVENT_ALERT || kind == EVENT_ACTION ||
	       kind == EVENT_APPROVAL || kind == EVENT_LIFECYCLE;
}

static int audit__sync(struct audit *a)
{
	if (a->synced.n == a->chain.n)
		return 0;
	if (fdatasync(a->fd) || audit_head__write(a->head_fd, &a->chain)) {
		int err = -errno;

		log__errno(err, "audit: cannot sync %s", a->path);
		a->sink.failed++;
		return err;
	}
	a->synced = a->chain;
	return 0;
}

static int audit__append(struct audit *a, const char *json, size_t len)
{
	size_t need = len + HASHCHAIN_OVERHEAD;
	ssize_t n;
	int size;

	if (need > a->cap) {
		char *p = realloc(a->line, need);

		if (!p)
			return -ENOMEM;
		a->line = p;
		a->cap = need;
	}
	size = hashchain__link(&a->chain, json, len, a->line);
	if (size < 0)
		return size;
	/* One write to an O_APPEND file: a link is never interleaved. */
	n = write(a->fd, a->line, size);
	if (n == size)
		return size;
	log__errno(n < 0 ? errno : EIO, "audit: cannot append to %s", a->path);
	return n < 0 ? -errno : -EIO;
}

static int audit__write(struct sink *s, const struct event *ev,
			const char *json, size_t len)
{
	struct audit *a = (struct audit *)s;
	struct event link = { .kind = EVENT_AUDIT, .sandbox = ev->sandbox };
	int size;

	if (!audit__wanted(ev->kind))
		return 0;
	size = audit__append(a, json, len);
	if (size < 0) {
		a->sink.failed++;
		return size;
	}
	a->sink.written++;
	if (ev->kind != EVENT_ALERT)
		audit__sync(a);
	if (a->forward)
		a->forward->write(a->forward, &link, a->line, size - 1);
	return 0;
}

static int audit__flush(struct sink *s)
{
	return audit__sync((struct audit *)s);
}

/* The file by its name is another than ours (logrotate renamed ours):
 * it is the trail's next file, whose first link follows our last. One
 * with records in it is not the trail's: ours stays in use. */
static int audit__reopen(struct sink *s)
{
	struct audit *a = (struct audit *)s;
	struct stat ours, named;
	int fd;

	if (audit__sync(a))
		return -EIO;
	if (fstat(a->fd, &ours) ||
	    (stat(a->path, &named) == 0 && named.st_dev == ours.st_dev &&
	     named.st_ino == ours.st_ino))
		return 0;
	fd = open(a->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &named) || named.st_size) {
		if (fd < 0)
			log__errno(errno, "audit: cannot reopen %s", a->path);
		else
			log_error("audit: %s has records of its own; the trail "
				  "goes on in the file renamed away", a->path);
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	close(a->fd);
	a->fd = fd;
	return 0;
}

static void audit__close(struct sink *s)
{
	struct audit *a = (struct audit *)s;

	audit__sync(a);
	close(a->fd);
	if (a->head_fd >= 0)
		close(a->head_fd);
	free(a->line);
	free(a);
}

/* The chain a file ends with: its last line must be a whole link. */
static int audit__tail(struct audit *a)
{
	struct stat st;
	const char *map, *last;
	enum hashchain_fault f;
	size_t len;

	if (fstat(a->fd, &st))
		return -errno;
	if (st.st_size == 0)
		return 0;
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, a->fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	len = st.st_size;
	f = map[len - 1] == '\n' ? HASHCHAIN_OK : HASHCHAIN_FORMAT;
	if (!f) {
		last = memrchr(map, '\n', len - 1);
		last = last ? last + 1 : map;
		f = hashchain__peek(last, map + len - 1 - last, &a->chain);
	}
	munmap((void *)map, st.st_size);
	if (f) {
		log_error("audit: %s: its last record is %s; see `vigil audit "
			  "verify %s`", a->path, hashchain__fault_name(f),
			  a->path);
		return -EINVAL;
	}
	return 0;
}

/* The head may trail the file by what was appended but not synced when
 * a daemon died; never lead it. */
static int audit__check_head(struct audit *a)
{
	struct hashchain head;
	int err = audit_head__read(a->head_fd, &head);

	if (err == -ENODATA) {
		if (a->chain.n)
			log_warn("audit: %s has no head (%s%s): a truncation "
				 "before now cannot be told", a->path, a->path,
				 AUDIT_HEAD_SUFFIX);
		return 0;
	}
	if (err)
		return err;
	/* An empty file whose head names a record: the trail was rotated
	 * (its last file renamed away) and the chain goes on from there.
	 * Were the file cut to nothing instead, verifying the files in order
	 * shows the records missing before this one's first. */
	if (a->chain.n == 0 && head.n > 0) {
		log_info("audit: %s continues the chain after record %" PRIu64
			 " (the file before it was rotated)", a->path, head.n);
		a->chain = head;
		return 0;
	}
	if (head.n > a->chain.n) {
		log_error("audit: %s ends at record %" PRIu64 " but its head "
			  "says %" PRIu64 ": truncated; see `vigil audit verify "
			  "%s`", a->path, a->chain.n, head.n, a->path);
		return -EINVAL;
	}
	return 0;
}

static int audit__open(struct audit *a)
{
	char head[PATH_MAX];
	int err;

	a->fd = open(a->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (a->fd < 0)
		return -errno;
	snprintf(head, sizeof(head), "%s%s", a->path, AUDIT_HEAD_SUFFIX);
	a->head_fd = open(head, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (a->head_fd < 0)
		return -errno;
	err = audit__tail(a) ?: audit__check_head(a);
	if (err)
		return err;
	/* The head names this file's end from now on. */
	if (audit_head__write(a->head_fd, &a->chain))
		return -errno;
	a->synced = a->chain;
	return 0;
}

struct sink *sink__audit(const char *path, struct sink *forward)
{
	size_t len = strlen(path);
	struct audit *a;
	int err;

	if (len + sizeof(AUDIT_HEAD_SUFFIX) > PATH_MAX) {
		log_error("audit: %s: path too long", path);
		return NULL;
	}
	a = calloc(1, sizeof(*a) + len + 1);
	if (!a)
		return NULL;
	memcpy(a->path, path, len + 1);
	a->head_fd = -1;
	a->forward = forward;
	a->sink = (struct sink){
		.name = "audit", .write = audit__write,
		.flush = audit__flush, .reopen = audit__reopen,
		.close = audit__close,
	};
	err = audit__open(a);
	if (err) {
		if (err != -EINVAL)
			log__errno(err, "audit: cannot open %s", path);
		if (a->fd >= 0)
			close(a->fd);
		if (a->head_fd >= 0)
			close(a->head_fd);
		free(a);
		return NULL;
	}
	return &a->sink;
}
