// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * File mutations by sandboxed tasks: mkdir, unlink, rmdir, rename, link,
 * symlink, chmod, chown and truncate in all their spellings, and the
 * anonymous files of memfd_create (a name, no path), as file records
 * (records.h: struct vigil_file). The record is built at entry:
 * after an unlink or a rename there is no dentry left to walk at exit,
 * and the directory a relative name is looked up in (the dirfd's, the
 * cwd) is resolved to its path from the kernel's objects while it is
 * the one the kernel uses. The name itself stays the raw argument: a
 * syscall tracepoint has no dentry for it (fentry and LSM, which would,
 * do not load here), so a symlink inside it is not followed; user space
 * joins base and arg and folds "." and ".." (docs/record-format.md).
 * Sent at exit, with ret.
 */
#include "path.bpf.h"

#define AT_FDCWD     -100
#define AT_REMOVEDIR 0x200
#define S_ISUID      04000
#define S_ISGID      02000

/* What one call's entry says: the names (a dirfd and a path each), and
 * the op's numbers. A path of 0 with a dfd is an fd call (fchmod). */
struct fop {
	unsigned long path, path2;
	int dfd, dfd2;
	__u32 mode, uid, gid, at_flags;
	__u64 length;
	__u16 op, sys;
	bool text;		/* the first name is text only (a symlink's
				 * target): no base */
	bool two;		/* a second name (rename, link, symlink) */
};

/* The directory a relative path is looked up in, or the file of an fd
 * call, resolved into dst; nothing for an absolute path. */
static __always_inline __u32 name__base(char *dst, int dfd, unsigned long path,
					__u32 *flags)
{
	struct task_struct *t = bpf_get_current_task_btf();
	char first = 0;

	if (path)
		bpf_probe_read_user(&first, 1, (void *)path);
	if (first == '/')
		return 0;
	if (dfd == AT_FDCWD && path)
		return path__copy_at(dst, BPF_CORE_READ(t, fs, pwd.dentry),
				     BPF_CORE_READ(t, fs, pwd.mnt), flags);
	return path__copy(dst, fd__file(dfd), flags);
}

/* The raw path argument into dst (capacity VIGIL_PATH_MAX), no NUL. */
static __always_inline __u32 name__arg(char *dst, unsigned long path)
{
	long n;

	if (!path)
		return 0;
	n = bpf_probe_read_user_str(dst, VIGIL_PATH_MAX, (void *)path);
	return n > 0 ? n - 1 : 0;
}

static __always_inline int fileop__enter(const struct fop *f, bool compat)
{
	__u64 sb = scope__sandbox();
	struct file_args *a;
	struct vigil_file *r;
	__u32 flags, off, len;

	if (!sb)
		return 0;
	a = inflight__new(&file_inflight);
	if (!a)
		return 0;
	r = (void *)a->rec;
	flags = compat ? VIGIL_F_COMPAT : 0;
	r->op = f->op;
	r->sys = f->sys;
	r->mode = f->mode;
	r->uid = f->uid;
	r->gid = f->gid;
	r->at_flags = f->at_flags;
	r->length = f->length;
	len = f->text ? 0 : name__base(r->data, f->dfd, f->path, &flags);
	r->base_len = len & PATH_MASK;
	off = len & PATH_MASK;
	len = name__arg(&r->data[off], f->path);
	r->arg_len = len & PATH_MASK;
	off += len & PATH_MASK;
	r->base2_len = 0;
	r->arg2_len = 0;
	if (f->two) {
		len = name__base(&r->data[off], f->dfd2, f->path2, &flags);
		r->base2_len = len & PATH_MASK;
		off += len & PATH_MASK;
		r->arg2_len = name__arg(&r->data[off], f->path2) & PATH_MASK;
	}
	r->hdr.flags = flags;
	a->sandbox = sb;
	return 0;
}

/* One entry program per syscall, each naming its arguments. */
#define FILE_ENTER(prog, ...)						\
	SEC("tp_btf/sys_enter")						\
	int BPF_PROG(prog, struct pt_regs *regs, long id)		\
	{								\
		bool c = task__compat();				\
		struct fop f = { __VA_ARGS__ };			\
									\
		return fileop__enter(&f, c);				\
	}
#define ARG(n) sys__arg(regs, n, c)

FILE_ENTER(file_mkdir, .op = VIGIL_FILE_MKDIR, .sys = VIGIL_SYS_MKDIR,
	   .dfd = AT_FDCWD, .path = ARG(0), .mode = ARG(1))
FILE_ENTER(file_mkdirat, .op = VIGIL_FILE_MKDIR, .sys = VIGIL_SYS_MKDIRAT,
	   .dfd = ARG(0), .path = ARG(1), .mode = ARG(2))
FILE_ENTER(file_unlink, .op = VIGIL_FILE_UNLINK, .sys = VIGIL_SYS_UNLINK,
	   .dfd = AT_FDCWD, .path = ARG(0))
FILE_ENTER(file_unlinkat, .sys = VIGIL_SYS_UNLINKAT,
	   .op = ARG(2) & AT_REMOVEDIR ? VIGIL_FILE_RMDIR : VIGIL_FILE_UNLINK,
	   .dfd = ARG(0), .path = ARG(1), .at_flags = ARG(2))
FILE_ENTER(file_rmdir, .op = VIGIL_FILE_RMDIR, .sys = VIGIL_SYS_RMDIR,
	   .dfd = AT_FDCWD, .path = ARG(0))
FILE_ENTER(file_rename, .op = VIGIL_FILE_RENAME, .sys = VIGIL_SYS_RENAME,
	   .dfd = AT_FDCWD, .path = ARG(0), .two = true,
	   .dfd2 = AT_FDCWD, .path2 = ARG(1))
