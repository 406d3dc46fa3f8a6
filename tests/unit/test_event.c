// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* event__decode against raw records laid out as bpf/records.h says. Every
 * record lives in a heap buffer of exactly the size passed to the decoder,
 * so a read one byte past it is an ASan error, not a silent pass. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "event.h"

#define HDR   sizeof(struct vigil_hdr)
#define EXEC  sizeof(struct vigil_exec)
#define FORK  sizeof(struct vigil_fork)
#define EXIT  sizeof(struct vigil_exit)
#define OPEN  sizeof(struct vigil_open)
#define CONN  sizeof(struct vigil_connect)
#define BUDG  sizeof(struct vigil_budget)
#define ESC   sizeof(struct vigil_escape)
#define FILE_ sizeof(struct vigil_file)

/* The layout the kernel side writes; a change here is a format change. */
_Static_assert(sizeof(struct vigil_hdr) == 72, "vigil_hdr layout");
_Static_assert(sizeof(struct vigil_exec) == 152, "vigil_exec layout");
_Static_assert(offsetof(struct vigil_exec, data) == 152, "exec data[]");
_Static_assert(sizeof(struct vigil_fork) == 80, "vigil_fork layout");
_Static_assert(sizeof(struct vigil_exit) == 80, "vigil_exit layout");
_Static_assert(sizeof(struct vigil_open) == 112, "vigil_open layout");
_Static_assert(offsetof(struct vigil_open, data) == 112, "open data[]");
_Static_assert(sizeof(struct vigil_connect) == 216, "vigil_connect layout");
_Static_assert(sizeof(struct vigil_budget) == 264, "vigil_budget layout");
_Static_assert(sizeof(struct vigil_escape) == 96, "vigil_escape layout");
_Static_assert(sizeof(struct vigil_file) == 112, "vigil_file layout");
_Static_assert(offsetof(struct vigil_file, data) == 112, "file data[]");
_Static_assert(sizeof(struct vigil_cred) == 208, "vigil_cred layout");
_Static_assert(sizeof(struct vigil_socket) == 232, "vigil_socket layout");

/* A zeroed heap buffer of exactly size bytes (malloc(0) included: ASan
 * treats any read through it as an overflow). */
static void *buf_new(size_t size)
{
	void *p = malloc(size);

	assert_non_null(p);
	memset(p, 0, size);
	return p;
}

static void hdr_fill(struct vigil_hdr *h, uint16_t type, size_t size)
{
	h->type = type;
	h->size = (uint16_t)size;
	h->flags = VIGIL_F_DELETED;
	h->ktime_ns = 123456789012ULL;
	h->cgroup_id = 4242;
	h->sandbox_cgid = 77;
	h->pid = 1000;
	h->tid = 1001;
	h->ppid = 999;
	h->uid = 1234;
	h->gid = 5678;
	memcpy(h->comm, "python3", 7);
}

/* An exec record: fixed part, then file, arg and argv back to back. */
static struct vigil_exec *exec_new(const char *file, size_t file_len,
				   const char *arg, size_t arg_len,
				   const char *argv, size_t argv_len,
				   size_t *size)
{
	struct vigil_exec *r;

	*size = EXEC + file_len + arg_len + argv_len;
	r = buf_new(*size);
	hdr_fill(&r->hdr, VIGIL_EV_EXEC, *size);
	r->ret = -2;
	r->dev = 0x803;
	r->ino = 0x1122334455667788ULL;
	r->sys = VIGIL_SYS_EXECVEAT;
	r->file_len = (uint16_t)file_len;
	r->arg_len = (uint16_t)arg_len;
	r->argv_len = (uint16_t)argv_len;
	r->argc = 3;
	memcpy(r->data, file, file_len);
	memcpy(r->data + file_len, arg, arg_len);
	memcpy(r->data + file_len + arg_len, argv, argv_len);
	return r;
}

static struct vigil_open *open_new(const char *path, size_t path_len,
				   const char *arg, size_t arg_len,
				   size_t *size)
{
	struct vigil_open *r;

	*size = OPEN + path_len + arg_len;
	r = buf_new(*size);
	hdr_fill(&r->hdr, VIGIL_EV_OPEN, *size);
	r->ret = 3;
	r->open_flags = 02101101;
	r->mode = 0644;
	r->dev = 0x10303;
	r->ino = 987654321;
	r->sys = VIGIL_SYS_OPENAT2;
	r->filesets = 0x5;
	r->path_len = (uint16_t)path_len;
	r->arg_len = (uint16_t)arg_len;
	memcpy(r->data, path, path_len);
	memcpy(r->data + path_len, arg, arg_len);
	return r;
}

static void assert_bytes(const struct bytes *b, const void *at,
			 const char *want, size_t len)
{
	assert_ptr_equal(b->p, at);
	assert_int_equal(b->len, len);
	assert_memory_equal(b->p, want, len);
}

static void assert_hdr_view(const struct event *ev, const void *rec,
			    enum event_kind kind)
{
	assert_int_equal(ev->kind, kind);
	assert_ptr_equal(ev->hdr, rec);
	assert_int_equal(ev->ktime_ns, 123456789012ULL);
	assert_int_equal(ev->seq, 0);
	assert_null(ev->sandbox);
	assert_null(ev->proc);
}

