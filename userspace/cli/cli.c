// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "token.h"
#include "audit.h"
#include "cli.h"
#include "log.h"

static const char usage_text[] =
"Usage: vigil daemon [OPTION]... [--pin-dir DIR]\n"
"  or:  vigil unpin [--sandbox-root PATH]... [--config FILE] [--pin-dir DIR]\n"
"  or:  vigil run [OPTION]... [RUN OPTION]... -- COMMAND [ARG]...\n"
"  or:  vigil status [--json] [--control SOCKET]\n"
"  or:  vigil thaw|kill|freeze ID [--control SOCKET] [--reason TEXT]\n"
"  or:  vigil audit verify [--continued] FILE...\n"
"  or:  vigil rules check [FILE|DIR]...\n"
"  or:  vigil rules test [--rules FILE|DIR]... EVENTS.jsonl|-\n"
"  or:  vigil baseline learn|show|diff|merge|eval|status|save ...\n"
"  or:  vigil profile check [--rules FILE|DIR]... PROFILE DEST\n"
"  or:  vigil --help | --version\n";

static const char help_text[] =
"\n"
"vigil watches what processes inside sandbox cgroups do (executions, file\n"
"opens, connections, egress bytes) with CO-RE eBPF programs, and writes one\n"
"JSON object per event. Processes outside the sandboxes are never\n"
"reported; they pay the syscall tracepoints' cost and one cgroup check.\n"
"Every event is scored against agent-profile rules; a sandbox that goes\n"
"too far is frozen for a human to decide, or killed.\n"
"\n"
"Commands:\n"
"  daemon    The sidecar: watch every sandbox under the sandbox roots until\n"
"            SIGTERM or SIGINT, then drain, report and exit 0. Its links\n"
"            and maps are pinned in bpffs (--pin-dir DIR, config pin_dir;\n"
"            default /sys/fs/bpf/vigil/NAME, NAME the roots below the\n"
"            cgroup2 mount), so the kernel keeps enforcing after it\n"
"            stops or dies; the next daemon adopts them, writes a gap\n"
"            record, then what the pinned ring buffer kept. SIGHUP\n"
"            reopens --output and --audit (log rotation) and reloads\n"
"            the rules: the files named at start are read again and\n"
"            checked whole; a set with a mistake is refused (the error\n"
"            as FILE:LINE:COL, the rules in force kept), a good one\n"
"            takes over between two records, every sandbox keeping its\n"
"            risk, taints and windows. Under systemd (Type=notify) it\n"
"            reports readiness once attached, and each reload.\n"
"  unpin     Remove what the daemon with these roots (or --pin-dir)\n"
"            pinned, which disarms the host: the uninstall. Refused\n"
"            while that daemon runs.\n"
"  run       Create a sandbox, run COMMAND inside it, stream its records,\n"
"            remove the sandbox when COMMAND ends, and exit with COMMAND's\n"
"            status (128+N if a signal N ended it: 137 when vigil killed\n"
"            it, as stderr then says). Its control socket is\n"
"            /run/vigil/run-ID.sock unless --control names one. It pins\n"
"            nothing: what it loaded goes when it ends.\n"
"            COMMAND's stderr (and its stdout, when records take\n"
"            vigil's) reaches vigil's stderr through vigil, line by\n"
"            line, each line behind \"| \" with control characters\n"
"            escaped: a line that starts \"vigil: \" is always vigil's.\n"
"  status    List the daemon's sandboxes: profile, risk, state, processes\n"
"            (--json: the daemon's reply as is).\n"
"  thaw ID   Resume a frozen sandbox; its risk starts again from 0.\n"
"  kill ID   Kill a sandbox (evidence first); freeze ID freezes one.\n"
"            These four talk to the daemon over its control socket\n"
"            (--control SOCKET, default /run/vigil/control.sock; root).\n"
"            --reason TEXT goes into the audit trail with who asked.\n"
"  audit     \"audit verify FILE...\" checks the trail written with --audit\n"
"            FILE (a rotated one's files oldest first, as one chain):\n"
"            exit 1, naming the first bad record, on any edit, removal,\n"
"            reordering or truncation.\n"
"  rules     \"rules check [FILE|DIR]...\" validates rule files (default:\n"
"            the built-in set): every error as FILE:LINE:COL: message,\n"
"            exit 1 on any. \"rules test [--rules FILE|DIR]...\n"
"            EVENTS.jsonl|-\" replays recorded records through the rules\n"
"            and prints the alerts and actions that would follow\n"
"            (nothing is done).\n"
"  baseline  \"baseline learn --profile NAME RECORDS.jsonl...\" learns\n"
"            what a profile's agents did (docs/baseline.md); show, diff,\n"
"            merge and eval (--benign DIR --attack DIR) work on the\n"
"            files. With a baseline, what it never saw is an anomaly\n"
"            record whose score adds to the sandbox's risk. A profile\n"
"            with baseline_mode: learn has the daemon learn it live;\n"
"            status and save ask the daemon how far it got, and to\n"
"            write it now.\n"
"  profile   \"profile check [--rules FILE|DIR]... PROFILE DEST\" explains\n"
"            what PROFILE's sandboxes may do for DEST (an address or a DNS\n"
"            name, a port optional): the allow.destinations entry, the\n"
"            egress mode, the budget; exit 0 allowed, 1 not, 2 usage.\n"
"\n"
"Rules and actions (vigil-rules(5), docs/rules.md):\n"
"  Rules are YAML lists, macros, rules and profiles. Each match emits an\n"
"  alert record and adds the rule's score to the sandbox's risk, which\n"
"  halves every half-life of the sandbox's profile (trusted.vigil.profile,\n"
"  else \"default\"). At the profile's thresholds vigil emits an action\n"
"  record and acts: alert; freeze (cgroup.freeze, evidence attached: the\n"
"  process tree with argv, cwd, open files and sockets, the last records);\n"
"  kill (evidence, then cgroup.kill; the record gives the latency from the\n"
"  offending syscall to an empty cgroup). A rule's own action acts at\n"
"  once. vigil never acts outside its sandbox roots.\n"
"\n"
"  In the kernel first: a rule with \"enforce: kernel\" has the kernel\n"
"  SIGKILL a sandboxed task inside the syscall that opens or executes a\n"
"  file of its file sets (known by inode, so links, bind mounts and\n"
"  /proc/self/root cannot hide one; refreshed as directories change), or\n"
"  that makes a syscall it names (the shipped set: SSH private keys,\n"
"  /etc/shadow, io_uring_setup); the task never returns to user space.\n"
"  A profile's egress_budget has the kernel drop the packets a sandbox\n"
"  sends outside its allowlist past that many bytes (a budget record).\n"
"  Either way vigil then acts on the rule, and the action record's\n"
"  kernel_verdict says what the kernel did first. Whatever the rules, a\n"
"  sandboxed process that would move a process out of its sandbox\n"
"  (cgroup.procs, cgroup.threads, clone3 into a cgroup) is killed in the\n"
"  syscall, as is one moved out; an escape record, blamed on the sandbox\n"
"  it came from, has the shipped rules kill that sandbox.\n"
"\n"
"Sandboxes:\n"
"  A sandbox root is a cgroup v2 directory; each directory directly below\n"
"  it is one sandbox, named by its directory name, and everything nested\n"
"  deeper belongs to that sandbox. Sandboxes created at any time are\n"
"  watched from their first process. The sandbox manager labels a sandbox\n"
"  with extended attributes on its directory, set before any process\n"
"  enters it (trusted.* attributes need root, so a sandboxed process\n"
"  cannot relabel itself):\n"
"    trusted.vigil.profile        agent profile name (sandbox.profile)\n"
"    trusted.vigil.label.KEY      any label (sandbox.labels.KEY)\n"
"\n"
"Output:\n"
"  One JSON object per line, schema \"vigil.event.v1\": seq, time, host,\n"
"  type (exec, fork, exit, open, connect, syscall, flow, budget, escape,\n"
"  repeat, drop, gap, alert, action, lifecycle), sandbox {id, cgroup,\n"
"  cgroup_id, labels, profile}, for process events proc and ancestors,\n"
"  and an object named after the type. See README.md and docs/record-format.md. Messages go\n"
"  to stderr, never mixed with records; the daemon prints \"vigil:\n"
"  ready\" there once its programs are attached. Everything meant for\n"
"  people (messages, alert.message, the status table, COMMAND's relayed\n"
"  lines) shows control characters escaped (\\n, \\r, \\x1b, \\u009b,\n"
"  \\u202e); records keep the exact bytes. Past 50 errors in a config\n"
"  file, the rest are counted, not printed.\n"
"\n"
"Exit status:\n"
"  0 success; 1 a runtime failure (no cgroup2, no BPF permission, a kernel\n"
"  without BTF, an unwritable output); 2 bad usage. vigil run: COMMAND's\n"
"  status, 128+N if signal N ended it, 127 if it could not be executed.\n"
"\n"
"Requirements:\n"
"  Linux 6.0+ with BTF (/sys/kernel/btf/vmlinux), cgroup v2, root.\n"
"\n"
"Options:\n"
"  Of daemon and run (--control: of the client commands too).\n"
"\n"
"  --sandbox-root PATH   a cgroup v2 directory whose children are\n"
"                        sandboxes; repeat for several (daemon, at most 8).\n"
"                        Default: vigil/ under the cgroup2 mount, created\n"
"                        if missing.\n"
"  --output FILE|-       where records go, appended as JSON Lines;\n"
"                        - is standard output (the default).\n"
"  --config FILE         YAML settings: sandbox_roots (list), output,\n"
"                        flow_interval_ms, ringbuf_mb, repeat_rate,\n"
"                        kafka {brokers,\n"
"                        topics, properties, spool_dir, spool_max_mb,\n"
"                        flush_timeout_ms}, rules (list), evidence_dir,\n"
"                        evidence_max_files, history_records,\n"
"                        kill_timeout_ms, control_socket, pin_dir, metrics,\n"
"                        metrics_remote, audit, approvals_dir, console,\n"
"                        console_remote, console_tls_cert,\n"
"                        console_tls_key, console_token. Flags after\n"
"                        --config win.\n"
"  --flow-interval MS    period of flow and drop records (default 1000).\n"
"  --ringbuf-mb N        kernel ring buffer size, a power of two (16).\n"
"  --repeat-rate N       opens a second a process may make before the\n"
"                        kernel counts its repeated ones (same file,\n"
"                        flags and result) in repeat records instead of\n"
"                        sending each (20000; also once the ring buffer\n"
"                        is an eighth full); 0: never.\n"
"  --kafka-brokers LIST  also stream records to Kafka (HOST:PORT,...):\n"
"                        topics by type, key = sandbox id, headers\n"
"                        schema, type and host; idempotent, acks=all,\n"
"                        zstd. Records the brokers cannot take yet wait\n"
"                        in the spool and go first when they can.\n"
"  --kafka-property K=V  any librdkafka property (TLS, SASL, ...);\n"
"                        repeatable, applied over vigil's defaults.\n"
"  --kafka-topic TYPE=T  topic for events, alerts, actions or audit\n"
"                        (default vigil.events, vigil.alerts,\n"
"                        vigil.actions, vigil.audit).\n"
"  --spool-dir DIR       the spool (default /var/lib/vigil/spool).\n"
"  --spool-max-mb N      spool bound (1024): past it, events (never\n"
"                        alerts or actions) are dropped and counted.\n"
"  --rules FILE|DIR      rule files, or directories of *.yaml; repeatable;\n"
"                        \"builtin\" is the shipped set (the default when\n"
"                        none is given). A bad rule stops start-up.\n"
"  --no-rules            record only: no alerts, no actions.\n"
"  --baseline FILE       a learnt baseline for the profile it names\n"
"                        (default, when the rules define no such\n"
"                        profile); profiles name theirs (baseline:).\n"
"  --evidence-dir DIR    where freeze and kill records are also written,\n"
"                        newest 256 kept (default /var/lib/vigil/evidence;\n"
"                        \"\" for none).\n"
"  --control SOCKET      the control socket (root-only unix socket; \"\"\n"
"                        for none); checked before anything is loaded.\n"
"  -v, --verbose         debug messages, libbpf's included, on stderr.\n"
"  -h, --help            this text.\n"
"\n"
"Options of daemon and unpin only:\n"
"  --pin-dir DIR         the bpffs directory of the daemon's pinned state\n"
"                        (default: derived from the sandbox roots).\n"
"  --metrics ADDR        serve /metrics (Prometheus) and /healthz on ADDR,\n"
"                        IPV4:PORT or [IPV6]:PORT (config metrics; off by\n"
"                        default; 127.0.0.1:9310 suggested). Loopback\n"
"                        only, unless --metrics-remote (metrics_remote:\n"
"                        true) allows another address.\n"
"  --audit FILE          append every alert, action and start/stop to FILE\n"
"                        as a SHA-256 hash chain (config audit), synced\n"
"                        before the act is reported; FILE.head anchors\n"
"                        its end. With Kafka, also to vigil.audit.\n"
"  --approvals-dir DIR   pending requests (rules with action: ask) and\n"
"                        the grants operators made, kept across restarts,\n"
"                        and each profile's overlay of grants (default\n"
"                        " APPROVAL_DIR "; \"\" for none).\n"
"  --console ADDR        serve the web console on ADDR (IPV4:PORT or\n"
"                        [IPV6]:PORT; off by default): live sandboxes,\n"
"                        alerts and pending approvals, Approve and Deny\n"
"                        with a reason. Acting needs the token vigil\n"
"                        writes to --console-token FILE (root only;\n"
"                        default " TOKEN_DEFAULT_PATH "). Needs the\n"
"                        control socket. Loopback only, unless\n"
"                        --console-remote with --console-tls-cert and\n"
"                        --console-tls-key (PEM files).\n"
"\n"
"Options of run only (RUN OPTION):\n"
"  --sandbox-id ID       the sandbox's directory name (default run-PID);\n"
"                        letters, digits, '.', '_' and '-'; must not exist.\n"
"  --label KEY=VALUE     set trusted.vigil.label.KEY; repeatable.\n"
"  --profile NAME        set trusted.vigil.profile; with rules on, NAME\n"
"                        must be a profile they define (exit 2).\n"
"  --approvals-dir DIR   keep pending requests, grants and the profiles'\n"
"                        overlays in DIR, as the daemon does (default:\n"
"                        in memory, gone with the run); refused while\n"
"                        another vigil keeps its own there.\n"
"\n"
"Examples:\n"
"  $ vigil daemon --output /var/log/vigil.jsonl\n"
"  $ vigil run --label agent=claude --output run.jsonl -- python3 task.py\n"
"  $ vigil run -- sh -c 'cat ~/.ssh/id_rsa' | jq 'select(.type==\"alert\")'\n"
"  $ vigil daemon --rules /etc/vigil/rules.d --rules builtin\n"
"  $ vigil status; vigil thaw agent-42\n"
"  $ vigil run --no-rules --output rec.jsonl -- ./task.sh\n"
"  $ vigil rules test --rules my-rules.yaml rec.jsonl\n"
"\n"
"With records on standard output, the command's output goes to standard\n"
"error, relayed as above.\n";

