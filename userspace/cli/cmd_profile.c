// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vigil profile check [--rules FILE|DIR]... PROFILE DEST
 *
 * What a sandbox of a profile may do for one destination and why: the
 * allow.destinations entry that allows it (or none), the egress mode
 * that decides the rest, and the budget that applies. Answers from the
 * rule files alone, as the kernel will judge once they are loaded.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "ruleset.h"

static const char profile_help[] =
"Usage: vigil profile check [--rules FILE|DIR]... PROFILE DEST\n"
"\n"
"check   Explains what a sandbox of PROFILE may do for DEST: an address\n"
"        (10.1.2.3, 10.1.2.3:443, ::1, [::1]:443) or a DNS name\n"
"        (pypi.org, pypi.org:443), a port being optional (without one:\n"
"        on any port). Prints, one \"key: value\" a line, the profile\n"
"        and where it is defined, its egress mode, the destination, the\n"
"        allow.destinations entry that allows it (\"none\"), for a name\n"
"        the resolvers the profile lists (only their answers teach the\n"
"        kernel the name's addresses), the verdict, and the budget that\n"
"        applies.\n"
"        --rules FILE|DIR   rules to use (repeatable; \"builtin\" is the\n"
"                           shipped set, the default).\n"
"\n"
"EXIT STATUS\n"
"  0 the profile allows DEST; 1 it does not (the kernel refuses it under\n"
"  egress: deny, records it and counts it against the egress budget\n"
"  under egress: monitor); 2 bad usage, an unknown profile, rules that\n"
"  do not load.\n";

/* An address entry as allow.destinations spells it. */
static void entry__print(const struct dest *d)
{
	char net[INET6_ADDRSTRLEN];
	bool v6 = d->net.family == AF_INET6;

	inet_ntop(d->net.family, d->net.a, net, sizeof(net));
	printf("entry: %s%s/%u%s", v6 ? "[" : "", net, d->prefix,
	       v6 ? "]" : "");
	if (d->port_lo == 0 && d->port_hi == 65535)
		printf(" (any port)\n");
	else if (d->port_lo == d->port_hi)
		printf(":%u\n", d->port_lo);
	else
		printf(":%u-%u\n", d->port_lo, d->port_hi);
}

static void name_entry__print(const struct name_dest *n)
{
	printf("entry: %s%s", n->wildcard ? "*." : "", n->name);
	if (n->port)
		printf(":%u\n", n->port);
	else
		printf(" (any port)\n");
}

/* The resolvers whose answers teach the kernel a name's addresses: the
 * entries that allow port 53. */
static void resolvers__print(const struct profile *p)
{
	size_t n = 0;

	printf("resolvers:");
	for (size_t i = 0; i < p->nr_dests; i++) {
		const struct dest *d = &p->dests[i];
		char net[INET6_ADDRSTRLEN];

		if (d->port_lo > 53 || d->port_hi < 53)
			continue;
		inet_ntop(d->net.family, d->net.a, net, sizeof(net));
		printf("%s %s/%u", n++ ? "," : "", net, d->prefix);
	}
	printf("%s\n", n ? "" : " none (no answer teaches the kernel its "
	       "addresses: refused)");
}

/* An allowed destination spends its entry's own budget, if any. */
static void entry_budget__print(uint64_t bytes, const char *text)
{
	if (bytes)
		printf("budget: %llu bytes per sandbox, the entry's own (%s); "
		       "the kernel drops the rest\n",
		       (unsigned long long)bytes, text);
	else
		printf("budget: none (the entry has no budget of its own)\n");
}

