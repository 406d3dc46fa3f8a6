/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Programs a sandbox's profile does not list (allow.executables), judged
 * in the kernel at sched_process_exec, before the new image runs an
 * instruction: a rule `exec.allowed == false` with enforce: kernel has
 * the task killed there (action kill), or killed unless a human granted
 * the file (action ask: the record becomes a pending request).
 *
 * The judgement is user space's exec.allowed, made on the same string:
 * the path resolved from bprm->file (so a symlink, a relative name or an
 * fd names the real file) matched against the profile's globs, which
 * user space compiled into tokens (struct vigil_exe_pattern). Matching
 * paths rather than inodes judges a file the moment it exists: a binary
 * a build just wrote under an allowed workspace glob runs, with no
 * window in which user space has not yet learnt its inode. A `#!`
 * script is judged by its own path as well as its interpreter's.
 * What cannot be judged is not listed: a path cut short, a file with no
 * name (a memfd, a deleted file), a match past the step budget.
 */
#ifndef VIGIL_EXEALLOW_BPF_H
#define VIGIL_EXEALLOW_BPF_H

#include "enforce.bpf.h"
#include "path.bpf.h"

#define EXE_STEPS    (1 << 16)	/* matcher steps over every pattern */
#define EXE_TOK_MASK (VIGIL_EXE_TOKENS - 1)
#define EXE_NO_STAR  0xffffffffu

enum exe_verdict { EXE_UNDECIDED, EXE_LISTED, EXE_UNLISTED };

/* One path against the policy's patterns, one at a time. The classic
 * wildcard match: on a mismatch, the last '*' takes one more byte, which
 * is exact for '*' and one-byte matchers ('?', literals, classes). */
struct exe_match {
	const char *path;	/* in the exec record being built */
	__u32 len;
	__u32 first, nr;	/* the policy's patterns */
	__u32 i;		/* the pattern tried now */
	__u32 p, s;		/* its token, the path's byte */
	__u32 star, mark;	/* the last '*' and where it began */
	bool started;		/* pattern i's match has begun */
	int verdict;
};

static __always_inline bool exe__tok_matches(const struct vigil_exe_pattern *pat,
					     __u32 t, __u8 c)
{
	if (t < 256)
		return t == c;
	if (t == VIGIL_TOK_ANY)
		return true;
	t -= VIGIL_TOK_CLASS;
	return pat->cls[t & (VIGIL_EXE_CLASSES - 1)][c >> 3] & (1 << (c & 7));
}

/* This pattern failed: the next one from its start. */
static __always_inline long exe__next(struct exe_match *m)
{
	m->i++;
	m->started = false;
	return 0;
}

static long exe__step_cb(__u32 i, void *ctx)
{
	struct exe_match *m = ctx;
	__u32 k = m->first + m->i, t = 0;
	struct vigil_exe_pattern *pat;

	pat = m->i < m->nr ? bpf_map_lookup_elem(&exe_patterns, &k) : NULL;
	if (!pat) {
		m->verdict = EXE_UNLISTED;
		return 1;
	}
	if (!m->started) {
		m->started = true;
		m->p = m->s = 0;
		m->star = EXE_NO_STAR;
	}
	if (m->p < pat->nr)
		t = pat->tok[m->p & EXE_TOK_MASK];
	if (m->p < pat->nr && t == VIGIL_TOK_STAR) {
		m->star = m->p++;
		m->mark = m->s;
		return 0;
	}
	if (m->s < m->len) {
		if (m->p < pat->nr &&
		    exe__tok_matches(pat, t, m->path[m->s & PATH_MASK])) {
			m->p++;
			m->s++;
			return 0;
		}
		if (m->star == EXE_NO_STAR)
			return exe__next(m);
		m->p = m->star + 1;
		m->s = ++m->mark;
		return 0;
	}
	if (m->p >= pat->nr) {
		m->verdict = EXE_LISTED;
		return 1;
	}
	return exe__next(m);
}

static __always_inline bool exe__listed(const struct vigil_policy *p,
					const char *path, __u32 len)
{
	struct exe_match m = {
		.path = path, .len = len & PATH_MASK,
		.first = p->exe_first, .nr = p->exe_nr,
	};

	bpf_loop(EXE_STEPS, exe__step_cb, &m, 0);
	return m.verdict == EXE_LISTED;
}

/* The exec record e (its file's path at e->data, a script's at
 * script_path) against the sandbox's profile. The file a grant must
 * name is the one found unlisted: the binary, else the script, as it
 * is now (file__ctime). */
static __always_inline void exeallow__judge(__u64 sandbox,
					    struct vigil_exec *e,
					    const char *script_path,
					    struct file *file,
					    struct file *script)
{
	struct vigil_policy *p;
	__u32 dev = e->dev;
	__u64 ino = e->ino;

	if (!exe_judged || (e->hdr.flags & VIGIL_F_KILLED))
		return;
	p = policy__of(sandbox);
	if (!p || !p->exe_act)
		return;
	if (!(e->hdr.flags & (VIGIL_F_PATH_TRUNC | VIGIL_F_DELETED)) &&
	    exe__listed(p, e->data, e->file_len)) {
		if (!script || exe__listed(p, script_path, e->script_len))
			return;
		dev = e->script_dev;
		ino = e->script_ino;
		file = script;
	}
	if (p->exe_act == VIGIL_EXE_ASK &&
	    file_grant__allows(sandbox, p, dev, ino, file__ctime(file)))
		return;
	if (!bpf_send_signal(SIGKILL))
		e->hdr.flags |= VIGIL_F_KILLED | (p->exe_act == VIGIL_EXE_ASK ?
						  VIGIL_F_ASKED : 0);
}

#endif /* VIGIL_EXEALLOW_BPF_H */