void cli__usage(bool full)
{
	fputs(usage_text, full ? stdout : stderr);
	if (full)
		fputs(help_text, stdout);
	else
		fputs("Try 'vigil --help' for more information.\n", stderr);
}

/* The flags that set one scalar setting, by its name in the file. */
static const struct {
	int opt;
	const char *flag;
	const char *setting;
} scalar_flags[] = {
	{ OPT_OUTPUT, "--output", "output" },
	{ OPT_FLOW_INTERVAL, "--flow-interval", "flow_interval_ms" },
	{ OPT_RINGBUF_MB, "--ringbuf-mb", "ringbuf_mb" },
	{ OPT_REPEAT_RATE, "--repeat-rate", "repeat_rate" },
	{ OPT_KAFKA_BROKERS, "--kafka-brokers", "kafka.brokers" },
	{ OPT_SPOOL_DIR, "--spool-dir", "kafka.spool_dir" },
	{ OPT_SPOOL_MAX_MB, "--spool-max-mb", "kafka.spool_max_mb" },
	{ OPT_EVIDENCE_DIR, "--evidence-dir", "evidence_dir" },
	{ OPT_CONTROL, "--control", "control_socket" },
	{ OPT_PIN_DIR, "--pin-dir", "pin_dir" },
	{ OPT_METRICS, "--metrics", "metrics" },
	{ OPT_AUDIT, "--audit", "audit" },
	{ OPT_BASELINE, "--baseline", "baseline" },
	{ OPT_APPROVALS_DIR, "--approvals-dir", "approvals_dir" },
	{ OPT_CONSOLE, "--console", "console" },
	{ OPT_CONSOLE_TLS_CERT, "--console-tls-cert", "console_tls_cert" },
	{ OPT_CONSOLE_TLS_KEY, "--console-tls-key", "console_tls_key" },
	{ OPT_CONSOLE_TOKEN, "--console-token", "console_token" },
};

