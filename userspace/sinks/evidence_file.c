// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Action records that carry evidence, each to the file it names
 * (action.evidence_file, chosen by the policy), and only the newest
 * evidence_max files kept. Other records pass by. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mkdirs.h"
#include "sink.h"

struct evidence_file {
	struct sink sink;
	char *dir;
	unsigned int max;
};

static int newest_first(const struct dirent **a, const struct dirent **b)
{
	return -alphasort(a, b);
}

static int evfile__filter(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return len > 5 && !strcmp(d->d_name + len - 5, ".json");
}

/* Keeps the newest max files (names start with the time). */
static void evfile__prune(const struct evidence_file *f)
{
	struct dirent **names;
	int n = scandir(f->dir, &names, evfile__filter, newest_first);

	for (int i = 0; i < n; i++) {
		if ((unsigned int)i >= f->max) {
			char path[PATH_MAX];

			snprintf(path, sizeof(path), "%s/%s", f->dir,
				 names[i]->d_name);
			unlink(path);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

static int evfile__write(struct sink *s, const struct event *ev,
			 const char *json, size_t len)
{
	struct evidence_file *f = (struct evidence_file *)s;
	const char *path;
	int fd, err = 0;

	if (ev->kind != EVENT_ACTION || !ev->action.evidence_file)
		return 0;
	path = ev->action.evidence_file;
	if (mkdirs(f->dir, 0700, "evidence directory")) {
		s->failed++;
		return -EIO;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0 || write(fd, json, len) != (ssize_t)len ||
	    write(fd, "\n", 1) != 1) {
		err = -errno;
		log__errno(errno, "evidence file %s", path);
		s->failed++;
	} else {
		s->written++;
	}
	if (fd >= 0)
		close(fd);
	evfile__prune(f);
	return err;
}

static void evfile__close(struct sink *s)
{
	struct evidence_file *f = (struct evidence_file *)s;

	free(f->dir);
	free(f);
}

struct sink *sink__evidence_file(const char *dir, unsigned int max)
{
	struct evidence_file *f = calloc(1, sizeof(*f));

	if (!f || !(f->dir = strdup(dir))) {
		free(f);
		log_error("out of memory");
		return NULL;
	}
	f->max = max;
	f->sink = (struct sink){
		.name = "evidence", .write = evfile__write,
		.close = evfile__close,
	};
	return &f->sink;
}
