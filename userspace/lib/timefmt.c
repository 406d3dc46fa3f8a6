// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "timefmt.h"

#include <string.h>
#include <time.h>

#define PREFIX_LEN (sizeof("YYYY-MM-DDTHH:MM:SS.") - 1)
#define FRAC_DIGITS 9

_Static_assert(sizeof(((struct timefmt *)0)->prefix) == PREFIX_LEN,
	       "struct timefmt holds exactly one prefix");

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: RFC 3339 years have
 * exactly four digits. */
#define SEC_MIN (-62167219200LL)
#define SEC_MAX 253402300799LL

/* Writes v as exactly width digits, zero-padded; v < 10^width. */
static void put_digits(char *p, unsigned long v, size_t width)
{
	while (width--) {
		p[width] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* Fills tf->prefix for sec; sec is in [SEC_MIN, SEC_MAX], which gmtime_r
 * always handles on a 64-bit time_t. */
static void prefix_fill(struct timefmt *tf, long long sec)
{
	time_t t = (time_t)sec;
	struct tm tm;
	char *p = tf->prefix;

	gmtime_r(&t, &tm);
	put_digits(p, (unsigned long)tm.tm_year + 1900, 4);
	p[4] = '-';
	put_digits(p + 5, (unsigned long)tm.tm_mon + 1, 2);
	p[7] = '-';
	put_digits(p + 8, (unsigned long)tm.tm_mday, 2);
	p[10] = 'T';
	put_digits(p + 11, (unsigned long)tm.tm_hour, 2);
	p[13] = ':';
	put_digits(p + 14, (unsigned long)tm.tm_min, 2);
	p[16] = ':';
	put_digits(p + 17, (unsigned long)tm.tm_sec, 2);
	p[19] = '.';
	tf->last_sec = sec;
	tf->cached = true;
}

size_t timefmt__rfc3339(struct timefmt *tf, char out[static TIMEFMT_LEN],
			long long sec, long nsec)
{
	if (nsec < 0 || nsec > 999999999 || sec < SEC_MIN || sec > SEC_MAX) {
		out[0] = '\0';
		return 0;
	}
	if (!tf->cached || tf->last_sec != sec)
		prefix_fill(tf, sec);
	memcpy(out, tf->prefix, PREFIX_LEN);
	put_digits(out + PREFIX_LEN, (unsigned long)nsec, FRAC_DIGITS);
	out[PREFIX_LEN + FRAC_DIGITS] = 'Z';
	out[PREFIX_LEN + FRAC_DIGITS + 1] = '\0';
	return PREFIX_LEN + FRAC_DIGITS + 1;
}
