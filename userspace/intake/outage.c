// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include <bpf/bpf.h>

#include "log.h"
#include "outage.h"

bool outage__gap(int map_fd, const struct drops *d, uint64_t now_ns,
		 struct event *ev)
{
	struct vigil_daemon st;
	__u32 zero = 0;

	/* A fresh map is all zeros: nobody ran before. */
	if (bpf_map_lookup_elem(map_fd, &zero, &st) || !st.heartbeat_ns)
		return false;
	memset(ev, 0, sizeof(*ev));
	ev->kind = EVENT_GAP;
	ev->ktime_ns = now_ns;
	ev->gap.from_ns = st.heartbeat_ns;
	ev->gap.previous_seq = st.seq;
	ev->gap.clean = !st.serving;
	memcpy(ev->gap.previous_run_id, st.run_id, sizeof(st.run_id));
	/* Counters only grow; a smaller total means another map. */
	if (d->before > st.drops_reported)
		ev->gap.lost = d->before - st.drops_reported;
	return true;
}

int outage__beat(int map_fd, const struct outage_beat *b, uint64_t now_ns)
{
	struct vigil_daemon st = {
		.heartbeat_ns = now_ns,
		.seq = b->seq,
		.drops_reported = b->drops_reported,
		.serving = b->serving,
	};
	__u32 zero = 0;
	int err;

	memcpy(st.run_id, b->run_id, sizeof(st.run_id));
	err = bpf_map_update_elem(map_fd, &zero, &st, BPF_ANY);
	if (err)
		log__errno(err, "cannot record the daemon's heartbeat");
	return err;
}
