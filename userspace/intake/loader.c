// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "loader.h"
#include "mapmodel.h"
#include "pins.h"
#include "records.h"
#include "syscalls.h"
#include "vigil.skel.h"

/* The programs attached to every root: the egress flows, budget and DNS
 * queries (bpf/net.bpf.c), the egress hooks (bpf/egress.bpf.c) and the
 * DNS answers (bpf/dns.bpf.c). */
#define CGROUP_PROGS 6

/* The tables filled from the syscall table, by role: native, ia32. */
enum loader_table {
	TABLE_ENTER, TABLE_COMPAT_ENTER, TABLE_EXIT, TABLE_COMPAT_EXIT,
	TABLE_BITS, TABLE_COMPAT_BITS, LOADER_TABLES
};

struct loader {
	struct vigil_bpf *skel;
	const struct roots *roots;	/* the caller's, for as long as l */
	struct bpf_link *cgroup[VIGIL_MAX_ROOTS][CGROUP_PROGS];
	struct pins pins;	/* fd -1: nothing pinned */
	/* What the daemon wrote into the tables and the settings it writes
	 * while the programs run (.bss), to put back what someone else
	 * changes (loader__rewrite). */
	struct mapmodel tables[LOADER_TABLES];
	struct {
		uint64_t fail_closed_min_ns;
		bool exe_judged;
		uint8_t flow_epoch;
	} bss;
};

/* What a failed open or load most likely means, in the user's terms. */
static void loader__explain(const struct loader *l, int err)
{
	if (err == -EPERM)
		log__errno(err, "cannot load BPF programs: vigil needs root "
			   "(CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)");
	else if (loader__adopted(l))
		log__errno(err, "cannot adopt the maps pinned in %s (another "
			   "vigil version, or another --ringbuf-mb?); remove "
			   "them with vigil unpin", l->pins.dir);
	else
		log__errno(err, "cannot load BPF programs; run with -v for "
			   "the verifier's log");
}

/*
 * The programs on the raw syscall tracepoints attach by hand: the
 * handlers never (the dispatchers tail-call them), the dispatchers last
 * (loader__attach). The rest attach themselves.
 */
static void loader__no_autoattach(struct vigil_bpf *s)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, s->obj) {
		const char *sec = bpf_program__section_name(prog);

		if (!strcmp(sec, "tp_btf/sys_enter") ||
		    !strcmp(sec, "tp_btf/sys_exit"))
			bpf_program__set_autoattach(prog, false);
	}
}

/* Whether the running kernel has kfunc name (its BTF names it). */
static bool loader__has_kfunc(const char *name)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	bool has = vmlinux &&
		   btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC) > 0;

	btf__free(vmlinux);
	return has;
}

/* bpf/path.bpf.h: the opens' path walk reads with plain loads where the
 * kernel can cast (6.2), with a helper call per field before.
 * VIGIL_PATH_READS=helper asks for the latter anywhere (its test). */
static void loader__path_loads(struct vigil_bpf *s)
{
	const char *reads = getenv("VIGIL_PATH_READS");

	s->rodata->path_loads = loader__has_kfunc("bpf_rdonly_cast") &&
				!(reads && !strcmp(reads, "helper"));
	if (!s->rodata->path_loads)
		log_warn("paths are walked with bpf_probe_read_kernel (no "
			 "bpf_rdonly_cast before Linux 6.2): opens in "
			 "sandboxes cost more");
}

/* What the dispatchers know of each syscall before they look at the
 * task (enum vigil_route), from the one syscall table. */
static void loader__routes(struct vigil_bpf *s)
{
	size_t n;
	const struct syscall *sc = syscalls__all(&n);

	for (size_t i = 0; i < n; i++) {
		__u8 route = sc[i].enter ? VIGIL_ROUTE_ENTER
					 : VIGIL_ROUTE_EXIT_ALONE;

		if (sc[i].nr >= 0 && sc[i].nr < VIGIL_MAX_NR)
			s->rodata->routes[0][sc[i].nr] = route;
		if (sc[i].compat_nr >= 0 && sc[i].compat_nr < VIGIL_MAX_NR)
			s->rodata->routes[1][sc[i].compat_nr] = route;
	}
}

/* What the verifier sees as constant: which cgroups are watched and what
 * the kernel offers; the ring buffer's size; the syscalls' routes. */
