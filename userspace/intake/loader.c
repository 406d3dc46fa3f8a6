// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "records.h"
#include "dispatch.skel.h"
#include "exec.skel.h"
#include "file.skel.h"
#include "lifecycle.skel.h"
#include "syscall.skel.h"
#include "syscalls.h"
#include "log.h"
#include "loader.h"
#include "net.skel.h"

struct loader {
	struct dispatch_bpf *dispatch;
	struct exec_bpf *exec;
	struct file_bpf *file;
	struct net_bpf *net;
	struct lifecycle_bpf *lifecycle;
	struct syscall_bpf *syscall;
	struct bpf_link *egress[VIGIL_MAX_ROOTS];
};

/* The enter and exit handlers of a syscall and its numbers: x86_64, then
 * ia32 (arch/x86/entry/syscalls/syscall_32.tbl). */
struct handler {
	struct bpf_program *enter;
	struct bpf_program *exit;
	int nr;
	int compat_nr;
};

static int loader__register(int table, int nr, struct bpf_program *prog)
{
	int fd = bpf_program__fd(prog);

	if (bpf_map_update_elem(table, &nr, &fd, BPF_ANY)) {
		log__errno(errno, "cannot register handler %s",
			   bpf_program__name(prog));
		return -errno;
	}
	return 0;
}

/* A handler without an enter program is called at exit only. */
static int loader__fill(struct loader *l, const struct handler *h)
{
	struct dispatch_bpf *d = l->dispatch;

	if (h->enter &&
	    (loader__register(bpf_map__fd(d->maps.enter_calls), h->nr,
			      h->enter) ||
	     loader__register(bpf_map__fd(d->maps.compat_enter_calls),
			      h->compat_nr, h->enter)))
		return -EINVAL;
	return loader__register(bpf_map__fd(d->maps.exit_calls), h->nr,
				h->exit) ?:
	       loader__register(bpf_map__fd(d->maps.compat_exit_calls),
				h->compat_nr, h->exit);
}

/* A watched syscall's bit (its position), for policies to deny it. */
static int loader__syscall_bit(struct loader *l, const struct watched_syscall *w,
			       size_t i)
{
	__u64 bit = 1ull << i;
	__u32 nr = w->nr, compat_nr = w->compat_nr;

	if (bpf_map_update_elem(bpf_map__fd(l->syscall->maps.syscall_bits),
				&nr, &bit, BPF_ANY) ||
	    bpf_map_update_elem(
		    bpf_map__fd(l->syscall->maps.compat_syscall_bits),
		    &compat_nr, &bit, BPF_ANY)) {
		log__errno(errno, "cannot number syscall %s", w->name);
		return -errno;
	}
	return 0;
}

/* The syscalls that reach beyond a sandbox: one exit handler for all. */
static int loader__watched(struct loader *l)
{
	size_t n;
	const struct watched_syscall *w = syscalls__watched(&n);

	for (size_t i = 0; i < n; i++) {
		struct handler h = { NULL, l->syscall->progs.syscall_exit,
				     w[i].nr, w[i].compat_nr };

		if (loader__fill(l, &h) || loader__syscall_bit(l, &w[i], i))
			return -EINVAL;
	}
	return 0;
}

static int loader__tables(struct loader *l)
{
	struct file_bpf *f = l->file;
	struct exec_bpf *x = l->exec;
	struct net_bpf *n = l->net;
	const struct handler handlers[] = {
		{ f->progs.file_open, f->progs.file_exit, SYS_open, 5 },
		{ f->progs.file_creat, f->progs.file_exit, SYS_creat, 8 },
		{ f->progs.file_openat, f->progs.file_exit, SYS_openat, 295 },
		{ f->progs.file_openat2, f->progs.file_exit, SYS_openat2, 437 },
		{ x->progs.exec_execve, x->progs.exec_exit, SYS_execve, 11 },
		{ x->progs.exec_execveat, x->progs.exec_exit, SYS_execveat,
		  358 },
		{ n->progs.net_connect, n->progs.net_exit, SYS_connect, 362 },
		{ n->progs.net_sendto, n->progs.net_exit, SYS_sendto, 369 },
		{ n->progs.net_sendmsg, n->progs.net_exit, SYS_sendmsg, 370 },
		{ n->progs.net_sendmmsg, n->progs.net_exit, SYS_sendmmsg,
		  345 },
	};

	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (loader__fill(l, &handlers[i]))
			return -EINVAL;
	return loader__watched(l);
}

