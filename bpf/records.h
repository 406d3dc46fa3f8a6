/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Record layouts shared by the BPF programs and the collector.
 *
 * Every record starts with struct vigil_hdr; hdr.size is the length of the
 * whole record, variable-length strings included, so the collector can
 * bounds-check each record before it touches a field. Strings in data[] are
 * not NUL-terminated: their lengths are given in the fixed part, in the
 * order the strings follow one another.
 */
#ifndef VIGIL_EVENTS_H
#define VIGIL_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VIGIL_COMM_LEN   16
#define VIGIL_PATH_MAX   4096	/* resolved paths and raw path arguments */
#define VIGIL_ARGV_MAX   8192	/* bytes of NUL-separated argv kept per exec */
#define VIGIL_ENV_MAX    4096	/* bytes of the watched environment per exec */
#define VIGIL_UNIX_MAX   108	/* sun_path */
#define VIGIL_MAX_ROOTS  8	/* sandbox roots one collector watches */
#define VIGIL_MAX_NR     512	/* syscall numbers the dispatch tables hold */
#define VIGIL_MAX_FILESETS 64	/* protected file sets: bits of a __u64 */
#define VIGIL_ALLOW_PORTS 8	/* port ranges per allowed network */
#define VIGIL_NAME_MAX   256	/* a cgroup's directory name, NUL included */
#define VIGIL_DNS_NAME_MAX 128	/* bytes of a DNS name an allowlist holds */
#define VIGIL_BUDGETS 1024	/* budgeted allow.destinations entries, all
				 * profiles, plus 1 (0 is none) */
#define VIGIL_BUDGET_ENTRY_MAX 144	/* an entry's text: "*.", a name,
					 * ":65535", NUL */

/* What the dispatchers (bpf/dispatch.bpf.c) know of a syscall number
 * before they look at the task: the loader's routes map, from the
 * syscall table. Every routed syscall has a handler at exit; 0: none
 * at all. */
enum vigil_route {
	VIGIL_ROUTE_ENTER = 1,		/* a handler at entry */
	VIGIL_ROUTE_EXIT_ALONE = 2,	/* one at exit, with none at entry */
};

enum vigil_type {
	VIGIL_EV_EXEC    = 1,
	VIGIL_EV_FORK    = 2,
	VIGIL_EV_EXIT    = 3,
	VIGIL_EV_OPEN    = 4,
	VIGIL_EV_CONNECT = 5,
	VIGIL_EV_SYSCALL = 6,
	VIGIL_EV_BUDGET  = 7,
	VIGIL_EV_ESCAPE  = 8,
	VIGIL_EV_FILE    = 9,	/* a file mutation (struct vigil_file) */
	VIGIL_EV_CRED    = 10,	/* a credential change (struct vigil_cred) */
	VIGIL_EV_SOCKET  = 11,	/* socket, bind, listen (struct vigil_socket) */
	VIGIL_EV_DNS     = 12,	/* a DNS query (struct vigil_dns) */
	/* Records for the collector's sandbox registry alone, never
	 * rendered: numbered apart from the rendered ones. */
	VIGIL_EV_CGROUP_MKDIR = 64,
	VIGIL_EV_CGROUP_RMDIR = 65,
};

enum vigil_flag {
	VIGIL_F_ARGV_TRUNC = 1 << 0,	/* argv longer than VIGIL_ARGV_MAX */
	VIGIL_F_PATH_TRUNC = 1 << 1,	/* a path hit VIGIL_PATH_MAX or depth */
	VIGIL_F_DELETED    = 1 << 2,	/* the resolved file is unlinked */
	VIGIL_F_COMPAT     = 1 << 3,	/* 32-bit (ia32) syscall */
	VIGIL_F_KILLED     = 1 << 4,	/* the kernel side sent the task SIGKILL */
	VIGIL_F_ENV_TRUNC  = 1 << 5,	/* exec: watched variables past
					 * VIGIL_ENV_MAX or past the count walked */
	VIGIL_F_ASKED      = 1 << 6,	/* ... to hold a step that asks a human
					 * (VIGIL_F_KILLED set too) */
};

/* Record types are below this: the per-kind drop counts of a sandbox
 * (struct vigil_load) are indexed by type. */
