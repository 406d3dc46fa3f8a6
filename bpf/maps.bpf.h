/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every map and setting of vigil's BPF side, declared once. Every .bpf.c
 * includes this header, so every object compiled from one carries all of
 * them; they are __weak so that `bpftool gen object` keeps one instance
 * of each when it links the objects into build/vigil.bpf.o, and the
 * collector opens one skeleton with one copy of every map (bpf/README.md).
 */
#ifndef VIGIL_MAPS_BPF_H
#define VIGIL_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "records.h"

/* ------------------------------------------------------------ settings */

/* Set by the loader before load; constant for the verifier, so the scope
 * loop (vigil.bpf.h) is unrolled to nr_roots iterations. */
const volatile struct vigil_scope scope __weak = {};

/* Set by the loader when the kernel has bpf_send_signal_task (6.13):
 * then a task moved out of its sandbox by another is killed at once
 * (escape.bpf.c). Constant, so the verifier drops the call where the
 * kernel lacks it. */
const volatile bool signal_task __weak;

/* Set by the loader when the kernel has bpf_rdonly_cast (6.2): then the
 * opens' path walk reads with plain loads (path.bpf.h). */
const volatile bool path_loads __weak;

/* Plain records a task may send per rate window (repeat.bpf.h:
 * FLOOD_WINDOW_NS) before the kernel counts its repeats instead of
 * sending them; 0: never count repeats. Set by the loader. */
const volatile __u32 flood_records __weak;

/* The events ring buffer's size, set by the loader with the map's: the
 * lanes' limits (vigil.bpf.h) without a helper call for it. */
const volatile __u64 ring_bytes __weak;

/* enum vigil_route bits by ABI (native, ia32) and syscall number, set by
 * the loader from the syscall table: what lets the dispatchers
 * (dispatch.bpf.c) leave an unwatched task before any tail call, with a
 * plain load rather than a map lookup. */
const volatile __u8 routes[2][VIGIL_MAX_NR] __weak;

/* The smallest fail_closed_ns of any policy (vigil.bpf.h: failsafe),
 * 0 when none fails closed; written by user space with the policies. */
volatile __u64 fail_closed_min_ns __weak;

/* True while some policy judges execs against its profile's programs
 * (exe_act): otherwise an exec pays no policy lookup for it. Written by
 * user space with the policies. */
volatile bool exe_judged __weak;

/* The epoch new flow bytes are counted in; advanced by the collector
 * while the programs run, hence not const. */
volatile __u8 flow_epoch __weak;

/* ------------------------------------------------- records and drops */

/* Every record for the collector, in commit order across CPUs. Its size is
 * set by the loader before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events __weak SEC(".maps");

/* A copy of every record of something the kernel did (a task killed, an
 * escape, a budget spent: vigil.bpf.h, verdict__is), which the collector
 * reads before the backlog of events, so that no flood delays a kill;
 * it skips the copy in events when it comes. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 << 10);
} verdicts __weak SEC(".maps");

/* The mkdir records of sandboxes (sandbox.bpf.c), apart from the rest:
 * a thread of the collector's waits on them alone, to open a new
 * sandbox's directory before its manager can remove it, whatever backlog
 * of other records there is (userspace/intake/opener.h). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 << 10);
} sandbox_mkdirs __weak SEC(".maps");

/* Per-CPU counts of what the kernel side could not deliver, indexed by
 * enum vigil_drop; summed and reported by the collector. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VIGIL_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops __weak SEC(".maps");

/* Loss counts by sandbox, made on a sandbox's first loss. */
#define LOAD_MAP(name)						\
	struct {						\
		__uint(type, BPF_MAP_TYPE_HASH);		\
		__uint(max_entries, 16384);			\
		__uint(map_flags, BPF_F_NO_PREALLOC);		\
		__type(key, __u64);				\
		__type(value, struct vigil_load);		\
	} name __weak SEC(".maps")

