// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "flags.h"

/* The kernel's own definitions (uapi), not glibc's <fcntl.h>: see flags.h
 * on O_LARGEFILE. */
#include <asm/fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct open_flag {
	unsigned int bits;	/* all must be set */
	unsigned int hidden_by;	/* composite flag that names these bits */
	const char *name;
};

static const struct open_flag open_flags[] = {
	{ O_CREAT,	0,		"O_CREAT" },
	{ O_EXCL,	0,		"O_EXCL" },
	{ O_NOCTTY,	0,		"O_NOCTTY" },
	{ O_TRUNC,	0,		"O_TRUNC" },
	{ O_APPEND,	0,		"O_APPEND" },
	{ O_NONBLOCK,	0,		"O_NONBLOCK" },
	{ O_DSYNC,	O_SYNC,		"O_DSYNC" },
	{ FASYNC,	0,		"O_ASYNC" },
	{ O_DIRECT,	0,		"O_DIRECT" },
	{ O_LARGEFILE,	0,		"O_LARGEFILE" },
	{ O_DIRECTORY,	O_TMPFILE,	"O_DIRECTORY" },
	{ O_NOFOLLOW,	0,		"O_NOFOLLOW" },
	{ O_NOATIME,	0,		"O_NOATIME" },
	{ O_CLOEXEC,	0,		"O_CLOEXEC" },
	{ O_SYNC,	0,		"O_SYNC" },
	{ O_PATH,	0,		"O_PATH" },
	{ O_TMPFILE,	0,		"O_TMPFILE" },
};

_Static_assert(ARRAY_SIZE(open_flags) + 2 == OPEN_FLAGS_MAX,
	       "OPEN_FLAGS_MAX must count the access mode, every flag and "
	       "the unknown bits");

static const char *const access_modes[O_ACCMODE + 1] = {
	"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE",
};

static int is_set(unsigned int flags, unsigned int bits)
{
	return bits && (flags & bits) == bits;
}

/* Unknown bits are rare (a new kernel flag, or garbage a process passed),
 * so snprintf is fine here. */
static const char *unknown_name(unsigned int bits)
{
	static __thread char buf[sizeof("0x") + 2 * sizeof(bits)];

	snprintf(buf, sizeof(buf), "0x%x", bits);
	return buf;
}

size_t open_flags__names(unsigned int flags, const char **names, size_t cap)
{
	unsigned int left = flags & ~O_ACCMODE;
	size_t n = 0, i;

	if (cap == 0)
		return 0;
	names[n++] = access_modes[flags & O_ACCMODE];
	for (i = 0; i < ARRAY_SIZE(open_flags) && n < cap; i++) {
		const struct open_flag *f = &open_flags[i];

		if (!is_set(flags, f->bits) || is_set(flags, f->hidden_by))
			continue;
		names[n++] = f->name;
		left &= ~f->bits;
	}
	if (left && n < cap)
		names[n++] = unknown_name(left);
	return n;
}

unsigned int open_flags__bits(const char *name)
{
	for (unsigned int i = 0; i <= O_ACCMODE; i++)
		if (!strcmp(access_modes[i], name))
			return i;
	for (size_t i = 0; i < ARRAY_SIZE(open_flags); i++)
		if (!strcmp(open_flags[i].name, name))
			return open_flags[i].bits;
	if (!strncmp(name, "0x", 2))
		return strtoul(name + 2, NULL, 16);
	return 0;
}

bool open_flags__write(unsigned int flags)
{
	return (flags & O_ACCMODE) == O_WRONLY ||
	       (flags & O_ACCMODE) == O_RDWR ||
	       (flags & (O_CREAT | O_TRUNC | O_APPEND));
}