#define VIGIL_KINDS 16

/* What a process's standard fds (0, 1, 2) were when it exec'd: a shell
 * whose stdin is an inet socket is a reverse shell. */
enum vigil_fdtype {
	VIGIL_FD_NONE = 0,	/* closed */
	VIGIL_FD_FILE,
	VIGIL_FD_DIR,
	VIGIL_FD_TTY,
	VIGIL_FD_CHR,		/* another character device (/dev/null) */
	VIGIL_FD_PIPE,		/* pipe or FIFO */
	VIGIL_FD_UNIX,		/* unix socket */
	VIGIL_FD_INET,		/* inet or inet6 socket */
	VIGIL_FD_SOCK,		/* another socket family */
	VIGIL_FD_OTHER,		/* anon inode (eventfd, memfd is FILE), ... */
};

/* Which syscall produced an open or exec record. */
enum vigil_sys {
	VIGIL_SYS_OPEN = 1,
	VIGIL_SYS_OPENAT,
	VIGIL_SYS_OPENAT2,
	VIGIL_SYS_CREAT,
	VIGIL_SYS_EXECVE,
	VIGIL_SYS_EXECVEAT,
	/* file records (struct vigil_file) */
	VIGIL_SYS_MKDIR,
	VIGIL_SYS_MKDIRAT,
	VIGIL_SYS_UNLINK,
	VIGIL_SYS_UNLINKAT,
	VIGIL_SYS_RMDIR,
	VIGIL_SYS_RENAME,
	VIGIL_SYS_RENAMEAT,
	VIGIL_SYS_RENAMEAT2,
	VIGIL_SYS_LINK,
	VIGIL_SYS_LINKAT,
	VIGIL_SYS_SYMLINK,
	VIGIL_SYS_SYMLINKAT,
	VIGIL_SYS_CHMOD,
	VIGIL_SYS_FCHMOD,
	VIGIL_SYS_FCHMODAT,
	VIGIL_SYS_CHOWN,
	VIGIL_SYS_FCHOWN,
	VIGIL_SYS_LCHOWN,
	VIGIL_SYS_FCHOWNAT,
	VIGIL_SYS_TRUNCATE,
	VIGIL_SYS_FTRUNCATE,
	VIGIL_SYS_MEMFD_CREATE,
};

/* What a file record did (struct vigil_file). */
enum vigil_file_op {
	VIGIL_FILE_MKDIR = 1,
	VIGIL_FILE_UNLINK,
	VIGIL_FILE_RMDIR,	/* rmdir, unlinkat(AT_REMOVEDIR) */
	VIGIL_FILE_RENAME,
	VIGIL_FILE_LINK,
	VIGIL_FILE_SYMLINK,
	VIGIL_FILE_CHMOD,
	VIGIL_FILE_CHOWN,
	VIGIL_FILE_TRUNCATE,
	VIGIL_FILE_MEMFD,	/* memfd_create: an anonymous file, by name */
	VIGIL_FILE_OPS,		/* the number of ops + 1 */
};

struct vigil_hdr {
	__u16 type;		/* enum vigil_type */
	__u16 size;		/* whole record, header included */
	__u32 flags;		/* enum vigil_flag */
	__u64 ktime_ns;		/* CLOCK_BOOTTIME */
	__u64 cgroup_id;	/* the task's own cgroup */
	__u64 sandbox_cgid;	/* the sandbox: the root's child above it */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 ppid;		/* real parent's tgid */
	__u32 uid;
	__u32 gid;
	__u32 __pad;
	char comm[VIGIL_COMM_LEN];
};

/* data[]: file (resolved executable, empty when exec failed), arg (the
 * path the caller passed), argv (NUL-separated, as the new image sees it
 * on success, as passed on failure), script (for a "#!" script, the
 * script file resolved, while file is its interpreter; else empty), env
 * (the watched variables of the new image, "NAME=value", NUL-separated;
 * empty when exec failed). */
