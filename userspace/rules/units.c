// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

struct unit {
	const char *suffix;
	double scale;
};

static const struct unit sizes[] = {
	{ "", 1 }, { "k", 1e3 }, { "K", 1e3 }, { "KB", 1e3 },
	{ "KiB", 1024.0 }, { "M", 1e6 }, { "MB", 1e6 },
	{ "MiB", 1048576.0 }, { "G", 1e9 }, { "GB", 1e9 },
	{ "GiB", 1073741824.0 }, { "T", 1e12 }, { "TB", 1e12 },
	{ "TiB", 1099511627776.0 }, { NULL, 0 },
};

static const struct unit durations[] = {
	{ "", 1e9 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 },
	{ "h", 3600e9 }, { "d", 86400e9 }, { NULL, 0 },
};

/* Parses "NUMBER[SUFFIX]" into a scaled double; only whole results for
 * integers are meaningful, which the callers check. */
static int units__parse(const char *text, size_t len, const struct unit *u,
			double *out)
{
	char buf[64], *end;
	double v;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, len);
	buf[len] = '\0';
	/* strtod would take "inf", "nan" and hex: digits only. */
	if (strspn(buf, "-0123456789.") == 0 || strpbrk(buf, "xXpP"))
		return -EINVAL;
	v = strtod(buf, &end);
	if (end == buf)
		return -EINVAL;
	for (; u->suffix; u++) {
		if (strcmp(end, u->suffix) == 0) {
			*out = v * u->scale;
			return isfinite(*out) ? 0 : -EINVAL;
		}
	}
	return -EINVAL;
}

/* A plain integer, read exactly: a double holds 53 bits, and inode
 * numbers or byte counts may need all 63. */
static bool units__integer(const char *text, size_t len, int64_t *out)
{
	size_t sign = len && text[0] == '-';
	char buf[32];
	long long v;

	if (len <= sign || len >= sizeof(buf))
		return false;
	for (size_t i = sign; i < len; i++)
		if (text[i] < '0' || text[i] > '9')
			return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoll(buf, NULL, 10);
	if (errno)
		return false;
	*out = v;
	return true;
}

int units__number(const char *text, size_t len, int64_t *out)
{
	double v;

	if (units__integer(text, len, out))
		return 0;
	if (units__parse(text, len, sizes, &v) || v != floor(v) ||
	    v >= 9.2e18 || v <= -9.2e18)
		return -EINVAL;
	*out = (int64_t)v;
	return 0;
}

int units__duration_ns(const char *text, size_t len, uint64_t *out)
{
	double v;

	if (units__parse(text, len, durations, &v) || v < 0 || v >= 1.8e19)
		return -EINVAL;
	*out = (uint64_t)v;
	return 0;
}
