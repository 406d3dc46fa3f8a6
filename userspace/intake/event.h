/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A record as the collector handles it: the kernel's raw record decoded
 * into a checked view (strings point into the raw buffer), or a record
 * vigil makes itself (flow, drop, alert, action), plus its enrichment.
 * The rules, the policy, the renderer and the sinks all take this one
 * type.
 */
#ifndef VIGIL_EVENT_H
#define VIGIL_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "dnsrec.h"
#include "records.h"
#include "proctab.h"
#include "sandbox.h"

enum event_kind {
	EVENT_EXEC = VIGIL_EV_EXEC,
	EVENT_FORK = VIGIL_EV_FORK,
	EVENT_EXIT = VIGIL_EV_EXIT,
	EVENT_OPEN = VIGIL_EV_OPEN,
	EVENT_CONNECT = VIGIL_EV_CONNECT,
	EVENT_SYSCALL = VIGIL_EV_SYSCALL,
	EVENT_BUDGET = VIGIL_EV_BUDGET,
	EVENT_MKDIR = VIGIL_EV_CGROUP_MKDIR,	/* for the registry alone */
	EVENT_RMDIR = VIGIL_EV_CGROUP_RMDIR,
	EVENT_ESCAPE = VIGIL_EV_ESCAPE,
	EVENT_FILE = VIGIL_EV_FILE,
	EVENT_CRED = VIGIL_EV_CRED,
	EVENT_SOCKET = VIGIL_EV_SOCKET,
	EVENT_DNS = VIGIL_EV_DNS,
	EVENT_FLOW = 100,	/* made by the collector from the flows map */
	EVENT_DROP,		/* made by the collector from drop counters */
	EVENT_ALERT,		/* a rule matched (policy.c) */
	EVENT_ACTION,		/* vigil acted, or was asked to */
	EVENT_GAP,		/* no daemon ran for a while (outage.c) */
	EVENT_REPEAT,		/* repeats the kernel counted (repeats.c) */
	EVENT_ANOMALY,		/* what a sandbox's baseline never saw
				 * (baseline/) */
	EVENT_APPROVAL,		/* a step asked a human, or was decided
				 * (userspace/approval) */
	EVENT_LIFECYCLE,	/* the daemon started or stopped */
	EVENT_AUDIT,		/* a link of the audit chain (sinks/audit.c),
				 * for the sinks it forwards to; never rendered */
};

struct ev_exec {
	int32_t ret;
	uint32_t dev;
	uint64_t ino;
	uint16_t sys;
	uint32_t argc;
	uint64_t filesets;	/* bits: protected file sets, by index */
	uint8_t stdio[3];	/* enum vigil_fdtype of fds 0, 1, 2 */
	uint32_t old_euid, old_egid, euid, egid;
	uint32_t script_dev;
	uint64_t script_ino;
	uint8_t dropped;	/* enum drop_how: enriched (dropped.h) */
	struct bytes file, arg, argv;	/* argv: NUL-separated */
	struct bytes script;	/* a "#!" script's file, file its interpreter */
	struct bytes env;	/* watched "NAME=value"s, NUL-separated */
};

struct ev_open {
	int32_t ret;
	uint32_t flags, mode, dev;
	uint64_t ino;
	uint16_t sys;
	uint64_t filesets;	/* bits: protected file sets, by index */
	struct bytes path, arg;
};

/* A file mutation (struct vigil_file); the strings are the record's,
 * joined into paths by filepath__join. */
struct ev_file {
	int32_t ret;
	uint16_t op;		/* enum vigil_file_op */
	uint16_t sys;		/* enum vigil_sys */
	uint32_t mode, uid, gid, at_flags;
	uint64_t length;
	struct bytes base, arg, base2, arg2;
};

/* A credential call (struct vigil_cred). */
struct ev_cred {
	const char *name;	/* syscalls.h's, "unknown" for another nr */
	uint32_t nr;
	int64_t ret;
	struct vigil_ids old_ids, new_ids;
	uint32_t ngroups_old, ngroups_new;
	uint64_t cap_eff_old, cap_eff_new, cap_prm_new;
	uint64_t args[3];
};

