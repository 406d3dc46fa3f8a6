/*
 * The egress bench's caller (bench/egress.py): N calls in a loop, the
 * mean cost of one printed in ns. Each call is what the cgroup hooks
 * judge: a UDP socket's connect() (connect4, no handshake to time) or an
 * unconnected sendto() (sendmsg4). A refused call (EPERM) counts like an
 * allowed one; any other error stops the loop.
 *
 *   egress_helper connect|sendto|dns ADDR PORT N
 *
 * dns: N queries for the name in $BENCH_QNAME sent to ADDR:PORT and
 * their answers read, for the DNS parse at ingress.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* A query for name (dotted) into q; its length. */
static size_t dns_query(const char *name, unsigned char *q)
{
	size_t n = 12;

	memset(q, 0, 12);
	q[1] = 1;		/* id */
	q[2] = 1;		/* RD */
	q[5] = 1;		/* one question */
	while (*name) {
		size_t len = strcspn(name, ".");

		q[n++] = len;
		memcpy(q + n, name, len);
		n += len;
		name += len + (name[len] == '.');
	}
	q[n++] = 0;
	q[n++] = 0, q[n++] = 1;	/* A */
	q[n++] = 0, q[n++] = 1;	/* IN */
	return n;
}

static int one(const char *how, int fd, const struct sockaddr_in *to,
	       const unsigned char *q, size_t qlen)
{
	unsigned char buf[512];

	if (!strcmp(how, "connect")) {
		int s = socket(AF_INET, SOCK_DGRAM, 0), r;

		r = connect(s, (const struct sockaddr *)to, sizeof(*to));
		close(s);
		return r;
	}
	if (sendto(fd, q, qlen, 0, (const struct sockaddr *)to,
		   sizeof(*to)) < 0)
		return -1;
	if (!strcmp(how, "dns") && recv(fd, buf, sizeof(buf), 0) < 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	unsigned char q[300];
	size_t qlen = 8;
	long n;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	uint64_t t0;

	if (argc != 5 || inet_pton(AF_INET, argv[2], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: egress_helper connect|sendto|dns ADDR "
			"PORT N\n");
		return 2;
	}
	to.sin_port = htons(atoi(argv[3]));
	n = atol(argv[4]);
	memset(q, 'x', qlen);
	if (!strcmp(argv[1], "dns"))
		qlen = dns_query(getenv("BENCH_QNAME") ?: "bench.test", q);
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (one(argv[1], fd, &to, q, qlen) && errno != EPERM) {
			perror(argv[1]);
			return 1;
		}
	printf("%.0f\n", (double)(now_ns() - t0) / n);
	return 0;
}
