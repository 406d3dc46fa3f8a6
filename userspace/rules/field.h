/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The fields rule conditions test ("open.path", "proc.exe", ...): each
 * with a type, the record types that carry it, and a getter reading it
 * from a struct event without copying. This table is the one place that
 * knows how a record maps to rule fields; the parser checks names and
 * types against it, the evaluator and the index read values through it.
 */
#ifndef VIGIL_FIELD_H
#define VIGIL_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cidr.h"
#include "event.h"

enum field_type {
	FT_STR,		/* bytes */
	FT_NUM,		/* signed 64-bit */
	FT_BOOL,
	FT_ADDR,	/* IPv4 or IPv6 address */
	FT_LIST,	/* strings, tested element by element */
};

/* Bits of struct field.events: which record kinds carry a field. The
 * kernel's kinds (below EV_FLOW_BIT) are their own bit numbers, the
 * collector's (from EVENT_FLOW) follow, up to the last that may carry a
 * sandbox (EVENT_APPROVAL); EV_KINDS bits in all. */
#define EV_FLOW_BIT   16
#define EV_KINDS      (EV_FLOW_BIT + EVENT_APPROVAL - EVENT_FLOW + 1)
#define EVBIT(kind)   (1u << ((kind) >= EVENT_FLOW ? \
			      (kind) - EVENT_FLOW + EV_FLOW_BIT : (kind)))
#define EV_PROCESS    (EVBIT(EVENT_EXEC) | EVBIT(EVENT_FORK) | \
		       EVBIT(EVENT_EXIT) | EVBIT(EVENT_OPEN) | \
		       EVBIT(EVENT_CONNECT) | EVBIT(EVENT_SYSCALL) | \
		       EVBIT(EVENT_ESCAPE) | EVBIT(EVENT_FILE) | \
		       EVBIT(EVENT_CRED) | EVBIT(EVENT_SOCKET) | \
		       EVBIT(EVENT_DNS))
/* A drop record is a sandbox's when it carries one (its share). */
#define EV_SANDBOXED  (EV_PROCESS | EVBIT(EVENT_FLOW) | EVBIT(EVENT_BUDGET) | \
		       EVBIT(EVENT_DROP) | EVBIT(EVENT_REPEAT) | \
		       EVBIT(EVENT_ANOMALY))

/* A value read from an event. Strings point into the event or a table. */
struct fval {
	enum field_type type;
	union {
		struct bytes s;
		int64_t n;
		bool b;
		struct addr addr;
		struct {		/* FT_LIST: walked with fval__next */
			const void *cur;
			const void *end;
			uint8_t how;	/* enum list_how, field.c's */
			const void *aux;
		} list;
	};
};

/* What the getters need beyond the event: the sandbox's policy context,
 * filled by the engine per event. */
struct field_ctx {
	const struct event *ev;
	const struct profile *profile;
	uint64_t taints;		/* the sandbox's taint bits */
	const char *const *taint_names;	/* by bit */
};

/* What a string field's literals mean beyond their text. Where the
 * language knows every value a field takes, a literal outside them is a
 * load error rather than a test that is never true, and only ==, != and
 * 'in' apply. */
enum field_lits {
	FL_TEXT,
	FL_PATH,	/* a path: a leading '~' means the user's home */
	FL_FDTYPE,	/* one of fdtype__name()'s */
	FL_FILESET,	/* a file set's name (cond_env.fileset) */
};

struct field {
	const char *name;
	enum field_type type;
	uint32_t events;	/* EVBIT()s of records carrying it */
	enum field_lits lits;
	/* false when ev does not carry the field (a failed exec's file). */
	bool (*get)(const struct field_ctx *c, struct fval *out);
};

/* The field named name[0..len), NULL if there is none. */
const struct field *field__find(const char *name, size_t len);
/* The next element of an FT_LIST value; false at its end. */
bool fval__next(struct fval *v, struct bytes *out);

/* Record kinds rules can name ("exec", ...), as EVBIT()s; 0 if unknown. */
uint32_t field__event_bit(const char *name, size_t len);

#endif /* VIGIL_FIELD_H */
