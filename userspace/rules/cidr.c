// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"

bool cidr__addr(struct addr *out, uint16_t family, const uint8_t *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	memset(out, 0, sizeof(*out));
	if (family == AF_INET6 && !memcmp(a, mapped, sizeof(mapped))) {
		out->family = AF_INET;
		memcpy(out->a, a + 12, 4);
	} else if (family == AF_INET || family == AF_INET6) {
		out->family = family;
		memcpy(out->a, a, family == AF_INET ? 4 : 16);
	} else {
		return false;
	}
	return true;
}

int cidr__parse(const char *text, size_t len, struct addr *net,
		uint8_t *prefix)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long bits;
	uint8_t raw[16];
	int max;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, raw) == 1)
		cidr__addr(net, AF_INET, raw);
	else if (inet_pton(AF_INET6, buf, raw) == 1)
		cidr__addr(net, AF_INET6, raw);
	else
		return -EINVAL;
	max = net->family == AF_INET ? 32 : 128;
	bits = max;
	if (slash) {
		bits = strtoul(slash + 1, &end, 10);
		if (end == slash + 1 || *end || bits > (unsigned long)max)
			return -EINVAL;
	}
	*prefix = bits;
	return 0;
}

bool cidr__match(const struct addr *net, uint8_t prefix,
		 const struct addr *a)
{
	unsigned int whole = prefix / 8, rest = prefix % 8;

	if (net->family != a->family)
		return false;
	if (memcmp(net->a, a->a, whole))
		return false;
	return !rest || !((net->a[whole] ^ a->a[whole]) & (0xff00 >> rest));
}