static int loader__settings(struct vigil_bpf *s, const struct loader_opts *o)
{
	int err;

	loader__routes(s);
	loader__path_loads(s);
	roots__scope(o->roots, &s->rodata->scope);
	s->rodata->scope.only_sandbox = o->only_sandbox;
	/* The kernel counts per 100 ms window; a nonzero rate stays so. */
	s->rodata->flood_records = o->repeat_rate ? (o->repeat_rate + 9) / 10
						  : 0;
	s->rodata->ring_bytes = o->ringbuf_bytes;
	s->rodata->signal_task = loader__has_kfunc("bpf_send_signal_task");
	if (!s->rodata->signal_task)
		log_warn("this kernel has no bpf_send_signal_task (6.13): a "
			 "process moved out of its sandbox by another is "
			 "reported, and killed only with its sandbox");
	err = bpf_map__set_max_entries(s->maps.events, o->ringbuf_bytes);
	if (err)
		log__errno(err, "cannot size the ring buffer to %zu bytes",
			   o->ringbuf_bytes);
	return err;
}

/* Sets the syscall's native and ia32 entries of a pair of tables (t,
 * t + 1). */
static int loader__set(struct loader *l, enum loader_table t,
		       const struct syscall *sc, const void *value)
{
	__u32 nr = sc->nr, compat_nr = sc->compat_nr;

	/* nr -1: a call the ia32 ABI alone has; compat_nr -1: one it
	 * has only through a multiplexer (accept, in socketcall). */
	return (sc->nr < 0 ? 0 : mapmodel__put(&l->tables[t], &nr, value)) ?:
	       (sc->compat_nr < 0 ? 0 : mapmodel__put(&l->tables[t + 1],
						      &compat_nr, value));
}

/* Routes the syscall to the program the syscall table names for it. */
static int loader__route(struct loader *l, enum loader_table t,
			 const struct syscall *sc, const char *name)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(
		l->skel->obj, name);
	int fd, err;

	if (!prog) {
		log_error("no BPF program %s for syscall %s", name, sc->name);
		return -ENOENT;
	}
	fd = bpf_program__fd(prog);
	err = loader__set(l, t, sc, &fd);
	if (err)
		log__errno(err, "cannot route syscall %s to %s", sc->name,
			   name);
	return err;
}

/* A watched syscall's bit (its position in the table), for policies to
 * deny it. */
static int loader__number(struct loader *l, const struct syscall *sc,
			  size_t i)
{
	__u64 bit = 1ull << (i & 63);
	int err;

	if (i >= 64) {
		log_error("watched syscall %s is at position %zu of the syscall "
			  "table, past the 64 bits of a policy", sc->name, i);
		return -E2BIG;
	}
	err = loader__set(l, TABLE_BITS, sc, &bit);

	if (err)
		log__errno(err, "cannot number syscall %s", sc->name);
	return err;
}

/* The dispatch tables and the watched syscalls' bits, from the one
 * syscall table. A syscall without an enter program is seen at exit only. */
static int loader__tables(struct loader *l)
{
	size_t n;
	const struct syscall *sc = syscalls__all(&n);
	int err = 0;

	for (size_t i = 0; i < n && !err; i++) {
		if (sc[i].enter)
			err = loader__route(l, TABLE_ENTER, &sc[i],
					    sc[i].enter);
		err = err ?: loader__route(l, TABLE_EXIT, &sc[i], sc[i].exit);
		if (!err && sc[i].watched)
			err = loader__number(l, &sc[i], i);
	}
	return err;
}

static void loader__cgroup_progs(struct vigil_bpf *s,
				 struct bpf_program *progs[CGROUP_PROGS])
{
	progs[0] = s->progs.net_egress;
	progs[1] = s->progs.egress_connect4;
	progs[2] = s->progs.egress_connect6;
	progs[3] = s->progs.egress_sendmsg4;
	progs[4] = s->progs.egress_sendmsg6;
	progs[5] = s->progs.dns_ingress;
}

/* Attaches program p to root i, whose directory is open as fd. */
static int loader__attach_one(struct loader *l, int i, int p, int fd)
{
	struct bpf_program *progs[CGROUP_PROGS];

	loader__cgroup_progs(l->skel, progs);
	l->cgroup[i][p] = bpf_program__attach_cgroup(progs[p], fd);
	if (l->cgroup[i][p])
		return 0;
	log__errno(-errno, "cannot attach %s to %s",
		   bpf_program__name(progs[p]), l->roots->root[i].path);
	return -errno;
}

static int loader__open_root(const struct loader *l, int i)
{
	const char *path = l->roots->root[i].path;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		log__errno(errno, "cannot open %s", path);
	return fd < 0 ? -errno : fd;
}

