// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "cgroup.h"
#include "evidence.h"
#include "evidence_sock.h"
#include "log.h"

#define EVIDENCE_LINE_LEN 256	/* /proc/PID/status lines we read are short */

static void evidence__proc_free(struct evidence_proc *p)
{
	for (size_t i = 0; i < p->nr_fds; i++) {
		free(p->fds[i].target);
		free(p->fds[i].sock);
	}
	free(p->fds);
	free(p->exe);
	free(p->cwd);
	free(p->comm);
	free(p->argv);
	memset(p, 0, sizeof(*p));
}

void evidence__free(struct evidence *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nr_procs; i++)
		evidence__proc_free(&e->procs[i]);
	free(e->procs);
	free(e);
}

/* Opens name below the /proc/PID directory dfd as a stdio stream. */
static FILE *evidence__fopen(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;

	if (!f && fd >= 0)
		close(fd);
	return f;
}

/*
 * ppid and real uid from /proc/PID/status. Returns -ESRCH when the
 * process is gone or a zombie (it exited: nothing left to describe). The
 * Name line, which the process chooses, is escaped there, so it cannot
 * forge the lines read; only a line's first piece is parsed anyway.
 */
static int evidence__status(int dfd, struct evidence_proc *p)
{
	char line[EVIDENCE_LINE_LEN], state = 0;
	bool line_start = true, start;
	int found = 0;
	FILE *f = evidence__fopen(dfd, "status");
	unsigned int uid;

	if (!f)
		return -ESRCH;
	while (fgets(line, sizeof(line), f)) {
		start = line_start;
		line_start = strchr(line, '\n') != NULL;
		if (!start)
			continue;
		if (sscanf(line, "State: %c", &state) == 1)
			found |= 1;
		else if (sscanf(line, "PPid: %d", &p->ppid) == 1)
			found |= 2;
		else if (sscanf(line, "Uid: %u", &uid) == 1)
			found |= 4;
	}
	fclose(f);
	if (found != 7 || state == 'Z' || state == 'X')
		return -ESRCH;
	p->uid = uid;
	return 0;
}

/* A copy of len bytes as a C string; *out stays NULL on allocation
 * failure, which the caller reports. */
static int evidence__dup(char **out, const char *s, size_t len)
{
	*out = strndup(s, len);
	return *out ? 0 : -ENOMEM;
}

/* readlink of name below dfd into *out; NULL when unreadable (exited,
 * a kernel thread's exe). Returns 0 or -ENOMEM. */
static int evidence__link(int dfd, const char *name, char **out)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(dfd, name, buf, sizeof(buf));

	*out = NULL;
	return n < 0 ? 0 : evidence__dup(out, buf, (size_t)n);
}

