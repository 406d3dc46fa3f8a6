// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The baseline model: its names, lookups, writing and merging. Reading a
 * file is baseline_file.c's. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "baseline.h"

static const char *const tree_names[BL_TREES] = {
	[BL_EXEC] = "exec", [BL_READ] = "read", [BL_WRITE] = "write",
	[BL_UNIX] = "unix",
};
static const char *const set_names[BL_SETS] = {
	[BL_LISTEN] = "listen", [BL_SYSCALL] = "syscall", [BL_CRED] = "cred",
	[BL_DNS] = "dns",
};
static const char *const rate_names[BL_RATES] = {
	[RATE_EXECS] = "execs_per_min", [RATE_OPENS] = "opens_per_min",
	[RATE_BYTES_OUT] = "bytes_out_per_min",
};
/* Below these a busy minute is no news, whatever the spread. */
static const double rate_floor[BL_RATES] = {
	[RATE_EXECS] = 60, [RATE_OPENS] = 3000, [RATE_BYTES_OUT] = 1 << 20,
};

const char *bl_tree__name(int tree)
{
	return tree >= BL_FILE_OP ? file__op_name(tree - BL_FILE_OP + 1)
				  : tree_names[tree];
}

const char *bl_set__name(int set)
{
	return set_names[set];
}

const char *bl_rate__name(int rate)
{
	return rate_names[rate];
}

struct baseline *baseline__new(const char *profile)
{
	struct baseline *bl = calloc(1, sizeof(*bl));

	if (!bl || !(bl->profile = strdup(profile))) {
		free(bl);
		return NULL;
	}
	for (int i = 0; i < BL_TREES; i++)
		ptree__init(&bl->trees[i]);
	return bl;
}

void baseline__free(struct baseline *bl)
{
	if (!bl)
		return;
	for (int i = 0; i < BL_TREES; i++)
		ptree__fini(&bl->trees[i]);
	for (int i = 0; i < BL_SETS; i++) {
		for (size_t j = 0; j < bl->words[i].n; j++)
			free(bl->words[i].v[j].word);
		free(bl->words[i].v);
	}
	free(bl->dests);
	free(bl->profile);
	free(bl->file);
	free(bl);
}

size_t baseline__patterns(const struct baseline *bl)
{
	size_t n = bl->nr_dests;

	for (int i = 0; i < BL_TREES; i++)
		n += bl->trees[i].patterns;
	for (int i = 0; i < BL_SETS; i++)
		n += bl->words[i].n;
	return n;
}

/* ---------------------------------------------------------------- lookups */

static int word__cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct bl_word *)elem)->word);
}

bool bl_words__has(const struct bl_words *w, const char *word,
		   uint32_t *sessions)
{
	const struct bl_word *found = w->n ? bsearch(word, w->v, w->n,
						     sizeof(*w->v), word__cmp)
					   : NULL;

	if (found && sessions)
		*sessions = found->sessions;
	return found != NULL;
}

const struct bl_dest *baseline__dest(const struct baseline *bl, uint8_t proto,
				     const struct addr *a, uint16_t port)
{
	for (size_t i = 0; i < bl->nr_dests; i++) {
		const struct bl_dest *d = &bl->dests[i];

		if ((!d->proto || d->proto == proto) &&
		    port >= d->d.port_lo && port <= d->d.port_hi &&
		    cidr__match(&d->d.net, d->d.prefix, a))
			return d;
	}
	return NULL;
}

double baseline__rate_limit(const struct baseline *bl, int rate)
{
	const struct bl_stat *s = &bl->rates[rate];
	double spread = s->median + 8 * 1.4826 * s->mad;
	double lim = 1.5 * s->max > spread ? 1.5 * s->max : spread;

	return lim > rate_floor[rate] ? lim : rate_floor[rate];
}

/* ---------------------------------------------------------------- writing */

static const char *proto__name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp"
					    : "ip";
}

void bl_dest__text(const struct bl_dest *d, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN] = "?", ports[16] = "";
	bool v6 = d->d.net.family == AF_INET6;

	inet_ntop(d->d.net.family, d->d.net.a, addr, sizeof(addr));
	if (d->d.port_lo == d->d.port_hi)
		snprintf(ports, sizeof(ports), ":%u", d->d.port_lo);
	else if (d->d.port_lo || d->d.port_hi != 65535)
		snprintf(ports, sizeof(ports), ":%u-%u", d->d.port_lo,
			 d->d.port_hi);
	snprintf(buf, len, "%s %s%s/%u%s%s", proto__name(d->proto),
		 v6 ? "[" : "", addr, d->d.prefix, v6 ? "]" : "", ports);
}

struct writer {
	FILE *out;
	int tree;
};

static void pattern__line(const struct writer *w, const struct pnode *n,
			  bool rest)
{
	char pat[FILEPATH_ESC_MAX];

	pnode__pattern(n, rest, pat, sizeof(pat));
	if (w->tree != BL_EXEC || !n->nr_parents) {
		fprintf(w->out, "%s %s%s sessions=%u\n", bl_tree__name(w->tree),
			pat, w->tree == BL_EXEC ? " parent=-" : "",
			n->sessions);
		return;
	}
	for (size_t i = 0; i < n->nr_parents; i++)
		fprintf(w->out, "exec %s parent=%s sessions=%u\n", pat,
			n->parents[i], n->parent_sessions[i]);
}