int cli__common_option(int opt, const char *arg, struct config *cfg)
{
	for (size_t i = 0; i < sizeof(scalar_flags) / sizeof(scalar_flags[0]);
	     i++)
		if (scalar_flags[i].opt == opt)
			return config__set(cfg, scalar_flags[i].setting, arg,
					   scalar_flags[i].flag) ?: 1;
	switch (opt) {
	case OPT_ROOT:
		return config__add_root(cfg, arg, "--sandbox-root") ?: 1;
	case OPT_KAFKA_PROPERTY:
		return config__add_kafka_property(cfg, arg,
						  "--kafka-property") ?: 1;
	case OPT_KAFKA_TOPIC:
		return config__set_kafka_topic(cfg, arg, "--kafka-topic") ?: 1;
	case OPT_RULES:
		cfg->rules_off = false;
		return config__add_rules(cfg, arg, "--rules") ?: 1;
	case OPT_NO_RULES:
		cfg->rules_off = true;
		return 1;
	case OPT_CONSOLE_REMOTE:
		cfg->console_remote = true;
		return 1;
	case OPT_METRICS_REMOTE:
		cfg->metrics_remote = true;
		return 1;
	case OPT_CONFIG:
		/* A bad file is not bad usage: exit 1, not 2. */
		return config__load(cfg, arg) ? -EIO : 1;
	case 'v':
		log__set_verbose(true);
		return 1;
	default:
		return 0;
	}
}