/* Tail-call targets must not attach to the tracepoint themselves. */
static void loader__no_autoattach(struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);

		if (!strcmp(sec, "tp_btf/sys_enter") ||
		    !strcmp(sec, "tp_btf/sys_exit"))
			bpf_program__set_autoattach(prog, false);
	}
}

static int loader__reuse(struct bpf_object *obj, const struct bpf_map *map)
{
	const char *name = bpf_map__name(map);

	return bpf_map__reuse_fd(bpf_object__find_map_by_name(obj, name),
				 bpf_map__fd(map));
}

/* Makes obj use the dispatch object's instances of the maps every object
 * declares (bpf/maps.bpf.h). */
static int loader__share(struct loader *l, struct bpf_object *obj)
{
	const struct dispatch_bpf *d = l->dispatch;

	return loader__reuse(obj, d->maps.events) ?:
	       loader__reuse(obj, d->maps.drops) ?:
	       loader__reuse(obj, d->maps.protected) ?:
	       loader__reuse(obj, d->maps.policies);
}

/* What a failed load most likely means, in the user's terms. */
static void loader__explain(int err, const char *what)
{
	if (err == -EPERM)
		log__errno(err, "cannot load BPF programs (%s): vigil needs "
			   "root (CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)",
			   what);
	else
		log__errno(err, "cannot load BPF programs (%s); run with -v "
			   "for the verifier's log", what);
}

/*
 * Sets the scope, keeps tail-call targets from attaching themselves, shares
 * the dispatch object's maps (unless this is the dispatch object) and
 * loads. rodata is the skeleton's view of the object's read-only data.
 */
static int loader__prepare(struct loader *l, struct bpf_object_skeleton *s,
			   const volatile struct vigil_scope *rodata,
			   const struct vigil_scope *scope)
{
	struct bpf_object *obj = *s->obj;
	int err = 0;

	memcpy((void *)rodata, scope, sizeof(*scope));
	if (obj != l->dispatch->obj) {
		loader__no_autoattach(obj);
		err = loader__share(l, obj);
	}
	if (!err)
		err = bpf_object__load_skeleton(s);
	if (err)
		loader__explain(err, s->name);
	return err;
}

static int loader__open_failed(const char *name)
{
	int err = -errno;

	loader__explain(err, name);
	return err;
}

static int loader__load(struct loader *l, const struct vigil_scope *scope,
			size_t ringbuf_bytes)
{
	if (!(l->dispatch = dispatch_bpf__open()))
		return loader__open_failed("dispatch");
	bpf_map__set_max_entries(l->dispatch->maps.events, ringbuf_bytes);
	if (!(l->exec = exec_bpf__open()))
		return loader__open_failed("exec");
	if (!(l->file = file_bpf__open()))
		return loader__open_failed("file");
	if (!(l->net = net_bpf__open()))
		return loader__open_failed("net");
	if (!(l->lifecycle = lifecycle_bpf__open()))
		return loader__open_failed("lifecycle");
	if (!(l->syscall = syscall_bpf__open()))
		return loader__open_failed("syscall");
	return loader__prepare(l, l->dispatch->skeleton,
			       &l->dispatch->rodata->scope, scope) ?:
	       loader__prepare(l, l->exec->skeleton, &l->exec->rodata->scope,
			       scope) ?:
	       loader__prepare(l, l->file->skeleton, &l->file->rodata->scope,
			       scope) ?:
	       loader__prepare(l, l->net->skeleton, &l->net->rodata->scope,
			       scope) ?:
	       loader__prepare(l, l->lifecycle->skeleton,
			       &l->lifecycle->rodata->scope, scope) ?:
	       loader__prepare(l, l->syscall->skeleton,
			       &l->syscall->rodata->scope, scope);
}