static void test_exec(void **state)
{
	static const char argv[] = "ls\0-l\0/tmp";	/* last one cut */
	size_t size;
	struct vigil_exec *r = exec_new("/usr/bin/ls", 11, "ls", 2, argv,
					sizeof(argv) - 1, &size);
	struct event ev;

	memset(&ev, 0xa5, sizeof(ev));
	assert_int_equal(size, 152 + 11 + 2 + 10);
	assert_int_equal(event__decode(r, size, &ev), 0);
	assert_hdr_view(&ev, r, EVENT_EXEC);
	assert_int_equal(ev.exec.ret, -2);
	assert_int_equal(ev.exec.dev, 0x803);
	assert_int_equal(ev.exec.ino, 0x1122334455667788ULL);
	assert_int_equal(ev.exec.sys, VIGIL_SYS_EXECVEAT);
	assert_int_equal(ev.exec.argc, 3);
	assert_bytes(&ev.exec.file, r->data, "/usr/bin/ls", 11);
	assert_bytes(&ev.exec.arg, r->data + 11, "ls", 2);
	assert_bytes(&ev.exec.argv, r->data + 13, argv, 10);
	free(r);
}

/* argv cut at the kernel's limit (VIGIL_F_ARGV_TRUNC) ends inside an
 * argument: only whole arguments are kept. Without the flag, argv is
 * taken as sent. */
static void test_exec_argv_truncated(void **state)
{
	static const char argv[] = "sh\0-c\0echo aaa";
	size_t size;
	struct vigil_exec *r = exec_new("/bin/sh", 7, "sh", 2, argv,
					sizeof(argv) - 1, &size);
	struct event ev;

	r->hdr.flags = VIGIL_F_ARGV_TRUNC;
	assert_int_equal(event__decode(r, size, &ev), 0);
	assert_bytes(&ev.exec.argv, r->data + 9, "sh\0-c\0", 6);
	assert_int_equal(ev.exec.argc, 3);

	/* cut right after a NUL: nothing to drop (the record's bytes
	 * after argv are unused) */
	r->argv_len = 6;
	assert_int_equal(event__decode(r, size, &ev), 0);
	assert_bytes(&ev.exec.argv, r->data + 9, "sh\0-c\0", 6);

	/* a single argument, cut: none left */
	r->arg_len = 2 + 6;
	r->argv_len = 8;
	assert_int_equal(event__decode(r, size, &ev), 0);
	assert_ptr_equal(ev.exec.argv.p, r->data + 15);
	assert_int_equal(ev.exec.argv.len, 0);

	r->hdr.flags = 0;
	r->arg_len = 2;
	r->argv_len = sizeof(argv) - 1;
	assert_int_equal(event__decode(r, size, &ev), 0);
	assert_bytes(&ev.exec.argv, r->data + 9, argv, sizeof(argv) - 1);
	free(r);
}

/* Failed exec: no file, and every string may be empty. */
static void test_exec_empty_strings(void **state)
{
	size_t size;
	struct vigil_exec *r = exec_new("", 0, "", 0, "", 0, &size);
	struct event ev;

	assert_int_equal(size, EXEC);
	assert_int_equal(event__decode(r, size, &ev), 0);
	assert_int_equal(ev.exec.file.len, 0);
	assert_int_equal(ev.exec.arg.len, 0);
	assert_int_equal(ev.exec.argv.len, 0);
	assert_ptr_equal(ev.exec.file.p, r->data);
	assert_ptr_equal(ev.exec.argv.p, r->data);
	free(r);
}

/* A script's file and the watched environment follow argv; the
 * environment keeps whole variables only, and the lengths must fit. */
static void test_exec_script_and_env(void **state)
{
	static const char tail[] = "/dev/shm/x.sh" "LD_PRELOAD=/a\0PYTHONP";
	size_t size, fixed;
	struct vigil_exec *r = exec_new("/usr/bin/dash", 13, "x", 1, "x", 2,
					&size);
	struct vigil_exec *big = buf_new(size + sizeof(tail) - 1);
	struct event ev;

	fixed = size;
	memcpy(big, r, size);
	memcpy((char *)big + fixed, tail, sizeof(tail) - 1);
	size += sizeof(tail) - 1;
	big->script_len = 13;
	big->env_len = sizeof(tail) - 1 - 13;
	big->old_euid = 1000;
	big->euid = 0;
	big->hdr.size = (uint16_t)size;
	assert_int_equal(event__decode(big, size, &ev), 0);
	assert_bytes(&ev.exec.script, (char *)big + fixed, "/dev/shm/x.sh", 13);
	assert_bytes(&ev.exec.env, (char *)big + fixed + 13,
		     "LD_PRELOAD=/a", 14);
	assert_int_equal(ev.exec.old_euid, 1000);
	assert_int_equal(ev.exec.euid, 0);

	big->env_len++;		/* past the record */
	assert_int_equal(event__decode(big, size, &ev), -EINVAL);
	free(big);
	free(r);
}

