// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vigil status, thaw, kill, freeze, approvals, approve and deny: one
 * request to a running daemon's control socket, and its reply. The reply is data and goes to standard
 * output; what went wrong goes to standard error.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "cli.h"
#include "control.h"
#include "json.h"
#include "log.h"
#include "text.h"
#include "units.h"

#define CTL_TIMEOUT_MS 5000

enum { OPT_CTL_SOCKET = 512, OPT_JSON, OPT_REASON, OPT_TTL, OPT_SCOPE };

struct ctl {
	const char *cmd;	/* status, thaw, kill, freeze, approvals,
				 * approve, deny, learning or learning-save */
	const char *name;	/* as the user typed it: "baseline save" */
	const char *sandbox;	/* the ID; NULL for status */
	const char *id;		/* approve, deny: the request's */
	const char *path;	/* the control socket */
	const char *reason;	/* thaw, kill, freeze: why, or NULL */
	long long ttl_s;	/* approve: -1 for none */
	const char *scope;	/* approve: sandbox, profile or NULL */
	bool json;
};

static const char ctl_usage[] =
"Usage: vigil status [--control PATH] [--json]\n"
"       vigil thaw|kill|freeze [--control PATH] [--reason TEXT] SANDBOX\n"
"       vigil approvals [--control PATH] [--json]\n"
"       vigil approve [--ttl D] [--scope sandbox|profile] --reason TEXT ID\n"
"       vigil deny --reason TEXT ID\n"
"       vigil baseline status|save [--control PATH] [--json]\n";

static const char ctl_help[] =
"\n"
"Ask a running vigil daemon about the sandboxes it watches, or have it act\n"
"on one, through its control socket. Only root may use the socket.\n"
"\n"
"COMMANDS\n"
"  status    List the sandboxes: id, agent profile, risk score, state and\n"
"            number of processes, one sandbox per line.\n"
"  freeze    Stop every process in SANDBOX where it is (cgroup v2\n"
"            freezer) until it is thawed or killed.\n"
"  thaw      Let the processes of a frozen SANDBOX run again.\n"
"  kill      Kill every process in SANDBOX.\n"
"  SANDBOX is the sandbox's id, its directory name under a sandbox root,\n"
"  as the records' sandbox.id shows it.\n"
"  approvals List the pending requests: steps that rules with\n"
"            `action: ask` hold for a human (docs/rules.md).\n"
"  approve   Allow request ID: the program, file or destination is\n"
"            allowed for the sandbox (--scope profile: for every sandbox\n"
"            of its profile, kept in the profile's overlay file), so the\n"
"            agent's retry succeeds; a frozen sandbox is thawed.\n"
"  deny      Refuse request ID: the step stays refused; a frozen sandbox\n"
"            is killed. The first decision on a request wins; a later\n"
"            one is refused.\n"
"  baseline status  The profiles learning a baseline (baseline_mode:\n"
"            learn, docs/baseline.md): sessions learnt (the file's\n"
"            before included), sandboxes learning now, patterns in the\n"
"            file as last saved, new items dropped at the cap.\n"
"  baseline save    Writes what they learnt to their files now.\n"
"\n"
"OPTIONS\n"
"  --control PATH   the daemon's control socket\n"
"                   (default " CONTROL_DEFAULT_PATH ").\n"
"  --reason TEXT    thaw, kill, freeze: why, for the action record and the\n"
"                   audit trail, beside who asked (the uid the daemon\n"
"                   sees, and the login uid behind sudo); at most\n"
"                   1024 bytes.\n"
"  --reason TEXT    approve, deny: required, the same way.\n"
"  --ttl D          approve: the grant lapses after D (10s, 5m, 1h, 2d);\n"
"                   default: as long as the sandbox (or the profile).\n"
"  --scope S        approve: sandbox (default) or profile.\n"
"  --json           status: print the daemon's reply, one JSON object on\n"
"                   one line, instead of the table. thaw, kill and freeze\n"
"                   always do.\n"
"  -h, --help       this text.\n"
"\n"
"OUTPUT\n"
"  status prints a table with the columns SANDBOX, PROFILE, RISK, STATE\n"
"  and PROCS; - stands for what the daemon does not know. The JSON reply\n"
"  is {\"ok\":true,...} or {\"ok\":false,\"error\":TEXT}, and an error also\n"
"  goes to standard error as \"vigil: SANDBOX: TEXT\". No answer within\n"
"  5 seconds is an error.\n"
"\n"
"EXIT STATUS\n"
"  0 the daemon answered ok; 1 it refused, or could not be reached; 2 bad\n"
"  usage.\n"
"\n"
"EXAMPLES\n"
"  vigil status\n"
"  vigil freeze sb-42\n"
"  vigil status --json | jq -r '.sandboxes[] | select(.risk >= 80) | .id'\n";

