/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A dns record as the collector holds it (struct ev_dns, part of struct
 * event), and its response side (bpf/dns.bpf.c): the RCODE by name and
 * the answer addresses as the text the rules and the JSON output use,
 * one list (struct ev_dns.answers) for decoding, rendering and
 * replaying.
 */
#ifndef VIGIL_DNSREC_H
#define VIGIL_DNSREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "records.h"

/* A DNS message (struct vigil_dns): a query or, with response, an
 * answer; its question's name dotted, as sent. */
#define DNS_ANSWER_TEXT 46	/* INET6_ADDRSTRLEN */
struct ev_dns {
	char qname[VIGIL_DNS_NAME_MAX];	/* NUL-terminated */
	size_t qname_len;
	uint16_t qtype;
	uint8_t verdict;	/* enum vigil_verdict */
	bool truncated;		/* the kernel kept only the name's start */
	uint16_t family, port;	/* the resolver */
	uint8_t addr[16];
	uint8_t proto;		/* IPPROTO_UDP or IPPROTO_TCP */
	bool response;
	/* A response's (dnsrec.h): */
	uint8_t rcode;
	bool granted;		/* its addresses were granted */
	bool cut;		/* it had more records than the kernel kept */
	uint8_t cnames;
	uint32_t ttl;		/* the lowest of its addresses' */
	char answers[VIGIL_DNS_ADDRS * DNS_ANSWER_TEXT];  /* NUL-separated */
	size_t answers_len;
};


/* An RCODE as text: "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
 * "NOTIMP", "REFUSED", else "RCODEn", into buf; and back, -1 for
 * neither. */
#define DNS_RCODE_TEXT 12
const char *dns__rcode_text(uint8_t rcode, char buf[DNS_RCODE_TEXT]);
int dns__rcode_parse(const char *text);

/* The response fields of r into e (nothing for a query); -EINVAL for a
 * record that claims more addresses than it holds or a family it
 * cannot. */
int dns__reply_decode(const struct vigil_dns *r, struct ev_dns *e);

/* Appends an address's text to e's answers; false when full. */
bool dns__answers_add(struct ev_dns *e, const char *text);

/* The next answer of e after *at (start with *at = 0); NULL at the
 * end. */
const char *dns__answers_next(const struct ev_dns *e, size_t *at);

#endif /* VIGIL_DNSREC_H */