struct vigil_exec {
	struct vigil_hdr hdr;
	__s32 ret;
	__u32 dev;
	__u64 ino;
	__u16 sys;		/* enum vigil_sys */
	__u16 file_len;
	__u16 arg_len;
	__u16 argv_len;
	__u32 argc;		/* arguments in argv[] */
	__u16 script_len;
	__u16 env_len;
	__u64 filesets;		/* protected file sets the file belongs to */
	__u8 stdio[3];		/* enum vigil_fdtype of fds 0, 1, 2 */
	__u8 __pad2[5];
	__u32 old_euid;		/* effective ids before the exec (a setuid */
	__u32 old_egid;		/* or setgid file changes them) and after */
	__u32 euid;
	__u32 egid;
	__u32 script_dev;	/* the script's file, as stat(2) has it */
	__u32 __pad3;
	__u64 script_ino;
	char data[];
};

struct vigil_fork {
	struct vigil_hdr hdr;	/* the parent */
	__u32 child_pid;
	__u32 __pad;
};

struct vigil_exit {
	struct vigil_hdr hdr;
	__u32 exit_code;	/* as wait(2) reports it */
	__u32 __pad;
};

/* data[]: path (the file actually opened, empty on failure), arg (the raw
 * path argument, read at syscall exit). */
struct vigil_open {
	struct vigil_hdr hdr;
	__s32 ret;
	__u32 open_flags;
	__u32 mode;
	__u32 dev;
	__u64 ino;
	__u16 sys;		/* enum vigil_sys */
	__u16 path_len;
	__u16 arg_len;
	__u16 __pad;
	__u64 filesets;		/* protected file sets the file belongs to */
	char data[];
};

/*
 * A file mutation by a sandboxed task, failed attempts included, built at
 * syscall entry (a removed file has no dentry at exit) and sent at exit
 * with ret. data[]: base, arg, base2, arg2, in that order (the lengths
 * say where each ends). arg is the raw path argument as the kernel read
 * it; base is what the kernel resolved it against, walked from its
 * dentries: the dirfd's directory or the cwd for a relative arg, empty
 * for an absolute one, the file itself for an fd call (fchmod, fchown,
 * ftruncate, AT_EMPTY_PATH). The second pair is the new name of rename
 * and link and the link made by symlink, whose first arg is the target
 * as stored in the link (no base: it is only text).
 */
struct vigil_file {
	struct vigil_hdr hdr;
	__s32 ret;
	__u16 op;		/* enum vigil_file_op */
	__u16 sys;		/* enum vigil_sys */
	__u32 mode;		/* chmod, mkdir: as asked (S_ISUID visible) */
	__u32 uid;		/* chown: (__u32)-1 leaves it */
	__u32 gid;
	__u32 at_flags;		/* the call's AT_* or RENAME_* flags */
	__u64 length;		/* truncate */
	__u16 base_len;
	__u16 arg_len;
	__u16 base2_len;
	__u16 arg2_len;
	char data[];
};

/* A task's ids, as its struct cred holds them. */
struct vigil_ids {
	__u32 uid, euid, suid, fsuid;
	__u32 gid, egid, sgid, fsgid;
};

/*
 * A credential call by a sandboxed task (setuid, setgid, setreuid,
 * setregid, setresuid, setresgid, setfsuid, setfsgid, setgroups,
 * capset), failed attempts included: the ids and capabilities the task
 * had at entry and has at exit, read from its struct cred (what the
 * kernel applied, not what was asked), and the raw arguments. nr is the
 * caller's ABI's number (VIGIL_F_COMPAT for ia32).
 */
struct vigil_cred {
	struct vigil_hdr hdr;
	__s64 ret;
	__u32 nr;
	__u32 ngroups_old;
	__u32 ngroups_new;
	__u32 __pad;
	struct vigil_ids old_ids;
	struct vigil_ids new_ids;
	__u64 cap_eff_old;
	__u64 cap_eff_new;
	__u64 cap_prm_new;
	__u64 args[3];
};

/* A socket address as the collector needs it: inet addresses in network
 * byte order (v4 in the first four bytes), port in host order. */
struct vigil_sockaddr {
	__u16 family;		/* AF_INET, AF_INET6, AF_UNIX */
	__u16 port;
	__u16 path_len;		/* AF_UNIX: bytes of path used */
	__u16 __pad;
	__u8 addr[16];
	char path[VIGIL_UNIX_MAX];
};