static void ctl__usage(const char *cmd, bool full)
{
	fputs(ctl_usage, full ? stdout : stderr);
	if (full)
		fputs(ctl_help, stdout);
	else
		fprintf(stderr, "Try 'vigil %s --help' for more information.\n",
			cmd);
}

/* The outcome of the request, in the fixed form "vigil: TEXT" that
 * scripts match: the logger's info level adds no level word, and escapes
 * what the daemon or the user supplied. */
#define ctl__fail(...) log_info(__VA_ARGS__)

bool cli__is_ctl(const char *cmd)
{
	return !strcmp(cmd, "status") || !strcmp(cmd, "thaw") ||
	       !strcmp(cmd, "kill") || !strcmp(cmd, "freeze") ||
	       !strcmp(cmd, "approvals") || !strcmp(cmd, "approve") ||
	       !strcmp(cmd, "deny");
}

static bool cmd__lists(const char *cmd)
{
	return !strcmp(cmd, "status") || !strcmp(cmd, "approvals") ||
	       !strncmp(cmd, "learning", 8);
}

static bool cmd__decides(const char *cmd)
{
	return !strcmp(cmd, "approve") || !strcmp(cmd, "deny");
}

/* --ttl and --scope: approve's alone. 0 or EXIT_USAGE. */
static int ctl__grant_opt(struct ctl *x, int opt, const char *arg)
{
	uint64_t ns;

	if (strcmp(x->cmd, "approve")) {
		log_error("%s takes no --%s", x->name,
			  opt == OPT_TTL ? "ttl" : "scope");
		return EXIT_USAGE;
	}
	if (opt == OPT_SCOPE && strcmp(arg, "sandbox") &&
	    strcmp(arg, "profile")) {
		log_error("--scope: sandbox or profile, not \"%s\"", arg);
		return EXIT_USAGE;
	}
	if (opt == OPT_SCOPE) {
		x->scope = arg;
		return 0;
	}
	if (units__duration_ns(arg, strlen(arg), &ns) || ns < 1000000000 ||
	    ns / 1000000000 > CONTROL_MAX_TTL) {
		log_error("--ttl: a duration from 1s to 10 years, such as 10s, "
			  "5m, 1h or 2d, not \"%s\"", arg);
		return EXIT_USAGE;
	}
	x->ttl_s = (long long)(ns / 1000000000);
	return 0;
}

static int ctl__parse(struct ctl *x, int argc, char **argv)
{
	static const struct option options[] = {
		{ "control", required_argument, NULL, OPT_CTL_SOCKET },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "ttl", required_argument, NULL, OPT_TTL },
		{ "scope", required_argument, NULL, OPT_SCOPE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool status = cmd__lists(x->cmd);
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == 'h') {
			ctl__usage(x->name, true);
			exit(0);
		} else if (opt == OPT_CTL_SOCKET) {
			x->path = optarg;
		} else if (opt == OPT_JSON) {
			x->json = true;
		} else if (opt == OPT_REASON && !status) {
			x->reason = optarg;
		} else if (opt == OPT_TTL || opt == OPT_SCOPE) {
			if (ctl__grant_opt(x, opt, optarg))
				return EXIT_USAGE;
		} else {
			ctl__usage(x->name, false);
			return EXIT_USAGE;
		}
	}
	if (status && optind < argc) {
		log_error("%s takes no arguments (got \"%s\")", x->name,
			  argv[optind]);
	} else if (!status && argc - optind != 1) {
		log_error("%s takes one %s id", x->name,
			  cmd__decides(x->cmd) ? "request" : "sandbox");
	} else if (x->reason && strlen(x->reason) > CONTROL_MAX_REASON) {
		log_error("--reason: at most %d bytes", CONTROL_MAX_REASON);
	} else if (cmd__decides(x->cmd) && (!x->reason || !x->reason[0])) {
		log_error("%s needs --reason TEXT: why, for the record",
			  x->cmd);
	} else {
		if (cmd__decides(x->cmd))
			x->id = argv[optind];
		else
			x->sandbox = status ? NULL : argv[optind];
		return 0;
	}
	ctl__usage(x->name, false);
	return EXIT_USAGE;
}

