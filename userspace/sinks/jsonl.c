// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* JSON Lines to a file or stdout, through one large stdio buffer flushed
 * after each batch of records, so a reader (tail -f, jq) sees whole lines
 * promptly and the collector makes few write calls. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sink.h"

#define JSONL_BUFFER (1 << 20)

struct jsonl {
	struct sink sink;
	FILE *f;
	char *buf;
	int last_err;	/* logged once per distinct error */
	char *path;	/* NULL: standard output, never reopened */
};

static void jsonl__fail(struct jsonl *j, int err)
{
	if (err != j->last_err)
		log__errno(err, "cannot write records");
	j->last_err = err;
}

static int jsonl__write(struct sink *s, const struct event *ev,
			const char *json, size_t len)
{
	struct jsonl *j = (struct jsonl *)s;

	if (fwrite(json, 1, len, j->f) != len || putc('\n', j->f) == EOF) {
		jsonl__fail(j, errno);
		s->failed++;
		clearerr(j->f);
		return -EIO;
	}
	s->written++;
	return 0;
}

static int jsonl__flush(struct sink *s)
{
	struct jsonl *j = (struct jsonl *)s;

	if (fflush(j->f)) {
		jsonl__fail(j, errno);
		clearerr(j->f);
		return -EIO;
	}
	return 0;
}

/* Rotation (SIGHUP): whatever the buffer holds goes to the old file,
 * the next record to the new one, so none is lost or split between
 * them. The buffer is handed over with the stream. */
static int jsonl__reopen(struct sink *s)
{
	struct jsonl *j = (struct jsonl *)s;
	FILE *f;

	if (!j->path)
		return 0;
	jsonl__flush(s);
	f = fopen(j->path, "ae");
	if (!f) {
		int err = -errno;

		log__errno(err, "cannot reopen output %s; still writing to "
			   "the old file", j->path);
		return err;
	}
	fclose(j->f);
	j->f = f;
	setvbuf(j->f, j->buf, _IOFBF, JSONL_BUFFER);
	j->last_err = 0;
	return 0;
}

static void jsonl__close(struct sink *s)
{
	struct jsonl *j = (struct jsonl *)s;

	jsonl__flush(s);
	if (j->f != stdout)
		fclose(j->f);
	free(j->path);
	free(j->buf);
	free(j);
}

struct sink *sink__jsonl(const char *path)
{
	struct jsonl *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->f = strcmp(path, "-") ? fopen(path, "ae") : stdout;
	j->buf = malloc(JSONL_BUFFER);
	if (j->f != stdout)
		j->path = strdup(path);
	if (!j->f || !j->buf || (j->f != stdout && !j->path)) {
		log__errno(errno, "cannot open output %s", path);
		if (j->f && j->f != stdout)
			fclose(j->f);
		free(j->path);
		free(j->buf);
		free(j);
		return NULL;
	}
	setvbuf(j->f, j->buf, _IOFBF, JSONL_BUFFER);
	j->sink = (struct sink){
		.name = "jsonl", .write = jsonl__write,
		.flush = jsonl__flush, .reopen = jsonl__reopen,
		.close = jsonl__close,
	};
	return &j->sink;
}