/*
 * A DNS message between a sandbox and a resolver on port 53 (UDP, or TCP
 * after its two-byte length): a query the sandbox sent, read at its
 * cgroup's egress (bpf/dns_query.bpf.h), with the verdict on it (DENY:
 * the packet was dropped, nothing reached the resolver); or, with
 * VIGIL_DNS_ANSWER in reply, a response from a resolver its profile
 * lists, read at ingress (bpf/dns.bpf.c), verdict NONE (answers are
 * never dropped). qname is the question's name in wire form (each label
 * after its length byte), its first qname_len bytes; VIGIL_F_PATH_TRUNC
 * when the name was longer than VIGIL_DNS_NAME_MAX or malformed, qtype
 * then 0. An answer's header names the task whose query it answers (by
 * the query's id and port) or, when that query was not seen, no task.
 */
#define VIGIL_DNS_ADDRS 8	/* an answer's addresses kept */
/* The longest a DNS answer's address is granted (bpf/dns.bpf.c): an
 * address learnt once is asked again. */
#define VIGIL_DNS_TTL_MAX_S 3600

enum vigil_dns_reply {
	VIGIL_DNS_ANSWER  = 1 << 0,	/* a response, not a query */
	VIGIL_DNS_GRANTED = 1 << 1,	/* its addresses were granted */
	VIGIL_DNS_CUT     = 1 << 2,	/* more records than read or kept */
};

struct vigil_dns {
	struct vigil_hdr hdr;
	__u16 family;		/* the resolver's address */
	__u16 port;
	__u8 addr[16];
	__u16 qtype;
	__u8 verdict;		/* enum vigil_verdict */
	__u8 qname_len;
	__u8 qname[VIGIL_DNS_NAME_MAX];
	__u8 proto;		/* IPPROTO_UDP or IPPROTO_TCP */
	/* A response's; zero in a query's: */
	__u8 reply;		/* enum vigil_dns_reply */
	__u8 rcode;		/* the header's RCODE */
	__u8 naddrs;		/* addrs[] used: its A and AAAA records */
	__u8 cnames;		/* CNAME records of its answer section */
	__u8 __pad[3];
	__u32 ttl;		/* the lowest TTL of addrs, as sent */
	__u8 addr_family[VIGIL_DNS_ADDRS];	/* AF_INET or AF_INET6 */
	__u8 addrs[VIGIL_DNS_ADDRS][16];	/* v4 in the first 4 bytes */
};

/* What a socket record did. */
enum vigil_socket_op {
	VIGIL_SOCKET_SOCKET = 1,
	VIGIL_SOCKET_BIND,
	VIGIL_SOCKET_LISTEN,
	VIGIL_SOCKET_ACCEPT,	/* accept, accept4 */
	VIGIL_SOCKET_OPS,	/* the number of ops + 1 */
};

/*
 * A socket made, bound, put to listen or accepted by a sandboxed task,
 * failed attempts included (but an accept's EAGAIN: no one came),
 * recorded at exit. family, sock_type and proto are the socket's own
 * (from its struct sock) when the call worked, else socket()'s
 * arguments (type without SOCK_NONBLOCK | SOCK_CLOEXEC). sa: bind's
 * address as bound (the socket's local address, port assigned) when it
 * worked, as asked otherwise; listen's local address; the peer an
 * accept took (inet); none for socket().
 */
struct vigil_socket {
	struct vigil_hdr hdr;
	__s32 ret;
	__u16 op;		/* enum vigil_socket_op */
	__u16 family;		/* AF_* */
	__u32 sock_type;	/* SOCK_STREAM, SOCK_RAW, ... */
	__u32 proto;
	__u32 backlog;		/* listen */
	__u32 __pad;
	struct vigil_sockaddr sa;
};

/* What the kernel decided about a destination (connect records). */
enum vigil_verdict {
	VIGIL_VERDICT_NONE = 0,	/* not judged: unix, or no hook ran (the
				 * call failed before, or the sandbox's
				 * hooks are not attached) */
	VIGIL_VERDICT_ALLOW,	/* the profile or a grant allows it */
	VIGIL_VERDICT_MONITOR,	/* neither does: let through, egress:
				 * monitor */
	VIGIL_VERDICT_DENY,	/* neither does: refused with EPERM, egress:
				 * deny (nothing went on the wire) */
	VIGIL_VERDICTS,		/* the number of verdicts */
};