static void test_open(void **state)
{
	size_t size;
	struct vigil_open *r = open_new("/etc/passwd", 11, "../passwd", 9,
					&size);
	struct event ev;

	assert_int_equal(event__decode(r, size, &ev), 0);
	assert_hdr_view(&ev, r, EVENT_OPEN);
	assert_int_equal(ev.open.ret, 3);
	assert_int_equal(ev.open.flags, 02101101);
	assert_int_equal(ev.open.mode, 0644);
	assert_int_equal(ev.open.dev, 0x10303);
	assert_int_equal(ev.open.ino, 987654321);
	assert_int_equal(ev.open.sys, VIGIL_SYS_OPENAT2);
	assert_int_equal(ev.open.filesets, 0x5);
	assert_bytes(&ev.open.path, r->data, "/etc/passwd", 11);
	assert_bytes(&ev.open.arg, r->data + 11, "../passwd", 9);
	free(r);
}

static void test_connect_inet(void **state)
{
	struct vigil_connect *r = buf_new(CONN);
	static const uint8_t addr[16] = { 93, 184, 216, 34 };
	struct event ev;

	hdr_fill(&r->hdr, VIGIL_EV_CONNECT, CONN);
	r->ret = -115;
	r->proto = 6;
	r->sock_type = SOCK_STREAM;
	r->sa.family = AF_INET;
	r->sa.port = 443;
	memcpy(r->sa.addr, addr, sizeof(addr));
	assert_int_equal(event__decode(r, CONN, &ev), 0);
	assert_hdr_view(&ev, r, EVENT_CONNECT);
	assert_int_equal(ev.connect.ret, -115);
	assert_int_equal(ev.connect.proto, 6);
	assert_int_equal(ev.connect.sock_type, SOCK_STREAM);
	assert_int_equal(ev.connect.sa.family, AF_INET);
	assert_int_equal(ev.connect.sa.port, 443);
	assert_memory_equal(ev.connect.sa.addr, addr, sizeof(addr));
	free(r);
}

/* The unix path is copied; a path_len the kernel could never send is
 * cut to sun_path's size so rendering cannot read past it. */
static void test_connect_unix(void **state)
{
	struct vigil_connect *r = buf_new(CONN);
	struct event ev;

	hdr_fill(&r->hdr, VIGIL_EV_CONNECT, CONN);
	r->sock_type = SOCK_DGRAM;
	r->sa.family = AF_UNIX;
	r->sa.path_len = 9;
	memcpy(r->sa.path, "\0abstract", 9);
	assert_int_equal(event__decode(r, CONN, &ev), 0);
	assert_int_equal(ev.connect.sa.family, AF_UNIX);
	assert_int_equal(ev.connect.sa.path_len, 9);
	assert_memory_equal(ev.connect.sa.path, "\0abstract", 9);

	r->sa.path_len = VIGIL_UNIX_MAX;
	assert_int_equal(event__decode(r, CONN, &ev), 0);
	assert_int_equal(ev.connect.sa.path_len, VIGIL_UNIX_MAX);
	r->sa.path_len = VIGIL_UNIX_MAX + 1;
	assert_int_equal(event__decode(r, CONN, &ev), 0);
	assert_int_equal(ev.connect.sa.path_len, VIGIL_UNIX_MAX);
	r->sa.path_len = 0xffff;
	assert_int_equal(event__decode(r, CONN, &ev), 0);
	assert_int_equal(ev.connect.sa.path_len, VIGIL_UNIX_MAX);
	free(r);
}

static void test_fork_exit(void **state)
{
	struct vigil_fork *f = buf_new(FORK);
	struct vigil_exit *x = buf_new(EXIT);
	struct event ev;

	hdr_fill(&f->hdr, VIGIL_EV_FORK, FORK);
	f->child_pid = 31337;
	assert_int_equal(event__decode(f, FORK, &ev), 0);
	assert_hdr_view(&ev, f, EVENT_FORK);
	assert_int_equal(ev.child_pid, 31337);

	hdr_fill(&x->hdr, VIGIL_EV_EXIT, EXIT);
	x->exit_code = 0x8b;	/* SIGSEGV, core dumped */
	assert_int_equal(event__decode(x, EXIT, &ev), 0);
	assert_hdr_view(&ev, x, EVENT_EXIT);
	assert_int_equal(ev.exit_code, 0x8b);
	free(f);
	free(x);
}

/* The ring buffer may hand over more bytes than hdr.size; strings are
 * still taken within hdr.size only. */
static void test_buffer_longer_than_record(void **state)
{
	size_t size;
	struct vigil_open *r = open_new("/a", 2, "b", 1, &size);
	struct vigil_open *big = buf_new(size + 64);
	struct event ev;

	memcpy(big, r, size);
	assert_int_equal(event__decode(big, size + 64, &ev), 0);
	assert_bytes(&ev.open.path, big->data, "/a", 2);
	assert_bytes(&ev.open.arg, big->data + 2, "b", 1);

	/* arg reaching into the slack beyond hdr.size is malformed */
	big->arg_len = 2;
	assert_int_equal(event__decode(big, size + 64, &ev), -EINVAL);
	free(big);
	free(r);
}

static void test_zero_length(void **state)
{
	void *p = buf_new(0);
	struct event ev;

	assert_int_equal(event__decode(p, 0, &ev), -EINVAL);
	free(p);
}

/* Every size from 1 to the header's, on a buffer of exactly that size
 * whose bytes would otherwise make a valid fork record. */
