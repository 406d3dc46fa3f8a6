// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "evidence_sock.h"

/* Inet lines are about 150 bytes; unix ones about 60 plus the path. */
#define SOCK_LINE_LEN 512
#define SO_ACCEPTCON  (1 << 16)	/* __SO_ACCEPTCON: a listening unix socket */

enum { SOCK_OTHER = -2, SOCK_ANY = -1 };	/* besides table indexes */

static const char *const sock__tables[] = {
	"tcp", "tcp6", "udp", "udp6", "unix",
};
#define SOCK_UNIX 4

/* include/net/tcp_states.h; UDP uses ESTABLISHED (connected) and CLOSE. */
static const char *const sock__tcp_states[] = {
	[1] = "ESTABLISHED", [2] = "SYN_SENT", [3] = "SYN_RECV",
	[4] = "FIN_WAIT1", [5] = "FIN_WAIT2", [6] = "TIME_WAIT",
	[7] = "CLOSE", [8] = "CLOSE_WAIT", [9] = "LAST_ACK",
	[10] = "LISTEN", [11] = "CLOSING", [12] = "NEW_SYN_RECV",
	[13] = "BOUND_INACTIVE",
};

/* include/uapi/linux/net.h socket_state. */
static const char *const sock__unix_states[] = {
	[0] = "FREE", [1] = "UNCONNECTED", [2] = "CONNECTING",
	[3] = "CONNECTED", [4] = "DISCONNECTING",
};

/* A socket some fd holds, and what the tables said of it. */
struct sock_want {
	uint64_t ino;
	int table;		/* what its protocol says, or SOCK_ANY */
	int seen;		/* matching lines: only exactly one is trusted */
	struct evidence_sock s;
};

uint64_t evidence_sock__inode(const char *target)
{
	uint64_t ino;
	int end = 0;

	if (sscanf(target, "socket:[%" SCNu64 "]%n", &ino, &end) != 1 ||
	    target[end])
		return 0;
	return ino;
}

static void sock__state(char out[16], const char *const *names, size_t nr,
			unsigned int st)
{
	if (st < nr && names[st])
		snprintf(out, 16, "%s", names[st]);
	else
		snprintf(out, 16, "STATE_%u", st & 0xff);
}

/*
 * An address as the inet tables print it: each 32-bit word of the address
 * with "%08X" in host byte order, so reading each word back as a host
 * integer restores the bytes. The port is already in host order.
 */
static int sock__addr(char out[EVIDENCE_ADDR_LEN], const char *hex,
		      unsigned int port, bool v6)
{
	uint32_t words[4];
	size_t nr = v6 ? 4 : 1;
	char text[INET6_ADDRSTRLEN], word[9] = "";

	if (strlen(hex) != nr * 8)
		return -EINVAL;
	for (size_t i = 0; i < nr; i++) {
		memcpy(word, hex + 8 * i, 8);
		words[i] = (uint32_t)strtoul(word, NULL, 16);
	}
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, words, text, sizeof(text)))
		return -EINVAL;
	if (v6)
		snprintf(out, EVIDENCE_ADDR_LEN, "[%s]:%u", text, port & 0xffff);
	else
		snprintf(out, EVIDENCE_ADDR_LEN, "%s:%u", text, port & 0xffff);
	return 0;
}

/* "sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...", the
 * same columns for tcp and udp (net/ipv4/tcp_ipv4.c, udp.c). */
static int sock__parse_inet(const char *proto, const char *line,
			    struct evidence_sock *s, uint64_t *ino)
{
	char local[33], remote[33];
	unsigned int lport, rport, st;
	bool v6 = proto[strlen(proto) - 1] == '6';

	if (sscanf(line, " %*u: %32[0-9A-Fa-f]:%4x %32[0-9A-Fa-f]:%4x %2x "
		   "%*x:%*x %*x:%*x %*x %*u %*d %" SCNu64, local, &lport,
		   remote, &rport, &st, ino) != 6 ||
	    sock__addr(s->local, local, lport, v6) ||
	    sock__addr(s->remote, remote, rport, v6))
		return -EINVAL;
	snprintf(s->proto, sizeof(s->proto), "%s", proto);
	sock__state(s->state, sock__tcp_states,
		    sizeof(sock__tcp_states) / sizeof(*sock__tcp_states), st);
	return 0;
}

