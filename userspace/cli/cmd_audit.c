// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vigil audit verify FILE: is the audit trail the daemon wrote intact? */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "log.h"

static const char audit_usage[] =
"Usage: vigil audit verify FILE\n";

static const char audit_help[] =
"\n"
"Checks the audit trail a daemon wrote with --audit FILE: every record's\n"
"SHA-256 hash, its number and the hash of the record before it, and that\n"
"the file reaches the record FILE.head names. Any edit, removal,\n"
"reordering or truncation makes the first record it touches bad.\n"
"\n"
"OUTPUT\n"
"  \"vigil: FILE: N records, intact\" on standard output, or, on standard\n"
"  error, \"vigil: FILE: record N (line L): WHAT\" for the first bad one.\n"
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

static int audit__report(const char *path, int ret,
			 const struct audit_report *r)
{
	if (ret < 0) {
		log__errno(ret, "%s", path);
		return EXIT_FAILURE;
	}
	if (ret == 0) {
		printf("vigil: %s: %" PRIu64 " records, intact\n", path,
		       r->records);
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
	struct audit_report r;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return audit__usage(true);
	if (argc != 3 || strcmp(argv[1], "verify"))
		return audit__usage(false);
	return audit__report(argv[2], audit__verify(argv[2], &r), &r);
}