/* A node that ends a pattern and its directory's: two lines. */
static void pattern__write(const struct pnode *n, void *arg)
{
	if (n->leaf)
		pattern__line(arg, n, false);
	if (n->rest)
		pattern__line(arg, n, true);
}

static int text__cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void dests__write(const struct baseline *bl, FILE *out)
{
	char **lines = calloc(bl->nr_dests + 1, sizeof(*lines));
	char text[128];

	for (size_t i = 0; lines && i < bl->nr_dests; i++) {
		bl_dest__text(&bl->dests[i], text, sizeof(text));
		if (asprintf(&lines[i], "connect %s sessions=%u", text,
			     bl->dests[i].sessions) < 0)
			lines[i] = NULL;
	}
	for (size_t i = 0; lines && i < bl->nr_dests; i++)
		if (!lines[i])
			lines[i] = strdup("");
	if (lines)
		qsort(lines, bl->nr_dests, sizeof(*lines), text__cmp);
	for (size_t i = 0; lines && i < bl->nr_dests; i++) {
		if (lines[i] && *lines[i])
			fprintf(out, "%s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
}

int baseline__write(const struct baseline *bl, FILE *out)
{
	fprintf(out, "# vigil baseline (docs/baseline.md): what agents of "
		"profile %s did in %u sessions\n", bl->profile, bl->sessions);
	fprintf(out, "vigil-baseline %d\nprofile %s\nsessions %u\n",
		BASELINE_VERSION, bl->profile, bl->sessions);
	for (int t = 0; t < BL_TREES; t++) {
		struct writer w = { out, t };

		ptree__each(&bl->trees[t], pattern__write, &w);
	}
	dests__write(bl, out);
	for (int s = 0; s < BL_SETS; s++)
		for (size_t i = 0; i < bl->words[s].n; i++)
			fprintf(out, "%s %s sessions=%u\n", set_names[s],
				bl->words[s].v[i].word,
				bl->words[s].v[i].sessions);
	for (int r = 0; r < BL_RATES; r++)
		if (bl->rates[r].sessions)
			fprintf(out, "rate %s median=%g mad=%g max=%g "
				"sessions=%u\n", rate_names[r],
				bl->rates[r].median, bl->rates[r].mad,
				bl->rates[r].max, bl->rates[r].sessions);
	return fflush(out) || ferror(out) ? -EIO : 0;
}

/* ---------------------------------------------------------------- building */

int bl_words__add(struct bl_words *w, const char *word, uint32_t sessions)
{
	struct bl_word *v;
	size_t i = 0;

	while (i < w->n && strcmp(w->v[i].word, word) < 0)
		i++;
	if (i < w->n && !strcmp(w->v[i].word, word)) {
		w->v[i].sessions += sessions;
		return 0;
	}
	v = realloc(w->v, (w->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	w->v = v;
	memmove(&v[i + 1], &v[i], (w->n - i) * sizeof(*v));
	v[i] = (struct bl_word){ strdup(word), sessions };
	if (!v[i].word) {
		memmove(&v[i], &v[i + 1], (w->n - i) * sizeof(*v));
		return -ENOMEM;
	}
	w->n++;
	return 0;
}

int baseline__add_dest(struct baseline *bl, const struct bl_dest *d)
{
	struct bl_dest *v;

	for (size_t i = 0; i < bl->nr_dests; i++) {
		struct bl_dest *o = &bl->dests[i];

		if (o->proto == d->proto && o->d.prefix == d->d.prefix &&
		    o->d.port_lo == d->d.port_lo &&
		    o->d.port_hi == d->d.port_hi &&
		    !memcmp(&o->d.net, &d->d.net, sizeof(o->d.net))) {
			o->sessions += d->sessions;
			return 0;
		}
	}
	v = realloc(bl->dests, (bl->nr_dests + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	bl->dests = v;
	v[bl->nr_dests++] = *d;
	return 0;
}

int baseline__merge(struct baseline *bl, const struct baseline *other)
{
	int err = 0;

	for (int t = 0; t < BL_TREES; t++)
		ptree__merge(&bl->trees[t], &other->trees[t]);
	for (size_t i = 0; i < other->nr_dests && !err; i++)
		err = baseline__add_dest(bl, &other->dests[i]);
	for (int s = 0; s < BL_SETS; s++)
		for (size_t i = 0; i < other->words[s].n && !err; i++)
			err = bl_words__add(&bl->words[s],
					    other->words[s].v[i].word,
					    other->words[s].v[i].sessions);
	/* Without the sessions' minutes, the wider spread is the honest
	 * union. */
	for (int r = 0; r < BL_RATES; r++) {
		struct bl_stat *a = &bl->rates[r];
		const struct bl_stat *b = &other->rates[r];

		if (b->sessions && (!a->sessions ||
		    baseline__rate_limit(other, r) > baseline__rate_limit(bl, r)))
			*a = *b;
	}
	bl->sessions += other->sessions;
	return err;
}
