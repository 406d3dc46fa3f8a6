// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "clock.h"

int64_t clock__ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint64_t clock__boot_ns(void)
{
	return clock__ns(CLOCK_BOOTTIME);
}

uint64_t clock__mono_ns(void)
{
	return clock__ns(CLOCK_MONOTONIC);
}

int64_t clock__mono_ms(void)
{
	return clock__ns(CLOCK_MONOTONIC) / 1000000;
}