/* A socket made, bound or put to listen (struct vigil_socket). */
struct ev_socket {
	int32_t ret;
	uint16_t op;		/* enum vigil_socket_op */
	uint16_t family;
	uint32_t sock_type, proto, backlog;
	struct vigil_sockaddr sa;
};

struct ev_connect {
	int32_t ret;
	uint16_t proto, sock_type;
	struct vigil_sockaddr sa;
	uint8_t verdict;	/* enum vigil_verdict */
	uint8_t via;		/* enum vigil_connect_op */
};

struct ev_syscall {
	const char *name;	/* syscalls.h's, "unknown" for another nr */
	uint32_t nr;
	int64_t ret;
	uint64_t args[4];
};

/* The sandbox's egress budget ran out (struct vigil_budget). */
struct ev_budget {
	uint64_t sandbox_cgid;	/* no process: the record has no hdr */
	uint64_t budget, spent;	/* the event's time is the first drop's */
	uint32_t profile;
	uint16_t family, port;
	uint8_t proto;
	uint8_t addr[16];
	char entry[VIGIL_BUDGET_ENTRY_MAX];	/* "" for egress_budget */
};

/* A sandbox made or removed (struct vigil_cgroup): its cgroup id is
 * hdr->sandbox_cgid. */
struct ev_cgroup {
	uint32_t root;		/* below VIGIL_MAX_ROOTS */
	struct bytes name;	/* a directory name: no '/', not . or .. */
};

/* A task left, or tried to leave, its sandbox (struct vigil_escape). */
struct ev_escape {
	uint16_t how;		/* enum vigil_escape_how */
	uint64_t cgroup_id;	/* where to */
	uint64_t into_cgid;	/* its sandbox, 0 outside every sandbox */
	const char *into;	/* that sandbox's cgroup path (the collector's
				 * registry), NULL for none */
	uint32_t moved_pid;	/* 0: nothing moved; how signal: the target */
	bool moved_killed;
	uint8_t signal;		/* how signal: the signal sent */
};

struct ev_flow {
	struct vigil_flow_key key;
	struct vigil_flow_val val;
	uint64_t interval_ms;
};

/*
 * Losses: the host's (no sandbox), by reason, with the record numbers the
 * kernel's losses would have had skipped before it; or one sandbox's
 * share of the ring buffer's losses (sandbox set), by record type, which
 * a host drop record counts too.
 */
struct ev_drop {
	uint64_t lost;
	uint64_t since_ms;
	uint64_t reason[VIGIL_DROP_MAX];	/* the kernel's, by enum vigil_drop */
	uint64_t sinks;			/* records sinks let go (full spool) */
	uint64_t malformed;		/* kernel records that failed decoding */
	uint64_t skipped_from;		/* first seq skipped, 0: none */
	uint64_t sandbox_cgid;		/* a sandbox's share: */
	uint64_t by_type[VIGIL_KINDS];	/* by enum vigil_type */
	uint64_t kills;			/* records of tasks the kernel killed */
};

/* Repeats of a record the kernel counted instead of sending (struct
 * vigil_repeat); the first was sent. */
struct ev_repeat {
	struct vigil_repeat_key key;
	struct vigil_repeat val;
	uint64_t interval_ms;
};

/* The time between an earlier daemon's last heartbeat and this one's
 * adoption of its pinned state; the event's time is the adoption. */
struct ev_gap {
	uint64_t from_ns;		/* CLOCK_BOOTTIME */
	uint64_t previous_seq;
	uint64_t lost;			/* kernel drops nobody reported */
	uint8_t previous_run_id[16];
	bool clean;			/* the earlier daemon stopped, not died */
};

/* The kinds of things a baseline learns (baseline/), and so what an
 * anomaly record can find new; a profile weighs each. */
enum anomaly_what {
	ANOMALY_EXEC,		/* a program, with its parent program */
	ANOMALY_FILE,		/* a file read, written, made, removed... */
	ANOMALY_CONNECT,	/* a destination */
	ANOMALY_LISTEN,		/* a socket bound or listening */
	ANOMALY_SYSCALL,
	ANOMALY_CRED,		/* a change of credentials */
	ANOMALY_RATE,		/* execs, opens or bytes out far above */
	ANOMALY_KINDS,
};

