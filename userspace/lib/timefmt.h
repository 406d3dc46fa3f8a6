/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * RFC 3339 UTC timestamps with nanoseconds for record "time" fields,
 * e.g. "2026-11-28T12:00:00.123456789Z".
 *
 * Records arrive thousands per second, so the date part of the last second
 * formatted is cached and gmtime_r runs once per second, not per record.
 * The cache lives in a caller-owned struct timefmt: one per thread, no
 * locking, no hidden global.
 */
#ifndef VIGIL_TIMEFMT_H
#define VIGIL_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>

/* Longest output, NUL included, with room to spare. */
#define TIMEFMT_LEN 40

/* Zero-initialize before first use ({0} or memset); nothing to free. */
struct timefmt {
	bool cached;		/* prefix holds last_sec */
	long long last_sec;
	char prefix[20];	/* "YYYY-MM-DDTHH:MM:SS.", no NUL */
};

/* Writes sec.nsec (seconds since the epoch, UTC) to out, NUL-terminated,
 * always with nine fraction digits, and returns its length (30). Returns
 * 0 with out = "" when nsec is not in [0, 999999999] or the year is
 * outside the 0000-9999 range RFC 3339 can express. */
size_t timefmt__rfc3339(struct timefmt *tf, char out[static TIMEFMT_LEN],
			long long sec, long nsec);

#endif /* VIGIL_TIMEFMT_H */