FILE_ENTER(file_renameat, .op = VIGIL_FILE_RENAME, .sys = VIGIL_SYS_RENAMEAT,
	   .dfd = ARG(0), .path = ARG(1), .two = true,
	   .dfd2 = ARG(2), .path2 = ARG(3))
FILE_ENTER(file_renameat2, .op = VIGIL_FILE_RENAME,
	   .sys = VIGIL_SYS_RENAMEAT2, .dfd = ARG(0), .path = ARG(1),
	   .two = true, .dfd2 = ARG(2), .path2 = ARG(3), .at_flags = ARG(4))
FILE_ENTER(file_link, .op = VIGIL_FILE_LINK, .sys = VIGIL_SYS_LINK,
	   .dfd = AT_FDCWD, .path = ARG(0), .two = true,
	   .dfd2 = AT_FDCWD, .path2 = ARG(1))
FILE_ENTER(file_linkat, .op = VIGIL_FILE_LINK, .sys = VIGIL_SYS_LINKAT,
	   .dfd = ARG(0), .path = ARG(1), .two = true,
	   .dfd2 = ARG(2), .path2 = ARG(3), .at_flags = ARG(4))
FILE_ENTER(file_symlink, .op = VIGIL_FILE_SYMLINK, .sys = VIGIL_SYS_SYMLINK,
	   .text = true, .path = ARG(0), .two = true,
	   .dfd2 = AT_FDCWD, .path2 = ARG(1))
FILE_ENTER(file_symlinkat, .op = VIGIL_FILE_SYMLINK,
	   .sys = VIGIL_SYS_SYMLINKAT, .text = true, .path = ARG(0),
	   .two = true, .dfd2 = ARG(1), .path2 = ARG(2))
FILE_ENTER(file_chmod, .op = VIGIL_FILE_CHMOD, .sys = VIGIL_SYS_CHMOD,
	   .dfd = AT_FDCWD, .path = ARG(0), .mode = ARG(1))
FILE_ENTER(file_fchmod, .op = VIGIL_FILE_CHMOD, .sys = VIGIL_SYS_FCHMOD,
	   .dfd = ARG(0), .mode = ARG(1))
FILE_ENTER(file_fchmodat, .op = VIGIL_FILE_CHMOD, .sys = VIGIL_SYS_FCHMODAT,
	   .dfd = ARG(0), .path = ARG(1), .mode = ARG(2))
FILE_ENTER(file_chown, .op = VIGIL_FILE_CHOWN, .sys = VIGIL_SYS_CHOWN,
	   .dfd = AT_FDCWD, .path = ARG(0), .uid = ARG(1), .gid = ARG(2))
FILE_ENTER(file_fchown, .op = VIGIL_FILE_CHOWN, .sys = VIGIL_SYS_FCHOWN,
	   .dfd = ARG(0), .uid = ARG(1), .gid = ARG(2))
FILE_ENTER(file_lchown, .op = VIGIL_FILE_CHOWN, .sys = VIGIL_SYS_LCHOWN,
	   .dfd = AT_FDCWD, .path = ARG(0), .uid = ARG(1), .gid = ARG(2))
FILE_ENTER(file_fchownat, .op = VIGIL_FILE_CHOWN, .sys = VIGIL_SYS_FCHOWNAT,
	   .dfd = ARG(0), .path = ARG(1), .uid = ARG(2), .gid = ARG(3),
	   .at_flags = ARG(4))
FILE_ENTER(file_truncate, .op = VIGIL_FILE_TRUNCATE,
	   .sys = VIGIL_SYS_TRUNCATE, .dfd = AT_FDCWD, .path = ARG(0),
	   .length = ARG(1))
FILE_ENTER(file_ftruncate, .op = VIGIL_FILE_TRUNCATE,
	   .sys = VIGIL_SYS_FTRUNCATE, .dfd = ARG(0), .length = ARG(1))
/* The name is text only, MFD_* flags in at_flags. */
FILE_ENTER(file_memfd_create, .op = VIGIL_FILE_MEMFD,
	   .sys = VIGIL_SYS_MEMFD_CREATE, .text = true, .path = ARG(0),
	   .at_flags = ARG(1))

/* The bulk of a flood (rm -rf, an unpacked archive) is common; a
 * setuid or setgid mode, a change of owner and a memfd (a fileless
 * payload's first step) are rare, and what the rules look for, so no
 * flood of the others crowds them out. */
static __always_inline enum lane fileop__lane(const struct vigil_file *r)
{
	if (r->op == VIGIL_FILE_CHOWN || r->op == VIGIL_FILE_MEMFD)
		return LANE_RARE;
	if ((r->op == VIGIL_FILE_CHMOD || r->op == VIGIL_FILE_MKDIR) &&
	    (r->mode & (S_ISUID | S_ISGID)))
		return LANE_RARE;
	return LANE_COMMON;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(file_op_exit, struct pt_regs *regs, long ret)
{
	struct file_args *a = inflight__get(&file_inflight);
	struct vigil_file *r;
	__u32 flags;
	__u64 size;

	if (!a || !a->sandbox)
		return 0;
	r = (void *)a->rec;
	flags = r->hdr.flags;
	hdr__fill(&r->hdr, VIGIL_EV_FILE, a->sandbox);
	r->hdr.flags = flags;
	r->ret = ret;
	size = sizeof(*r) + (r->base_len & PATH_MASK) +
	       (r->arg_len & PATH_MASK) + (r->base2_len & PATH_MASK) +
	       (r->arg2_len & PATH_MASK);
	emit(r, size, sizeof(a->rec), fileop__lane(r));
	a->sandbox = 0;
	return 0;
}