/* Which call a connect record is of. */
enum vigil_connect_op {
	VIGIL_CONNECT_CALL = 0,	/* connect(2), traced at its exit */
	VIGIL_CONNECT_HOOK,	/* a connect the syscall tracepoints do not
				 * see (io_uring, ia32 socketcall), from the
				 * cgroup connect hook: ret is 0 unless
				 * refused */
	VIGIL_CONNECT_SEND,	/* an unconnected send (sendto, sendmsg,
				 * sendmmsg, io_uring) refused by the cgroup
				 * sendmsg hook */
	VIGIL_CONNECT_OPS,	/* the number of ops */
};

/*
 * A connect by a sandboxed task, or a send the kernel refused. verdict
 * is the cgroup hooks' (bpf/egress.bpf.c), which see every inet connect
 * and unconnected send before anything goes on the wire.
 */
struct vigil_connect {
	struct vigil_hdr hdr;
	__s32 ret;
	__u16 proto;		/* IPPROTO_* of the socket, 0 for unix */
	__u16 sock_type;	/* SOCK_STREAM, SOCK_DGRAM, ... */
	struct vigil_sockaddr sa;
	__u8 verdict;		/* enum vigil_verdict */
	__u8 op;		/* enum vigil_connect_op */
	__u8 __pad[2];
};

/* A syscall that reaches beyond the sandbox (ptrace, bpf, mount,
 * unshare, setns, module loading, io_uring_setup, keyctl, ...), recorded
 * at exit, failed attempts included. nr is the caller's ABI's number
 * (VIGIL_F_COMPAT set for ia32). */
struct vigil_syscall {
	struct vigil_hdr hdr;
	__s64 ret;
	__u32 nr;
	__u32 __pad;
	__u64 args[4];
};

/*
 * A sandbox spent its egress budget: the packet that would have crossed it
 * was dropped, as is every later one to a destination outside its
 * profile's allowlist. Sent once per sandbox by the cgroup_skb program,
 * which runs without a reliable task: hdr has the socket's cgroup and
 * sandbox and zero pid, uid and comm.
 */
struct vigil_budget {
	struct vigil_hdr hdr;
	__u64 budget;		/* bytes allowed outside the allowlist */
	__u64 spent;		/* bytes sent before the first drop (hdr's
				 * time is the drop's) */
	__u32 profile;		/* the allowlist the kernel applied */
	__u16 family;
	__u16 port;		/* destination of the dropped packet */
	__u8 addr[16];
	__u8 proto;
	__u8 __pad[7];
	char entry[VIGIL_BUDGET_ENTRY_MAX];	/* the allow.destinations
				 * entry whose own budget was spent, as
				 * written (NUL-terminated); empty for the
				 * profile's egress_budget */
};

/*
 * A sandbox (a direct child of a root) was made or removed. hdr has the
 * sandbox's cgroup id in sandbox_cgid and the task that made or removed
 * it; the name is the directory's, as the kernel holds it (not
 * NUL-terminated: name_len bytes).
 */
struct vigil_cgroup {
	struct vigil_hdr hdr;
	__u32 root;		/* the root's index in vigil_scope */
	__u16 name_len;
	__u16 __pad;
	char name[VIGIL_NAME_MAX];
};

/* How a task left, or tried to leave, its sandbox (bpf/escape.bpf.h). */
enum vigil_escape_how {
	VIGIL_ESCAPE_OPEN = 1,	/* opened the cgroup.procs or cgroup.threads
				 * of a cgroup outside its sandbox for
				 * writing: killed inside open(), so nothing
				 * was written and nothing moved */
	VIGIL_ESCAPE_CLONE,	/* clone3(CLONE_INTO_CGROUP) to a cgroup
				 * outside its sandbox: killed at entry, no
				 * child made (or, the check raced, one that
				 * dies before its first instruction) */
	VIGIL_ESCAPE_MOVE,	/* a task was moved out of its sandbox (the
				 * kernel's cgroup_attach_task, after the
				 * move) */
	VIGIL_ESCAPE_SIGNAL,	/* sent a signal to a process outside its
				 * sandbox (the vigil daemon, the agent's
				 * supervisor): queued before any program
				 * runs, so only punished */
};

