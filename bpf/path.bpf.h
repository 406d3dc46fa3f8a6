/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The path of the file actually opened, rebuilt from its dentry and mount
 * (bpf_d_path is only for LSM/fentry programs, which this kernel refuses).
 * Walking the dentries of the open file, not the string the caller passed,
 * is what defeats dirfd, "..", symlink, hard link and /proc/self/root
 * tricks: whatever the spelling, the walk reports where the file lives.
 */
#ifndef VIGIL_PATH_BPF_H
#define VIGIL_PATH_BPF_H

#include "vigil.bpf.h"

#define PATH_DEPTH 64	/* components walked before giving up (flagged) */
#define PATH_MASK  (VIGIL_PATH_MAX - 1)

/*
 * How the walk reads the kernel. With VIGIL_PATH_LOADS (file.bpf.c, the
 * opens' hot path), a pointer read as a number is cast by 6.2's
 * bpf_rdonly_cast into one read with plain loads, as a tp_btf program
 * reads its task (a fault reads 0): the verifier turns the cast into a
 * move, so a field costs a load instead of a bpf_probe_read_kernel call.
 * On an older kernel (Debian 12's 6.1) the loader leaves path_loads
 * false: the weak kfunc resolves to nothing and the verifier, seeing a
 * constant, drops that branch, so the walk reads with
 * bpf_probe_read_kernel as everywhere else. Elsewhere the same code
 * always reads so: the linker of bpftool 7.1 (libbpf 1.1) refuses a kfunc
 * declared in two objects (fixed in libbpf 1.5, commit 4b146e95da87), so
 * one object alone may declare it.
 */
#ifdef VIGIL_PATH_LOADS
extern void *bpf_rdonly_cast(void *obj, __u32 btf_id) __ksym __weak;

#define kernel__cast(p, type)						\
	(path_loads ? (type *)bpf_rdonly_cast((void *)(p),		\
				bpf_core_type_id_kernel(type))		\
		    : (type *)(p))
#define KLOAD(p, field) (path_loads ? (p)->field : BPF_CORE_READ(p, field))
#else
#define kernel__cast(p, type) ((type *)(p))
#define KLOAD(p, field) BPF_CORE_READ(p, field)
#endif

struct path_walk {
	struct path_buf *pb;
	struct dentry *dentry;
	struct dentry *mnt_root;	/* the root of the mount walked now */
	struct mount *mnt;
	__u32 off;		/* start of the text so far in buf */
	__u32 flags;		/* VIGIL_F_PATH_TRUNC */
	bool done;		/* reached the root or gave up */
};

static __always_inline struct mount *mount__of(struct vfsmount *vfsmnt)
{
	return kernel__cast((void *)vfsmnt -
			    bpf_core_field_offset(struct mount, mnt),
			    struct mount);
}

/* Prepends "/name" for one dentry; false when the buffer is full. */
static __always_inline bool path__prepend(struct path_buf *pb,
					  struct path_walk *w,
					  struct dentry *d)
{
	struct qstr name = KLOAD(d, d_name);
	__u32 len = name.len;

	if (len + 1 > w->off) {
		w->flags |= VIGIL_F_PATH_TRUNC;
		return false;
	}
	w->off -= len;
	bpf_probe_read_kernel(&pb->buf[w->off & PATH_MASK], len & PATH_MASK,
			      name.name);
	w->off -= 1;
	pb->buf[w->off & PATH_MASK] = '/';
	return true;
}

/* One step up: to the parent dentry, or across a mount to its mountpoint.
 * Returns false at the root of the mount tree. */
static __always_inline bool path__step(struct path_buf *pb,
				       struct path_walk *w)
{
	/* Locals, not w->...: BPF_CORE_READ of a member of w would emit a
	 * CO-RE relocation against struct path_walk, unknown to the kernel. */
	struct dentry *d = w->dentry;
	struct dentry *parent = KLOAD(d, d_parent);

	if (d == w->mnt_root) {
		struct mount *mnt = w->mnt;
		struct mount *up = KLOAD(mnt, mnt_parent);

		if (up == mnt)
			return false;
		w->dentry = KLOAD(mnt, mnt_mountpoint);
		w->mnt = up;
		w->mnt_root = KLOAD(up, mnt.mnt_root);
		return true;
	}
	if (!path__prepend(pb, w, d))
		return false;
	/* A pseudo file (memfd, anon inode) is its own parent: name only. */
	if (d == parent)
		return false;
	w->dentry = parent;
	return true;
}

/* One bpf_loop iteration. A plain loop would make the verifier walk every
 * iteration's branches (mount crossing, pseudo files, full buffer) and
 * exceed its budget; a callback is verified once. */
static long path__step_cb(__u32 i, void *ctx)
{
	struct path_walk *w = ctx;

	if (path__step(w->pb, w))
		return 0;
	w->done = true;
	return 1;
}

/*
 * Resolves a dentry on a mount into pb; returns the offset of the
 * NUL-terminated text in pb->buf and its length in *len. Sets
 * VIGIL_F_PATH_TRUNC / VIGIL_F_DELETED in *flags. Either pointer may be
 * a number read from the kernel.
 */