/* What each sandbox lost, by record type (struct vigil_load). */
LOAD_MAP(sandbox_load);

/* What the collector has reported of each sandbox's counts above; user
 * space's alone, pinned with them, so that a restarted daemon reports
 * what the last one did not, and nothing twice. */
LOAD_MAP(load_reported);

/* Repeats counted instead of sent, per record and epoch (the flows'). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct vigil_repeat_key);
	__type(value, struct vigil_repeat);
} repeats __weak SEC(".maps");

/* Egress per (sandbox, destination, epoch); drained by the collector. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct vigil_flow_key);
	__type(value, struct vigil_flow_val);
} flows __weak SEC(".maps");

/* One struct vigil_daemon: the last daemon's heartbeat, run and numbers,
 * for the gap record of the next one (userspace/intake/pins.c). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_daemon);
} daemon_state __weak SEC(".maps");

/* ------------------------------------------------------ syscall dispatch */

/* A map indexed by syscall number, filled by the loader from the syscall
 * table (userspace/lib/syscalls.c). ia32 syscalls have their own
 * numbering, hence a compat_ map beside each native one. */
#define SYSCALL_MAP(name, map_type, vtype)			\
	struct {						\
		__uint(type, map_type);				\
		__uint(max_entries, VIGIL_MAX_NR);		\
		__type(key, __u32);				\
		__type(value, vtype);				\
	} name __weak SEC(".maps")

/* Syscall number -> handler program, for the dispatchers' tail calls
 * (dispatch.bpf.c). */
SYSCALL_MAP(enter_calls, BPF_MAP_TYPE_PROG_ARRAY, __u32);
SYSCALL_MAP(exit_calls, BPF_MAP_TYPE_PROG_ARRAY, __u32);
SYSCALL_MAP(compat_enter_calls, BPF_MAP_TYPE_PROG_ARRAY, __u32);
SYSCALL_MAP(compat_exit_calls, BPF_MAP_TYPE_PROG_ARRAY, __u32);

/* ------------------------------------------------------------ enforcement */

/* Protected files: (dev, ino) -> the bits of the sets they belong to.
 * Written by user space from the rules' file sets. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct vigil_inode);
	__type(value, __u64);
} protected __weak SEC(".maps");

/* Every profile's allow.executables compiled for the exec judgement
 * (bpf/exeallow.bpf.h), each profile's a range its policy names. User
 * space writes a reload's into the half not in use, then the policies:
 * no exec is judged against half-written patterns. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VIGIL_EXE_PATTERNS);
	__type(key, __u32);
	__type(value, struct vigil_exe_pattern);
} exe_patterns __weak SEC(".maps");

/* A map keyed by sandbox cgroup id, with room for as many sandboxes as
 * every other such map. */
#define SANDBOX_MAP(name, vtype)				\
	struct {						\
		__uint(type, BPF_MAP_TYPE_HASH);		\
		__uint(max_entries, 16384);			\
		__type(key, __u64);				\
		__type(value, vtype);				\
	} name __weak SEC(".maps")

/* What the kernel enforces per sandbox (0: the default for sandboxes not
 * placed yet). Written by user space. */
SANDBOX_MAP(policies, struct vigil_policy);

/* Each watched syscall's bit in a policy's syscall_kill, by number. */
SYSCALL_MAP(syscall_bits, BPF_MAP_TYPE_ARRAY, __u64);
SYSCALL_MAP(compat_syscall_bits, BPF_MAP_TYPE_ARRAY, __u64);

/* An egress map of entries made as needed (LPM tries must be). */
#define EGRESS_MAP(name, map_type, entries, ktype, vtype)	\
	struct {						\
		__uint(type, map_type);				\
		__uint(max_entries, entries);			\
		__uint(map_flags, BPF_F_NO_PREALLOC);		\
		__type(key, ktype);				\
		__type(value, vtype);				\
	} name __weak SEC(".maps")