/*
 * A task left, or tried to leave, its sandbox. hdr is the task that acted
 * (the mover), hdr.sandbox_cgid the sandbox to blame: the mover's when it
 * is a sandbox's, else the moved task's. VIGIL_F_KILLED: the mover was
 * sent SIGKILL before it returned from the syscall.
 */
struct vigil_escape {
	struct vigil_hdr hdr;
	__u64 cgroup_id;	/* the cgroup it went or was going to */
	__u64 into_sandbox;	/* that cgroup's sandbox, 0 outside every
				 * sandbox (or outside the one watched) */
	__u32 moved_pid;	/* the process moved (tgid), 0 when nothing
				 * moved (open, a clone3 stopped at entry) */
	__u16 how;		/* enum vigil_escape_how */
	__u8 moved_killed;	/* the kernel killed the process moved */
	__u8 signal;		/* VIGIL_ESCAPE_SIGNAL: the signal sent, to
				 * moved_pid */
};

/* Kernel-side enforcement, kept in sync with the rules by user space. */

/* A protected file, as stat(2) reports it. */
struct vigil_inode {
	__u64 ino;
	__u32 dev;		/* new_encode_dev, as st_dev */
	__u32 __pad;
};

/* What the kernel enforces in one sandbox; key 0 of the policies map
 * holds what applies to sandboxes user space has not placed yet. */
struct vigil_policy {
	__u64 open_kill;	/* file sets whose opening kills the opener */
	__u64 exec_kill;	/* file sets whose exec kills */
	__u64 egress_budget;	/* bytes outside the allowlist; 0: no budget */
	__u32 profile;		/* the allowlist, egress_allow's profile */
	__u32 egress;		/* enum vigil_egress */
	__u64 syscall_kill;	/* watched syscalls (their bits: positions in
				 * user space's table) that kill the caller */
	__u64 fail_closed_ns;	/* kill a task of the sandbox that makes a
				 * watched call while the daemon's
				 * heartbeat is older than this; 0: never */
	__u64 open_ask;		/* file sets whose opening is held for a
				 * human: the opener is killed unless a
				 * grant (struct vigil_file_grant) allows */
	__u64 exec_ask;		/* the same for exec */
	/* Programs outside the profile's allow.executables: exe_act says
	 * what the kernel does at their exec (enum vigil_exe_act), judging
	 * the resolved path against exe_nr patterns of exe_patterns from
	 * index exe_first (struct vigil_exe_pattern). */
	__u16 exe_first;
	__u16 exe_nr;
	__u32 exe_act;
	__u32 entry_budgets;	/* 1: some allow.destinations entry of the
				 * profile has a budget (egress_budgets) */
	__u32 __pad;
};

/* What the kernel does with an exec of a program its sandbox's profile
 * does not list (a rule `exec.allowed == false` with enforce: kernel). */
enum vigil_exe_act {
	VIGIL_EXE_NONE = 0,	/* nothing: user space judges alone */
	VIGIL_EXE_ASK,		/* kill, flagged asked, unless a file grant */
	VIGIL_EXE_KILL,		/* kill */
};

/* One allow.executables glob compiled for the kernel's matcher
 * (bpf/exeallow.bpf.h): fnmatch(3) with flags 0 ('*' matches '/' too),
 * each token a literal byte (0-255), any byte, any run, or one of the
 * pattern's bracket classes as a 256-bit set. */
#define VIGIL_EXE_PATTERNS 1024	/* exe_patterns entries: two halves */
#define VIGIL_EXE_TOKENS   128	/* tokens of one pattern */
#define VIGIL_EXE_CLASSES  4	/* bracket expressions of one pattern */

enum vigil_exe_tok {
	VIGIL_TOK_ANY = 256,	/* '?' */
	VIGIL_TOK_STAR,		/* '*' */
	VIGIL_TOK_CLASS,	/* + the class's index */
};

struct vigil_exe_pattern {
	__u16 nr;		/* tokens used */
	__u16 tok[VIGIL_EXE_TOKENS];
	__u8 cls[VIGIL_EXE_CLASSES][32];	/* bit c: byte c is in */
};