static void test_shorter_than_header(void **state)
{
	struct vigil_fork full;
	struct event ev;

	memset(&full, 0, sizeof(full));
	hdr_fill(&full.hdr, VIGIL_EV_FORK, FORK);
	for (size_t n = 1; n < HDR; n++) {
		void *p = buf_new(n);

		memcpy(p, &full, n);
		assert_int_equal(event__decode(p, n, &ev), -EINVAL);
		free(p);
	}
}

/* Every record type with the size of its fixed part. */
static const struct { uint16_t type; size_t min; } recs[] = {
	{ VIGIL_EV_EXEC, EXEC }, { VIGIL_EV_FORK, FORK },
	{ VIGIL_EV_EXIT, EXIT }, { VIGIL_EV_OPEN, OPEN },
	{ VIGIL_EV_CONNECT, CONN }, { VIGIL_EV_BUDGET, BUDG },
};

static void test_hdr_size_beyond_buffer(void **state)
{
	struct event ev;

	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		struct vigil_hdr *h = buf_new(recs[i].min);

		hdr_fill(h, recs[i].type, recs[i].min);
		assert_int_equal(event__decode(h, recs[i].min, &ev), 0);
		h->size = (uint16_t)(recs[i].min + 1);
		assert_int_equal(event__decode(h, recs[i].min, &ev), -EINVAL);
		h->size = 0xffff;
		assert_int_equal(event__decode(h, recs[i].min, &ev), -EINVAL);
		free(h);
	}
	/* a header-sized buffer that claims more */
	struct vigil_hdr *h = buf_new(HDR);

	hdr_fill(h, VIGIL_EV_FORK, FORK);
	assert_int_equal(event__decode(h, HDR, &ev), -EINVAL);
	free(h);
}

static void test_unknown_type(void **state)
{
	static const uint16_t types[] = {
		0, 12, 13, EVENT_FLOW, EVENT_DROP, 0x7fff, 0xffff,
	};
	struct event ev;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		/* large enough for any known type */
		struct vigil_connect *r = buf_new(CONN);

		hdr_fill(&r->hdr, types[i], CONN);
		assert_int_equal(event__decode(r, CONN, &ev), -EINVAL);
		free(r);
	}
}

/* hdr.size of 0 (or anything below the fixed part) in a buffer that is
 * itself large enough: the record's own size decides. */
static void test_record_size_below_fixed_part(void **state)
{
	struct event ev;

	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		struct vigil_hdr *h = buf_new(recs[i].min);

		hdr_fill(h, recs[i].type, 0);
		assert_int_equal(event__decode(h, recs[i].min, &ev), -EINVAL);
		for (size_t n = HDR; n < recs[i].min; n++) {
			h->size = (uint16_t)n;
			assert_int_equal(event__decode(h, recs[i].min, &ev),
					 -EINVAL);
		}
		h->size = (uint16_t)recs[i].min;
		assert_int_equal(event__decode(h, recs[i].min, &ev), 0);
		free(h);
	}
}

/* A consistent record (hdr.size == buffer size) cut anywhere inside its
 * fixed part, on a buffer of exactly that size. */
static void test_buffer_below_fixed_part(void **state)
{
	struct event ev;

	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		for (size_t n = HDR; n < recs[i].min; n++) {
			struct vigil_hdr *h = buf_new(n);

			hdr_fill(h, recs[i].type, n);
			assert_int_equal(event__decode(h, n, &ev), -EINVAL);
			free(h);
		}
	}
}

/* Lengths that sum to exactly the data area are accepted; one byte more
 * in any of them is not. */
static void test_exec_lengths(void **state)
{
	size_t size;
	struct vigil_exec *r = exec_new("/bin/sh", 7, "sh", 2, "sh\0-c\0",
					6, &size);
	struct event ev;

	assert_int_equal(event__decode(r, size, &ev), 0);
	r->file_len++;
	assert_int_equal(event__decode(r, size, &ev), -EINVAL);
	r->file_len--;
	r->arg_len++;
	assert_int_equal(event__decode(r, size, &ev), -EINVAL);
	r->arg_len--;
	r->argv_len++;
	assert_int_equal(event__decode(r, size, &ev), -EINVAL);
	r->argv_len--;

	/* shifting bytes between strings keeps the sum: still valid */
	r->file_len = 15;
	r->arg_len = 0;
	r->argv_len = 0;
	assert_int_equal(event__decode(r, size, &ev), 0);
	assert_int_equal(ev.exec.file.len, 15);
	r->file_len = 0;
	r->argv_len = 15;
	assert_int_equal(event__decode(r, size, &ev), 0);
	assert_ptr_equal(ev.exec.argv.p, r->data);
	assert_int_equal(ev.exec.argv.len, 15);

	/* each length alone past the end, and all at their maximum, which
	 * must not wrap around when summed */
	r->argv_len = 16;
	assert_int_equal(event__decode(r, size, &ev), -EINVAL);
	r->argv_len = 0;
	r->arg_len = 16;
	assert_int_equal(event__decode(r, size, &ev), -EINVAL);
	r->file_len = r->arg_len = r->argv_len = 0xffff;
	assert_int_equal(event__decode(r, size, &ev), -EINVAL);
	r->file_len = 0;
	r->arg_len = 0;
	r->argv_len = 0xffff;
	assert_int_equal(event__decode(r, size, &ev), -EINVAL);
	free(r);
}

