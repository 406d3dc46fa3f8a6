// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"

int cli__common_option(int opt, const char *arg, struct config *cfg)
{
	switch (opt) {
	case OPT_ROOT:
		return config__add_root(cfg, arg, "--sandbox-root") ?: 1;
	case OPT_OUTPUT:
		return config__set_str(&cfg->output, arg) ?: 1;
	case OPT_CONFIG:
		return config__load(cfg, arg) ?: 1;
	case OPT_FLOW_INTERVAL:
		return config__set_uint(&cfg->flow_interval_ms, arg, 10,
					3600000, "--flow-interval") ?: 1;
	case OPT_RINGBUF_MB:
		if (config__set_uint(&cfg->ringbuf_mb, arg, 1, 1024,
				     "--ringbuf-mb"))
			return -EINVAL;
		if (cfg->ringbuf_mb & (cfg->ringbuf_mb - 1)) {
			log_error("--ringbuf-mb: must be a power of two");
			return -EINVAL;
		}
		return 1;
	case 'v':
		log__set_verbose(true);
		return 1;
	default:
		return 0;
	}
}

int cli__collector_opts(const struct config *cfg, const struct roots *roots,
			struct collector_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->roots = roots;
	o->flow_interval_ms = cfg->flow_interval_ms;
	o->ringbuf_bytes = (size_t)cfg->ringbuf_mb << 20;
	o->sinks[0] = sink__jsonl(cfg->output);
	if (!o->sinks[0])
		return -EIO;
	o->nr_sinks = 1;
	return 0;
}

void cli__log_stats(const struct collector_stats *s)
{
	log_info("stats records=%llu drops=%llu malformed=%llu "
		 "sink_failures=%llu", (unsigned long long)s->records,
		 (unsigned long long)s->kernel_drops,
		 (unsigned long long)s->malformed,
		 (unsigned long long)s->sink_failures);
}

static volatile sig_atomic_t last_signal;

static void cli__on_signal(int sig)
{
	last_signal = sig;
}

void cli__catch_signals(void)
{
	/* No SA_RESTART: the poll must return so the loop sees the flag. */
	struct sigaction sa = { .sa_handler = cli__on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int cli__signalled(void)
{
	return last_signal;
}
