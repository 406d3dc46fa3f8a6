// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: one config file. config__load takes a path, so the
 * input goes into a memfd opened again through /proc/self/fd/N. A file
 * that loads must leave settings the collector can use (every value in
 * range, ringbuf_mb a power of two); one that does not must return
 * -EINVAL or an errno. Anything else aborts, and ASan/LSan watch memory.
 *
 * Error messages go to the stdio stream stderr, pointed at /dev/null
 * here: printing thousands a second would slow the fuzzer to a crawl.
 * libFuzzer and the sanitizers write to file descriptor 2 directly, so
 * their reports still show.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];
static FILE *real_stderr;	/* the stream stderr was */

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(real_stderr, "fuzz_config: %s:%d: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *null = fopen("/dev/null", "w");

	real_stderr = stderr;
	/* FUZZ_CONFIG_VERBOSE=1 keeps the messages, to see them for one
	 * input. */
	if (null && !getenv("FUZZ_CONFIG_VERBOSE"))
		stderr = null;
	fd = memfd_create("fuzz_config.yaml", MFD_CLOEXEC);
	if (fd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

static int is_power_of_two(unsigned int v)
{
	return v && !(v & (v - 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	int rc;

	CHECK(ftruncate(fd, 0) == 0);
	CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);

	config__defaults(&c);
	rc = config__load(&c, path);
	if (rc == 0) {
		CHECK(c.output != NULL);
		CHECK(c.nr_roots >= 0 && c.nr_roots <= VIGIL_MAX_ROOTS);
		for (int i = 0; i < c.nr_roots; i++)
			CHECK(c.roots[i] != NULL);
		CHECK(c.flow_interval_ms >= 10 &&
		      c.flow_interval_ms <= 3600000);
		CHECK(c.ringbuf_mb >= 1 && c.ringbuf_mb <= 1024);
		CHECK(is_power_of_two(c.ringbuf_mb));
	} else {
		CHECK(rc < 0);
	}
	config__free(&c);
	return 0;
}