static int loader__attach_root(struct loader *l, int i)
{
	int fd = loader__open_root(l, i), err = 0;

	if (fd < 0)
		return fd;
	for (int p = 0; p < CGROUP_PROGS && !err; p++)
		err = loader__attach_one(l, i, p, fd);
	close(fd);
	return err;
}

static int loader__attach_cgroups(struct loader *l, const struct roots *roots)
{
	int err = 0;

	l->roots = roots;
	for (int i = 0; i < roots->nr && !err; i++)
		err = loader__attach_root(l, i);
	return err;
}

/* The dispatchers route every syscall on the host: attached once the
 * tables are full and the other programs are in, so no syscall is routed
 * to a handler that is missing. */
static int loader__attach_dispatch(struct vigil_bpf *s)
{
	s->links.sys_enter = bpf_program__attach(s->progs.sys_enter);
	if (!s->links.sys_enter)
		return -errno;
	s->links.sys_exit = bpf_program__attach(s->progs.sys_exit);
	return s->links.sys_exit ? 0 : -errno;
}

static int loader__attach(struct loader *l, const struct roots *roots)
{
	int err = loader__attach_cgroups(l, roots) ?:
		  vigil_bpf__attach(l->skel) ?:
		  loader__attach_dispatch(l->skel);

	if (err)
		log__errno(err, "cannot attach BPF programs");
	return err;
}

/* Marks the tasks already in sandboxes (bpf/escape.bpf.c), once the
 * programs that mark the others (at fork, on entering a sandbox) are
 * attached, so that no task is missed between the two. The iterator
 * runs as its output is read; it writes none. */
static int loader__mark_tasks(struct vigil_bpf *s)
{
	int fd = bpf_iter_create(bpf_link__fd(s->links.escape_mark));
	char buf[64];
	ssize_t n = 0;
	int err = 0;

	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (fd < 0 || n < 0) {
		err = -errno;
		log__errno(err, "cannot mark the tasks already in sandboxes");
	}
	if (fd >= 0)
		close(fd);
	return err;
}

/* Program p's link on root i, pinned under its name and the root's
 * position. */
static int loader__pin_cgroup(struct loader *l, int i, int p)
{
	struct bpf_program *progs[CGROUP_PROGS];
	char name[64];

	loader__cgroup_progs(l->skel, progs);
	snprintf(name, sizeof(name), "%s_%d", bpf_program__name(progs[p]), i);
	return pins__link(&l->pins, l->cgroup[i][p], name);
}

/* Every link this daemon made, pinned as its generation; then the earlier
 * generation's links are dropped: the new programs ran beside the old
 * ones from their attach, so enforcement never paused. */
static int loader__pin_links(struct loader *l)
{
	const struct bpf_object_skeleton *sk = l->skel->skeleton;
	int err = 0;

	for (int i = 0; i < sk->prog_cnt && !err; i++)
		if (*sk->progs[i].link)
			err = pins__link(&l->pins, *sk->progs[i].link,
					 sk->progs[i].name);
	for (int i = 0; i < VIGIL_MAX_ROOTS && !err; i++)
		for (int p = 0; p < CGROUP_PROGS && l->cgroup[i][p] && !err;
		     p++)
			err = loader__pin_cgroup(l, i, p);
	return err ?: pins__retire(&l->pins);
}

/* Whether root i's program p still runs there. BPF_LINK_DETACH takes
 * only CAP_SYS_ADMIN and the link's id, from any cgroup: a detached link
 * stays open and pinned, with no cgroup. A link the kernel cannot
 * describe counts as attached, so that an error never loops. */
static bool loader__attached(const struct loader *l, int i, int p)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(bpf_link__fd(l->cgroup[i][p]), &info,
				      &len) ||
	       info.cgroup.cgroup_id;
}

/* Replaces a detached link with a new one, pinned in its place. On a
 * failure (the root removed) the link is forgotten, not retried. */
static int loader__reattach(struct loader *l, int i, int p)
{
	int fd, err;

	if (loader__pinned(l))
		bpf_link__unpin(l->cgroup[i][p]);
	bpf_link__destroy(l->cgroup[i][p]);
	l->cgroup[i][p] = NULL;
	fd = loader__open_root(l, i);
	if (fd < 0)
		return fd;
	err = loader__attach_one(l, i, p, fd);
	close(fd);
	if (!err && loader__pinned(l))
		err = loader__pin_cgroup(l, i, p);
	return err;
}

