/*
 * Syscalls through the ia32 entry point (int $0x80) from this 64-bit
 * process: the evasion a 32-bit agent could try. Arguments must lie below
 * 4 GiB, so they are copied to a MAP_32BIT page first.
 *
 *   ia32 open PATH      open(PATH, O_RDONLY) (i386 nr 5); prints ret=N
 *   ia32 execve PATH    execve(PATH, [PATH], NULL) (i386 nr 11)
 *   ia32 connect ADDR PORT   a TCP connect through socketcall (i386 nr
 *                       102), which has no connect syscall of its own to
 *                       trace; prints ret=N
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static long int80(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "memory");
	return ret;
}

/* socketcall(SYS_SOCKET), then socketcall(SYS_CONNECT) to ADDR:PORT,
 * every argument on the low page. */
static long socketcall_connect(char *low, const char *addr, const char *port)
{
	uint32_t *args = (uint32_t *)low;
	struct sockaddr_in *sin = (struct sockaddr_in *)(low + 64);
	long fd;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(atoi(port));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
		return -22;
	args[0] = AF_INET;
	args[1] = SOCK_STREAM;
	args[2] = 0;
	fd = int80(102, 1 /* SYS_SOCKET */, (long)args, 0);
	if (fd < 0)
		return fd;
	args[0] = fd;
	args[1] = (uint32_t)(uintptr_t)sin;
	args[2] = sizeof(*sin);
	return int80(102, 3 /* SYS_CONNECT */, (long)args, 0);
}

int main(int argc, char **argv)
{
	char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	uint32_t *vec = (uint32_t *)(low + 2048);
	long ret;

	if (argc == 4 && low != MAP_FAILED && !strcmp(argv[1], "connect")) {
		ret = socketcall_connect(low, argv[2], argv[3]);
		printf("ret=%ld\n", ret);
		return 0;
	}
	if (argc != 3 || low == MAP_FAILED || strlen(argv[2]) >= 2048) {
		fprintf(stderr, "usage: ia32 open|execve PATH | connect ADDR "
			"PORT\n");
		return 2;
	}
	strcpy(low, argv[2]);
	vec[0] = (uint32_t)(uintptr_t)low;
	vec[1] = 0;
	if (strcmp(argv[1], "open") == 0)
		ret = int80(5, (long)low, 0, 0);
	else
		ret = int80(11, (long)low, (long)vec, 0);
	printf("ret=%ld\n", ret);
	return ret < 0;
}
