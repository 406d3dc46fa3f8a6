// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: one raw ring-buffer record, as the collector's
 * callback gets it. event__decode must reject it or return a view whose
 * strings lie inside the record; a decoded record must render, and its
 * text must parse as JSON (yajl validates UTF-8 too) with the right type.
 * Any other outcome aborts, so libFuzzer keeps the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "event.h"
#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct render r;
static struct label labels[] = {
	{ "session", "s-9f3", 5 },
	{ "agent", "coder", 5 },
};
static struct sandbox sandbox = {
	.cgid = 8812, .id = "sb-42", .cgroup = "/vigil/sb-42",
	.profile = "python-agent", .profile_len = 12,
	.labels = labels, .nr_labels = 2,
};
static struct proc root = {
	.pid = 1, .exe = "/sbin/init", .exe_len = 10, .exec_id = "1-0",
};
static struct proc parent = {
	.pid = 2, .ppid = 1, .exe = "/bin/sh", .exe_len = 7,
	.exec_id = "2-100", .parent = &root,
};
static struct proc self = {
	.pid = 3, .ppid = 2, .exe = "/usr/bin/python3", .exe_len = 16,
	.exec_id = "3-200", .parent = &parent,
};

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_record: %s:%d: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* A string slice must lie within the record's own hdr.size bytes. */
static void check_inside(const struct bytes *b, const uint8_t *data,
			 size_t rec_size)
{
	const uint8_t *p = (const uint8_t *)b->p;

	CHECK(b->len == 0 || p != NULL);
	if (b->len == 0)
		return;
	CHECK(p >= data && p <= data + rec_size);
	CHECK(b->len <= (size_t)(data + rec_size - p));
}

static void check_decoded(const struct event *ev, const uint8_t *data,
			  size_t size)
{
	size_t rec_size;

	/* A budget record comes from packet context: no process, no hdr. */
	if (ev->kind == EVENT_BUDGET) {
		CHECK(ev->hdr == NULL && size >= sizeof(struct vigil_budget));
		return;
	}
	CHECK(ev->hdr == (const void *)data);
	rec_size = ev->hdr->size;
	CHECK(rec_size >= sizeof(struct vigil_hdr) && rec_size <= size);
	CHECK(ev->kind == (enum event_kind)ev->hdr->type);
	switch (ev->kind) {
	case EVENT_EXEC:
		check_inside(&ev->exec.file, data, rec_size);
		check_inside(&ev->exec.arg, data, rec_size);
		check_inside(&ev->exec.argv, data, rec_size);
		break;
	case EVENT_OPEN:
		check_inside(&ev->open.path, data, rec_size);
		check_inside(&ev->open.arg, data, rec_size);
		break;
	case EVENT_CONNECT:
		CHECK(ev->connect.sa.path_len <= VIGIL_UNIX_MAX);
		break;
	case EVENT_SYSCALL:
		CHECK(ev->syscall.name != NULL);
		break;
	case EVENT_MKDIR:
	case EVENT_RMDIR:
		check_inside(&ev->cgroup.name, data, rec_size);
		CHECK(ev->cgroup.name.len > 0 && ev->cgroup.root < VIGIL_MAX_ROOTS);
		CHECK(!memchr(ev->cgroup.name.p, '/', ev->cgroup.name.len));
		break;
	case EVENT_FORK:
	case EVENT_EXIT:
		break;
	case EVENT_ESCAPE:
		CHECK(ev->escape.into == NULL);	/* the collector's to fill */
		break;
	default:
		CHECK(!"decoded an unknown record type");
	}
}

static void check_json(const char *buf, size_t len, const struct event *ev)
{
	static const char *type_path[] = { "type", NULL };
	char err[256] = "";
	yajl_val root_val, type;

	CHECK(strlen(buf) == len);
	root_val = yajl_tree_parse(buf, err, sizeof(err));
	if (!root_val) {
		fprintf(stderr, "fuzz_record: invalid JSON (%s): %s\n", err,
			buf);
		abort();
	}
	type = yajl_tree_get(root_val, type_path, yajl_t_string);
	CHECK(type != NULL);
	CHECK(!strcmp(YAJL_GET_STRING(type), event__type_name(ev->kind)));
	yajl_tree_free(root_val);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event ev;
	const char *buf;
	size_t len;

	if (!r.json) {
		CHECK(render__init(&r) == 0);
		strcpy(r.host, "fuzz-host");
	}
	/* A fixed, realistic clock offset (2025-11-28, 5 s after boot) so a
	 * run is reproducible. */
	r.boot_to_real_ns = 1764331200000000000LL - 5000000000LL;

	if (event__decode(data, size, &ev))
		return 0;
	check_decoded(&ev, data, size);
	ev.seq = 1;
	ev.sandbox = &sandbox;
	/* alternate: a known process with ancestors, and an unknown one */
	ev.proc = ev.hdr && ev.hdr->pid & 1 ? &self : NULL;
	CHECK(render__event(&r, &ev, &buf, &len) == 0);
	check_json(buf, len, &ev);
	return 0;
}
