// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "dropped.h"
#include "flags.h"

struct file_key {
	uint64_t ino;
	uint32_t dev;
	uint32_t __pad;
};

struct file_mark {
	struct file_key key;
	uint8_t how;		/* enum drop_how */
	UT_hash_handle hh;	/* insertion order: the oldest first */
};

struct dropped {
	struct file_mark *marks;
	size_t max;
};

/* Decoders, by the base name of their executable. */
static const char *const decoders[] = {
	"base64", "base32", "basenc", "xxd", "uudecode", "openssl",
};

/* Package installers, by the base name of an argument (python3 -m pip
 * runs as python3): what they write is what they were asked for. */
static const char *const installers[] = {
	"pip", "pip3", "pipx", "uv", "poetry", "conda", "npm", "npx", "pnpm",
	"yarn", "cargo", "rustup", "go", "gem", "bundle", "apt", "apt-get",
	"dpkg",
};

static bool name__in(struct bytes name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == name.len &&
		    !memcmp(list[i], name.p, name.len))
			return true;
	return false;
}

#define IN(name, list) name__in(name, list, sizeof(list) / sizeof(list[0]))

static bool argv__installer(struct bytes rest)
{
	struct bytes a;

	while (bytes__next_str(&rest, &a))
		if (IN(bytes__base(a.p, a.len), installers))
			return true;
	return false;
}

struct dropped *dropped__new(size_t max)
{
	struct dropped *d = calloc(1, sizeof(*d));

	if (d)
		d->max = max;
	return d;
}

void dropped__free(struct dropped *d)
{
	struct file_mark *m, *tmp;

	if (!d)
		return;
	HASH_ITER(hh, d->marks, m, tmp) {
		HASH_DEL(d->marks, m);
		free(m);
	}
	free(d);
}

static struct file_mark *mark__find(struct dropped *d, uint32_t dev,
				    uint64_t ino)
{
	struct file_key k = { .ino = ino, .dev = dev };
	struct file_mark *m;

	HASH_FIND(hh, d->marks, &k, sizeof(k), m);
	return m;
}

/* Marks the file, or clears its mark (how DROP_NONE): a new writer. */
static void mark__set(struct dropped *d, uint32_t dev, uint64_t ino,
		      uint8_t how)
{
	struct file_mark *m = mark__find(d, dev, ino);

	if (m) {
		HASH_DEL(d->marks, m);
		free(m);
	}
	if (how == DROP_NONE)
		return;
	if (HASH_COUNT(d->marks) >= d->max && d->marks) {
		m = d->marks;
		HASH_DEL(d->marks, m);
		free(m);
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return;
	m->key = (struct file_key){ .ino = ino, .dev = dev };
	m->how = how;
	HASH_ADD(hh, d->marks, key, sizeof(m->key), m);
}

/* The process's image becomes a fetcher or a decoder: the files it
 * holds open for writing are its drops too. */
static void proc__taint(struct dropped *d, struct proc *p, uint8_t how)
{
	struct proc_drops *x = &p->drops;
	size_t n = x->nwrote < PROC_WROTE ? x->nwrote : PROC_WROTE;

	if (x->installer || x->how)
		return;
	x->how = how;
	for (size_t i = 0; i < n; i++)
		mark__set(d, x->wrote[i].dev, x->wrote[i].ino, how);
}

static void dropped__exec(struct dropped *d, struct ev_exec *e,
			  struct proc *p)
{
	struct file_mark *m = e->script_ino
		? mark__find(d, e->script_dev, e->script_ino) : NULL;

	if (!m)
		m = mark__find(d, e->dev, e->ino);
	e->dropped = m ? m->how : DROP_NONE;
	p->drops.how = DROP_NONE;
	p->drops.installer = argv__installer(e->argv);
	if (IN(bytes__base(e->file.p, e->file.len), decoders))
		proc__taint(d, p, DROP_DECODED);
}

static void dropped__open(struct dropped *d, const struct ev_open *o,
			  struct proc *p)
{
	struct proc_drops *x = &p->drops;

	if (o->ret < 0 || !open_flags__write(o->flags))
		return;
	x->wrote[x->nwrote % PROC_WROTE].dev = o->dev;
	x->wrote[x->nwrote % PROC_WROTE].ino = o->ino;
	/* A ring: once full, nwrote stays at PROC_WROTE or past it. */
	x->nwrote = x->nwrote + 1 == 2 * PROC_WROTE ? PROC_WROTE
						     : x->nwrote + 1;
	mark__set(d, o->dev, o->ino, x->installer ? DROP_NONE : x->how);
}

/* A connection made or taken over inet: data comes in. */
static bool event__inbound(const struct event *ev)
{
	if (ev->kind == EVENT_CONNECT)
		return (ev->connect.sa.family == AF_INET ||
			ev->connect.sa.family == AF_INET6) &&
		       (ev->connect.ret == 0 || ev->connect.ret == -EINPROGRESS);
	return ev->kind == EVENT_SOCKET && ev->socket.op == VIGIL_SOCKET_ACCEPT &&
	       ev->socket.ret >= 0 &&
	       (ev->socket.family == AF_INET || ev->socket.family == AF_INET6);
}

void dropped__see(struct dropped *d, struct event *ev, struct proc *p)
{
	if (!d || !p)
		return;
	if (ev->kind == EVENT_EXEC && ev->exec.ret == 0)
		dropped__exec(d, &ev->exec, p);
	else if (ev->kind == EVENT_OPEN)
		dropped__open(d, &ev->open, p);
	else if (event__inbound(ev))
		proc__taint(d, p, DROP_FETCHED);
}

const char *drop__how_name(uint8_t how)
{
	switch (how) {
	case DROP_FETCHED: return "fetched";
	case DROP_DECODED: return "decoded";
	default: return NULL;
	}
}