static void verdict__print(const struct profile *p, bool allowed)
{
	bool deny = p->egress == VIGIL_EGRESS_DENY;

	if (allowed)
		printf("verdict: allowed\n");
	else if (deny)
		printf("verdict: refused (EPERM, nothing sent; a connect "
		       "record with verdict deny)\n"
		       "budget: none (nothing is sent)\n");
	else
		printf("verdict: monitored (let through; a connect record "
		       "with verdict monitor)\n");
	if (!allowed && !deny && p->egress_budget)
		printf("budget: egress_budget %llu bytes, shared with every "
		       "destination not allowed; the kernel drops the rest\n",
		       (unsigned long long)p->egress_budget);
	else if (!allowed && !deny)
		printf("budget: none (egress_budget 0: nothing stops it)\n");
}

/* "HOST" or "HOST:PORT" (an IPv6 address bracketed for a port): an
 * address, or a name. Port -1 when none. 0 or -1 (logged). */
static int check__parse(const char *text, struct dest *d,
			struct name_dest *n, int *port)
{
	if (dest__parse(text, d) == 0) {
		bool full = d->prefix == (d->net.family == AF_INET ? 32 : 128);

		if (!full || (d->port_lo != d->port_hi &&
			      !(d->port_lo == 0 && d->port_hi == 65535)))
			goto bad;
		*port = d->port_lo == d->port_hi ? d->port_lo : -1;
		return 0;
	}
	if (strncmp(text, "*.", 2) && name_dest__parse(text, n) == 0) {
		*port = strchr(text, ':') && n->port ? n->port : -1;
		return 0;
	}
bad:
	log_error("%s: not an address or a DNS name, with one port or none",
		  text);
	return -1;
}

static int profile__check(const struct ruleset *rs, const char *name,
			  const char *text)
{
	const struct profile *p = ruleset__profile(rs, name, strlen(name));
	struct name_dest n = { 0 };
	struct dest d;
	bool allowed;
	int port;

	if (!p && !strcmp(name, PROFILE_DEFAULT))
		p = rs->fallback;
	if (!p) {
		log_error("no profile \"%s\" in the rules", name);
		return EXIT_USAGE;
	}
	if (check__parse(text, &d, &n, &port))
		return EXIT_USAGE;
	printf("profile: %s (%s:%d)\n", p->name, p->file ?: "built-in",
	       p->file ? p->line : 0);
	printf("egress: %s\n",
	       p->egress == VIGIL_EGRESS_DENY ? "deny" : "monitor");
	printf("destination: %s (%s, %s)\n", text, n.name ? "a name" :
	       "an address", port < 0 ? "any port" : "one port");
	if (n.name) {
		const struct name_dest *e = profile__name_entry(p, &n, port);

		if (e)
			name_entry__print(e);
		else
			printf("entry: none\n");
		resolvers__print(p);
		allowed = e != NULL;
		verdict__print(p, allowed);
		if (e)
			entry_budget__print(e->budget, e->text);
	} else {
		const struct dest *e = profile__dest_entry(p, &d.net, port);

		if (e)
			entry__print(e);
		else
			printf("entry: none\n");
		allowed = e != NULL;
		verdict__print(p, allowed);
		if (e)
			entry_budget__print(e->budget, e->text);
	}
	free(n.name);
	return allowed ? 0 : EXIT_FAILURE;
}

static int profile__check_cmd(int argc, char **argv)
{
	struct config cfg;
	struct ruleset rs = { 0 };
	int status = EXIT_USAGE;

	switch (cli__rules_options(argc, argv, &cfg, profile_help, false)) {
	case 1:
		status = 0;
		goto out;
	case -1:
		goto usage;
	}
	if (optind != argc - 2)
		goto usage;
	if (cli__rules(&cfg, &rs) == 0)
		status = profile__check(&rs, argv[optind], argv[optind + 1]);
	goto out;
usage:
	fputs("Usage: vigil profile check [--rules FILE|DIR]... PROFILE "
	      "DEST\n", stderr);
out:
	ruleset__fini(&rs);
	config__free(&cfg);
	return status;
}

int cli__profile_cmd(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return profile__check_cmd(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(profile_help, stdout);
		return 0;
	}
	fputs(profile_help, stderr);
	return EXIT_USAGE;
}
