// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>

#include "budgets.h"
#include "enforce.h"
#include "exes.h"
#include "grant.h"
#include "names.h"
#include "records.h"
#include "log.h"
#include "mapkeys.h"
#include "mapmodel.h"
#include "protect.h"

struct enforce {
	const struct ruleset *rs;
	struct sandboxes *sandboxes;
	struct enforce_maps maps;	/* spent, entry_spent: the kernel's */
	/* The maps user space writes, each with what it wrote there
	 * (mapmodel.h), to put back what someone else changes. */
	struct mapmodel policies, protected, allow, names, budgets, exes,
		file_grants, grants;
	/* A reload staged: the new set and its files resolved, and the
	 * allowlist's keys from before, those written again marked while
	 * reloading. */
	const struct ruleset *next_rs;
	struct protect *next_protect;
	struct mapkeys allow_before;
	struct mapkeys names_before;
	bool reloading;
	struct protect *protect;
	struct protect_entry *synced;	/* what the protected map holds */
	size_t nr_synced;
	unsigned int exe_half;	/* of exe_patterns, the set's (exes.h) */
};

static void enforce__policy(const struct ruleset *rs, const struct profile *p,
			    struct vigil_policy *out)
{
	struct kernel_policy k;

	ruleset__kernel_policy(rs, p, &k);
	memset(out, 0, sizeof(*out));
	out->open_kill = k.open_kill;
	out->exec_kill = k.exec_kill;
	out->syscall_kill = k.syscall_kill;
	out->egress_budget = p->egress_budget;
	out->egress = p->egress;
	out->fail_closed_ns = p->fail_closed_ns;
	out->profile = p->id;
	out->open_ask = k.open_ask;
	out->exec_ask = k.exec_ask;
	out->entry_budgets = budgets__any(p);
}

static void enforce__set_policy(struct enforce *e, uint64_t cgid,
				const struct profile *p)
{
	struct vigil_policy pol;

	enforce__policy(e->rs, p, &pol);
	exes__policy(e->rs, p, e->exe_half, &pol);
	if (mapmodel__put(&e->policies, &cgid, &pol))
		log__errno(errno, "cannot set the kernel policy of sandbox "
			   "cgroup %llu", (unsigned long long)cgid);
}

void enforce__place(void *ctx, struct sandbox *sb)
{
	struct enforce *e = ctx;
	const struct profile *p = ruleset__profile_of(e->rs, sb);

	/* The default is key 0's already: no entry needed. */
	if (p != e->rs->fallback)
		enforce__set_policy(e, sb->cgid, p);
}

void enforce__forget(void *ctx, struct sandbox *sb)
{
	struct enforce *e = ctx;

	mapmodel__del(&e->policies, &sb->cgid);
	bpf_map_delete_elem(e->maps.spent, &sb->cgid);
	budgets__forget(e->maps.entry_spent, sb->cgid);
	grant__forget(&e->grants, sb->cgid);
}

int enforce__grant(struct enforce *e, uint64_t sandbox,
		   const struct addr *net, uint8_t prefix, uint16_t port,
		   uint64_t ttl_ns)
{
	return grant__add(&e->grants, sandbox, net, prefix, port, ttl_ns);
}

int enforce__grant_file(struct enforce *e, const struct vigil_file_grant *k,
			uint64_t until_ns, bool fresh)
{
	struct vigil_file_grant_val v = { 0 };

	if (fresh || bpf_map_lookup_elem(e->maps.file_grants, k, &v))
		v.ctime_ns = 0;
	v.until_ns = until_ns;
	if (!mapmodel__put(&e->file_grants, k, &v))
		return 0;
	log__errno(errno, "cannot grant inode %llu on device %u to %llx",
		   (unsigned long long)k->ino, k->dev,
		   (unsigned long long)k->owner);
	return -errno;
}

void enforce__ungrant_file(struct enforce *e,
			   const struct vigil_file_grant *k)
{
	mapmodel__del(&e->file_grants, k);
}

static void protected__put(struct enforce *e, const struct protect_entry *p)
{
	struct vigil_inode k = { .ino = p->ino, .dev = p->dev };

	if (mapmodel__put(&e->protected, &k, &p->bits))
		log__errno(errno, "cannot protect inode %llu on device %u",
			   (unsigned long long)p->ino, p->dev);
}

static void protected__del(struct enforce *e, const struct protect_entry *p)
{
	struct vigil_inode k = { .ino = p->ino, .dev = p->dev };

	mapmodel__del(&e->protected, &k);
}

/* Brings the map from the synced table to the current one in one merge
 * pass over the two sorted tables. */
