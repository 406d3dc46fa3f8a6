// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: one config file. config__load takes a path, so the
 * input goes into a memfd opened again through /proc/self/fd/N. A file
 * that loads must leave settings the collector can use (every value in
 * range, ringbuf_mb a power of two); one that does not must return
 * -EINVAL or an errno. Anything else aborts, and ASan/LSan watch memory.
 * Error messages are silenced (fuzz.h).
 */
#include <errno.h>
#include <string.h>

#include "config.h"

#define FUZZ_NAME "fuzz_config"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz__quiet("FUZZ_CONFIG_VERBOSE");
	fuzz__file("fuzz_config.yaml");
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

	fuzz__put(data, size);
	config__defaults(&c);
	rc = config__load(&c, fuzz_path);
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
