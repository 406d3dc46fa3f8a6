// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsrec.h"

/* RFC 1035's and RFC 2136's codes a stub resolver sees. */
static const char *const rcodes[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
};
#define RCODES (sizeof(rcodes) / sizeof(rcodes[0]))

const char *dns__rcode_text(uint8_t rcode, char buf[DNS_RCODE_TEXT])
{
	if (rcode < RCODES)
		return rcodes[rcode];
	snprintf(buf, DNS_RCODE_TEXT, "RCODE%u", rcode);
	return buf;
}

int dns__rcode_parse(const char *text)
{
	char *end;
	unsigned long n;

	for (size_t i = 0; i < RCODES; i++)
		if (!strcmp(rcodes[i], text))
			return i;
	if (strncmp(text, "RCODE", 5))
		return -1;
	n = strtoul(text + 5, &end, 10);
	return end != text + 5 && !*end && n <= 15 ? (int)n : -1;
}

bool dns__answers_add(struct ev_dns *e, const char *text)
{
	size_t len = strnlen(text, DNS_ANSWER_TEXT);

	if (len == DNS_ANSWER_TEXT ||
	    e->answers_len + len + 1 > sizeof(e->answers))
		return false;
	memcpy(e->answers + e->answers_len, text, len + 1);
	e->answers_len += len + 1;
	return true;
}

const char *dns__answers_next(const struct ev_dns *e, size_t *at)
{
	const char *s = e->answers + *at;

	if (*at >= e->answers_len)
		return NULL;
	*at += strlen(s) + 1;
	return s;
}

int dns__reply_decode(const struct vigil_dns *r, struct ev_dns *e)
{
	char text[DNS_ANSWER_TEXT];

	e->response = r->reply & VIGIL_DNS_ANSWER;
	if (!e->response)
		return 0;
	e->rcode = r->rcode;
	e->granted = r->reply & VIGIL_DNS_GRANTED;
	e->cut = r->reply & VIGIL_DNS_CUT;
	e->cnames = r->cnames;
	e->ttl = r->ttl;
	if (r->naddrs > VIGIL_DNS_ADDRS)
		return -EINVAL;
	for (int i = 0; i < r->naddrs; i++) {
		int family = r->addr_family[i];

		if ((family != AF_INET && family != AF_INET6) ||
		    !inet_ntop(family, r->addrs[i], text, sizeof(text)))
			return -EINVAL;
		dns__answers_add(e, text);
	}
	return 0;
}
