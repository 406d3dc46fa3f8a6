// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "mkdirs.h"

int mkdirs(const char *dir, mode_t mode, const char *what)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	/* Each parent in turn: "/var", "/var/lib", ... then dir itself. */
	for (char *p = path + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(path, mode) && errno != EEXIST) {
			int err = -errno;

			log__errno(err, "cannot create %s %s", what, path);
			return err;
		}
		*p = c;
		if (!c)
			return 0;
	}
}