/* Something new to a sandbox's baseline: the item as the baseline would
 * write it, the nearest pattern it has, and how rare. */
struct ev_anomaly {
	uint16_t what;		/* enum anomaly_what */
	const char *op;		/* exec, read, write, mkdir, ..., tcp, rate
				 * name: the baseline's word for it */
	const char *item;
	const char *nearest;	/* "-" when it has nothing near */
	uint32_t seen;		/* sessions that did the nearest */
	uint32_t sessions;	/* the baseline learnt from */
	double rarity;		/* 1: never seen; rates: value / limit */
	double value, limit;	/* rates; 0 otherwise */
	double score;		/* as the profile weighs it */
	const char *profile;
	uint64_t trigger_seq;
	const char *trigger_type;
};

/* An alert: which rule matched which record, and the sandbox's risk. */
struct ev_alert {
	const char *rule;
	const char *description;
	const char *severity;
	char *const *tags;
	size_t nr_tags;
	double score;
	double risk;		/* after this rule's score */
	const char *profile;
	uint64_t trigger_seq;
	const char *trigger_type;
	const char *message;
};

/* The daemon started (with these rules) or stopped. */
struct ev_lifecycle {
	const char *event;		/* "start", "reload", "relink",
					 * "rewrite", "stop" */
	const char *const *rule_names;	/* the rule sources, in load order */
	const char *const *rule_sha256;	/* their digests, hex */
	size_t nr_rules;
	const char *rules_sha256;	/* of the whole set, "" without rules */
	const char *signal;		/* stop: what asked for it, or NULL */
	const char *const *programs;	/* relink: "PROGRAM@ROOT" each */
	size_t nr_programs;
	const char *const *maps;	/* rewrite: the maps put back */
	size_t nr_maps;
};

/* Who asked for an operator's act, from the control socket's peer. */
struct ev_operator {
	uint32_t uid;
	const char *user;	/* uid's name, or NULL */
	int32_t pid;
	uint32_t login_uid;	/* the login session's (audit) uid: the
				 * person behind sudo; (uint32_t)-1 unset */
	const char *login_user;
	const char *reason;	/* what they said (--reason), or NULL */
};

/* A pending request for a human, or its decision (approval/). */
struct ev_approval {
	const char *id;
	const char *event;	/* "request", "decision" */
	const char *decision;	/* "approved", "denied"; NULL: a request */
	const char *by;		/* "operator", "timeout", "restart" */
	const char *step;	/* "exec", "open", "connect", "freeze" */
	const char *target;	/* a path, "ADDR port N", or what froze */
	uint32_t dev;		/* exec, open: the file */
	uint64_t ino;
	const char *rule;	/* the rule that asked */
	const char *profile;
	const char *held;	/* "kernel" (the step never happened) or
				 * "freeze" (the sandbox waits) */
	int64_t deadline_ns;	/* CLOCK_REALTIME */
	uint64_t trigger_seq;	/* 0: none (a restored request) */
	const char *scope;	/* decision approved: "sandbox", "profile" */
	uint64_t ttl_s;		/* 0: for as long as the grant's owner */
	const char *channel;	/* "cli", "console"; NULL for vigil's own */
	const char *reason;	/* why it was decided */
	const struct ev_operator *operator;	/* who, or NULL */
};

struct evidence;

/* An action: what was done to a sandbox, why, and how it went. */
struct ev_action {
	const char *action;	/* alert, freeze, thaw, kill */
	const char *reason;	/* rule, threshold, operator, freeze-timeout */
	const char *rule;	/* the rule that acted directly, or NULL */
	double risk;
	double threshold;	/* crossed, or < 0 */
	const char *profile;
	uint64_t trigger_seq;	/* 0 when no record triggered it */
	const char *outcome;	/* done, failed, refused, dry-run */
	const char *error;	/* why not done, or NULL */
	double latency_ms;	/* kill: trigger to empty cgroup; < 0 none */
	/* What the kernel did first: "sigkill" (the task that opened or
	 * exec'd a protected file), "drop" (packets past the egress
	 * budget), or NULL. */
	const char *kernel_verdict;
	const struct ev_operator *operator;	/* reason "operator": who */
	const struct evidence *evidence;	/* or NULL */
	const char *evidence_file;		/* or NULL */
	/* The sandbox's last records before the action, JSON texts. */
	const char *const *history;
	const size_t *history_len;
	size_t nr_history;
};