/* A human's approval of one file for a sandbox or a profile
 * (userspace/approval): the ask of open_ask or exec_ask does not kill
 * for it. The value is a struct vigil_file_grant_val. */
enum vigil_file_step { VIGIL_FILE_OPEN = 1, VIGIL_FILE_EXEC = 2 };

#define VIGIL_FILE_GRANT_PROFILE (1ull << 63)	/* owner: a profile's id */

struct vigil_file_grant {
	__u64 owner;		/* sandbox cgroup id, or
				 * VIGIL_FILE_GRANT_PROFILE | profile id */
	__u64 ino;
	__u32 dev;
	__u32 step;		/* enum vigil_file_step */
};

/* A file grant's value. An exec grant is bound to the file as it was
 * when it first let it run (its ctime, set by the kernel then): a
 * program rewritten in place, chmod'ed or renamed since is not the one
 * a human approved, and asks again. */
struct vigil_file_grant_val {
	__u64 until_ns;		/* CLOCK_BOOTTIME it lapses at; 0 never */
	__u64 ctime_ns;		/* exec: the file's ctime; 0 not run yet */
};

/* What a profile does with a destination it does not allow. */
enum vigil_egress {
	VIGIL_EGRESS_MONITOR = 0,	/* record it; only the budget stops it */
	VIGIL_EGRESS_DENY,		/* refuse the connect or send (EPERM) */
};

/* An allowed network of one profile: an LPM key over profile, then the
 * address, v4 as v4-mapped v6 (::ffff:a.b.c.d). */
struct vigil_allow_key {
	__u32 prefixlen;	/* 32 (profile, matched whole) + address bits */
	__u32 profile;
	__u8 addr[16];
};

/* The ports allowed on that network, the ranges of every shorter
 * prefix covering it included (an LPM lookup finds the longest only). */
struct vigil_allow {
	__u16 nr;
	__u16 lo[VIGIL_ALLOW_PORTS];
	__u16 hi[VIGIL_ALLOW_PORTS];
	__u16 budget[VIGIL_ALLOW_PORTS];	/* the range's entry's budget
						 * (egress_budgets), 0 none */
};

/*
 * An allowed DNS name of one profile, in the wire form a question spells
 * it ("\4pypi\3org": each label after its length, no final NUL),
 * lowercase, zero-padded; wildcard 1 for every name below it
 * ("*.pypi.org"). The value is a struct vigil_allow: the ports (one port
 * or every port per entry) of that entry and of every wildcard above it.
 */
struct vigil_name_key {
	__u32 profile;
	__u32 wildcard;
	__u8 name[VIGIL_DNS_NAME_MAX];
};

/*
 * A destination granted to one sandbox for a while, beside its profile's
 * list (bpf/README.md, "Grants"): the addresses its allowed names
 * resolved to, an approved connect. An LPM key over port and sandbox,
 * matched whole, then the address (v4 as v4-mapped v6).
 */
struct vigil_grant_key {
	__u32 prefixlen;	/* 32 + 64 (port, sandbox) + address bits */
	__u32 port;		/* host order; 0: any port */
	__u64 sandbox_cgid;
	__u8 addr[16];
};

struct vigil_grant {
	__u64 expires_ns;	/* CLOCK_BOOTTIME; 0: never */
	__u32 budget;		/* the granting name's budget, 0 none */
	__u32 __pad;
};

/* An allow.destinations entry's own byte budget, spent per sandbox on
 * what it allows; its text names it in the budget record. */
struct vigil_entry_budget {
	__u64 bytes;
	char entry[VIGIL_BUDGET_ENTRY_MAX];
};

struct vigil_entry_spent_key {
	__u64 sandbox_cgid;
	__u32 budget;		/* egress_budgets index */
	__u32 __pad;
};

/* A sandbox's egress outside its allowlist, written by the kernel. */
struct vigil_spent {
	__u64 bytes;		/* payload let through */
	__u64 dropped_bytes;
	__u64 dropped_packets;
	__u64 reported;		/* the budget record was sent */
};