/* The request line, or NULL; the caller frees it. */
static char *ctl__request(const struct ctl *x)
{
	struct json *j = json__new();
	const char *buf;
	char *line = NULL;
	size_t len;

	if (!j)
		return NULL;
	json__begin(j);
	json__str(j, "cmd", x->cmd);
	if (x->sandbox)
		json__str(j, "sandbox", x->sandbox);
	if (x->id) {
		json__str(j, "id", x->id);
		json__str(j, "channel", "cli");
	}
	if (x->ttl_s >= 0)
		json__int(j, "ttl", x->ttl_s);
	if (x->scope)
		json__str(j, "scope", x->scope);
	if (x->reason)
		json__str(j, "reason", x->reason);
	if (json__end(j, &buf, &len) == 0)
		line = strdup(buf);
	json__free(j);
	return line;
}

/* Sends the request; the reply line in *reply. Returns 0 or the exit
 * status, the failure reported. */
static int ctl__call(const struct ctl *x, char **reply)
{
	char *line = ctl__request(x);
	int fd, r;

	if (!line) {
		ctl__fail("out of memory");
		return EXIT_FAILURE;
	}
	fd = control__connect(x->path, CTL_TIMEOUT_MS);
	if (fd < 0) {
		ctl__fail("cannot reach the daemon at %s: %s (%s)", x->path,
			  strerror(-fd), fd == -EACCES ? "root only"
				: "is vigil daemon running?");
		free(line);
		return EXIT_FAILURE;
	}
	r = control__call(fd, line, CTL_TIMEOUT_MS, reply);
	close(fd);
	free(line);
	if (r) {
		ctl__fail("no reply from the daemon at %s: %s", x->path,
			  strerror(-r));
		return EXIT_FAILURE;
	}
	return 0;
}