struct event {
	enum event_kind kind;
	uint64_t seq;			/* set when the record is emitted */
	uint64_t ktime_ns;		/* CLOCK_BOOTTIME */
	const struct vigil_hdr *hdr;	/* process events only */
	struct sandbox *sandbox;	/* NULL for drop */
	const struct proc *proc;	/* process events only */
	/* Names of the protected file sets by bit (ruleset's), or NULL. */
	const char *const *fileset_names;
	union {
		struct ev_exec exec;
		struct ev_open open;
		struct ev_file file;
		struct ev_cred cred;
		struct ev_socket socket;
		struct ev_dns dns;
		struct ev_connect connect;
		struct ev_syscall syscall;
		struct ev_budget budget;
		struct ev_cgroup cgroup;
		struct ev_escape escape;
		uint32_t child_pid;	/* fork */
		uint32_t exit_code;	/* exit, as wait(2) reports it */
		struct ev_flow flow;
		struct ev_drop drop;
		struct ev_gap gap;
		struct ev_repeat repeat;
		struct ev_alert alert;
		struct ev_anomaly anomaly;
		struct ev_action action;
		struct ev_approval approval;
		struct ev_lifecycle lifecycle;
	};
};

/* Decodes one raw record from the ring buffer into ev. Every length is
 * checked against size; returns 0, or -EINVAL for a malformed record. */
int event__decode(const void *data, size_t size, struct event *ev);

/* The record type's name in JSON ("exec", "open", ...). */
const char *event__type_name(enum event_kind kind);

/* A file record's op by name ("mkdir", "rename", ...), both ways; the
 * parse gives 0 for an unknown name. */
const char *file__op_name(uint16_t op);
uint16_t file__op_parse(const char *name);
/* The op has a second name (rename, link, symlink). */
bool file__op_two(uint16_t op);

/* A connect record's verdict by name ("none", "allow", "monitor",
 * "deny") and the call it was of ("syscall", "hook", "send"), both ways;
 * the parses give -1 for an unknown name. */
const char *verdict__name(uint8_t v);
int verdict__parse(const char *name);
const char *connect__via_name(uint8_t via);
int connect__via_parse(const char *name);

/* A DNS name in wire form (len bytes: each label after its length) as
 * text, labels joined by dots, into out (VIGIL_DNS_NAME_MAX bytes);
 * stops at a zero length or the end. Returns the text's length. */
size_t dns__name_text(const uint8_t *wire, size_t len, char *out);
/* A query type as text: its name ("A", "AAAA", "TXT", ...), else
 * "TYPEn" (RFC 3597), into buf; and back, -1 for neither. */
#define DNS_QTYPE_TEXT 12
const char *dns__qtype_text(uint16_t qtype, char buf[DNS_QTYPE_TEXT]);
int dns__qtype_parse(const char *text);

/* A socket record's op by name ("socket", "bind", "listen"), both ways;
 * the parse gives 0 for an unknown name. */
const char *socket__op_name(uint16_t op);
uint16_t socket__op_parse(const char *name);

/* An anomaly's what by name ("exec", "file", ...), both ways; the parse
 * gives ANOMALY_KINDS for an unknown name. */
const char *anomaly__what_name(uint16_t what);
uint16_t anomaly__what_parse(const char *name);

/* An escape's way out by name ("open", "clone", "move"), both ways; the
 * parse gives 0 for an unknown name. */
const char *escape__how_name(uint16_t how);
uint16_t escape__how_parse(const char *name);

#endif /* VIGIL_EVENT_H */
