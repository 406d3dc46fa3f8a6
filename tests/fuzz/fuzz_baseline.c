// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: one baseline file (docs/baseline.md). baseline__load
 * takes a path, so the input goes into a memfd opened again through
 * /proc/self/fd/N. A file that loads must write back to a text that
 * loads again and writes back the same (the file is its own normal
 * form); one that does not must say why on stderr (silenced here) and
 * return NULL. Anything else aborts, and ASan/LSan watch memory.
 */
#include <string.h>

#include "baseline.h"

#define FUZZ_NAME "fuzz_baseline"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz__quiet("FUZZ_BASELINE_VERBOSE");
	fuzz__file("fuzz_baseline");
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
	fuzz__put(data, size);
	return baseline__load(fuzz_path);
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
