// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vigil audit verify FILE...: is the audit trail the daemon wrote intact? */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "log.h"

static const char audit_usage[] =
"Usage: vigil audit verify [--continued] FILE...\n";

static const char audit_help[] =
"\n"
"Checks the audit trail a daemon wrote with --audit FILE: every record's\n"
"SHA-256 hash, its number and the hash of the record before it, and that\n"
"the trail reaches the record FILE.head names. Any edit, removal,\n"
"reordering or truncation makes the first record it touches bad.\n"
"\n"
"A rotated trail is checked as one chain: give its files oldest first,\n"
"the one being written (whose FILE.head is read) last, e.g.\n"
"  $ vigil audit verify audit.log.2 audit.log.1 audit.log\n"
"each file's first record must follow the last of the file before it.\n"
"\n"
"OPTIONS\n"
"  --continued  The first FILE may start after record 1 (the files\n"
"               before it were deleted): its first record's link to them\n"
"               is taken on trust, everything from it on is checked.\n"
"\n"
"OUTPUT\n"
"  \"vigil: FILE...: N records, intact\" on standard output (\"records\n"
"  A-B\" with --continued), or, on standard error, \"vigil: FILE: record\n"
"  N (line L): WHAT\" for the first bad one, FILE the file it is in.\n"
"\n"
"EXIT STATUS\n"
"  0 intact; 1 a bad record, a missing head, or an unreadable file; 2 bad\n"
"  usage.\n";

static int audit__usage(bool full)
{
	fputs(audit_usage, full ? stdout : stderr);
	if (full)
		fputs(audit_help, stdout);
	return full ? 0 : EXIT_USAGE;
}

static void audit__intact(const char *const *paths, int n, bool continued,
			  const struct audit_report *r)
{
	fputs("vigil:", stdout);
	for (int i = 0; i < n; i++)
		printf(" %s", paths[i]);
	if (continued && r->records)
		printf(": records %" PRIu64 "-%" PRIu64 ", intact\n", r->first,
		       r->first + r->records - 1);
	else
		printf(": %" PRIu64 " records, intact\n", r->records);
}

static int audit__report(const char *const *paths, int n, bool continued,
			 int ret, const struct audit_report *r)
{
	const char *path = paths[r->file];

	if (ret < 0) {
		log__errno(ret, "%s", path);
		return EXIT_FAILURE;
	}
	if (ret == 0) {
		audit__intact(paths, n, continued, r);
		return 0;
	}
	if (r->bad)
		log_error("%s: record %" PRIu64 " (line %" PRIu64 "): %s",
			  path, r->bad, r->line ? r->line : r->bad, r->why);
	else
		log_error("%s: %s", path, r->why);
	return EXIT_FAILURE;
}

int cli__audit(int argc, char **argv)
{
	const char *const *paths = (const char *const *)argv + 2;
	struct audit_report r;
	bool continued;
	int n;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return audit__usage(true);
	if (argc < 3 || strcmp(argv[1], "verify"))
		return audit__usage(false);
	continued = !strcmp(paths[0], "--continued");
	paths += continued;
	n = argc - 2 - continued;
	if (n < 1)
		return audit__usage(false);
	return audit__report(paths, n, continued,
			     audit__verify(paths, n, continued, &r), &r);
}
