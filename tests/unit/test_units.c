// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The rule engine's small parts: numbers and durations with units, CIDRs
 * and destinations, sliding windows (count, sum, distinct), string sets
 * and home directories. */
#include <arpa/inet.h>
#include <errno.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dnsname.h"
#include "home.h"
#include "profile.h"
#include "strset.h"
#include "units.h"
#include "window.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SEC 1000000000ull

/* ---------------------------------------------------------------- units */

static void test_number(void **state)
{
	static const struct {
		const char *text;
		int64_t want;
	} good[] = {
		{ "0", 0 }, { "100", 100 }, { "-5", -5 }, { "007", 7 },
		{ "1k", 1000 }, { "1K", 1000 }, { "1KB", 1000 },
		{ "1KiB", 1024 }, { "1.5k", 1500 }, { "1.5KiB", 1536 },
		{ "2M", 2000000 }, { "2MB", 2000000 }, { "1MiB", 1048576 },
		{ "100MiB", 104857600 }, { "3G", 3000000000 },
		{ "1GiB", 1073741824 }, { "1T", 1000000000000 },
		{ "1TiB", 1099511627776 },
		{ "8000000TiB", 8796093022208000000 },
		{ "0.5KiB", 512 }, { "-1k", -1000 },
		/* exact beyond a double's 53 bits */
		{ "9007199254740993", 9007199254740993 },
		{ "9223372036854775807", INT64_MAX },
		{ "-9223372036854775808", INT64_MIN },
	};
	static const char *const bad[] = {
		"", "k", "-", ".", "1kb", "1 k", " 1", "1 ", "1.5", "0.0001k",
		"0x10", "1p3", "inf", "-inf", "nan", "-nan", "1e400",
		"9223372036854775808", "-9223372036854775809", "10000000TiB",
		"1KiBs", "1.2.3", "--1", "+1", "1/2",
	};
	int64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		v = 42;
		if (units__number(good[i].text, strlen(good[i].text), &v))
			fail_msg("units__number(\"%s\") failed", good[i].text);
		assert_int_equal(v, good[i].want);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (units__number(bad[i], strlen(bad[i]), &v) != -EINVAL)
			fail_msg("units__number(\"%s\") accepted", bad[i]);
	/* only len bytes are read */
	assert_int_equal(units__number("12345", 2, &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(units__number("1kB", 2, &v), 0);
	assert_int_equal(v, 1000);
	/* 63 characters fit, 64 do not */
	{
		char buf[80];

		memset(buf, '0', sizeof(buf));
		buf[62] = '7';
		assert_int_equal(units__number(buf, 63, &v), 0);
		assert_int_equal(v, 7);
		buf[63] = '7';
		assert_int_equal(units__number(buf, 64, &v), -EINVAL);
	}
}

static void test_duration(void **state)
{
	static const struct {
		const char *text;
		uint64_t want;
	} good[] = {
		{ "0", 0 }, { "10", 10 * SEC }, { "500ms", 500000000 },
		{ "0.5ms", 500000 }, { "1.5s", 1500000000 },
		{ "5m", 300 * SEC },
		{ "1h", 3600 * SEC }, { "1d", 86400 * SEC },
		{ "200000d", 200000ull * 86400 * SEC },
	};
	static const char *const bad[] = {
		"", "s", "-1s", "-1", "1x", "1 s", "1sec", "1ns", "1us",
		"1e400s", "213504d", "inf", "nan", "0x1s", "1S", "1M",
	};
	uint64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		v = 42;
		if (units__duration_ns(good[i].text, strlen(good[i].text), &v))
			fail_msg("units__duration_ns(\"%s\") failed",
				 good[i].text);
		assert_int_equal(v, good[i].want);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (units__duration_ns(bad[i], strlen(bad[i]), &v) != -EINVAL)
			fail_msg("units__duration_ns(\"%s\") accepted", bad[i]);
}

/* ---------------------------------------------------------------- cidr */

static struct addr addr_of(const char *text)
{
	struct addr a;
	uint8_t prefix;

	assert_int_equal(cidr__parse(text, strlen(text), &a, &prefix), 0);
	return a;
}

static void test_cidr_parse(void **state)
{
	static const struct {
		const char *text;
		uint16_t family;
		uint8_t prefix;
		const char *net;	/* inet_ntop of the stored address */
	} good[] = {
		{ "10.0.0.0/8", AF_INET, 8, "10.0.0.0" },
		{ "1.2.3.4", AF_INET, 32, "1.2.3.4" },
		{ "1.2.3.4/32", AF_INET, 32, "1.2.3.4" },
		{ "0.0.0.0/0", AF_INET, 0, "0.0.0.0" },
		{ "10.1.2.3/17", AF_INET, 17, "10.1.2.3" },
		{ "::1", AF_INET6, 128, "::1" },
		{ "::/0", AF_INET6, 0, "::" },
		{ "2001:db8::/32", AF_INET6, 32, "2001:db8::" },
		{ "2001:db8::/127", AF_INET6, 127, "2001:db8::" },
		/* v4-mapped: folded to IPv4, its prefix an IPv4 one */
		{ "::ffff:1.2.3.4", AF_INET, 32, "1.2.3.4" },
		{ "::ffff:1.2.3.0/24", AF_INET, 24, "1.2.3.0" },
	};
	static const char *const bad[] = {
		"", "x", "1.2.3", "1.2.3.4.5", "1.2.3.4/", "1.2.3.4/33",
		"1.2.3.4/x", "1.2.3.4/8x", "1.2.3.4/-1", "::/129", "::1/",
		"::ffff:1.2.3.4/33", "[::1]", "1.2.3.4:80", "256.0.0.0",
		"1.2.3.4/99999999999999999999",
		"1111:2222:3333:4444:5555:6666:7777:8888:9999",
	};
	struct addr a;
	uint8_t prefix;
	char buf[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		if (cidr__parse(good[i].text, strlen(good[i].text), &a,
				&prefix))
			fail_msg("cidr__parse(\"%s\") failed", good[i].text);
		assert_int_equal(a.family, good[i].family);
		assert_int_equal(prefix, good[i].prefix);
		assert_non_null(inet_ntop(a.family, a.a, buf, sizeof(buf)));
		assert_string_equal(buf, good[i].net);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (cidr__parse(bad[i], strlen(bad[i]), &a, &prefix) != -EINVAL)
			fail_msg("cidr__parse(\"%s\") accepted", bad[i]);
	/* only len bytes are read */
	assert_int_equal(cidr__parse("10.0.0.0/8junk", 10, &a, &prefix), 0);
	assert_int_equal(prefix, 8);
}

static bool match(const char *cidr, const char *addr)
{
	struct addr net, a = addr_of(addr);
	uint8_t prefix;

	assert_int_equal(cidr__parse(cidr, strlen(cidr), &net, &prefix), 0);
	return cidr__match(&net, prefix, &a);
}

static void test_cidr_match(void **state)
{
	assert_true(match("0.0.0.0/0", "255.255.255.255"));
	assert_true(match("0.0.0.0/0", "0.0.0.0"));
	assert_false(match("0.0.0.0/0", "::1"));	/* families differ */
	assert_true(match("::/0", "2001:db8::1"));
	assert_false(match("::/0", "1.2.3.4"));
	assert_true(match("1.2.3.4/32", "1.2.3.4"));
	assert_false(match("1.2.3.4/32", "1.2.3.5"));
	assert_true(match("1.2.3.4/31", "1.2.3.5"));
	assert_false(match("1.2.3.4/31", "1.2.3.6"));
	/* odd prefixes: the bits past the last whole byte */
	assert_true(match("10.1.0.0/17", "10.1.127.255"));
	assert_false(match("10.1.0.0/17", "10.1.128.0"));
	assert_true(match("10.1.128.0/17", "10.1.200.1"));
	assert_true(match("128.0.0.0/1", "200.0.0.1"));
	assert_false(match("128.0.0.0/1", "127.255.255.255"));
	assert_true(match("172.16.0.0/12", "172.31.255.255"));
	assert_false(match("172.16.0.0/12", "172.32.0.0"));
	/* host bits in the network do not matter */
	assert_true(match("10.9.9.9/8", "10.1.2.3"));
	assert_true(match("::1", "::1"));
	assert_true(match("::1/128", "::1"));
	assert_false(match("::1/128", "::2"));
	assert_true(match("::/127", "::1"));
	assert_false(match("::/127", "::2"));
	assert_true(match("2001:db8::/33", "2001:db8:7fff::1"));
	assert_false(match("2001:db8::/33", "2001:db8:8000::1"));
	assert_true(match("fe80::/10", "febf::1"));
	assert_false(match("fe80::/10", "fec0::1"));
	/* v4-mapped on either side is IPv4 */
	assert_true(match("::ffff:10.0.0.0/8", "10.1.2.3"));
	assert_true(match("10.0.0.0/8", "::ffff:10.1.2.3"));
	assert_false(match("::/0", "::ffff:10.1.2.3"));
}

static void test_dest(void **state)
{
	static const struct {
		const char *text;
		const char *net;
		uint8_t prefix;
		uint16_t lo, hi;
	} good[] = {
		{ "10.0.0.0/8", "10.0.0.0", 8, 0, 65535 },
		{ "1.2.3.4", "1.2.3.4", 32, 0, 65535 },
		{ "1.2.3.4:80", "1.2.3.4", 32, 80, 80 },
		{ "1.2.3.4/24:0", "1.2.3.4", 24, 0, 0 },
		{ "1.2.3.4:80-90", "1.2.3.4", 32, 80, 90 },
		{ "1.2.3.4:1-65535", "1.2.3.4", 32, 1, 65535 },
		{ "1.2.3.4:*", "1.2.3.4", 32, 0, 65535 },
		{ "::1", "::1", 128, 0, 65535 },
		{ "2001:db8::1", "2001:db8::1", 128, 0, 65535 },
		{ "2001:db8::/32", "2001:db8::", 32, 0, 65535 },
		{ "[::1]", "::1", 128, 0, 65535 },
		{ "[::1]:443", "::1", 128, 443, 443 },
		{ "[2001:db8::/32]:1-1024", "2001:db8::", 32, 1, 1024 },
		{ "[::ffff:1.2.3.4]:53", "1.2.3.4", 32, 53, 53 },
	};
	static const char *const bad[] = {
		"", "x", "1.2.3.4:99999", "1.2.3.4:65536", "1.2.3.4:90-80",
		"1.2.3.4:x", "1.2.3.4:80-", "1.2.3.4:-80", "1.2.3.4:80x",
		"1.2.3.4:80-90-100", "[::1", "[::1]x", "[::1]:x", "[]:80",
		"::1:80x", "1.2.3.4/33:80", "host.example:443",
	};
	char buf[INET6_ADDRSTRLEN];
	struct dest d;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		if (dest__parse(good[i].text, &d))
			fail_msg("dest__parse(\"%s\") failed", good[i].text);
		assert_non_null(inet_ntop(d.net.family, d.net.a, buf,
					  sizeof(buf)));
		assert_string_equal(buf, good[i].net);
		assert_int_equal(d.prefix, good[i].prefix);
		assert_int_equal(d.port_lo, good[i].lo);
		assert_int_equal(d.port_hi, good[i].hi);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (dest__parse(bad[i], &d) != -EINVAL)
			fail_msg("dest__parse(\"%s\") accepted", bad[i]);
}

static void test_profile_allows(void **state)
{
	struct dest dests[2];
	char *exes[] = { (char *)"/usr/bin/*", (char *)"/opt/*/bin/tool" };
	struct profile p = { .dests = dests, .nr_dests = 2 };
	struct addr a;

	assert_int_equal(dest__parse("10.0.0.0/8:443", &dests[0]), 0);
	assert_int_equal(dest__parse("[::1]:8000-8100", &dests[1]), 0);
	a = addr_of("10.2.3.4");
	assert_true(profile__allows_dest(&p, &a, 443));
	assert_false(profile__allows_dest(&p, &a, 444));
	a = addr_of("::ffff:10.2.3.4");
	assert_true(profile__allows_dest(&p, &a, 443));
	a = addr_of("::1");
	assert_true(profile__allows_dest(&p, &a, 8000));
	assert_true(profile__allows_dest(&p, &a, 8100));
	assert_false(profile__allows_dest(&p, &a, 8101));
	assert_false(profile__allows_dest(&p, &a, 443));
	p.nr_dests = 0;		/* nothing allowed */
	assert_false(profile__allows_dest(&p, &a, 8000));

	/* no executables listed: any */
	assert_true(profile__allows_exe(&p, "/x", 2));
	p.exes = exes;
	p.nr_exes = 2;
	assert_true(profile__allows_exe(&p, "/usr/bin/python3", 16));
	assert_false(profile__allows_exe(&p, "/usr/bin/python3", 8));
	assert_true(profile__allows_exe(&p, "/opt/x/bin/tool", 15));
	assert_false(profile__allows_exe(&p, "/tmp/tool", 9));
}

/* Which entry `vigil profile check` names: the most specific address
 * entry on the port; the most specific name entry covering it on it. */
static void test_profile_entries(void **state)
{
	static const char *const texts[] = {
		"*.example.com:443", "api.example.com:8080", "*.a.example.com",
	};
	struct name_dest names[3], q;
	struct dest dests[2];
	struct profile p = { .dests = dests, .nr_dests = 2, .names = names,
			     .nr_names = 3 };
	struct addr a = addr_of("10.1.2.3");

	assert_int_equal(dest__parse("10.0.0.0/8:443", &dests[0]), 0);
	assert_int_equal(dest__parse("10.1.0.0/16", &dests[1]), 0);
	assert_ptr_equal(profile__dest_entry(&p, &a, 443), &dests[1]);
	assert_ptr_equal(profile__dest_entry(&p, &a, 22), &dests[1]);
	assert_ptr_equal(profile__dest_entry(&p, &a, -1), &dests[1]);
	a = addr_of("10.2.0.1");
	assert_ptr_equal(profile__dest_entry(&p, &a, 443), &dests[0]);
	assert_null(profile__dest_entry(&p, &a, 22));
	a = addr_of("11.1.2.3");
	assert_null(profile__dest_entry(&p, &a, -1));

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++)
		assert_int_equal(name_dest__parse(texts[i], &names[i]), 0);
	assert_int_equal(name_dest__parse("api.example.com", &q), 0);
	assert_ptr_equal(profile__name_entry(&p, &q, 8080), &names[1]);
	assert_ptr_equal(profile__name_entry(&p, &q, 443), &names[0]);
	assert_null(profile__name_entry(&p, &q, 22));
	assert_ptr_equal(profile__name_entry(&p, &q, -1), &names[1]);
	free(q.name);
	assert_int_equal(name_dest__parse("x.a.example.com", &q), 0);
	assert_ptr_equal(profile__name_entry(&p, &q, 443), &names[2]);
	assert_ptr_equal(profile__name_entry(&p, &q, 22), &names[2]);
	free(q.name);
	/* a wildcard is strictly below its name */
	assert_int_equal(name_dest__parse("example.com", &q), 0);
	assert_null(profile__name_entry(&p, &q, -1));
	free(q.name);
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++)
		free(names[i].name);
}

/* What the tunnelling rules read in a query's name. */
static void test_dnsname(void **state)
{
	static const char *const parents[][2] = {
		{ "a.b.example.com", "example.com" }, { "example.com", "example.com" },
		{ "com", "com" }, { "x.example.co.uk", "example.co.uk" },
		{ "example.co.uk", "example.co.uk" }, { "", "" },
	};
	struct dnsname_stats s;
	const char *n;

	n = "www.example.com";
	dnsname__stats(n, strlen(n), &s);
	assert_int_equal(s.labels, 3);
	assert_int_equal(s.label_max, 7);
	/* "example": e twice, five others once: 2.52 bits */
	assert_int_equal(s.entropy, 252);
	n = "aaaaaaaa.t.example";
	dnsname__stats(n, strlen(n), &s);
	assert_int_equal(s.label_max, 8);
	assert_int_equal(s.entropy, 0);
	/* 16 different bytes: 4 bits each */
	n = "0123456789abcdef.t.example";
	dnsname__stats(n, strlen(n), &s);
	assert_int_equal(s.entropy, 400);
	dnsname__stats("", 0, &s);
	assert_int_equal(s.labels, 0);
	for (size_t i = 0; i < ARRAY_SIZE(parents); i++) {
		n = parents[i][0];
		assert_string_equal(n + dnsname__parent(n, strlen(n)),
				    parents[i][1]);
	}
}

/* ---------------------------------------------------------------- windows */

static const struct window_spec count3 = {
	.agg = WIN_COUNT, .over_ns = 16 * SEC, .above = 3,
};

static void test_window_count(void **state)
{
	struct window w = { 0 };

	/* fires on the 4th match within over (count > 3), once */
	assert_false(window__add(&w, &count3, 0, 1, 0));
	assert_false(window__add(&w, &count3, 1 * SEC, 1, 0));
	assert_false(window__add(&w, &count3, 2 * SEC, 1, 0));
	assert_int_equal(window__value(&w, &count3, 2 * SEC), 3);
	assert_true(window__add(&w, &count3, 3 * SEC, 1, 0));
	/* reset: it takes four more */
	assert_int_equal(window__value(&w, &count3, 3 * SEC), 0);
	assert_false(window__add(&w, &count3, 4 * SEC, 1, 0));
	assert_false(window__add(&w, &count3, 4 * SEC, 1, 0));
	assert_false(window__add(&w, &count3, 4 * SEC, 1, 0));
	assert_true(window__add(&w, &count3, 4 * SEC, 1, 0));
	window__clear(&w);
}

/* Buckets are over/16 wide: matches whose buckets are less than 16 apart
 * count together (always when less than 15/16 of over apart), matches
 * over or more apart never do. */
static void test_window_spread(void **state)
{
	const struct window_spec one = { .agg = WIN_COUNT,
					 .over_ns = 16 * SEC, .above = 1 };
	struct window w = { 0 };
	uint64_t t = 1000 * SEC;

	/* one match every `over`: never two in the window */
	for (int i = 0; i < 10; i++)
		assert_false(window__add(&w, &one, t + i * 16 * SEC, 1, 0));
	window__clear(&w);
	/* 15.999 s apart, buckets 15 apart: together */
	assert_false(window__add(&w, &one, t, 1, 0));
	assert_true(window__add(&w, &one, t + 16 * SEC - 1000000, 1, 0));
	window__clear(&w);
	/* the granularity: 15.001 s apart, but buckets 16 apart */
	assert_false(window__add(&w, &one, t + SEC - 1000000, 1, 0));
	assert_false(window__add(&w, &one, t + 16 * SEC, 1, 0));
	window__clear(&w);
	/* three matches over 30 s, never more than 1 in 16 s... */
	assert_false(window__add(&w, &count3, t, 1, 0));
	assert_false(window__add(&w, &count3, t + 16 * SEC, 1, 0));
	assert_false(window__add(&w, &count3, t + 32 * SEC, 1, 0));
	assert_false(window__add(&w, &count3, t + 48 * SEC, 1, 0));
	assert_int_equal(window__value(&w, &count3, t + 48 * SEC), 1);
	/* ...the window empties with time alone */
	assert_int_equal(window__value(&w, &count3, t + 64 * SEC), 0);
	assert_int_equal(window__value(&w, &count3, t + 1000 * SEC), 0);
	/* time going back (a replay) counts in the newest bucket */
	assert_false(window__add(&w, &count3, t, 1, 0));
	assert_int_equal(window__value(&w, &count3, t + 1000 * SEC), 1);
	window__clear(&w);
}

static void test_window_sum(void **state)
{
	const struct window_spec sum = { .agg = WIN_SUM, .over_ns = 60 * SEC,
					 .above = 100 };
	struct window w = { 0 };

	assert_false(window__add(&w, &sum, 0, 60, 0));
	/* 100: not above */
	assert_false(window__add(&w, &sum, 10 * SEC, 40, 0));
	assert_int_equal(window__value(&w, &sum, 10 * SEC), 100);
	assert_true(window__add(&w, &sum, 20 * SEC, 1, 0));
	assert_int_equal(window__value(&w, &sum, 20 * SEC), 0);
	/* the 60 at 100 s is gone by 170 s */
	assert_false(window__add(&w, &sum, 100 * SEC, 60, 0));
	assert_false(window__add(&w, &sum, 170 * SEC, 60, 0));
	assert_int_equal(window__value(&w, &sum, 170 * SEC), 60);
	assert_false(window__add(&w, &sum, 171 * SEC, 0, 0));
	assert_true(window__add(&w, &sum, 172 * SEC, 41, 0));
	window__clear(&w);
}

static void test_window_distinct(void **state)
{
	const struct window_spec d2 = { .agg = WIN_DISTINCT,
					.over_ns = 10 * SEC, .above = 2 };
	struct window w = { 0 };
	uint64_t a = window__hash("a", 1), b = window__hash("b", 1),
		 c = window__hash("c", 1);

	/* repeats count once */
	assert_false(window__add(&w, &d2, 0, 1, a));
	assert_false(window__add(&w, &d2, 1 * SEC, 1, a));
	assert_false(window__add(&w, &d2, 2 * SEC, 1, b));
	assert_false(window__add(&w, &d2, 3 * SEC, 1, a));
	assert_int_equal(window__value(&w, &d2, 3 * SEC), 2);
	assert_true(window__add(&w, &d2, 4 * SEC, 1, c));
	assert_int_equal(window__value(&w, &d2, 4 * SEC), 0);

	/* old values expire: a at 0 is gone at 10.5 s */
	assert_false(window__add(&w, &d2, 100 * SEC, 1, a));
	assert_false(window__add(&w, &d2, 105 * SEC, 1, b));
	assert_false(window__add(&w, &d2, 110 * SEC + SEC / 2, 1, c));
	assert_int_equal(window__value(&w, &d2, 110 * SEC + SEC / 2), 2);
	/* b expires too; seeing a value again renews it */
	assert_false(window__add(&w, &d2, 114 * SEC, 1, c));
	assert_int_equal(window__value(&w, &d2, 116 * SEC), 1);
	assert_false(window__add(&w, &d2, 120 * SEC, 1, a));
	assert_true(window__add(&w, &d2, 123 * SEC, 1, b));
	window__clear(&w);
	window__clear(&w);	/* twice is fine */

	/* FNV-1a */
	assert_int_equal(window__hash("", 0), 0xcbf29ce484222325ull);
	assert_int_equal(window__hash("a", 1), 0xaf63dc4c8601ec8cull);
}

/* A distinct window of group g at now: true when it fired. */
static bool group__add(struct window *w, const struct window_spec *s,
		       uint64_t now, const char *g, const char *v,
		       bool *spilled)
{
	struct window *x = window__group(w, s, now, window__hash(g, strlen(g)),
					 spilled);

	assert_non_null(x);
	return window__add(x, s, now, 1, window__hash(v, strlen(v)));
}

/* With by: each group counts its own values; a value seen under two
 * groups counts in each. */
static void test_window_groups(void **state)
{
	const struct window_spec d2 = { .agg = WIN_DISTINCT,
					.over_ns = 10 * SEC, .above = 2 };
	struct window w = { 0 };
	bool spilled;

	for (int i = 0; i < 40; i++) {
		char g[16];

		snprintf(g, sizeof(g), "p%d.test", i);
		assert_false(group__add(&w, &d2, SEC, g, "a", &spilled));
		assert_false(group__add(&w, &d2, SEC, g, "b", &spilled));
		assert_false(spilled);
	}
	assert_int_equal(window__groups(&w), 40);
	assert_true(group__add(&w, &d2, 2 * SEC, "p7.test", "c", &spilled));
	/* fired and reset: that group only */
	assert_false(group__add(&w, &d2, 2 * SEC, "p7.test", "d", &spilled));
	assert_true(group__add(&w, &d2, 2 * SEC, "p8.test", "d", &spilled));
	assert_int_equal(window__spills(&w), 0);
	window__clear(&w);
	assert_int_equal(window__groups(&w), 0);
}

/* WINDOW_MAX_GROUPS live groups: a new key spills into one window all
 * such keys share (counted, never dropped) until a group has been idle
 * for a whole window, whose place the next new key takes. */
static void test_window_group_cap(void **state)
{
	const struct window_spec d2 = { .agg = WIN_DISTINCT,
					.over_ns = 10 * SEC, .above = 2 };
	struct window w = { 0 };
	bool spilled;
	char g[16];

	for (int i = 0; i < WINDOW_MAX_GROUPS; i++) {
		snprintf(g, sizeof(g), "p%d.test", i);
		assert_false(group__add(&w, &d2, i == 0 ? 0 : 5 * SEC, g, "a",
					&spilled));
		assert_false(spilled);
	}
	/* Three new parents with one name each: together in the spill
	 * window, which goes above 2. */
	assert_false(group__add(&w, &d2, 6 * SEC, "x.test", "x1", &spilled));
	assert_true(spilled);
	assert_false(group__add(&w, &d2, 6 * SEC, "y.test", "y1", &spilled));
	assert_true(group__add(&w, &d2, 6 * SEC, "z.test", "z1", &spilled));
	assert_int_equal(window__spills(&w), 3);
	assert_int_equal(window__groups(&w), WINDOW_MAX_GROUPS);
	/* An existing group still has its own window. */
	assert_false(group__add(&w, &d2, 6 * SEC, "p9.test", "b", &spilled));
	assert_false(spilled);
	/* p0's last match (at 0) has left the window by 11 s: its place is
	 * taken, the others' are not. */
	assert_false(group__add(&w, &d2, 11 * SEC, "x.test", "x2", &spilled));
	assert_false(spilled);
	assert_false(group__add(&w, &d2, 11 * SEC, "w.test", "w1", &spilled));
	assert_true(spilled);
	assert_int_equal(window__spills(&w), 4);
	assert_int_equal(window__groups(&w), WINDOW_MAX_GROUPS);
	window__clear(&w);
}

/* ---------------------------------------------------------------- misc */

static void test_strset(void **state)
{
	struct strset *s = strset__new();

	assert_non_null(s);
	assert_false(strset__has(s, "a", 1));
	assert_int_equal(strset__add(s, "abc", 3), 0);
	assert_int_equal(strset__add(s, "abc", 3), 0);
	assert_int_equal(strset__add(s, "", 0), 0);
	assert_true(strset__has(s, "abc", 3));
	assert_true(strset__has(s, "abcd", 3));
	assert_false(strset__has(s, "ab", 2));
	assert_true(strset__has(s, "x", 0));
	strset__free(s);
	strset__free(NULL);
}

static void test_home(void **state)
{
	struct passwd *pw = getpwnam("daemon");
	struct bytes h;

	assert_true(home__of(0, &h));
	assert_int_equal(h.len, 5);
	assert_memory_equal(h.p, "/root", 5);
	assert_false(home__of(3999999, &h));
	assert_false(home__of(3999999, &h));	/* cached */
	assert_non_null(pw);
	assert_true(home__of(pw->pw_uid, &h));
	assert_int_equal(h.len, strlen(pw->pw_dir));
	assert_memory_equal(h.p, pw->pw_dir, h.len);
	home__flush();
	assert_true(home__of(0, &h));
	home__flush();
}

struct homes_seen {
	int calls, root, daemon;
	const char *daemon_dir;
};

static int home_seen(const char *dir, size_t len, void *ctx)
{
	struct homes_seen *seen = ctx;
	struct bytes h;

	assert_int_equal(strlen(dir), len);
	assert_true(len > 1 && dir[0] == '/' && dir[len - 1] != '/');
	seen->root += !strcmp(dir, "/root");
	seen->daemon += !strcmp(dir, seen->daemon_dir);
	/* The first is root's, whatever passwd says: home__of's. */
	if (seen->calls++ == 0) {
		assert_true(home__of(0, &h));
		assert_memory_equal(dir, h.p, h.len);
	}
	return 0;
}

static int home_stop(const char *dir, size_t len, void *ctx)
{
	(*(int *)ctx)++;
	return -42;
}

/* home__each gives the homes home__of would, root's first, and stops
 * when asked. */
static void test_home_each(void **state)
{
	struct passwd *pw = getpwnam("daemon");
	struct homes_seen seen = { 0 };
	int calls = 0;

	assert_non_null(pw);
	seen.daemon_dir = pw->pw_dir;
	assert_int_equal(home__each(home_seen, &seen), 0);
	assert_true(seen.root >= 1);
	assert_true(seen.daemon >= 1);
	assert_int_equal(home__each(home_stop, &calls), -42);
	assert_int_equal(calls, 1);
	home__flush();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_cidr_parse),
		cmocka_unit_test(test_cidr_match),
		cmocka_unit_test(test_dest),
		cmocka_unit_test(test_profile_allows),
		cmocka_unit_test(test_profile_entries),
		cmocka_unit_test(test_dnsname),
		cmocka_unit_test(test_window_count),
		cmocka_unit_test(test_window_spread),
		cmocka_unit_test(test_window_sum),
		cmocka_unit_test(test_window_distinct),
		cmocka_unit_test(test_window_groups),
		cmocka_unit_test(test_window_group_cap),
		cmocka_unit_test(test_strset),
		cmocka_unit_test(test_home),
		cmocka_unit_test(test_home_each),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