static void test_open_lengths(void **state)
{
	size_t size;
	struct vigil_open *r = open_new("/etc/shadow", 11, "x", 1, &size);
	struct event ev;

	assert_int_equal(event__decode(r, size, &ev), 0);
	r->path_len++;
	assert_int_equal(event__decode(r, size, &ev), -EINVAL);
	r->path_len--;
	r->arg_len++;
	assert_int_equal(event__decode(r, size, &ev), -EINVAL);
	r->path_len = 0;
	r->arg_len = 12;
	assert_int_equal(event__decode(r, size, &ev), 0);
	r->path_len = 0xffff;
	r->arg_len = 0xffff;
	assert_int_equal(event__decode(r, size, &ev), -EINVAL);
	free(r);
}

/* A valid exec record whose hdr.size (and buffer) is cut at every length
 * short of the whole: the strings no longer fit, and nothing past the
 * cut is read. */
static void test_exec_cut_everywhere(void **state)
{
	size_t size;
	struct vigil_exec *r = exec_new("/usr/bin/python3", 16, "python3", 7,
					"python3\0-c\0pass\0", 17, &size);
	struct event ev;

	for (size_t n = HDR; n < size; n++) {
		struct vigil_exec *cut = buf_new(n);

		memcpy(cut, r, n);
		cut->hdr.size = (uint16_t)n;
		assert_int_equal(event__decode(cut, n, &ev), -EINVAL);
		/* the original hdr.size over a short buffer */
		cut->hdr.size = (uint16_t)size;
		assert_int_equal(event__decode(cut, n, &ev), -EINVAL);
		free(cut);
	}
	assert_int_equal(event__decode(r, size, &ev), 0);
	free(r);
}

static void test_open_cut_everywhere(void **state)
{
	size_t size;
	struct vigil_open *r = open_new("/home/u/.ssh/id_rsa", 19,
					"innocent.txt", 12, &size);
	struct event ev;

	for (size_t n = HDR; n < size; n++) {
		struct vigil_open *cut = buf_new(n);

		memcpy(cut, r, n);
		cut->hdr.size = (uint16_t)n;
		assert_int_equal(event__decode(cut, n, &ev), -EINVAL);
		free(cut);
	}
	free(r);
}

/* The largest record the kernel side can send (both paths and argv at
 * their limits) decodes. */
static void test_exec_largest(void **state)
{
	size_t flen = VIGIL_PATH_MAX, alen = VIGIL_PATH_MAX;
	size_t vlen = VIGIL_ARGV_MAX, size;
	char *s = malloc(vlen);
	struct vigil_exec *r;
	struct event ev;

	assert_non_null(s);
	memset(s, 'x', vlen);
	r = exec_new(s, flen, s, alen, s, vlen, &size);
	assert_int_equal(size, EXEC + 16384);
	assert_int_equal(event__decode(r, size, &ev), 0);
	assert_int_equal(ev.exec.file.len, flen);
	assert_int_equal(ev.exec.arg.len, alen);
	assert_int_equal(ev.exec.argv.len, vlen);
	assert_ptr_equal(ev.exec.argv.p + vlen, (char *)r + size);
	free(r);
	free(s);
}

/* A budget record comes from packet context: no process, so no hdr in
 * the view; its sandbox travels in the budget itself. */
static void test_budget(void **state)
{
	struct vigil_budget *r = buf_new(BUDG);
	struct event ev;

	hdr_fill(&r->hdr, VIGIL_EV_BUDGET, BUDG);
	r->budget = 10 << 20;
	r->spent = 10 << 20;
	r->profile = 3;
	r->family = 2;
	r->port = 8080;
	r->proto = 6;
	memcpy(r->addr, "\x7f\0\0\x01", 4);
	assert_int_equal(event__decode(r, BUDG, &ev), 0);
	assert_int_equal(ev.kind, EVENT_BUDGET);
	assert_null(ev.hdr);
	assert_int_equal(ev.ktime_ns, 123456789012ULL);
	assert_int_equal(ev.budget.sandbox_cgid, 77);
	assert_int_equal(ev.budget.budget, 10 << 20);
	assert_int_equal(ev.budget.profile, 3);
	assert_int_equal(ev.budget.port, 8080);
	assert_memory_equal(ev.budget.addr, "\x7f\0\0\x01", 4);
	free(r);
}

