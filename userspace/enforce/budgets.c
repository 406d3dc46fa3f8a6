// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>

#include "budgets.h"
#include "log.h"
#include "records.h"

bool budgets__any(const struct profile *p)
{
	for (size_t i = 0; i < p->nr_dests; i++)
		if (p->dests[i].budget_id)
			return true;
	for (size_t i = 0; i < p->nr_names; i++)
		if (p->names[i].budget_id)
			return true;
	return false;
}

/* Fills slots[] from one entry (ids are unique below VIGIL_BUDGETS). */
static void budget__slot(struct vigil_entry_budget *slots, uint16_t id,
			 uint64_t bytes, const char *text)
{
	if (!id || id >= VIGIL_BUDGETS)
		return;
	slots[id].bytes = bytes;
	snprintf(slots[id].entry, sizeof(slots[id].entry), "%s", text);
}

void budgets__load(struct mapmodel *budgets, const struct ruleset *rs)
{
	static struct vigil_entry_budget slots[VIGIL_BUDGETS];
	const struct profile *p;

	memset(slots, 0, sizeof(slots));
	for (size_t i = 0; (p = ruleset__profile_at(rs, i)); i++) {
		for (size_t j = 0; j < p->nr_dests; j++)
			budget__slot(slots, p->dests[j].budget_id,
				     p->dests[j].budget, p->dests[j].text);
		for (size_t j = 0; j < p->nr_names; j++)
			budget__slot(slots, p->names[j].budget_id,
				     p->names[j].budget, p->names[j].text);
	}
	for (uint32_t id = 1; id < VIGIL_BUDGETS; id++)
		if (mapmodel__put(budgets, &id, &slots[id])) {
			log__errno(errno, "cannot load the destinations' "
				   "budgets");
			return;
		}
}

void budgets__forget(int spent_fd, uint64_t sandbox)
{
	/* A sandbox has one key per budget at most. Read first, deleted
	 * after: a hash map's walk is lost once the key it is at goes. */
	static struct vigil_entry_spent_key mine[VIGIL_BUDGETS];
	struct vigil_entry_spent_key k, next;
	void *prev = NULL;
	size_t n = 0;

	while (n < VIGIL_BUDGETS &&
	       !bpf_map_get_next_key(spent_fd, prev, &next)) {
		if (next.sandbox_cgid == sandbox)
			mine[n++] = next;
		k = next;
		prev = &k;
	}
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(spent_fd, &mine[i]);
}
