/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Evidence about sockets: a "socket:[INODE]" fd resolved through the
 * tables of the process's network namespace (/proc/PID/net/tcp, tcp6,
 * udp, udp6, unix), each table read once per namespace and only the
 * inodes asked for kept. Part of evidence.c's snapshot.
 */
#ifndef VIGIL_EVIDENCE_SOCK_H
#define VIGIL_EVIDENCE_SOCK_H

#include <stdint.h>

#include "evidence_types.h"

/* Fills the sock of every socket fd of e's processes that the tables of
 * its namespace list; netns[i] is the namespace inode of e->procs[i] (0:
 * unknown, left unresolved). Tables that cannot be read leave fds
 * unresolved. Returns 0 or -ENOMEM. */
int evidence_sock__resolve(struct evidence *e, const uint64_t *netns);

/* The network namespace inode of the process whose /proc directory is
 * proc_dfd (/proc/PID/ns/net), or 0. */
uint64_t evidence_sock__netns(int proc_dfd);

/* The socket inode a fd target names ("socket:[123]"), or 0. */
uint64_t evidence_sock__inode(const char *target);

/* One line of /proc/net/{tcp,tcp6,udp,udp6} (proto names which, and
 * whether addresses are IPv6) or of /proc/net/unix (proto "unix") into s
 * and *ino. Returns 0, or -EINVAL for a header or malformed line. */
int evidence_sock__parse(const char *proto, const char *line,
			 struct evidence_sock *s, uint64_t *ino);

#endif /* VIGIL_EVIDENCE_SOCK_H */