size_t loader__repin(struct loader *l)
{
	const struct bpf_object_skeleton *sk = l->skel->skeleton;
	struct bpf_map *map;
	size_t n = 0;

	if (!loader__pinned(l))
		return 0;
	bpf_object__for_each_map(map, l->skel->obj)
		n += pins__again(&l->pins, bpf_map__pin_path(map),
				 bpf_map__fd(map));
	for (int i = 0; i < sk->prog_cnt; i++)
		if (*sk->progs[i].link)
			n += pins__again(&l->pins,
					 bpf_link__pin_path(*sk->progs[i].link),
					 bpf_link__fd(*sk->progs[i].link));
	for (int i = 0; i < VIGIL_MAX_ROOTS; i++)
		for (int p = 0; p < CGROUP_PROGS; p++)
			if (l->cgroup[i][p])
				n += pins__again(
					&l->pins, bpf_link__pin_path(l->cgroup[i][p]),
					bpf_link__fd(l->cgroup[i][p]));
	return n;
}

size_t loader__relink(struct loader *l, char names[][LOADER_NAME_MAX],
		      size_t max)
{
	struct bpf_program *progs[CGROUP_PROGS];
	size_t n = 0;

	loader__cgroup_progs(l->skel, progs);
	for (int i = 0; l->roots && i < l->roots->nr; i++)
		for (int p = 0; p < CGROUP_PROGS; p++) {
			int err;

			if (!l->cgroup[i][p] || loader__attached(l, i, p))
				continue;
			err = loader__reattach(l, i, p);
			log_warn("%s on %s was detached by someone else: %s",
				 bpf_program__name(progs[p]),
				 l->roots->root[i].path,
				 err ? "cannot attach it again" : "attached again");
			if (n < max)
				snprintf(names[n++], LOADER_NAME_MAX, "%s@%s",
					 bpf_program__name(progs[p]),
					 l->roots->root[i].rel);
		}
	return n;
}

/* The tables' models, once the maps are loaded. */
static void loader__models(struct loader *l)
{
	struct bpf_map *maps[LOADER_TABLES] = {
		l->skel->maps.enter_calls, l->skel->maps.compat_enter_calls,
		l->skel->maps.exit_calls, l->skel->maps.compat_exit_calls,
		l->skel->maps.syscall_bits, l->skel->maps.compat_syscall_bits,
	};

	for (int t = 0; t < LOADER_TABLES; t++)
		mapmodel__init(&l->tables[t], &(struct mapmodel_opts){
			.name = bpf_map__name(maps[t]),
			.fd = bpf_map__fd(maps[t]),
			.kind = t < TABLE_BITS ? MAPMODEL_PROGS
					       : MAPMODEL_ARRAY,
			.ksize = sizeof(__u32),
			.vsize = bpf_map__value_size(maps[t]),
		});
}

/* The settings in .bss, a map like any other to bpf(): a write of its
 * one entry sets them all. */
static bool loader__rewrite_bss(struct loader *l)
{
	struct vigil_bpf__bss *b = l->skel->bss;

	if (b->fail_closed_min_ns == l->bss.fail_closed_min_ns &&
	    b->exe_judged == l->bss.exe_judged &&
	    b->flow_epoch == l->bss.flow_epoch)
		return false;
	b->fail_closed_min_ns = l->bss.fail_closed_min_ns;
	b->exe_judged = l->bss.exe_judged;
	b->flow_epoch = l->bss.flow_epoch;
	return true;
}

size_t loader__rewrite(struct loader *l, uint64_t now, const char **names,
		       size_t max)
{
	size_t n = 0;

	for (int t = 0; t < LOADER_TABLES; t++) {
		if (!mapmodel__check(&l->tables[t], now))
			continue;
		log_warn("map %s was written by someone else: made again",
			 l->tables[t].name);
		if (n < max)
			names[n++] = l->tables[t].name;
	}
	if (loader__rewrite_bss(l)) {
		log_warn("map .bss was written by someone else: made again");
		if (n < max)
			names[n++] = ".bss";
	}
	return n;
}

/* With a pin directory, the maps are reused from their pins (or pinned
 * at load). */
static int loader__pin_maps(struct loader *l, const char *dir)
{
	return dir ? pins__open(&l->pins, dir) ?:
		     pins__maps(&l->pins, l->skel->obj) : 0;
}

