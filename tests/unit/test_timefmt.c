// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* RFC 3339 timestamps. Epoch values come from Python's calendar.timegm;
 * each case formats through one shared cache, in order, so a stale cached
 * prefix shows up as a wrong date. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "timefmt.h"

struct time_case {
	long long sec;
	long nsec;
	const char *want;
};

static void run_cases(struct timefmt *tf, const struct time_case *c,
		      size_t n)
{
	char out[TIMEFMT_LEN];
	size_t i;

	for (i = 0; i < n; i++) {
		memset(out, 'x', sizeof(out));
		if (timefmt__rfc3339(tf, out, c[i].sec, c[i].nsec) !=
		    strlen(c[i].want) || strcmp(out, c[i].want) != 0)
			fail_msg("%lld.%ld: got %s, want %s", c[i].sec,
				 c[i].nsec, out, c[i].want);
	}
}

#define RUN(tf, cases) run_cases(tf, cases, sizeof(cases) / sizeof(cases[0]))

/* A zeroed cache must not pass off its zeroed last_sec as epoch 0. */
static void test_epoch_first(void **state)
{
	static const struct time_case cases[] = {
		{ 0, 0, "1970-01-01T00:00:00.000000000Z" },
		{ 0, 1, "1970-01-01T00:00:00.000000001Z" },
		{ -1, 999999999, "1969-12-31T23:59:59.999999999Z" },
	};
	struct timefmt tf = { 0 };

	RUN(&tf, cases);
}

static void test_boundaries(void **state)
{
	static const struct time_case cases[] = {
		{ 1795867200, 123456789, "2026-11-28T12:00:00.123456789Z" },
		{ 1795867200, 999999999, "2026-11-28T12:00:00.999999999Z" },
		/* second */
		{ 1795867201, 0, "2026-11-28T12:00:01.000000000Z" },
		{ 1795867201, 5000, "2026-11-28T12:00:01.000005000Z" },
		/* day */
		{ 1773532799, 999999999, "2026-03-14T23:59:59.999999999Z" },
		{ 1773532800, 0, "2026-03-15T00:00:00.000000000Z" },
		/* year */
		{ 1798761599, 999999999, "2026-12-31T23:59:59.999999999Z" },
		{ 1798761600, 0, "2027-01-01T00:00:00.000000000Z" },
		{ 946684799, 500000000, "1999-12-31T23:59:59.500000000Z" },
		{ 946684800, 0, "2000-01-01T00:00:00.000000000Z" },
		/* leap day 2028 */
		{ 1835395199, 0, "2028-02-28T23:59:59.000000000Z" },
		{ 1835395200, 0, "2028-02-29T00:00:00.000000000Z" },
		{ 1835440496, 1, "2028-02-29T12:34:56.000000001Z" },
		{ 1835481599, 999999999, "2028-02-29T23:59:59.999999999Z" },
		{ 1835481600, 0, "2028-03-01T00:00:00.000000000Z" },
	};
	struct timefmt tf = { 0 };

	RUN(&tf, cases);
}

/* Back and forth between seconds, including back to one cached earlier. */
static void test_cache_not_stale(void **state)
{
	static const struct time_case cases[] = {
		{ 1795867200, 1, "2026-11-28T12:00:00.000000001Z" },
		{ 1795867200, 2, "2026-11-28T12:00:00.000000002Z" },
		{ 1795867199, 3, "2026-11-28T11:59:59.000000003Z" },
		{ 1795867200, 4, "2026-11-28T12:00:00.000000004Z" },
		{ 0, 5, "1970-01-01T00:00:00.000000005Z" },
		{ 1795867200 + 86400, 6, "2026-11-29T12:00:00.000000006Z" },
		{ 1795867200, 7, "2026-11-28T12:00:00.000000007Z" },
	};
	struct timefmt tf = { 0 };

	RUN(&tf, cases);
}

/* RFC 3339 years run 0000-9999; outside, and for bad nsec, nothing. */
static void test_range(void **state)
{
	static const struct time_case cases[] = {
		{ -62167219200LL, 0, "0000-01-01T00:00:00.000000000Z" },
		{ 253402300799LL, 999999999, "9999-12-31T23:59:59.999999999Z" },
		{ -62167219201LL, 0, "" },
		{ 253402300800LL, 0, "" },
		{ LLONG_MAX, 0, "" },
		{ LLONG_MIN, 0, "" },
		{ 0, -1, "" },
		{ 0, 1000000000, "" },
		/* a refused call leaves the cache usable */
		{ 0, 0, "1970-01-01T00:00:00.000000000Z" },
	};
	struct timefmt tf = { 0 };

	RUN(&tf, cases);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoch_first),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_cache_not_stale),
		cmocka_unit_test(test_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