/* "Num: RefCount Protocol Flags Type St Inode[ Path]" (net/unix/af_unix.c);
 * the path is printed raw, '@' first when abstract. */
static int sock__parse_unix(const char *line, struct evidence_sock *s,
			    uint64_t *ino)
{
	unsigned int flags, type, st;
	const char *path;
	int end = 0;

	if (sscanf(line, "%*[0-9A-Fa-f]: %*x %*x %x %x %x %" SCNu64 "%n",
		   &flags, &type, &st, ino, &end) != 4 || !end)
		return -EINVAL;
	path = line[end] == ' ' ? line + end + 1 : "";
	snprintf(s->local, sizeof(s->local), "%.*s",
		 (int)strcspn(path, "\n"), path);
	s->remote[0] = '\0';
	snprintf(s->proto, sizeof(s->proto), "unix");
	if (flags & SO_ACCEPTCON)
		snprintf(s->state, sizeof(s->state), "LISTEN");
	else
		sock__state(s->state, sock__unix_states,
			    sizeof(sock__unix_states) /
			    sizeof(*sock__unix_states), st);
	return 0;
}

int evidence_sock__parse(const char *proto, const char *line,
			 struct evidence_sock *s, uint64_t *ino)
{
	memset(s, 0, sizeof(*s));
	if (strcmp(proto, "unix") == 0)
		return sock__parse_unix(line, s, ino);
	return sock__parse_inet(proto, line, s, ino);
}

/*
 * The table a socket fd's protocol lists it in, from the socket's own
 * "system.sockprotoname" attribute (sk_prot->name), or SOCK_OTHER for
 * protocols without one (NETLINK, PACKET, ...). Matching lines against it
 * matters because a unix socket's path is chosen by the sandboxed process
 * and printed raw: a newline in it turns its tail into a line of its own
 * that could claim any inode. A claimed inode the tables list too is
 * listed twice and dropped; one they do not list is a socket of another
 * protocol, which this check keeps from matching.
 */
static int sock__table_of(pid_t pid, int fd)
{
	static const char *const names[] = {
		"TCP", "TCPv6", "UDP", "UDPv6",
	};
	char path[64], name[32];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	n = getxattr(path, "system.sockprotoname", name, sizeof(name) - 1);
	if (n < 0)
		return SOCK_ANY;
	name[n] = '\0';
	if (strncmp(name, "UNIX", 4) == 0)	/* "UNIX", "UNIX-STREAM" */
		return SOCK_UNIX;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return SOCK_OTHER;
}

static int sock__cmp(const void *a, const void *b)
{
	const struct sock_want *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static struct sock_want *sock__find(struct sock_want *want, size_t nr,
				    uint64_t ino)
{
	struct sock_want key = { .ino = ino };

	return bsearch(&key, want, nr, sizeof(*want), sock__cmp);
}

/* The sockets the fds of namespace ns's processes hold, sorted, each
 * once. Returns 0 or -ENOMEM. */
static int sock__wanted(const struct evidence *e, const uint64_t *netns,
			uint64_t ns, struct sock_want **out, size_t *nr)
{
	struct sock_want *want;
	size_t n = 0, k = 0;
	uint64_t ino;
	int table;

	for (size_t i = 0; i < e->nr_procs; i++)
		if (netns[i] == ns)
			n += e->procs[i].nr_fds;
	*out = want = calloc(n ? n : 1, sizeof(*want));
	if (!want)
		return -ENOMEM;
	for (size_t i = 0; i < e->nr_procs; i++) {
		const struct evidence_proc *p = &e->procs[i];

		for (size_t f = 0; netns[i] == ns && f < p->nr_fds; f++) {
			ino = evidence_sock__inode(p->fds[f].target);
			if (!ino)
				continue;
			table = sock__table_of(p->pid, p->fds[f].fd);
			if (table != SOCK_OTHER)
				want[k++] = (struct sock_want){ .ino = ino,
								.table = table };
		}
	}
	qsort(want, k, sizeof(*want), sock__cmp);
	for (size_t i = 0; i < k; i++)
		if (*nr == 0 || want[*nr - 1].ino != want[i].ino)
			want[(*nr)++] = want[i];
	return 0;
}

/* Matches each line of one table against the wanted sockets. Only a
 * line's first piece is parsed, should a line exceed the buffer. */
static void sock__read_table(int proc_dfd, int table, struct sock_want *want,
			     size_t nr)
{
	char path[16], line[SOCK_LINE_LEN];
	bool line_start = true, start;
	struct evidence_sock s;
	struct sock_want *w;
	uint64_t ino;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "net/%s", sock__tables[table]);
	fd = openat(proc_dfd, path, O_RDONLY | O_CLOEXEC);
	f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		start = line_start;
		line_start = strchr(line, '\n') != NULL;
		if (!start ||
		    evidence_sock__parse(sock__tables[table], line, &s, &ino))
			continue;
		w = sock__find(want, nr, ino);
		if (w && (w->table == SOCK_ANY || w->table == table)) {
			w->seen++;
			w->s = s;
		}
	}
	fclose(f);
}