/* An escape: the mover in hdr, the process moved and where it went. */
static void test_escape(void **state)
{
	struct vigil_escape *r = buf_new(ESC);
	struct event ev;

	hdr_fill(&r->hdr, VIGIL_EV_ESCAPE, ESC);
	r->hdr.flags = VIGIL_F_KILLED;
	r->cgroup_id = 1;
	r->into_sandbox = 88;
	r->moved_pid = 1000;
	r->how = VIGIL_ESCAPE_MOVE;
	r->moved_killed = 1;
	assert_int_equal(event__decode(r, ESC, &ev), 0);
	assert_hdr_view(&ev, r, EVENT_ESCAPE);
	assert_int_equal(ev.escape.how, VIGIL_ESCAPE_MOVE);
	assert_int_equal(ev.escape.cgroup_id, 1);
	assert_int_equal(ev.escape.into_cgid, 88);
	assert_null(ev.escape.into);	/* the collector's to fill */
	assert_int_equal(ev.escape.moved_pid, 1000);
	assert_true(ev.escape.moved_killed);
	free(r);

	/* One byte short of the fixed part: refused, nothing read past. */
	r = buf_new(ESC - 1);
	hdr_fill(&r->hdr, VIGIL_EV_ESCAPE, ESC - 1);
	assert_int_equal(event__decode(r, ESC - 1, &ev), -EINVAL);
	free(r);
}

static void test_escape_how_names(void **state)
{
	assert_string_equal(escape__how_name(VIGIL_ESCAPE_OPEN), "open");
	assert_string_equal(escape__how_name(VIGIL_ESCAPE_CLONE), "clone");
	assert_string_equal(escape__how_name(VIGIL_ESCAPE_MOVE), "move");
	assert_string_equal(escape__how_name(0), "unknown");
	assert_string_equal(escape__how_name(999), "unknown");
	assert_int_equal(escape__how_parse("open"), VIGIL_ESCAPE_OPEN);
	assert_int_equal(escape__how_parse("move"), VIGIL_ESCAPE_MOVE);
	assert_int_equal(escape__how_parse("unknown"), 0);
	assert_int_equal(escape__how_parse(""), 0);
}

static void test_type_names(void **state)
{
	assert_string_equal(event__type_name(EVENT_EXEC), "exec");
	assert_string_equal(event__type_name(EVENT_FORK), "fork");
	assert_string_equal(event__type_name(EVENT_EXIT), "exit");
	assert_string_equal(event__type_name(EVENT_OPEN), "open");
	assert_string_equal(event__type_name(EVENT_CONNECT), "connect");
	assert_string_equal(event__type_name(EVENT_FLOW), "flow");
	assert_string_equal(event__type_name(EVENT_DROP), "drop");
	assert_string_equal(event__type_name((enum event_kind)0), "unknown");
	assert_string_equal(event__type_name(EVENT_SYSCALL), "syscall");
	assert_string_equal(event__type_name(EVENT_BUDGET), "budget");
	assert_string_equal(event__type_name(EVENT_ESCAPE), "escape");
	assert_string_equal(event__type_name(EVENT_FILE), "file");
	assert_string_equal(event__type_name(EVENT_CRED), "cred");
	assert_string_equal(event__type_name(EVENT_SOCKET), "socket");
	assert_string_equal(event__type_name(EVENT_DNS), "dns");
	assert_string_equal(event__type_name((enum event_kind)13), "unknown");
}

/* A file record: fixed part, then base, arg, base2 and arg2. */
static struct vigil_file *file_new(const char *const s[4], size_t *size)
{
	size_t len[4], off = 0;
	struct vigil_file *r;

	*size = FILE_;
	for (int i = 0; i < 4; i++)
		*size += len[i] = strlen(s[i]);
	r = buf_new(*size);
	hdr_fill(&r->hdr, VIGIL_EV_FILE, *size);
	r->ret = -13;
	r->op = VIGIL_FILE_RENAME;
	r->sys = VIGIL_SYS_RENAMEAT2;
	r->mode = 04755;
	r->uid = (uint32_t)-1;
	r->gid = 7;
	r->at_flags = 2;
	r->length = 1ull << 40;
	r->base_len = (uint16_t)len[0];
	r->arg_len = (uint16_t)len[1];
	r->base2_len = (uint16_t)len[2];
	r->arg2_len = (uint16_t)len[3];
	for (int i = 0; i < 4; i++) {
		memcpy(r->data + off, s[i], len[i]);
		off += len[i];
	}
	return r;
}

static const char *const file_strs[4] = { "/tmp/w", "a/../b", "/etc",
					  "passwd" };

static void test_file(void **state)
{
	size_t size;
	struct vigil_file *r = file_new(file_strs, &size);
	struct event ev;

	assert_int_equal(event__decode(r, size, &ev), 0);
	assert_int_equal(ev.kind, EVENT_FILE);
	assert_int_equal(ev.file.ret, -13);
	assert_int_equal(ev.file.op, VIGIL_FILE_RENAME);
	assert_int_equal(ev.file.sys, VIGIL_SYS_RENAMEAT2);
	assert_int_equal(ev.file.mode, 04755);
	assert_int_equal(ev.file.uid, (uint32_t)-1);
	assert_int_equal(ev.file.gid, 7);
	assert_int_equal(ev.file.at_flags, 2);
	assert_true(ev.file.length == 1ull << 40);
	assert_memory_equal(ev.file.base.p, "/tmp/w", ev.file.base.len);
	assert_int_equal(ev.file.arg.len, 6);
	assert_memory_equal(ev.file.arg.p, "a/../b", 6);
	assert_memory_equal(ev.file.base2.p, "/etc", ev.file.base2.len);
	assert_int_equal(ev.file.arg2.len, 6);
	assert_memory_equal(ev.file.arg2.p, "passwd", 6);
	free(r);
}

