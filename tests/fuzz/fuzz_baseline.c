// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: one baseline file (docs/baseline.md). baseline__load
 * takes a path, so the input goes into a memfd opened again through
 * /proc/self/fd/N. A file that loads must write back to a text that
 * loads again and writes back the same (the file is its own normal
 * form); one that does not must say why on stderr (silenced here) and
 * return NULL. Anything else aborts, and ASan/LSan watch memory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "baseline.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];
static FILE *real_stderr;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(real_stderr, "fuzz_baseline: %s:%d: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *null = fopen("/dev/null", "w");

	real_stderr = stderr;
	if (null && !getenv("FUZZ_BASELINE_VERBOSE"))
		stderr = null;
	fd = memfd_create("fuzz_baseline", MFD_CLOEXEC);
	if (fd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

/* bl written out; the text is malloc'd. */
static char *text__of(const struct baseline *bl, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	CHECK(f != NULL);
	CHECK(baseline__write(bl, f) == 0);
	fclose(f);
	return text;
}

static struct baseline *load(const void *data, size_t size)
{
	CHECK(ftruncate(fd, 0) == 0);
	CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
	return baseline__load(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct baseline *bl = load(data, size), *again;
	char *text, *text2;
	size_t len, len2;

	if (!bl)
		return 0;
	text = text__of(bl, &len);
	again = load(text, len);
	CHECK(again != NULL);
	text2 = text__of(again, &len2);
	CHECK(len == len2 && !memcmp(text, text2, len));
	free(text);
	free(text2);
	baseline__free(bl);
	baseline__free(again);
	return 0;
}
