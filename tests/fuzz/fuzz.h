/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the libFuzzer harnesses share. The loaders' messages go to the
 * stdio stream stderr, pointed at /dev/null (printing thousands a second
 * would slow the fuzzer to a crawl; libFuzzer and the sanitizers write to
 * file descriptor 2 directly, so their reports still show) unless the
 * harness's VERBOSE variable is set, to see them for one input. CHECK
 * aborts naming the harness and the failed condition. A loader that takes
 * a path reads the input from a memfd opened again through
 * /proc/self/fd/N (fuzz__file).
 *
 * Define FUZZ_NAME (the harness's name) before including this.
 */
#ifndef VIGIL_FUZZ_H
#define VIGIL_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static FILE *real_stderr;	/* the stream stderr was */

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(real_stderr, FUZZ_NAME ": %s:%d: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* Silences stderr unless the environment variable verbose is set. */
static inline void fuzz__quiet(const char *verbose)
{
	FILE *null = fopen("/dev/null", "w");

	real_stderr = stderr;
	if (null && !getenv(verbose))
		stderr = null;
}

static int fuzz_fd = -1;
static char fuzz_path[64];

/* The memfd the input goes into, named name; its path. */
static inline const char *fuzz__file(const char *name)
{
	fuzz_fd = memfd_create(name, MFD_CLOEXEC);
	if (fuzz_fd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(fuzz_path, sizeof(fuzz_path), "/proc/self/fd/%d", fuzz_fd);
	return fuzz_path;
}

/* The input becomes the whole content of the memfd. */
static inline void fuzz__put(const void *data, size_t size)
{
	CHECK(ftruncate(fuzz_fd, 0) == 0);
	CHECK(pwrite(fuzz_fd, data, size, 0) == (ssize_t)size);
}

#endif /* VIGIL_FUZZ_H */