/* Lengths past the record, and ops the kernel does not send. */
static void test_file_lengths_and_ops(void **state)
{
	size_t size;
	struct vigil_file *r = file_new(file_strs, &size);
	struct event ev;

	r->arg2_len++;
	assert_int_equal(event__decode(r, size, &ev), -EINVAL);
	r->arg2_len--;
	r->base_len = 0xffff;
	assert_int_equal(event__decode(r, size, &ev), -EINVAL);
	r->base_len = 6;
	r->op = 0;
	assert_int_equal(event__decode(r, size, &ev), -EINVAL);
	r->op = VIGIL_FILE_OPS;
	assert_int_equal(event__decode(r, size, &ev), -EINVAL);
	r->op = VIGIL_FILE_TRUNCATE;
	assert_int_equal(event__decode(r, size, &ev), 0);
	free(r);
}

static void test_file_cut_everywhere(void **state)
{
	size_t size;
	struct vigil_file *r = file_new(file_strs, &size);
	struct event ev;

	for (size_t n = HDR; n < size; n++) {
		struct vigil_file *cut = buf_new(n);

		memcpy(cut, r, n);
		cut->hdr.size = (uint16_t)n;
		assert_int_equal(event__decode(cut, n, &ev), -EINVAL);
		free(cut);
	}
	free(r);
}

static void test_cred(void **state)
{
	struct vigil_cred *r = buf_new(sizeof(*r));
	struct event ev;

	hdr_fill(&r->hdr, VIGIL_EV_CRED, sizeof(*r));
	r->hdr.flags = VIGIL_F_COMPAT;
	r->nr = 213;		/* ia32 setuid32 */
	r->ret = -1;
	r->old_ids.euid = 1000;
	r->new_ids.euid = 0;
	r->cap_eff_new = 1ull << 21;
	r->args[0] = 0;
	assert_int_equal(event__decode(r, sizeof(*r), &ev), 0);
	assert_int_equal(ev.kind, EVENT_CRED);
	assert_string_equal(ev.cred.name, "setuid32");
	assert_int_equal(ev.cred.ret, -1);
	assert_int_equal(ev.cred.old_ids.euid, 1000);
	assert_true(ev.cred.cap_eff_new == 1ull << 21);
	/* the native 213 is another call, none of vigil's */
	r->hdr.flags = 0;
	assert_int_equal(event__decode(r, sizeof(*r), &ev), 0);
	assert_string_equal(ev.cred.name, "unknown");
	/* one byte short of the fixed part */
	r->hdr.size--;
	assert_int_equal(event__decode(r, sizeof(*r), &ev), -EINVAL);
	free(r);
}

static void test_socket(void **state)
{
	struct vigil_socket *r = buf_new(sizeof(*r));
	struct event ev;

	hdr_fill(&r->hdr, VIGIL_EV_SOCKET, sizeof(*r));
	r->op = VIGIL_SOCKET_BIND;
	r->family = AF_UNIX;
	r->sa.family = AF_UNIX;
	r->sa.path_len = 0xffff;	/* clamped, never trusted */
	assert_int_equal(event__decode(r, sizeof(*r), &ev), 0);
	assert_int_equal(ev.kind, EVENT_SOCKET);
	assert_int_equal(ev.socket.op, VIGIL_SOCKET_BIND);
	assert_int_equal(ev.socket.sa.path_len, VIGIL_UNIX_MAX);
	r->op = VIGIL_SOCKET_OPS;
	assert_int_equal(event__decode(r, sizeof(*r), &ev), -EINVAL);
	r->op = VIGIL_SOCKET_LISTEN;
	r->hdr.size--;
	assert_int_equal(event__decode(r, sizeof(*r), &ev), -EINVAL);
	assert_string_equal(socket__op_name(VIGIL_SOCKET_LISTEN), "listen");
	assert_int_equal(socket__op_parse("bind"), VIGIL_SOCKET_BIND);
	assert_int_equal(socket__op_parse("accept"), VIGIL_SOCKET_ACCEPT);
	assert_int_equal(socket__op_parse("connect"), 0);
	free(r);
}

static void test_file_op_names(void **state)
{
	for (uint16_t op = 1; op < VIGIL_FILE_OPS; op++)
		assert_int_equal(file__op_parse(file__op_name(op)), op);
	assert_string_equal(file__op_name(VIGIL_FILE_SYMLINK), "symlink");
	assert_string_equal(file__op_name(0), "unknown");
	assert_string_equal(file__op_name(VIGIL_FILE_OPS), "unknown");
	assert_int_equal(file__op_parse("unknown"), 0);
	assert_true(file__op_two(VIGIL_FILE_LINK));
	assert_false(file__op_two(VIGIL_FILE_CHMOD));
}

/* A DNS record: its wire-form name as dotted text, whatever the bytes
 * say (a length past the kept bytes stops at them); its type by name. */