/* Egress accounting, kept in BPF maps and drained by the collector. The
 * epoch lets the collector drain a finished interval while the kernel
 * writes the next one, so no increment is lost to a read/delete race. */
struct vigil_flow_key {
	__u64 sandbox_cgid;
	__u8 addr[16];
	__u16 family;
	__u16 port;		/* destination port, host order */
	__u8 proto;		/* IPPROTO_TCP, IPPROTO_UDP, ... */
	__u8 epoch;
	__u8 __pad[2];
};

struct vigil_flow_val {
	__u64 bytes;		/* L4 payload bytes seen at packet level */
	__u64 packets;
	__u64 send_calls;	/* sendto/sendmsg/sendmmsg calls */
	__u64 send_bytes;	/* bytes those calls reported sent */
};

/* Indices of the per-CPU drop counters. */
enum vigil_drop {
	VIGIL_DROP_RINGBUF = 0,	/* ring buffer full: a record was lost (its
				 * sandbox's count has it too, struct
				 * vigil_load) */
	VIGIL_DROP_FLOWS,	/* flow map full: bytes not attributed */
	VIGIL_DROP_INFLIGHT,	/* no task storage for a syscall's arguments
				 * or a task's sandbox mark */
	VIGIL_DROP_BUDGET,	/* egress_spent full: bytes not budgeted */
	VIGIL_DROP_MAX,
};

/*
 * What a sandbox lost and what the kernel did about it, written by the
 * kernel (atomically: one entry, every CPU) and read by the collector,
 * which reports the growth in the sandbox's own drop records.
 */
struct vigil_load {
	__u64 lost[VIGIL_KINDS];	/* records lost, by type */
	__u64 kills_lost;		/* of which the kernel had killed the
					 * task (VIGIL_F_KILLED): the sandbox
					 * must be killed all the same */
};

/*
 * Repeats of a record that a flooding task makes over and over (same
 * process, same file or same failing path, same result), counted in the
 * kernel instead of sent once the task passes its rate or the ring
 * buffer fills up (bpf/repeat.bpf.h); the first was sent. The collector
 * drains an epoch once it is closed, as it does flows.
 */
struct vigil_repeat_key {
	__u64 sandbox_cgid;
	__u64 ino;		/* the file opened; 0 when it failed */
	__u64 arg_sig;		/* a failure: the path argument's length and
				 * first and last bytes */
	__u32 pid;		/* tgid */
	__u32 dev;
	__s32 ret;		/* -errno; 0 for any fd */
	__u32 open_flags;
	__u16 type;		/* enum vigil_type */
	__u16 sys;		/* enum vigil_sys */
	__u8 epoch;
	__u8 __pad[3];
};

struct vigil_repeat {
	__u64 count;		/* repeats not sent */
	__u64 first_ns;		/* the first repeat's time */
	__u64 last_ns;
};

/* The sandbox a task belongs to and its record rate (task storage: see
 * bpf/vigil.bpf.h). */
struct vigil_task {
	__u64 sandbox;		/* 0: not a sandbox's */
	__u64 window_ns;	/* start of the rate window */
	__u32 in_window;	/* plain records made in it */
	__u32 __pad;
	__u64 last_hash;	/* of the last plain record's repeat key */
};

/* The daemon's state, kept in a pinned map (maps.bpf.h: daemon_state) so that
 * the next daemon to adopt the pinned programs can name the gap between
 * them. Written by user space only. */
struct vigil_daemon {
	__u64 heartbeat_ns;	/* boot clock: the last tick of the daemon */
	__u64 seq;		/* the last record it numbered */
	__u64 drops_reported;	/* kernel drops it put in drop records */
	__u8 run_id[16];	/* its run (rendered as run_id) */
	__u32 serving;		/* 1 from start to a clean stop */
	__u32 __pad;
};

/* What decides that a task is watched: its cgroup lies below one of the
 * roots. level is the root's depth under the cgroup2 mount. */
struct vigil_scope {
	__u64 root_id[VIGIL_MAX_ROOTS];
	__u32 root_level[VIGIL_MAX_ROOTS];
	__u32 nr_roots;
	__u32 __pad;
	__u64 only_sandbox;	/* non-zero: watch this one sandbox only */
};

#endif /* VIGIL_EVENTS_H */