/* Allowed networks of every profile, with their ports. */
EGRESS_MAP(egress_allow, BPF_MAP_TYPE_LPM_TRIE, 16384,
	   struct vigil_allow_key, struct vigil_allow);

/* Allowed DNS names of every profile, with their ports (struct
 * vigil_name_key): the answers to them become grants (dns.bpf.c). */
EGRESS_MAP(egress_names, BPF_MAP_TYPE_HASH, 16384, struct vigil_name_key,
	   struct vigil_allow);

/* Files a human allowed a sandbox or a profile to open or exec although
 * a rule asks for them (struct vigil_file_grant -> its lapse time and,
 * for an exec, the file's ctime it is bound to). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vigil_file_grant);
	__type(value, struct vigil_file_grant_val);
} file_grants __weak SEC(".maps");
/* Destinations granted to one sandbox until they expire (struct
 * vigil_grant_key): written by user space (userspace/enforce/grant.h). */
EGRESS_MAP(egress_grants, BPF_MAP_TYPE_LPM_TRIE, 65536,
	   struct vigil_grant_key, struct vigil_grant);

/* Each sandbox's egress outside its allowlist, against its budget. */
SANDBOX_MAP(egress_spent, struct vigil_spent);

/* The task behind each DNS query a sandbox sent (its record's header),
 * so that the answer, read at ingress where no task is current, names
 * the task that asked (bpf/dns.bpf.c). LRU: a query never answered ages
 * out. */
struct dns_ask_key {
	__u64 sandbox_cgid;
	__u16 port;		/* the sandbox's own */
	__u16 id;		/* the message's */
	__u32 __pad;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct dns_ask_key);
	__type(value, struct vigil_hdr);
} dns_asks __weak SEC(".maps");
/* The budgets of allow.destinations entries, by the number their port
 * ranges carry (struct vigil_allow, vigil_grant; 0 unused). Written by
 * user space (userspace/enforce/budgets.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VIGIL_BUDGETS);
	__type(key, __u32);
	__type(value, struct vigil_entry_budget);
} egress_budgets __weak SEC(".maps");
/* Each sandbox's egress to each budgeted entry. */
EGRESS_MAP(egress_entry_spent, BPF_MAP_TYPE_HASH, 16384,
	   struct vigil_entry_spent_key, struct vigil_spent);
/* A budget record being made: with its entry's text it is too big for
 * the stack of the packet programs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_budget);
} budget_scratch __weak SEC(".maps");

/* ------------------------------------------------------ syscalls in flight */

/* Per-task arguments of the syscall in flight, saved at entry for the
 * exit handler. Task storage dies with the task, so a thread killed in the
 * middle of a syscall leaks nothing. */
#define INFLIGHT_MAP(name, vtype)				\
	struct {						\
		__uint(type, BPF_MAP_TYPE_TASK_STORAGE);	\
		__uint(map_flags, BPF_F_NO_PREALLOC);		\
		__type(key, int);				\
		__type(value, vtype);				\
	} name __weak SEC(".maps")

/* open, openat, openat2, creat (file.bpf.c). */
struct open_args {
	__u64 sandbox;
	__u64 path;		/* user pointer to the path argument */
	__u32 flags;
	__u32 mode;
	__u16 sys;		/* enum vigil_sys */
	__u16 compat;
};

INFLIGHT_MAP(open_inflight, struct open_args);

/* execve, execveat (exec.bpf.c). The path is copied at entry, because a
 * successful exec replaces the memory it lives in before
 * sched_process_exec runs. */
struct exec_args {
	__u64 sandbox;
	__u64 argv;		/* user pointer to the argv array */
	__u16 sys;		/* enum vigil_sys */
	__u16 compat;
	__u32 filename_len;
	__u32 old_euid;		/* the effective ids at entry */
	__u32 old_egid;
	char filename[VIGIL_PATH_MAX];	/* the path argument as passed */
};

