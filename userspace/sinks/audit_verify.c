// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vigil audit verify: the whole chain, through every file given, then
 * the head of the last. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "audit_head.h"

static int verify__bad(struct audit_report *r, uint64_t line,
		       const char *why)
{
	r->bad = (r->first ?: 1) + r->records;
	r->line = line;
	snprintf(r->why, sizeof(r->why), "%s", why);
	return 1;
}

/* Where the chain starts: before link 1, or, for a trail whose first
 * files are gone, before the first link read (continued). */
static enum hashchain_fault verify__start(struct hashchain *c, bool continued,
					  const char *line, size_t len,
					  struct audit_report *r)
{
	enum hashchain_fault fault = HASHCHAIN_OK;

	if (continued && r->records == 0 && c->n == 0)
		fault = hashchain__before(line, len, c);
	if (!fault && r->records == 0)
		r->first = c->n + 1;
	return fault;
}

/* The links of f, in order; the first that is not the next is bad. A
 * last line without its newline is torn: bad too. */
static int verify__chain(FILE *f, struct hashchain *c, bool continued,
			 const struct hashchain *head, struct audit_report *r)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t lineno = 0;
	int ret = 0;

	while ((n = getline(&line, &cap, f)) > 0) {
		enum hashchain_fault fault;

		lineno++;
		if (line[n - 1] != '\n')
			fault = HASHCHAIN_FORMAT;
		else
			fault = verify__start(c, continued, line, n - 1, r) ?:
				hashchain__check(c, line, n - 1);
		if (!fault && c->n == head->n &&
		    memcmp(c->hash, head->hash, SHA256_LEN))
			fault = HASHCHAIN_HASH;	/* not the link the head saw */
		if (fault) {
			ret = verify__bad(r, lineno, hashchain__fault_name(fault));
			break;
		}
		r->records++;
	}
	if (!ret && ferror(f))
		ret = -EIO;
	free(line);
	return ret;
}

/* The head, read first: the chain must pass through the link it names.
 * A missing or broken head is a finding of its own. */
static int verify__read_head(const char *path, struct hashchain *head,
			     struct audit_report *r)
{
	char head_path[PATH_MAX];
	int fd, err;

	snprintf(head_path, sizeof(head_path), "%s%s", path,
		 AUDIT_HEAD_SUFFIX);
	fd = open(head_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(r->why, sizeof(r->why), "%s: %s: a truncation "
			 "cannot be told", head_path, strerror(errno));
		return 1;
	}
	err = audit_head__read(fd, head);
	close(fd);
	if (err == -ENODATA)
		*head = (struct hashchain){ 0 };
	else if (err) {
		snprintf(r->why, sizeof(r->why), "%s is not a head",
			 head_path);
		return 1;
	}
	r->head = head->n;
	return 0;
}

/* A file that stops before the link the head names was cut short (the
 * records after it are gone); one that goes on past it is a daemon that
 * died between an append and its sync. */
static int verify__end(const struct hashchain *c,
		       const struct hashchain *head, struct audit_report *r)
{
	char why[160];

	if (head->n <= c->n)
		return 0;
	snprintf(why, sizeof(why), "missing: the file ends after record "
		 "%" PRIu64 ", its head names record %" PRIu64 " (truncated)",
		 c->n, head->n);
	return verify__bad(r, c->n + 1, why);
}

/* One file of the trail, its links following the files' before. */
static int verify__file(const char *path, struct hashchain *c,
			bool continued, const struct hashchain *head,
			struct audit_report *r)
{
	FILE *f = fopen(path, "re");
	int ret;

	if (!f)
		return -errno;
	ret = verify__chain(f, c, continued, head, r);
	fclose(f);
	return ret;
}

int audit__verify(const char *const *paths, int n, bool continued,
		  struct audit_report *r)
{
	struct hashchain c = { 0 }, head;
	int ret;

	memset(r, 0, sizeof(*r));
	r->file = n - 1;
	ret = verify__read_head(paths[n - 1], &head, r);
	for (int i = 0; !ret && i < n; i++) {
		r->file = i;
		ret = verify__file(paths[i], &c, continued, &head, r);
	}
	return ret ?: verify__end(&c, &head, r);
}