static void test_dns(void **state)
{
	struct vigil_dns r = { .hdr = { .type = VIGIL_EV_DNS,
					.size = sizeof(r) },
			       .qtype = 16, .verdict = VIGIL_VERDICT_DENY,
			       .family = AF_INET, .port = 53 };
	static const uint8_t wire[] = "\3www\7example\3com";
	struct event ev;
	char out[VIGIL_DNS_NAME_MAX], buf[DNS_QTYPE_TEXT];

	memcpy(r.qname, wire, sizeof(wire) - 1);
	r.qname_len = sizeof(wire) - 1;
	assert_int_equal(event__decode(&r, sizeof(r), &ev), 0);
	assert_int_equal(ev.kind, EVENT_DNS);
	assert_string_equal(ev.dns.qname, "www.example.com");
	assert_int_equal(ev.dns.qname_len, 15);
	assert_false(ev.dns.truncated);
	assert_string_equal(event__type_name(ev.kind), "dns");
	/* cut inside a label */
	assert_int_equal(dns__name_text(wire, 6, out), 5);
	assert_string_equal(out, "www.e");
	/* a length byte promising more than there is, the most kept */
	memset(r.qname, 63, sizeof(r.qname));
	assert_int_equal(dns__name_text(r.qname, sizeof(r.qname), out), 127);
	r.verdict = VIGIL_VERDICTS;
	assert_int_equal(event__decode(&r, sizeof(r), &ev), -EINVAL);
	assert_string_equal(dns__qtype_text(16, buf), "TXT");
	assert_string_equal(dns__qtype_text(65280, buf), "TYPE65280");
	assert_int_equal(dns__qtype_parse("AAAA"), 28);
	assert_int_equal(dns__qtype_parse("TYPE65280"), 65280);
	assert_int_equal(dns__qtype_parse("TYPE"), -1);
	assert_int_equal(dns__qtype_parse("TYPE70000"), -1);
}

/* A DNS answer: its addresses as text in order, a count past the array
 * or a family it cannot hold refused; its rcode by name. */
static void test_dns_answer(void **state)
{
	struct vigil_dns r = { .hdr = { .type = VIGIL_EV_DNS,
					.size = sizeof(r) },
			       .qtype = 1, .proto = 17, .rcode = 3,
			       .reply = VIGIL_DNS_ANSWER | VIGIL_DNS_CUT,
			       .naddrs = 2, .cnames = 1, .ttl = 60,
			       .addr_family = { AF_INET, AF_INET6 },
			       .addrs = { { 10, 1, 2, 3 },
					  { [0] = 0xfd, [15] = 1 } } };
	char buf[DNS_RCODE_TEXT];
	const char *a;
	size_t at = 0;
	struct event ev;

	(void)state;
	assert_int_equal(event__decode(&r, sizeof(r), &ev), 0);
	assert_true(ev.dns.response);
	assert_true(ev.dns.cut);
	assert_false(ev.dns.granted);
	assert_int_equal(ev.dns.rcode, 3);
	assert_int_equal(ev.dns.cnames, 1);
	assert_int_equal(ev.dns.ttl, 60);
	a = dns__answers_next(&ev.dns, &at);
	assert_string_equal(a, "10.1.2.3");
	a = dns__answers_next(&ev.dns, &at);
	assert_string_equal(a, "fd00::1");
	assert_null(dns__answers_next(&ev.dns, &at));
	/* a query has no answer side, whatever its tail holds */
	r.reply = 0;
	assert_int_equal(event__decode(&r, sizeof(r), &ev), 0);
	assert_false(ev.dns.response);
	assert_int_equal(ev.dns.answers_len, 0);
	r.reply = VIGIL_DNS_ANSWER;
	r.naddrs = VIGIL_DNS_ADDRS + 1;
	assert_int_equal(event__decode(&r, sizeof(r), &ev), -EINVAL);
	r.naddrs = 1;
	r.addr_family[0] = AF_UNIX;
	assert_int_equal(event__decode(&r, sizeof(r), &ev), -EINVAL);
	assert_string_equal(dns__rcode_text(3, buf), "NXDOMAIN");
	assert_string_equal(dns__rcode_text(9, buf), "RCODE9");
	assert_int_equal(dns__rcode_parse("REFUSED"), 5);
	assert_int_equal(dns__rcode_parse("RCODE9"), 9);
	assert_int_equal(dns__rcode_parse("RCODE16"), -1);
	assert_int_equal(dns__rcode_parse("RCODE"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_dns_answer),
		cmocka_unit_test(test_exec_argv_truncated),
		cmocka_unit_test(test_exec_empty_strings),
		cmocka_unit_test(test_exec_script_and_env),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_connect_inet),
		cmocka_unit_test(test_connect_unix),
		cmocka_unit_test(test_fork_exit),
		cmocka_unit_test(test_buffer_longer_than_record),
		cmocka_unit_test(test_zero_length),
		cmocka_unit_test(test_shorter_than_header),
		cmocka_unit_test(test_hdr_size_beyond_buffer),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_record_size_below_fixed_part),
		cmocka_unit_test(test_buffer_below_fixed_part),
		cmocka_unit_test(test_exec_lengths),
		cmocka_unit_test(test_open_lengths),
		cmocka_unit_test(test_exec_cut_everywhere),
		cmocka_unit_test(test_open_cut_everywhere),
		cmocka_unit_test(test_exec_largest),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_how_names),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_lengths_and_ops),
		cmocka_unit_test(test_file_cut_everywhere),
		cmocka_unit_test(test_file_op_names),
		cmocka_unit_test(test_cred),
		cmocka_unit_test(test_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
