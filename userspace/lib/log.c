// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "text.h"

static bool verbose;
/* log__cap's: errors still to print (-1: no cap), and those held back. */
static int cap_left = -1, capped;

void log__set_verbose(bool on)
{
	verbose = on;
}

bool log__verbose(void)
{
	return verbose;
}

static void log__vmsg(enum log_level level, int err, const char *fmt,
		      va_list ap)
{
	static const char *const prefix[] = {
		[LOG_ERROR] = "error: ", [LOG_WARN] = "warning: ",
		[LOG_INFO] = "", [LOG_DEBUG] = "debug: ",
	};
	char line[1024], shown[4 * sizeof(line)];

	if (level == LOG_DEBUG && !verbose)
		return;
	if (level == LOG_ERROR && cap_left == 0) {
		capped++;
		return;
	}
	if (level == LOG_ERROR && cap_left > 0)
		cap_left--;
	if (vsnprintf(line, sizeof(line), fmt, ap) < 0)
		return;
	/* Messages echo what hostile processes named (sandboxes, paths,
	 * comms, rule text, flags): escaped here, once for every caller, so
	 * none can put a newline, a cursor move or a fake "vigil: " line
	 * on the terminal. */
	text__escape(line, strlen(line), shown, sizeof(shown));
	/* One write per message, so lines from several threads never mix. */
	if (err)
		fprintf(stderr, "vigil: %s%s: %s\n", prefix[level], shown,
			strerror(abs(err)));
	else
		fprintf(stderr, "vigil: %s%s\n", prefix[level], shown);
}

void log__cap(int max)
{
	cap_left = max;
	capped = 0;
}

int log__uncap(void)
{
	cap_left = -1;
	return capped;
}

void log__msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log__vmsg(level, 0, fmt, ap);
	va_end(ap);
}

void log__errno(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log__vmsg(LOG_ERROR, err, fmt, ap);
	va_end(ap);
}

static int log__from_libbpf(enum libbpf_print_level level, const char *fmt,
			    va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	fputs("vigil: ", stderr);	/* libbpf adds "libbpf: " */
	return vfprintf(stderr, fmt, ap);
}

void log__libbpf(void)
{
	libbpf_set_print(log__from_libbpf);
}
