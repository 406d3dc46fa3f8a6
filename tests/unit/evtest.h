/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Hand-built events for the rule tests: a header, a process with a parent
 * and a grandparent, a sandbox, and the record's own part, all in one
 * struct that must stay where it was made (it points into itself). */
#ifndef VIGIL_EVTEST_H
#define VIGIL_EVTEST_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "event.h"

struct tev {
	struct event ev;
	struct vigil_hdr hdr;
	struct proc proc, parent, grand;
	struct sandbox sb;
	char argv[512];
};

static inline void tev__proc(struct proc *p, uint32_t pid, const char *exe,
			     struct proc *parent)
{
	p->pid = pid;
	p->exe = (char *)exe;
	p->exe_len = exe ? strlen(exe) : 0;
	p->parent = parent;
}

/* A process event of kind (or a flow or budget, which have no process),
 * in sandbox "sb-7" (cgroup 7), by python3 (pid 100, uid 0) under bash
 * under tini, at ktime ns. */
static inline void tev__init(struct tev *t, enum event_kind kind, uint64_t ns)
{
	memset(t, 0, sizeof(*t));
	t->ev.kind = kind;
	t->ev.ktime_ns = ns;
	t->sb.cgid = 7;
	t->sb.id = (char *)"sb-7";
	t->ev.sandbox = &t->sb;
	if (kind == EVENT_FLOW || kind == EVENT_BUDGET)
		return;
	t->hdr.type = kind;
	t->hdr.ktime_ns = ns;
	t->hdr.sandbox_cgid = 7;
	t->hdr.pid = t->hdr.tid = 100;
	t->hdr.ppid = 99;
	strcpy(t->hdr.comm, "python3");
	tev__proc(&t->grand, 1, "/usr/bin/tini", NULL);
	tev__proc(&t->parent, 99, "/bin/bash", &t->grand);
	tev__proc(&t->proc, 100, "/usr/bin/python3", &t->parent);
	t->ev.hdr = &t->hdr;
	t->ev.proc = &t->proc;
}

static inline void tev__sandbox(struct tev *t, uint64_t cgid, const char *id,
				const char *profile)
{
	t->sb.cgid = cgid;
	t->hdr.sandbox_cgid = cgid;
	t->sb.id = (char *)id;
	t->sb.profile = (char *)profile;
	t->sb.profile_len = profile ? strlen(profile) : 0;
}

static inline void tev__open(struct tev *t, uint64_t ns, const char *path,
			     uint32_t flags)
{
	tev__init(t, EVENT_OPEN, ns);
	t->ev.open.path = (struct bytes){ path, strlen(path) };
	t->ev.open.arg = t->ev.open.path;
	t->ev.open.flags = flags;
	t->ev.open.ret = *path ? 3 : -2;
}

/* argv as one string with '|' between arguments ("sh|-c|id"). */
static inline void tev__exec(struct tev *t, uint64_t ns, const char *file,
			     const char *argv)
{
	size_t len = strlen(argv), argc = 1;

	tev__init(t, EVENT_EXEC, ns);
	memcpy(t->argv, argv, len + 1);
	for (size_t i = 0; i < len; i++)
		if (t->argv[i] == '|') {
			t->argv[i] = '\0';
			argc++;
		}
	t->ev.exec.file = (struct bytes){ file, strlen(file) };
	t->ev.exec.arg = t->ev.exec.file;
	t->ev.exec.argv = (struct bytes){ t->argv, len ? len + 1 : 0 };
	t->ev.exec.argc = len ? argc : 0;
	t->ev.exec.ret = *file ? 0 : -2;
	if (*file)
		tev__proc(&t->proc, 100, file, &t->parent);
}

/* A connect to addr (v4 or v6 text) and port; a path for AF_UNIX. */
static inline void tev__connect(struct tev *t, uint64_t ns, const char *addr,
				uint16_t port)
{
	struct vigil_sockaddr *sa = &t->ev.connect.sa;

	tev__init(t, EVENT_CONNECT, ns);
	t->ev.connect.proto = 6;
	t->ev.connect.sock_type = SOCK_STREAM;
	sa->port = port;
	if (inet_pton(AF_INET, addr, sa->addr) == 1) {
		sa->family = AF_INET;
	} else if (inet_pton(AF_INET6, addr, sa->addr) == 1) {
		sa->family = AF_INET6;
	} else {
		sa->family = AF_UNIX;
		sa->path_len = strlen(addr);
		memcpy(sa->path, addr, sa->path_len);
		t->ev.connect.proto = 0;
	}
}

/* A v4 or v6 address's family and bytes. */
static inline uint16_t tev__addr(const char *addr, uint8_t *a)
{
	if (inet_pton(AF_INET, addr, a) == 1)
		return AF_INET;
	inet_pton(AF_INET6, addr, a);
	return AF_INET6;
}

static inline void tev__flow(struct tev *t, uint64_t ns, const char *addr,
			     uint16_t port, uint64_t bytes)
{
	struct vigil_flow_key *k = &t->ev.flow.key;

	tev__init(t, EVENT_FLOW, ns);
	k->sandbox_cgid = t->sb.cgid;
	k->family = tev__addr(addr, k->addr);
	k->port = port;
	k->proto = 6;
	t->ev.flow.val.bytes = bytes;
	t->ev.flow.val.packets = bytes / 1000 + 1;
	t->ev.flow.interval_ms = 1000;
}

/* The kernel's egress budget ran out, over TCP to addr and port. */
static inline void tev__budget(struct tev *t, uint64_t ns, const char *addr,
			       uint16_t port, uint64_t limit, uint64_t spent)
{
	struct ev_budget *b = &t->ev.budget;

	tev__init(t, EVENT_BUDGET, ns);
	b->sandbox_cgid = t->sb.cgid;
	b->family = tev__addr(addr, b->addr);
	b->port = port;
	b->proto = 6;
	b->budget = limit;
	b->spent = spent;
	b->profile = 1;
}

#endif /* VIGIL_EVTEST_H */
