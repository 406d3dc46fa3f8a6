// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>

#include "log.h"
#include "names.h"

void names__key(uint32_t profile, const struct name_dest *n,
		struct vigil_name_key *k)
{
	const char *label = n->name;

	memset(k, 0, sizeof(*k));
	k->profile = profile;
	k->wildcard = n->wildcard;
	/* Parsed so: labels of 1-63 bytes, VIGIL_DNS_NAME_MAX in all. */
	for (size_t at = 0; *label; ) {
		size_t len = strcspn(label, ".");

		k->name[at++] = len;
		memcpy(&k->name[at], label, len);
		at += len;
		label += len + (label[len] == '.');
	}
}

/* Whether v has port range lo-hi already (from a more specific entry,
 * whose budget the kernel's grant on that port must carry). */
static bool names__has(const struct vigil_allow *v, uint16_t lo, uint16_t hi)
{
	for (int i = 0; i < v->nr; i++)
		if (v->lo[i] == lo && v->hi[i] == hi)
			return true;
	return false;
}

/* The ports of n and of every entry covering it, since the kernel's
 * lookup finds only the most specific; one port or every port each, the
 * longest name first, each with its entry's budget. */
static void names__ports(const struct profile *p, const struct name_dest *n,
			 struct vigil_allow *v)
{
	memset(v, 0, sizeof(*v));
	for (size_t len = strlen(n->name); len > 0; len--)
		for (size_t i = 0; i < p->nr_names; i++) {
			const struct name_dest *o = &p->names[i];
			uint16_t hi = o->port ? o->port : 65535;

			if (strlen(o->name) != len || !name_dest__covers(o, n) ||
			    names__has(v, o->port, hi) ||
			    v->nr == VIGIL_ALLOW_PORTS)
				continue;
			v->lo[v->nr] = o->port;
			v->hi[v->nr] = hi;
			v->budget[v->nr++] = o->budget_id;
		}
}

void names__load(struct mapmodel *names, const struct profile *p,
		 struct mapkeys *before)
{
	struct vigil_name_key k;
	struct vigil_allow v;

	for (size_t i = 0; i < p->nr_names; i++) {
		names__key(p->id, &p->names[i], &k);
		names__ports(p, &p->names[i], &v);
		if (mapmodel__put(names, &k, &v))
			log__errno(errno, "cannot load name %s%s of profile %s",
				   p->names[i].wildcard ? "*." : "",
				   p->names[i].name, p->name);
		else if (before)
			mapkeys__keep(before, &k);
	}
}