static int loader__attach_egress(struct loader *l, const struct roots *roots)
{
	for (int i = 0; i < roots->nr; i++) {
		int fd = open(roots->root[i].path, O_RDONLY | O_DIRECTORY |
				  O_CLOEXEC);

		if (fd < 0) {
			log__errno(errno, "cannot open %s", roots->root[i].path);
			return -errno;
		}
		l->egress[i] = bpf_program__attach_cgroup(
			l->net->progs.net_egress, fd);
		close(fd);
		if (!l->egress[i]) {
			log__errno(errno, "cannot attach egress accounting to "
				   "%s", roots->root[i].path);
			return -errno;
		}
	}
	return 0;
}

/* Handlers first, dispatchers last: the dispatch tables are complete
 * before the first syscall is routed through them. */
static int loader__attach(struct loader *l, const struct roots *roots)
{
	int err = loader__tables(l) ?: loader__attach_egress(l, roots) ?:
		  exec_bpf__attach(l->exec) ?:
		  lifecycle_bpf__attach(l->lifecycle) ?:
		  dispatch_bpf__attach(l->dispatch);

	if (err)
		log__errno(err, "cannot attach BPF programs");
	return err;
}

int loader__start(struct loader **out, const struct loader_opts *o)
{
	struct vigil_scope scope;
	struct loader *l;
	int err;

	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		log_error("this kernel has no BTF (/sys/kernel/btf/vmlinux); "
			  "vigil needs CONFIG_DEBUG_INFO_BTF=y");
		return -ENOTSUP;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	roots__scope(o->roots, &scope);
	scope.only_sandbox = o->only_sandbox;
	err = loader__load(l, &scope, o->ringbuf_bytes) ?:
	      loader__attach(l, o->roots);
	if (err) {
		loader__stop(l);
		return err;
	}
	*out = l;
	return 0;
}

void loader__detach(struct loader *l)
{
	/* The dispatchers go first, so no handler runs half torn down. */
	if (l->dispatch)
		dispatch_bpf__detach(l->dispatch);
	for (int i = 0; i < VIGIL_MAX_ROOTS; i++) {
		bpf_link__destroy(l->egress[i]);
		l->egress[i] = NULL;
	}
	if (l->exec)
		exec_bpf__detach(l->exec);
	if (l->lifecycle)
		lifecycle_bpf__detach(l->lifecycle);
}

void loader__stop(struct loader *l)
{
	if (!l)
		return;
	loader__detach(l);
	dispatch_bpf__destroy(l->dispatch);
	lifecycle_bpf__destroy(l->lifecycle);
	syscall_bpf__destroy(l->syscall);
	exec_bpf__destroy(l->exec);
	file_bpf__destroy(l->file);
	net_bpf__destroy(l->net);
	free(l);
}

int loader__events_fd(const struct loader *l)
{
	return bpf_map__fd(l->dispatch->maps.events);
}

int loader__drops_fd(const struct loader *l)
{
	return bpf_map__fd(l->dispatch->maps.drops);
}

int loader__flows_fd(const struct loader *l)
{
	return bpf_map__fd(l->net->maps.flows);
}

void loader__enforce_maps(const struct loader *l, struct enforce_maps *m)
{
	m->protected = bpf_map__fd(l->dispatch->maps.protected);
	m->policies = bpf_map__fd(l->dispatch->maps.policies);
	m->allow = bpf_map__fd(l->net->maps.egress_allow);
	m->spent = bpf_map__fd(l->net->maps.egress_spent);
}

void loader__set_flow_epoch(struct loader *l, uint8_t epoch)
{
	l->net->bss->flow_epoch = epoch;
}