int cli__option_status(int err)
{
	return err == -EIO ? EXIT_FAILURE : EXIT_USAGE;
}

int cli__rules_options(int argc, char **argv, struct config *cfg,
		       const char *help, bool baseline)
{
	static const struct option options[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;

	config__defaults(cfg);
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == 'h') {
			fputs(help, stdout);
			return 1;
		}
		if (opt == 'b' && baseline &&
		    !config__set(cfg, "baseline", optarg, "--baseline"))
			continue;
		if (opt != 'r' || config__add_rules(cfg, optarg, "--rules"))
			return -1;
	}
	return 0;
}

int cli__rules(const struct config *cfg, struct ruleset *rs)
{
	int err = ruleset__init(rs);

	if (err || cfg->rules_off)
		return err;
	if (!cfg->nr_rules)
		ruleset__add_builtin(rs);
	for (int i = 0; i < cfg->nr_rules; i++) {
		if (!strcmp(cfg->rules[i], CONFIG_RULES_BUILTIN))
			ruleset__add_builtin(rs);
		else
			ruleset__add_path(rs, cfg->rules[i]);
	}
	/* Every file is read before giving up, so one run shows every
	 * mistake; then the set is checked as a whole. */
	if (ruleset__finish(rs)) {
		log_error("rules rejected: %d error%s", rs->errors,
			  rs->errors == 1 ? "" : "s");
		return -EINVAL;
	}
	return 0;
}