static __always_inline __u32 path__resolve_at(struct path_buf *pb,
					      struct dentry *dentry,
					      struct vfsmount *vfsmnt,
					      __u32 *len, __u32 *flags)
{
	struct vfsmount *m = kernel__cast(vfsmnt, struct vfsmount);
	struct dentry *d = kernel__cast(dentry, struct dentry);
	struct dentry *mnt_root = KLOAD(m, mnt_root);
	struct path_walk w = {
		.pb = pb,
		.dentry = d,
		.mnt_root = mnt_root,
		.mnt = mount__of(m),
		.off = VIGIL_PATH_MAX - 1,
	};
	pb->buf[VIGIL_PATH_MAX - 1] = '\0';
	if (!KLOAD(d, d_hash.pprev) && d != mnt_root)
		*flags |= VIGIL_F_DELETED;
	bpf_loop(PATH_DEPTH, path__step_cb, &w, 0);
	if (!w.done)
		w.flags |= VIGIL_F_PATH_TRUNC;
	if (w.off == VIGIL_PATH_MAX - 1) {	/* the root itself */
		w.off -= 1;
		pb->buf[w.off & PATH_MASK] = '/';
	}
	*flags |= w.flags;
	*len = VIGIL_PATH_MAX - 1 - w.off;
	return w.off;
}

/* The same for an open file's f_path. */
static __always_inline __u32 path__resolve(struct path_buf *pb,
					   struct file *file, __u32 *len,
					   __u32 *flags)
{
	struct file *f = kernel__cast(file, struct file);

	return path__resolve_at(pb, KLOAD(f, f_path.dentry),
				KLOAD(f, f_path.mnt), len, flags);
}

/* The struct file behind fd in the current task, or NULL. */
static __always_inline struct file *fd__file(int fd)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct files_struct *files = KLOAD(t, files);
	struct fdtable *fdt = KLOAD(files, fdt);
	struct file **fds = KLOAD(fdt, fd);
	struct file *f = NULL;

	if (fd < 0 || (unsigned int)fd >= KLOAD(fdt, max_fds))
		return NULL;
	/* An array of pointers: a number to the verifier, read as one. */
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f ? kernel__cast(f, struct file) : NULL;
}

#define S_IFMT   00170000
#define S_IFSOCK 0140000
#define S_IFREG  0100000
#define S_IFDIR  0040000
#define S_IFCHR  0020000
#define S_IFIFO  0010000

/* Terminals: tty and ttyS (4), /dev/tty and ptmx (5), pty slaves
 * (136-143). The kernel's dev_t is MAJOR << 20 | MINOR. */
static __always_inline bool rdev__tty(dev_t rdev)
{
	__u32 major = rdev >> 20;

	return major == 4 || major == 5 || (major >= 136 && major <= 143);
}

/* The sock behind a file known to be a socket. */
static __always_inline struct sock *file__sock(struct file *f)
{
	struct socket *sock = BPF_CORE_READ(f, private_data);

	return BPF_CORE_READ(sock, sk);
}

/* The socket family behind a socket file, as an enum vigil_fdtype. */
static __always_inline __u8 sock__fdtype(struct file *f)
{
	__u16 family = BPF_CORE_READ(file__sock(f), __sk_common.skc_family);

	if (family == AF_INET || family == AF_INET6)
		return VIGIL_FD_INET;
	return family == AF_UNIX ? VIGIL_FD_UNIX : VIGIL_FD_SOCK;
}

/* What fd of the current task is (enum vigil_fdtype). */
static __always_inline __u8 fd__type(int fd)
{
	struct file *f = fd__file(fd);
	struct inode *inode;

	if (!f)
		return VIGIL_FD_NONE;
	inode = BPF_CORE_READ(f, f_inode);
	switch (BPF_CORE_READ(inode, i_mode) & S_IFMT) {
	case S_IFREG: return VIGIL_FD_FILE;
	case S_IFDIR: return VIGIL_FD_DIR;
	case S_IFIFO: return VIGIL_FD_PIPE;
	case S_IFSOCK: return sock__fdtype(f);
	case S_IFCHR:
		return rdev__tty(BPF_CORE_READ(inode, i_rdev)) ? VIGIL_FD_TTY
							      : VIGIL_FD_CHR;
	default: return VIGIL_FD_OTHER;
	}
}

/* Device as stat(2) encodes st_dev (new_encode_dev), from the kernel's
 * internal MAJOR<<20|MINOR. */
static __always_inline __u32 dev__encode(dev_t dev)
{
	__u32 major = dev >> 20, minor = dev & 0xfffff;

	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

static __always_inline void file__id(struct file *file, __u32 *dev,
				     __u64 *ino)
{
	struct inode *inode = KLOAD(kernel__cast(file, struct file), f_inode);
	struct super_block *sb = KLOAD(inode, i_sb);

	*dev = dev__encode(KLOAD(sb, s_dev));
	*ino = KLOAD(inode, i_ino);
}

/*
 * Resolves a dentry on a mount into dst (capacity VIGIL_PATH_MAX) without
 * the NUL; returns the length copied.
 */
static __always_inline __u32 path__copy_at(char *dst, struct dentry *dentry,
					   struct vfsmount *vfsmnt,
					   __u32 *flags)
{
	struct path_buf *pb = path_buf__get();
	__u32 len = 0, off;

	if (!pb || !dentry || !vfsmnt)
		return 0;
	off = path__resolve_at(pb, dentry, vfsmnt, &len, flags);
	len &= PATH_MASK;
	bpf_probe_read_kernel(dst, len, &pb->buf[off & PATH_MASK]);
	return len;
}

/* The same for an open file. */
static __always_inline __u32 path__copy(char *dst, struct file *file,
					__u32 *flags)
{
	struct file *f = kernel__cast(file, struct file);

	if (!file)
		return 0;
	return path__copy_at(dst, KLOAD(f, f_path.dentry),
			     KLOAD(f, f_path.mnt), flags);
}

#endif /* VIGIL_PATH_BPF_H */
