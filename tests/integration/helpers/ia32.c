/*
 * Syscalls through the ia32 entry point (int $0x80) from this 64-bit
 * process: the evasion a 32-bit agent could try. Arguments must lie below
 * 4 GiB, so they are copied to a MAP_32BIT page first.
 *
 *   ia32 open PATH      open(PATH, O_RDONLY) (i386 nr 5); prints ret=N
 *   ia32 execve PATH    execve(PATH, [PATH], NULL) (i386 nr 11)
 */
#include <stdint.h>
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

int main(int argc, char **argv)
{
	char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	uint32_t *vec = (uint32_t *)(low + 2048);
	long ret;

	if (argc != 3 || low == MAP_FAILED || strlen(argv[2]) >= 2048) {
		fprintf(stderr, "usage: ia32 open|execve PATH\n");
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