static void enforce__sync_files(struct enforce *e)
{
	size_t n, i = 0, j = 0;
	const struct protect_entry *cur = protect__entries(e->protect, &n);
	struct protect_entry *copy = malloc((n ?: 1) * sizeof(*copy));

	if (!copy) {
		log_error("out of memory syncing protected files");
		return;
	}
	while (i < e->nr_synced || j < n) {
		int c = i == e->nr_synced ? 1 : j == n ? -1
			: protect_entry__cmp(&e->synced[i], &cur[j]);

		if (c < 0) {
			protected__del(e, &e->synced[i++]);
			continue;
		}
		if (c > 0 || e->synced[i++].bits != cur[j].bits)
			protected__put(e, &cur[j]);
		j++;
	}
	if (n)		/* cur is NULL when nothing is protected */
		memcpy(copy, cur, n * sizeof(*copy));
	free(e->synced);
	e->synced = copy;
	e->nr_synced = n;
}

void enforce__refresh(struct enforce *e)
{
	if (e->protect && protect__refresh(e->protect) > 0)
		enforce__sync_files(e);
}

/* The LPM key of a profile's network: v4 as v4-mapped v6. */
static void allow__key(const struct profile *p, const struct dest *d,
		       struct vigil_allow_key *k)
{
	memset(k, 0, sizeof(*k));
	k->profile = p->id;
	if (d->net.family == AF_INET) {
		k->addr[10] = k->addr[11] = 0xff;
		memcpy(&k->addr[12], d->net.a, 4);
		k->prefixlen = 32 + 96 + d->prefix;
	} else {
		memcpy(k->addr, d->net.a, 16);
		k->prefixlen = 32 + d->prefix;
	}
}

/* The ports allowed on d's network: its own and those of every network
 * of the profile that covers it, since the kernel's lookup finds only
 * the longest prefix; the longest first, as the kernel takes the budget
 * of the first range that has the port. False when they do not fit the
 * kernel's value. */
static bool allow__ports(const struct profile *p, const struct dest *d,
			 struct vigil_allow *v)
{
	memset(v, 0, sizeof(*v));
	for (int bits = d->prefix; bits >= 0; bits--)
		for (size_t i = 0; i < p->nr_dests; i++) {
			const struct dest *o = &p->dests[i];

			if (o->net.family != d->net.family ||
			    o->prefix != bits ||
			    !cidr__match(&o->net, o->prefix, &d->net))
				continue;
			if (v->nr == VIGIL_ALLOW_PORTS)
				return false;
			v->lo[v->nr] = o->port_lo;
			v->hi[v->nr] = o->port_hi;
			v->budget[v->nr++] = o->budget_id;
		}
	return true;
}

/* Writes d's network with its ports. */
static void allow__put(struct enforce *e, const struct profile *p,
		       const struct dest *d)
{
	struct vigil_allow_key k;
	struct vigil_allow v;

	allow__key(p, d, &k);
	if (!allow__ports(p, d, &v)) {
		log_warn("profile %s (%s:%d): more than %d port ranges on one "
			 "network; the kernel's egress budget counts the rest "
			 "as outside the allowlist",
			 p->name, p->file, p->line, VIGIL_ALLOW_PORTS);
		v.nr = VIGIL_ALLOW_PORTS;
	}
	if (mapmodel__put(&e->allow, &k, &v))
		log__errno(errno, "cannot load the allowlist of profile %s",
			   p->name);
	else if (e->reloading)
		mapkeys__keep(&e->allow_before, &k);
}

/* Whether dests[i]'s network is an earlier one's, already written. */
static bool allow__seen(const struct profile *p, size_t i)
{
	const struct dest *d = &p->dests[i];

	for (size_t j = 0; j < i; j++)
		if (p->dests[j].net.family == d->net.family &&
		    p->dests[j].prefix == d->prefix &&
		    cidr__match(&p->dests[j].net, d->prefix, &d->net))
			return true;
	return false;
}

/* Whether a v6 network of p covers the v4-mapped space (::/0, ::/64),
 * where the kernel looks v4 addresses up. */
static bool allow__covers_v4(const struct profile *p)
{
	static const struct addr mapped = {
		.family = AF_INET6, .a = { [10] = 0xff, [11] = 0xff },
	};

	for (size_t i = 0; i < p->nr_dests; i++)
		if (p->dests[i].net.family == AF_INET6 &&
		    p->dests[i].prefix <= 96 &&
		    cidr__match(&p->dests[i].net, p->dests[i].prefix, &mapped))
			return true;
	return false;
}

