/*
 * A connect submitted through io_uring (IORING_OP_CONNECT), which no
 * connect syscall carries: the evasion of an agent that knows the
 * tracepoints. Raw syscalls, no liburing.
 *
 *   uring connect ADDR PORT   prints ret=N (the completion's result)
 */
#include <arpa/inet.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *ring_map(int fd, size_t len, off_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, fd, off);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return p;
}

/* One SQE through a fresh ring; returns the CQE's result. */
static int uring_one(const struct io_uring_sqe *want)
{
	struct io_uring_params p = { 0 };
	int fd = syscall(__NR_io_uring_setup, 4, &p);
	char *sq, *cq;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqe;
	unsigned *tail, *array;

	if (fd < 0) {
		perror("io_uring_setup");
		exit(2);
	}
	sq = ring_map(fd, p.sq_off.array + p.sq_entries * sizeof(unsigned),
		      IORING_OFF_SQ_RING);
	cq = ring_map(fd, p.cq_off.cqes +
		      p.cq_entries * sizeof(struct io_uring_cqe),
		      IORING_OFF_CQ_RING);
	sqes = ring_map(fd, p.sq_entries * sizeof(*sqes), IORING_OFF_SQES);
	sqes[0] = *want;
	array = (unsigned *)(sq + p.sq_off.array);
	tail = (unsigned *)(sq + p.sq_off.tail);
	array[*tail & *(unsigned *)(sq + p.sq_off.ring_mask)] = 0;
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, fd, 1, 1, IORING_ENTER_GETEVENTS,
		    NULL, 0) < 0) {
		perror("io_uring_enter");
		exit(2);
	}
	cqe = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return cqe[*(unsigned *)(cq + p.cq_off.head) &
		   *(unsigned *)(cq + p.cq_off.ring_mask)].res;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct io_uring_sqe sqe;
	int s;

	if (argc != 4 || strcmp(argv[1], "connect") ||
	    inet_pton(AF_INET, argv[2], &sin.sin_addr) != 1) {
		fprintf(stderr, "usage: uring connect ADDR PORT\n");
		return 2;
	}
	sin.sin_port = htons(atoi(argv[3]));
	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_CONNECT;
	sqe.fd = s;
	sqe.addr = (uintptr_t)&sin;
	sqe.off = sizeof(sin);		/* the address length */
	printf("ret=%d\n", uring_one(&sqe));
	return 0;
}