/* Open, settings, load, tables, attach: the one way in. */
int loader__start(struct loader **out, const struct loader_opts *o)
{
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
	l->pins.fd = -1;
	l->skel = vigil_bpf__open();
	if (!l->skel) {
		err = -errno;
		loader__explain(l, err);
		goto cleanup;
	}
	loader__no_autoattach(l->skel);
	err = loader__settings(l->skel, o) ?: loader__pin_maps(l, o->pin_dir);
	if (err)
		goto cleanup;
	err = vigil_bpf__load(l->skel);
	if (err) {
		loader__explain(l, err);
		goto cleanup;
	}
	loader__models(l);
	err = loader__tables(l) ?: loader__attach(l, o->roots) ?:
	      loader__mark_tasks(l->skel);
	if (!err && loader__pinned(l))
		err = loader__pin_links(l);
	if (err)
		goto cleanup;
	*out = l;
	return 0;
cleanup:
	loader__stop(l);
	return err;
}

void loader__detach(struct loader *l)
{
	struct vigil_bpf *s = l->skel;

	if (!s)
		return;
	/* The dispatchers go first, so no handler runs half torn down. */
	bpf_link__destroy(s->links.sys_enter);
	bpf_link__destroy(s->links.sys_exit);
	s->links.sys_enter = s->links.sys_exit = NULL;
	for (int i = 0; i < VIGIL_MAX_ROOTS; i++)
		for (int p = 0; p < CGROUP_PROGS; p++) {
			bpf_link__destroy(l->cgroup[i][p]);
			l->cgroup[i][p] = NULL;
		}
	vigil_bpf__detach(s);
}

void loader__stop(struct loader *l)
{
	if (!l)
		return;
	loader__detach(l);
	vigil_bpf__destroy(l->skel);
	pins__close(&l->pins);
	for (int t = 0; t < LOADER_TABLES; t++)
		mapmodel__fini(&l->tables[t]);
	free(l);
}

const struct bpf_object *loader__object(const struct loader *l)
{
	return l->skel->obj;
}

int loader__events_fd(const struct loader *l)
{
	return bpf_map__fd(l->skel->maps.events);
}

int loader__mkdirs_fd(const struct loader *l)
{
	return bpf_map__fd(l->skel->maps.sandbox_mkdirs);
}

int loader__verdicts_fd(const struct loader *l)
{
	return bpf_map__fd(l->skel->maps.verdicts);
}

int loader__drops_fd(const struct loader *l)
{
	return bpf_map__fd(l->skel->maps.drops);
}

int loader__flows_fd(const struct loader *l)
{
	return bpf_map__fd(l->skel->maps.flows);
}

int loader__repeats_fd(const struct loader *l)
{
	return bpf_map__fd(l->skel->maps.repeats);
}

int loader__load_fd(const struct loader *l)
{
	return bpf_map__fd(l->skel->maps.sandbox_load);
}

int loader__load_reported_fd(const struct loader *l)
{
	return bpf_map__fd(l->skel->maps.load_reported);
}

void loader__set_fail_closed(struct loader *l, uint64_t min_ns)
{
	l->skel->bss->fail_closed_min_ns = l->bss.fail_closed_min_ns = min_ns;
}

void loader__set_exe_judged(struct loader *l, bool on)
{
	l->skel->bss->exe_judged = l->bss.exe_judged = on;
}

int loader__daemon_fd(const struct loader *l)
{
	return bpf_map__fd(l->skel->maps.daemon_state);
}

bool loader__pinned(const struct loader *l)
{
	return l->pins.fd >= 0;
}

bool loader__adopted(const struct loader *l)
{
	return l->pins.adopted;
}

void loader__enforce_maps(const struct loader *l, struct enforce_maps *m)
{
	m->protected = bpf_map__fd(l->skel->maps.protected);
	m->policies = bpf_map__fd(l->skel->maps.policies);
	m->allow = bpf_map__fd(l->skel->maps.egress_allow);
	m->spent = bpf_map__fd(l->skel->maps.egress_spent);
	m->file_grants = bpf_map__fd(l->skel->maps.file_grants);
	m->grants = bpf_map__fd(l->skel->maps.egress_grants);
	m->names = bpf_map__fd(l->skel->maps.egress_names);
	m->exe_patterns = bpf_map__fd(l->skel->maps.exe_patterns);
	m->budgets = bpf_map__fd(l->skel->maps.egress_budgets);
	m->entry_spent = bpf_map__fd(l->skel->maps.egress_entry_spent);
	m->adopted = loader__adopted(l);
}

void loader__set_flow_epoch(struct loader *l, uint8_t epoch)
{
	l->skel->bss->flow_epoch = l->bss.flow_epoch = epoch;
}