uint64_t evidence_sock__netns(int proc_dfd)
{
	char link[64];
	ssize_t n = readlinkat(proc_dfd, "ns/net", link, sizeof(link) - 1);
	uint64_t ino;

	if (n < 0)
		return 0;
	link[n] = '\0';
	return sscanf(link, "net:[%" SCNu64 "]", &ino) == 1 ? ino : 0;
}

/* Whether any wanted socket may be in table: each table is a walk of the
 * kernel's whole socket hash, a millisecond on a large host, and this
 * runs while a sandbox waits to be killed. */
static bool sock__in_table(const struct sock_want *want, size_t nr, int table)
{
	for (size_t i = 0; i < nr; i++)
		if (want[i].table == SOCK_ANY || want[i].table == table)
			return true;
	return false;
}

/* Reads ns's tables through the first of its processes still in it (the
 * tables are the namespace's, whichever process shows them). */
static void sock__read_tables(const struct evidence *e, const uint64_t *netns,
			      uint64_t ns, struct sock_want *want, size_t nr)
{
	char path[32];
	int dfd;

	for (size_t i = 0; i < e->nr_procs; i++) {
		if (netns[i] != ns)
			continue;
		snprintf(path, sizeof(path), "/proc/%d", (int)e->procs[i].pid);
		dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			continue;
		if (evidence_sock__netns(dfd) == ns) {
			for (int t = 0; t <= SOCK_UNIX; t++)
				if (sock__in_table(want, nr, t))
					sock__read_table(dfd, t, want, nr);
			close(dfd);
			return;
		}
		close(dfd);
	}
}

static int sock__attach(struct evidence *e, const uint64_t *netns, uint64_t ns,
			struct sock_want *want, size_t nr)
{
	struct sock_want *w;

	for (size_t i = 0; i < e->nr_procs; i++) {
		struct evidence_proc *p = &e->procs[i];

		for (size_t f = 0; netns[i] == ns && f < p->nr_fds; f++) {
			w = sock__find(want, nr,
				       evidence_sock__inode(p->fds[f].target));
			if (!w || w->seen != 1)
				continue;
			p->fds[f].sock = malloc(sizeof(w->s));
			if (!p->fds[f].sock)
				return -ENOMEM;
			*p->fds[f].sock = w->s;
		}
	}
	return 0;
}

static int sock__resolve_ns(struct evidence *e, const uint64_t *netns,
			    uint64_t ns)
{
	struct sock_want *want;
	size_t nr = 0;
	int err = sock__wanted(e, netns, ns, &want, &nr);

	if (!err && nr) {
		sock__read_tables(e, netns, ns, want, nr);
		err = sock__attach(e, netns, ns, want, nr);
	}
	free(want);
	return err;
}

int evidence_sock__resolve(struct evidence *e, const uint64_t *netns)
{
	int err = 0;

	for (size_t i = 0; !err && i < e->nr_procs; i++) {
		bool done = !netns[i];

		for (size_t j = 0; !done && j < i; j++)
			done = netns[j] == netns[i];
		if (!done)
			err = sock__resolve_ns(e, netns, netns[i]);
	}
	return err;
}
