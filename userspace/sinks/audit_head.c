// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "audit_head.h"

int audit_head__write(int fd, const struct hashchain *c)
{
	char line[AUDIT_HEAD_LEN + 1], hex[SHA256_HEX];

	sha256__to_hex(c->hash, hex);
	snprintf(line, sizeof(line), "%020" PRIu64 " %s\n", c->n, hex);
	if (pwrite(fd, line, AUDIT_HEAD_LEN, 0) != AUDIT_HEAD_LEN) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return fdatasync(fd);
}

int audit_head__read(int fd, struct hashchain *c)
{
	char line[AUDIT_HEAD_LEN + 1], *end;
	ssize_t n = pread(fd, line, sizeof(line), 0);

	if (n < 0)
		return -errno;
	if (n == 0)
		return -ENODATA;
	if (n != AUDIT_HEAD_LEN || line[20] != ' ' ||
	    line[AUDIT_HEAD_LEN - 1] != '\n')
		return -EINVAL;
	line[20] = '\0';
	errno = 0;
	c->n = strtoull(line, &end, 10);
	if (errno || *end || sha256__from_hex(line + 21, c->hash))
		return -EINVAL;
	return 0;
}