static void enforce__allowlist(struct enforce *e, const struct profile *p)
{
	/* 0.0.0.0/0's key, with the ports of p's v4 networks covering it
	 * (none, unless p has 0.0.0.0/0): the v4 space's own entry, longer
	 * than any v6 network covering it, so that such a network does not
	 * allow v4 destinations (user space keeps the families apart). */
	static const struct dest v4_space = { .net.family = AF_INET };

	for (size_t i = 0; i < p->nr_dests; i++)
		if (!allow__seen(p, i))
			allow__put(e, p, &p->dests[i]);
	if (allow__covers_v4(p))
		allow__put(e, p, &v4_space);
}

static struct protect *enforce__protect(const struct ruleset *rs)
{
	struct protect_set sets[VIGIL_MAX_FILESETS];

	for (size_t i = 0; i < rs->nr_filesets; i++) {
		const struct fileset *f = &rs->filesets[i];

		sets[i] = (struct protect_set){
			.name = f->name,
			.paths = (const char *const *)f->paths,
			.nr_paths = f->nr_paths,
			.exclude = (const char *const *)f->exclude,
			.nr_exclude = f->nr_exclude,
		};
	}
	return protect__new(sets, rs->nr_filesets);
}

static void enforce__report(const struct enforce *e)
{
	struct protect_stats st;

	protect__stats(e->protect, &st);
	log_info("protecting %zu files of %zu sets, watching %zu directories "
		 "for new ones", e->nr_synced, e->rs->nr_filesets, st.watches);
	if (st.watch_failures || st.truncated)
		log_warn("protected files: %llu directories could not be "
			 "watched, %llu files over the cap",
			 (unsigned long long)st.watch_failures,
			 (unsigned long long)st.truncated);
}

#define ENFORCE_MODELS 8

/* The i-th model, for the passes over all of them. */
static struct mapmodel *enforce__model(struct enforce *e, size_t i)
{
	struct mapmodel *all[ENFORCE_MODELS] = {
		&e->policies, &e->protected, &e->allow, &e->names,
		&e->budgets, &e->exes, &e->file_grants, &e->grants,
	};

	return all[i];
}

#define MODEL(map, k, v, ...)						\
	(struct mapmodel_opts){ .name = map, .ksize = sizeof(k),	\
				.vsize = sizeof(v),			\
				__VA_ARGS__ }

/* The kernel adds grants of its own (a DNS answer's) and drops lapsed
 * ones; it binds an exec grant to its file (ctime_ns, its bytes). */
static void enforce__models(struct enforce *e)
{
	const struct enforce_maps *m = &e->maps;

	mapmodel__init(&e->policies, &MODEL("policies", uint64_t,
		struct vigil_policy, .fd = m->policies));
	mapmodel__init(&e->protected, &MODEL("protected", struct vigil_inode,
		uint64_t, .fd = m->protected));
	mapmodel__init(&e->allow, &MODEL("egress_allow",
		struct vigil_allow_key, struct vigil_allow, .fd = m->allow));
	mapmodel__init(&e->names, &MODEL("egress_names", struct vigil_name_key,
		struct vigil_allow, .fd = m->names));
	mapmodel__init(&e->budgets, &MODEL("egress_budgets", uint32_t,
		struct vigil_entry_budget, .fd = m->budgets,
		.kind = MAPMODEL_ARRAY));
	mapmodel__init(&e->exes, &MODEL("exe_patterns", uint32_t,
		struct vigil_exe_pattern, .fd = m->exe_patterns,
		.kind = MAPMODEL_ARRAY));
	mapmodel__init(&e->file_grants, &MODEL("file_grants",
		struct vigil_file_grant, struct vigil_file_grant_val,
		.fd = m->file_grants,
		.owned = offsetof(struct vigil_file_grant_val, ctime_ns),
		.lapses = true,
		.lapse_at = offsetof(struct vigil_file_grant_val, until_ns)));
	mapmodel__init(&e->grants, &MODEL("egress_grants",
		struct vigil_grant_key, struct vigil_grant, .fd = m->grants,
		.kernels = grant__dns, .lapses = true,
		.lapse_at = offsetof(struct vigil_grant, expires_ns)));
}

/* What an earlier daemon wrote stays what the maps should hold, until
 * this one writes them. */
static int enforce__adopt(struct enforce *e)
{
	int err = 0;

	for (size_t i = 0; i < ENFORCE_MODELS && e->maps.adopted && !err; i++)
		err = mapmodel__adopt(enforce__model(e, i));
	return err;
}

size_t enforce__rewrite(struct enforce *e, uint64_t now,
			const char **names, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < ENFORCE_MODELS; i++) {
		struct mapmodel *m = enforce__model(e, i);

		if (!mapmodel__check(m, now))
			continue;
		log_warn("map %s was written by someone else: made again",
			 m->name);
		if (n < max)
			names[n++] = m->name;
	}
	return n;
}