INFLIGHT_MAP(exec_inflight, struct exec_args);

/* File mutations (fileop.bpf.c): the whole record, built at entry,
 * where the directory a relative name is looked up in still is what the
 * kernel uses (a dirfd closed or a cwd changed by another thread before
 * exit would name another), and a removed file's name is still there to
 * read. Sent at exit with ret. */
#define FILE_DATA_MAX (4 * VIGIL_PATH_MAX)	/* base, arg, base2, arg2 */

struct file_args {
	__u64 sandbox;		/* 0: no call in flight */
	char rec[sizeof(struct vigil_file) + FILE_DATA_MAX];
};

INFLIGHT_MAP(file_inflight, struct file_args);

/* Credential calls (cred.bpf.c): what the task had at entry. */
struct cred_args {
	__u64 sandbox;		/* 0: no call in flight */
	struct vigil_ids ids;
	__u64 cap_eff;
	__u32 ngroups;
	__u32 __pad;
};

INFLIGHT_MAP(cred_inflight, struct cred_args);

#define SA_MAX (2 + VIGIL_UNIX_MAX)	/* the largest sockaddr kept */

/* connect and the send calls (net.bpf.c); what one in flight is for. */
enum net_call { NET_CONNECT = 1, NET_SEND, NET_SENDMMSG };

struct net_args {
	__u64 sandbox;
	__u64 mmsg;		/* sendmmsg: the user mmsghdr array */
	__s32 fd;
	__u16 call;		/* enum net_call */
	__u16 compat;
	__u32 addrlen;		/* bytes of sa used; 0: the socket's peer */
	__u8 sa[SA_MAX];
	__u8 verdict;		/* connect: the hook's (egress.bpf.c) */
};

INFLIGHT_MAP(net_inflight, struct net_args);

/* Not a syscall's: the sandbox each task belongs to, kept wherever the
 * task moves (vigil.bpf.h's scope test, escape.bpf.h), and its record
 * rate, in task storage like the above so that it dies with the task. */
INFLIGHT_MAP(origins, struct vigil_task);

/* ---------------------------------------------------------------- scratch */

/* A per-CPU scratch buffer and its getter: records are built there, then
 * copied to the ring buffer, since they are too large for the stack. */
#define SCRATCH_MAP(name, size)					\
	struct name { char buf[size]; };			\
	struct {						\
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);	\
		__uint(max_entries, 1);				\
		__type(key, __u32);				\
		__type(value, struct name);			\
	} name##_map __weak SEC(".maps");			\
	static __always_inline struct name *name##__get(void)	\
	{							\
		__u32 zero = 0;					\
		return bpf_map_lookup_elem(&name##_map, &zero);	\
	}

/* An open record and its two strings (path, arg). */
SCRATCH_MAP(open_rec, sizeof(struct vigil_open) + 2 * VIGIL_PATH_MAX);

/* An exec record: file, arg, then argv at an offset below
 * 2 * VIGIL_PATH_MAX, the script below 4 *, the environment at most at
 * 5 * (EXEC_ENV_AT), so each copy's bounded offset and size stay inside
 * the buffer, and the buffer within a per-CPU value's 32 KiB. */
#define EXEC_ENV_AT (5 * VIGIL_PATH_MAX)
SCRATCH_MAP(exec_rec, sizeof(struct vigil_exec) + EXEC_ENV_AT +
			      2 * VIGIL_ENV_MAX);

/* A path walk (path.bpf.h): components are written right to left ending
 * at buf[VIGIL_PATH_MAX - 1]; the buffer is twice that so masked offsets
 * stay provably in bounds. */
SCRATCH_MAP(path_buf, 2 * VIGIL_PATH_MAX);

/* A DNS answer's record, its addresses filled one answer record a
 * bpf_loop step (dns.bpf.c). */
SCRATCH_MAP(dns_rec, sizeof(struct vigil_dns));

#endif /* VIGIL_MAPS_BPF_H */