/* Evidence files, last: a sink like any other, for action records that
 * name one. */
static int cli__evidence_sink(const struct config *cfg,
			      const struct ruleset *rs, struct collector_opts *o)
{
	if (!rs || !cfg->evidence_dir[0])
		return 0;
	o->sinks[o->nr_sinks] = sink__evidence_file(cfg->evidence_dir,
						    cfg->evidence_max);
	if (o->sinks[o->nr_sinks]) {
		o->nr_sinks++;
		return 0;
	}
	for (int i = 0; i < o->nr_sinks; i++)
		o->sinks[i]->close(o->sinks[i]);
	return -EIO;
}

/* The audit trail goes first, so an act is on disk before any other
 * sink reports it; its links go to Kafka too when Kafka is on. */
static int cli__audit_sink(const struct config *cfg, struct collector_opts *o)
{
	struct sink *kafka = o->nr_sinks > 1 ? o->sinks[1] : NULL;
	struct sink *audit;

	if (!cfg->audit)
		return 0;
	audit = sink__audit(cfg->audit, kafka);
	if (!audit) {
		for (int i = 0; i < o->nr_sinks; i++)
			o->sinks[i]->close(o->sinks[i]);
		return -EIO;
	}
	memmove(o->sinks + 1, o->sinks, o->nr_sinks * sizeof(o->sinks[0]));
	o->sinks[0] = audit;
	o->nr_sinks++;
	return 0;
}