struct enforce *enforce__new(const struct ruleset *rs,
			     const struct enforce_maps *maps,
			     struct sandboxes *sandboxes)
{
	struct enforce *e = calloc(1, sizeof(*e));
	struct sandbox_hooks hooks = {
		.added = enforce__place, .removed = enforce__forget, .ctx = e,
	};
	uint64_t none = 0;

	if (!e)
		return NULL;
	e->rs = rs;
	e->sandboxes = sandboxes;
	e->maps = *maps;
	enforce__models(e);
	e->protect = enforce__protect(rs);
	if (!e->protect || sandboxes__listen(sandboxes, &hooks) ||
	    enforce__adopt(e)) {
		enforce__free(e);
		return NULL;
	}
	enforce__sync_files(e);
	enforce__report(e);
	exes__write(&e->exes, rs, e->exe_half);
	budgets__load(&e->budgets, rs);
	for (size_t i = 0; ruleset__profile_at(rs, i); i++) {
		enforce__allowlist(e, ruleset__profile_at(rs, i));
		names__load(&e->names, ruleset__profile_at(rs, i), NULL);
	}
	enforce__set_policy(e, none, rs->fallback);
	return e;
}

/* A sandbox known before the reload, under its profile in the new set
 * (looked up here: the policy may not have moved its slot yet); the
 * default's is key 0's. */
static void enforce__replace(void *ctx, struct sandbox *sb)
{
	struct enforce *e = ctx;
	const struct profile *p = sb->profile ?
		ruleset__profile(e->rs, sb->profile, sb->profile_len) : NULL;

	p = p ?: e->rs->fallback;
	if (p != e->rs->fallback)
		enforce__set_policy(e, sb->cgid, p);
	else if (mapmodel__del(&e->policies, &sb->cgid) &&
		 errno != ENOENT)
		log__errno(errno, "cannot reset the kernel policy of sandbox "
			   "cgroup %llu", (unsigned long long)sb->cgid);
}

int enforce__stage(struct enforce *e, const struct ruleset *rs)
{
	e->next_protect = enforce__protect(rs);
	if (!e->next_protect ||
	    mapkeys__read(&e->allow_before, e->allow.fd,
			  sizeof(struct vigil_allow_key)) ||
	    mapkeys__read(&e->names_before, e->names.fd,
			  sizeof(struct vigil_name_key))) {
		enforce__unstage(e);
		return -ENOMEM;
	}
	e->next_rs = rs;
	return 0;
}

void enforce__unstage(struct enforce *e)
{
	mapkeys__prune(&e->allow_before, NULL);
	mapkeys__prune(&e->names_before, NULL);
	protect__free(e->next_protect);
	e->next_protect = NULL;
	e->next_rs = NULL;
}

/* Every map is rewritten in place, never emptied: a protected inode in
 * both sets stays in the map throughout, the new networks are in before
 * a sandbox's policy names them, and the old ones go last. */
void enforce__commit(struct enforce *e)
{
	uint64_t none = 0;

	protect__free(e->protect);
	e->protect = e->next_protect;
	e->rs = e->next_rs;
	e->next_protect = NULL;
	e->next_rs = NULL;
	enforce__sync_files(e);
	e->reloading = true;
	/* The budgets are numbered anew: each number's slot, network and
	 * name are rewritten together. */
	budgets__load(&e->budgets, e->rs);
	for (size_t i = 0; ruleset__profile_at(e->rs, i); i++) {
		enforce__allowlist(e, ruleset__profile_at(e->rs, i));
		names__load(&e->names, ruleset__profile_at(e->rs, i),
			    &e->names_before);
	}
	e->reloading = false;
	e->exe_half ^= 1;
	exes__write(&e->exes, e->rs, e->exe_half);
	enforce__set_policy(e, none, e->rs->fallback);
	sandboxes__each_told(e->sandboxes, enforce__replace, e);
	mapkeys__prune(&e->allow_before, &e->allow);
	mapkeys__prune(&e->names_before, &e->names);
	enforce__report(e);
}

bool enforce__exe_judged(const struct enforce *e)
{
	return exes__judged(e->rs);
}

uint64_t enforce__fail_closed_ns(const struct enforce *e)
{
	uint64_t min = 0;

	for (size_t i = 0; ruleset__profile_at(e->rs, i); i++) {
		uint64_t ns = ruleset__profile_at(e->rs, i)->fail_closed_ns;

		if (ns && (!min || ns < min))
			min = ns;
	}
	return min;
}

void enforce__free(struct enforce *e)
{
	if (!e)
		return;
	enforce__unstage(e);
	protect__free(e->protect);
	free(e->synced);
	for (size_t i = 0; i < ENFORCE_MODELS; i++)
		mapmodel__fini(enforce__model(e, i));
	free(e);
}
