// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashchain.h"

#define HEAD      "{\"audit\":"
#define PREV      ",\"prev\":\""
#define RECORD    "\",\"record\":"
#define HASH      ",\"hash\":\""
#define TAIL      "\"}"
#define HEX       (2 * SHA256_LEN)
/* The fixed tail: ,"hash":"<64 hex>"} */
#define TAIL_LEN  (sizeof(HASH) - 1 + HEX + sizeof(TAIL) - 1)

static int hashchain__digest(const char *text, size_t len,
			     uint8_t out[SHA256_LEN])
{
	struct sha256 *h = sha256__new();

	if (!h)
		return -ENOMEM;
	sha256__add(h, text, len);
	sha256__end(h, out);
	sha256__free(h);
	return 0;
}

int hashchain__link(struct hashchain *c, const char *record, size_t len,
		    char *out)
{
	char prev[SHA256_HEX], hash[SHA256_HEX];
	uint8_t d[SHA256_LEN];
	int n;

	sha256__to_hex(c->hash, prev);
	n = sprintf(out, HEAD "%" PRIu64 PREV "%s" RECORD, c->n + 1, prev);
	memcpy(out + n, record, len);
	n += len;
	if (hashchain__digest(out, n, d))
		return -ENOMEM;
	sha256__to_hex(d, hash);
	n += sprintf(out + n, HASH "%s" TAIL "\n", hash);
	c->n++;
	memcpy(c->hash, d, sizeof(d));
	return n;
}

/* The parts of a link: its number, prev and hash, and the length of the
 * bytes its hash covers. */
struct parts {
	uint64_t n;
	uint8_t prev[SHA256_LEN], hash[SHA256_LEN];
	size_t hashed;
};

static enum hashchain_fault hashchain__split(const char *line, size_t len,
					     struct parts *p)
{
	const char *s = line + sizeof(HEAD) - 1, *end = line + len;
	char *num_end;

	if (len < sizeof(HEAD) - 1 + sizeof(PREV) - 1 + HEX +
		  sizeof(RECORD) - 1 + TAIL_LEN ||
	    memcmp(line, HEAD, sizeof(HEAD) - 1) || *s < '1' || *s > '9')
		return HASHCHAIN_FORMAT;
	errno = 0;
	p->n = strtoull(s, &num_end, 10);
	s = num_end;
	if (errno || end - s < (long)(sizeof(PREV) - 1 + HEX) ||
	    memcmp(s, PREV, sizeof(PREV) - 1) ||
	    sha256__from_hex(s + sizeof(PREV) - 1, p->prev))
		return HASHCHAIN_FORMAT;
	s += sizeof(PREV) - 1 + HEX;
	p->hashed = len - TAIL_LEN;
	if (line + p->hashed < s + sizeof(RECORD) - 1 ||
	    memcmp(s, RECORD, sizeof(RECORD) - 1) ||
	    memcmp(line + p->hashed, HASH, sizeof(HASH) - 1) ||
	    memcmp(end - (sizeof(TAIL) - 1), TAIL, sizeof(TAIL) - 1) ||
	    sha256__from_hex(line + p->hashed + sizeof(HASH) - 1, p->hash))
		return HASHCHAIN_FORMAT;
	/* A newline inside would make two lines of one link. */
	if (memchr(line, '\n', len))
		return HASHCHAIN_FORMAT;
	return HASHCHAIN_OK;
}

/* The link's own hash against its bytes; *at becomes the link. */
static enum hashchain_fault hashchain__seal(const char *line,
					   const struct parts *p,
					   struct hashchain *at)
{
	uint8_t d[SHA256_LEN];

	if (hashchain__digest(line, p->hashed, d) ||
	    memcmp(d, p->hash, SHA256_LEN))
		return HASHCHAIN_HASH;
	at->n = p->n;
	memcpy(at->hash, d, sizeof(d));
	return HASHCHAIN_OK;
}

enum hashchain_fault hashchain__check(struct hashchain *c, const char *line,
				      size_t len)
{
	struct parts p;
	enum hashchain_fault f = hashchain__split(line, len, &p);

	if (f)
		return f;
	if (p.n != c->n + 1)
		return HASHCHAIN_NUMBER;
	if (memcmp(p.prev, c->hash, SHA256_LEN))
		return HASHCHAIN_PREV;
	return hashchain__seal(line, &p, c);
}

enum hashchain_fault hashchain__peek(const char *line, size_t len,
				     struct hashchain *at)
{
	struct parts p;
	enum hashchain_fault f = hashchain__split(line, len, &p);

	return f ? f : hashchain__seal(line, &p, at);
}

enum hashchain_fault hashchain__before(const char *line, size_t len,
				       struct hashchain *before)
{
	struct parts p;
	enum hashchain_fault f = hashchain__split(line, len, &p);

	if (f)
		return f;
	before->n = p.n - 1;
	memcpy(before->hash, p.prev, SHA256_LEN);
	return HASHCHAIN_OK;
}

const char *hashchain__fault_name(enum hashchain_fault f)
{
	switch (f) {
	case HASHCHAIN_OK: return "ok";
	case HASHCHAIN_FORMAT: return "not a whole audit record (torn or "
				      "rewritten)";
	case HASHCHAIN_NUMBER: return "out of sequence (a record before it "
				      "was removed or moved)";
	case HASHCHAIN_PREV: return "does not follow the record before it";
	case HASHCHAIN_HASH: return "its hash does not match its bytes "
				    "(edited)";
	}
	return "?";
}