/* /proc/PID/comm without its newline. */
static int evidence__comm(int dfd, struct evidence_proc *p)
{
	char buf[64];
	int fd = openat(dfd, "comm", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	if (buf[n - 1] == '\n')
		n--;
	return evidence__dup(&p->comm, buf, (size_t)n);
}

/* /proc/PID/cmdline, at most EVIDENCE_MAX_ARGV bytes (one more is read to
 * learn whether it was cut). */
static int evidence__argv(int dfd, struct evidence_proc *p)
{
	char *buf = malloc(EVIDENCE_MAX_ARGV + 1);
	int fd = openat(dfd, "cmdline", O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n = 1;

	if (!buf) {
		if (fd >= 0)
			close(fd);
		return -ENOMEM;
	}
	while (fd >= 0 && n > 0 && len <= EVIDENCE_MAX_ARGV) {
		n = read(fd, buf + len, EVIDENCE_MAX_ARGV + 1 - len);
		if (n > 0)
			len += n;
	}
	if (fd >= 0)
		close(fd);
	p->argv_truncated = len > EVIDENCE_MAX_ARGV;
	p->argv_len = p->argv_truncated ? EVIDENCE_MAX_ARGV : len;
	p->argv = buf;
	return 0;
}

static bool evidence__number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static int evidence__fd_cmp(const void *a, const void *b)
{
	const struct evidence_fd *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

/* The fds of /proc/PID/fd, at most EVIDENCE_MAX_FDS of them. A fd
 * closed while the directory is read is left out. */
static int evidence__fds(int dfd, struct evidence_proc *p)
{
	int fd_dfd = openat(dfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd_dfd >= 0 ? fdopendir(fd_dfd) : NULL;
	struct evidence_fd *f;
	struct dirent *de;
	int err = 0;

	if (!d) {
		if (fd_dfd >= 0)
			close(fd_dfd);
		return 0;
	}
	p->fds = calloc(EVIDENCE_MAX_FDS, sizeof(*p->fds));
	while (p->fds && !err && (de = readdir(d))) {
		if (!evidence__number(de->d_name))
			continue;
		if (p->nr_fds == EVIDENCE_MAX_FDS) {
			p->fds_truncated = true;
			break;
		}
		f = &p->fds[p->nr_fds];
		f->fd = atoi(de->d_name);
		err = evidence__link(fd_dfd, de->d_name, &f->target);
		if (f->target)
			p->nr_fds++;
	}
	closedir(d);
	if (!p->fds)
		return -ENOMEM;
	qsort(p->fds, p->nr_fds, sizeof(*p->fds), evidence__fd_cmp);
	return err;
}

/*
 * Everything about pid, read through one /proc/PID directory fd: it pins
 * the process, so a pid reused meanwhile reads as gone rather than as
 * another process. A process gone or a zombie at the end is left out
 * (-ESRCH): what was read of it may be partial.
 */
static int evidence__proc(struct evidence_proc *p, pid_t pid, uint64_t *netns)
{
	struct evidence_proc again;
	char path[32];
	int dfd, err;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -ESRCH;
	err = evidence__status(dfd, p);
	if (!err)
		err = evidence__comm(dfd, p);
	if (!err)
		err = evidence__link(dfd, "exe", &p->exe);
	if (!err)
		err = evidence__link(dfd, "cwd", &p->cwd);
	if (!err)
		err = evidence__argv(dfd, p);
	if (!err)
		err = evidence__fds(dfd, p);
	*netns = evidence_sock__netns(dfd);
	if (!err)
		err = evidence__status(dfd, &again);
	close(dfd);
	if (err)
		evidence__proc_free(p);
	return err;
}

static int evidence__pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* pids sorted, each once, at most EVIDENCE_MAX_PROCS (*truncated says
 * whether there were more). */
static pid_t *evidence__sorted(const pid_t *pids, size_t *n, bool *truncated)
{
	pid_t *s = malloc((*n ? *n : 1) * sizeof(*s));
	size_t k = 0;

	if (!s)
		return NULL;
	memcpy(s, pids, *n * sizeof(*s));
	qsort(s, *n, sizeof(*s), evidence__pid_cmp);
	for (size_t i = 0; i < *n; i++) {
		if (k && s[k - 1] == s[i])
			continue;
		if (k == EVIDENCE_MAX_PROCS) {
			*truncated = true;
			break;
		}
		s[k++] = s[i];
	}
	*n = k;
	return s;
}

/* Reads each process (netns[] gets their namespaces), then their
 * sockets. Returns 0 or -ENOMEM. */
static int evidence__read(struct evidence *e, const pid_t *pids, size_t n)
{
	uint64_t *netns = calloc(n ? n : 1, sizeof(*netns));
	int err = netns ? 0 : -ENOMEM;

	for (size_t i = 0; !err && i < n; i++) {
		err = evidence__proc(&e->procs[e->nr_procs], pids[i],
				     &netns[e->nr_procs]);
		if (!err)
			e->nr_procs++;
		else if (err == -ESRCH)
			err = 0;
	}
	if (!err)
		err = evidence_sock__resolve(e, netns);
	free(netns);
	return err;
}

struct evidence *evidence__take_pids(const pid_t *pids, size_t n)
{
	struct evidence *e = calloc(1, sizeof(*e));
	size_t nr = n;
	pid_t *sorted;

	if (!e)
		return NULL;
	e->taken_ns = clock__boot_ns();
	sorted = evidence__sorted(pids, &nr, &e->procs_truncated);
	e->procs = calloc(nr ? nr : 1, sizeof(*e->procs));
	if (!sorted || !e->procs || evidence__read(e, sorted, nr)) {
		evidence__free(e);
		e = NULL;
	}
	free(sorted);
	return e;
}

struct evidence *evidence__take(const char *dir)
{
	pid_t pids[EVIDENCE_MAX_PROCS + 1];
	int n = cgroup__pids(dir, pids, EVIDENCE_MAX_PROCS + 1);

	if (n < 0) {
		log__errno(n, "cannot list the processes of %s", dir);
		n = 0;
	}
	return evidence__take_pids(pids, (size_t)n);
}
