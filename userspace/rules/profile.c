// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "strv.h"

/* The ":PORT" or ":LO-HI" after an address; "*" or nothing for any. */
static int dest__ports(const char *text, struct dest *d)
{
	char *end;
	unsigned long lo, hi;

	d->port_lo = 0;
	d->port_hi = 65535;
	if (!*text || !strcmp(text, "*"))
		return 0;
	lo = strtoul(text, &end, 10);
	hi = lo;
	if (end == text)
		return -EINVAL;
	if (*end == '-') {
		const char *h = end + 1;

		hi = strtoul(h, &end, 10);
		if (end == h)
			return -EINVAL;
	}
	if (*end || lo > hi || hi > 65535)
		return -EINVAL;
	d->port_lo = lo;
	d->port_hi = hi;
	return 0;
}

int dest__parse(const char *text, struct dest *d)
{
	const char *colon = strchr(text, ':'), *close;
	size_t len = strlen(text);

	if (text[0] == '[') {
		close = strchr(text, ']');
		if (!close || (close[1] && close[1] != ':'))
			return -EINVAL;
		return cidr__parse(text + 1, close - text - 1, &d->net,
				   &d->prefix) ?:
		       dest__ports(close[1] ? close + 2 : "", d);
	}
	/* One colon: IPv4 with a port. More: IPv6 without one. */
	if (colon && !strchr(colon + 1, ':'))
		return cidr__parse(text, colon - text, &d->net, &d->prefix) ?:
		       dest__ports(colon + 1, d);
	return cidr__parse(text, len, &d->net, &d->prefix) ?:
	       dest__ports("", d);
}

/* A name's text: labels of letters, digits, '-' and '_', 1 to 63 bytes
 * each, the last not all digits (that would be an address). */
static bool name__valid(const char *s, size_t len)
{
	size_t label = 0;
	bool digits = true;

	/* Its wire form, a length byte before each label, must fit. */
	if (!len || len >= VIGIL_DNS_NAME_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? s[i] : '.';

		if (c == '.') {
			if (!label || label > 63)
				return false;
			if (i < len)
				digits = true;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '-' && c != '_')
			return false;
		digits = digits && isdigit((unsigned char)c);
		label++;
	}
	return !digits;
}

int name_dest__parse(const char *text, struct name_dest *n)
{
	const char *colon = strchr(text, ':');
	size_t len = colon ? (size_t)(colon - text) : strlen(text);
	struct dest ports;

	memset(n, 0, sizeof(*n));
	if (!strncmp(text, "*.", 2)) {
		n->wildcard = true;
		text += 2;
		len -= 2;
	}
	if (!name__valid(text, len) ||
	    (colon && dest__ports(colon + 1, &ports)) ||
	    (colon && ports.port_lo != ports.port_hi &&
	     !(ports.port_lo == 0 && ports.port_hi == 65535)))
		return -EINVAL;
	n->port = colon && ports.port_lo == ports.port_hi ? ports.port_lo : 0;
	n->name = strndup(text, len);
	if (!n->name)
		return -ENOMEM;
	for (char *c = n->name; *c; c++)
		*c = tolower((unsigned char)*c);
	return 0;
}

bool name_dest__covers(const struct name_dest *o, const struct name_dest *n)
{
	size_t ol = strlen(o->name), nl = strlen(n->name);

	if (ol == nl)
		return o->wildcard == n->wildcard && !strcmp(o->name, n->name);
	return o->wildcard && nl > ol && n->name[nl - ol - 1] == '.' &&
	       !strcmp(n->name + nl - ol, o->name);
}

const struct dest *profile__dest_entry(const struct profile *p,
				       const struct addr *a, int port)
{
	const struct dest *best = NULL;

	for (size_t i = 0; i < p->nr_dests; i++) {
		const struct dest *d = &p->dests[i];

		if ((port < 0 || (port >= d->port_lo && port <= d->port_hi)) &&
		    cidr__match(&d->net, d->prefix, a) &&
		    (!best || d->prefix > best->prefix))
			best = d;
	}
	return best;
}

bool profile__allows_dest(const struct profile *p, const struct addr *a,
			  uint16_t port)
{
	return profile__dest_entry(p, a, port) != NULL;
}

const struct name_dest *profile__name_entry(const struct profile *p,
					    const struct name_dest *n,
					    int port)
{
	const struct name_dest *best = NULL;

	for (size_t i = 0; i < p->nr_names; i++) {
		const struct name_dest *o = &p->names[i];

		if (!name_dest__covers(o, n) ||
		    (port >= 0 && o->port && o->port != port))
			continue;
		/* Longer is more specific; the name beats "*." of itself
		 * (which does not cover it: a wildcard is strictly below). */
		if (!best || strlen(o->name) > strlen(best->name))
			best = o;
	}
	return best;
}

bool profile__allows_exe(const struct profile *p, const char *exe,
			 size_t len)
{
	char path[PATH_MAX];

	if (!p->nr_exes)
		return true;
	if (len >= sizeof(path))
		return false;
	memcpy(path, exe, len);
	path[len] = '\0';
	for (size_t i = 0; i < p->nr_exes; i++)
		if (fnmatch(p->exes[i], path, 0) == 0)
			return true;
	return false;
}

void profile__defaults(struct profile *p)
{
	p->threshold[LEVEL_ALERT] = 20;
	p->threshold[LEVEL_FREEZE] = 60;
	p->threshold[LEVEL_KILL] = 100;
	p->half_life_ns = 600ull * 1000000000;
	p->freeze_timeout_ns = 0;
	p->approval_timeout_ns = PROFILE_APPROVAL_TIMEOUT_NS;
	p->approval_default_allow = false;
	p->egress_budget = 0;
	p->egress = VIGIL_EGRESS_DENY;
	p->fail_closed_ns = 0;
	p->baseline = NULL;
	p->baseline_learn = false;
	for (int i = 0; i < ANOMALY_KINDS; i++)
		p->anomaly_score[i] = 5;
	p->anomaly_score[ANOMALY_EXEC] = 10;
	p->anomaly_score[ANOMALY_CONNECT] = 10;
	p->anomaly_score[ANOMALY_LISTEN] = 10;
	p->anomaly_score[ANOMALY_CRED] = 10;
}

void profile__free(struct profile *p)
{
	if (!p)
		return;
	strv__free(p->exes, p->nr_exes);
	for (size_t i = 0; i < p->nr_names; i++) {
		free(p->names[i].name);
		free(p->names[i].text);
	}
	free(p->names);
	for (size_t i = 0; i < p->nr_dests; i++)
		free(p->dests[i].text);
	free(p->dests);
	free(p->tune);
	free(p->baseline);
	free(p->name);
	free(p);
}
