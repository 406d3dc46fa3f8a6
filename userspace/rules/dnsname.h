/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the rules read in a DNS query's name for tunnelling (dns.labels,
 * dns.label_max, dns.entropy, dns.parent): data smuggled out through a
 * resolver rides in long, random-looking labels, or in many names under
 * one parent the tunnel's owner serves.
 */
#ifndef VIGIL_DNSNAME_H
#define VIGIL_DNSNAME_H

#include <stddef.h>
#include <stdint.h>

struct dnsname_stats {
	size_t labels;
	size_t label_max;	/* bytes of the longest label */
	/* Shannon entropy of the longest label's bytes, in hundredths of
	 * a bit per byte: 0 for "aaaa", about 350 for English words,
	 * toward 500 for base32 and 600 for base64 of random data. */
	int64_t entropy;
};

/* The stats of a dotted name of len bytes. */
void dnsname__stats(const char *name, size_t len, struct dnsname_stats *s);
/* The parent a tunnel's names share: the last two labels (the last
 * three when the second to last is 2 or 3 bytes, as in "co.uk"); the
 * whole name when it has no more. Returns where it starts in name. */
size_t dnsname__parent(const char *name, size_t len);

#endif /* VIGIL_DNSNAME_H */