int cli__baselines(const struct config *cfg, const struct ruleset *rs,
		   struct baselines **out)
{
	*out = NULL;
	if (!rs) {
		if (cfg->baseline)
			log_warn("--baseline %s: no rules, no scores: records "
				 "only", cfg->baseline);
		return 0;
	}
	return baselines__load(rs, cfg->baseline, out);
}

static int cli__sinks(const struct config *cfg, const struct ruleset *rs,
		      struct collector_opts *o)
{
	o->sinks[o->nr_sinks] = sink__jsonl(cfg->output);
	if (!o->sinks[o->nr_sinks])
		return -EIO;
	o->nr_sinks++;
	if (cfg->kafka_brokers) {
		struct kafka_opts ko;

		config__kafka_opts(cfg, &ko);
		o->sinks[o->nr_sinks] = sink__kafka(&ko);
		if (!o->sinks[o->nr_sinks]) {
			o->sinks[0]->close(o->sinks[0]);
			return -EIO;
		}
		o->nr_sinks++;
	}
	return cli__audit_sink(cfg, o) ?: cli__evidence_sink(cfg, rs, o);
}

int cli__collector_opts(const struct config *cfg, const struct roots *roots,
			const struct ruleset *rs, struct collector_opts *o)
{
	struct baselines *bls;
	int err;

	memset(o, 0, sizeof(*o));
	if (cli__baselines(cfg, rs, &bls))
		return -EINVAL;
	o->roots = roots;
	o->rules = rs;
	o->policy = (struct policy_opts){
		.evidence_dir = cfg->evidence_dir[0] ? cfg->evidence_dir : NULL,
		.history = cfg->history,
		.kill_ms = cfg->kill_ms,
		.baselines = bls,
		.approvals_dir = cfg->approvals_dir[0] ? cfg->approvals_dir
						       : NULL,
	};
	o->flow_interval_ms = cfg->flow_interval_ms;
	o->ringbuf_bytes = (size_t)cfg->ringbuf_mb << 20;
	o->repeat_rate = cfg->repeat_rate;
	err = cli__sinks(cfg, rs, o);
	if (err) {
		baselines__free(bls);
		o->policy.baselines = NULL;
	}
	return err;
}

int cli__serve(struct collector *c, struct control *ctl, int timeout_ms)
{
	int n = collector__poll(c, timeout_ms);

	if (ctl)
		control__serve(ctl);
	return n;
}

/* Where each record's time went, when VIGIL_STAGE_TIMES asked for it. */
static void cli__log_stage_times(const struct stage_times *t)
{
	char line[256];
	double total = 0;
	int n = 0;

	if (!t->records)
		return;
	for (int i = 0; i < STAGES; i++) {
		n += snprintf(line + n, sizeof(line) - n, " %s=%.0f",
			      stages__name(i), t->ns[i]);
		total += t->ns[i];
	}
	log_info("stage ns/record over %llu records:%s total=%.0f",
		 (unsigned long long)t->records, line, total);
}

void cli__log_stats(const struct collector_stats *s)
{
	log_info("stats records=%llu drops=%llu malformed=%llu "
		 "sink_failures=%llu sandbox_lookups=%llu",
		 (unsigned long long)s->records, (unsigned long long)s->lost,
		 (unsigned long long)s->malformed,
		 (unsigned long long)s->sink_failures,
		 (unsigned long long)s->sandbox_lookups);
	cli__log_stage_times(&s->stages);
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

static volatile sig_atomic_t hangup;

static void cli__on_hangup(int sig)
{
	hangup = 1;
}

void cli__catch_hangup(void)
{
	struct sigaction sa = { .sa_handler = cli__on_hangup };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
}

bool cli__hangup(void)
{
	bool was = hangup;

	hangup = 0;
	return was;
}