/* Characters, not bytes, for the column widths. */
static int text__width(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

#define CTL_COLS 6

struct ctl_col {
	const char *title;
	const char *key;
	bool number;		/* right-aligned */
};

/* A table: the reply's list, and its columns (title NULL past the
 * last). */
struct ctl_table {
	const char *list;
	struct ctl_col cols[CTL_COLS];
};

static const struct ctl_table status_table = { "sandboxes", {
	{ "SANDBOX", "id", false },
	{ "PROFILE", "profile", false },
	{ "RISK", "risk", true },
	{ "STATE", "state", false },
	{ "PROCS", "procs", true },
} };

static const struct ctl_table approvals_table = { "approvals", {
	{ "ID", "id", false },
	{ "SANDBOX", "sandbox", false },
	{ "STEP", "step", false },
	{ "TARGET", "target", false },
	{ "RULE", "rule", false },
	{ "LEFT", "expires_in", true },
} };

static const struct ctl_table learning_table = { "learning", {
	{ "PROFILE", "profile", false },
	{ "SESSIONS", "sessions", true },
	{ "RUNNING", "running", true },
	{ "PATTERNS", "patterns", true },
	{ "DROPPED", "dropped", true },
	{ "FILE", "file", false },
} };

static yajl_val member__get(yajl_val obj, const char *key)
{
	const char *path[] = { key, NULL };

	return yajl_tree_get(obj, path, yajl_t_any);
}

/* A cell's text, escaped (text.h): a sandbox's name is its directory's,
 * which need not be printable. */
typedef char ctl_cell[4 * (NAME_MAX + 1)];

/* One cell's text: the member if it has the column's type, else "-".
 * Numbers are printed as the daemon wrote them. */
static const char *ctl__cell(const struct ctl_col *col, yajl_val sb,
			     ctl_cell buf)
{
	yajl_val v = member__get(sb, col->key);
	const char *s;

	if (col->number)
		return YAJL_IS_NUMBER(v) ? YAJL_GET_NUMBER(v) : "-";
	if (!YAJL_IS_STRING(v))
		return "-";
	s = YAJL_GET_STRING(v);
	text__escape(s, strlen(s), buf, sizeof(ctl_cell));
	return buf;
}

static void ctl__row(const struct ctl_col *cols, int nr,
		     const char *cells[CTL_COLS], const int width[CTL_COLS])
{
	for (int i = 0; i < nr; i++) {
		int pad = width[i] - text__width(cells[i]);
		bool last = i == nr - 1;

		if (cols[i].number)
			printf("%*s%s", pad, "", cells[i]);
		else
			printf("%s%*s", cells[i], last ? 0 : pad, "");
		fputs(last ? "\n" : "  ", stdout);
	}
}

static void ctl__table(const struct ctl_table *t, yajl_val reply)
{
	const struct ctl_col *cols = t->cols;
	yajl_val list = member__get(reply, t->list);
	size_t n = YAJL_IS_ARRAY(list) ? YAJL_GET_ARRAY(list)->len : 0;
	yajl_val *sb = n ? YAJL_GET_ARRAY(list)->values : NULL;
	const char *cells[CTL_COLS];
	ctl_cell bufs[CTL_COLS];
	int width[CTL_COLS], nr = 0;
	size_t i;
	int c, w;

	while (nr < CTL_COLS && cols[nr].title)
		nr++;
	for (c = 0; c < nr; c++) {
		cells[c] = cols[c].title;
		width[c] = text__width(cells[c]);
		for (i = 0; i < n; i++) {
			w = text__width(ctl__cell(&cols[c], sb[i], bufs[c]));
			width[c] = w > width[c] ? w : width[c];
		}
	}
	ctl__row(cols, nr, cells, width);
	for (i = 0; i < n; i++) {
		for (c = 0; c < nr; c++)
			cells[c] = ctl__cell(&cols[c], sb[i], bufs[c]);
		ctl__row(cols, nr, cells, width);
	}
}

/* Prints the reply as asked; returns the exit status. */
static int ctl__report(const struct ctl *x, const char *line)
{
	char perr[128];
	yajl_val reply = yajl_tree_parse(line, perr, sizeof(perr));
	yajl_val ok = YAJL_IS_OBJECT(reply) ? member__get(reply, "ok") : NULL;
	yajl_val err = ok ? member__get(reply, "error") : NULL;
	bool is_ok = YAJL_IS_TRUE(ok);

	if (!is_ok && !YAJL_IS_FALSE(ok)) {
		ctl__fail("malformed reply from the daemon at %s", x->path);
		yajl_tree_free(reply);
		return EXIT_FAILURE;
	}
	if (x->json || !cmd__lists(x->cmd))
		printf("%s\n", line);
	else if (is_ok)
		ctl__table(!strcmp(x->cmd, "status") ? &status_table
			   : !strcmp(x->cmd, "approvals") ? &approvals_table
			   : &learning_table, reply);
	if (!is_ok)
		ctl__fail("%s: %s", x->sandbox ? x->sandbox :
				    x->id ? x->id : x->name,
			  YAJL_IS_STRING(err) ? YAJL_GET_STRING(err)
					      : "failed (no reason given)");
	yajl_tree_free(reply);
	return is_ok ? 0 : EXIT_FAILURE;
}

int cli__ctl_as(int argc, char **argv, const char *cmd, const char *name)
{
	struct ctl x = { .cmd = cmd, .name = name,
			 .path = CONTROL_DEFAULT_PATH, .ttl_s = -1 };
	char *reply = NULL;
	int status;

	status = ctl__parse(&x, argc, argv);
	if (!status)
		status = ctl__call(&x, &reply);
	if (!status)
		status = ctl__report(&x, reply);
	free(reply);
	return status;
}

int cli__ctl(int argc, char **argv)
{
	return cli__ctl_as(argc, argv, argv[0], argv[0]);
}
