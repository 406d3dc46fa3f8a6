// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The kernel's enforcement maps as enforce.c fills them, in real BPF maps
 * of the BPF side's types, sizes and flags (needs root, or CAP_BPF): the
 * protected inodes of the rules' file sets (excludes left out, a file in
 * two sets with both bits) kept in step as files come, go and change
 * sets; each sandbox's policy (key 0 the default profile's; placing and
 * forgetting sandboxes, a profile's tuning turning kernel rules off);
 * every profile's allowlist as the kernel's LPM lookup sees it, ports of
 * covering networks included, profiles apart, and v6 networks that
 * cover the v4-mapped space not allowing v4 destinations; a reload
 * rewriting them all in place. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <cmocka.h>

#include "carry.h"
#include "clock.h"
#include "enforce.h"
#include "tmptree.h"
#include "records.h"

#define ANY 0, 65535

struct fix {
	char dir[64];
	struct ruleset rs;
	struct enforce_maps maps;
	struct sandboxes *sandboxes;	/* none: enforce__new's listeners */
	struct enforce *e;
};

/* ------------------------------------------------------------- helpers */

TMPTREE_FIX_HELPERS

static struct vigil_inode inode_of(const struct fix *f, const char *rel)
{
	struct stat st = tree__stat(f->dir, rel);

	return (struct vigil_inode){ .ino = st.st_ino,
				     .dev = (uint32_t)st.st_dev };
}

static int create_map(enum bpf_map_type type, const char *name,
		      size_t key, size_t value, uint32_t flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = flags);
	int fd = bpf_map_create(type, name, key, value,
				type == BPF_MAP_TYPE_ARRAY ? VIGIL_BUDGETS
							   : 16384, &o);

	if (fd < 0)
		print_error("bpf_map_create(%s): %s; the enforce tests need "
			    "root (CAP_BPF) and a kernel with BPF maps\n",
			    name, strerror(errno));
	return fd;
}

/* A rule set loaded from text with "@" standing for the tree's path. */
static void fix__load(const struct fix *f, struct ruleset *rs,
		      const char *tmpl)
{
	char *text, *o;
	size_t n = 0;

	for (const char *p = tmpl; *p; p++)
		n += *p == '@' ? strlen(f->dir) : 1;
	text = o = malloc(n + 1);
	assert_non_null(text);
	for (const char *p = tmpl; *p; p++) {
		if (*p == '@')
			o = stpcpy(o, f->dir);
		else
			*o++ = *p;
	}
	*o = '\0';
	assert_int_equal(ruleset__init(rs), 0);
	ruleset__add_text(rs, "t.yaml", text, n);
	if (ruleset__finish(rs))
		fail_msg("rules do not load: %s", rs->first_error);
	free(text);
}

static void fix__close(struct fix *f)
{
	close(f->maps.protected);
	close(f->maps.policies);
	close(f->maps.allow);
	close(f->maps.spent);
	close(f->maps.grants);
	close(f->maps.names);
	close(f->maps.budgets);
	close(f->maps.entry_spent);
}

/* The fixture: a fresh tree, the maps, a rule set loaded from tmpl;
 * enforce__new is left to the case. */
static struct fix *fix__new(const char *tmpl, void (*populate)(struct fix *))
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->maps.protected = create_map(BPF_MAP_TYPE_HASH, "protected",
				       sizeof(struct vigil_inode),
				       sizeof(__u64), 0);
	f->maps.policies = create_map(BPF_MAP_TYPE_HASH, "policies",
				      sizeof(__u64),
				      sizeof(struct vigil_policy), 0);
	f->maps.allow = create_map(BPF_MAP_TYPE_LPM_TRIE, "egress_allow",
				   sizeof(struct vigil_allow_key),
				   sizeof(struct vigil_allow),
				   BPF_F_NO_PREALLOC);
	f->maps.spent = create_map(BPF_MAP_TYPE_HASH, "egress_spent",
				   sizeof(__u64), sizeof(struct vigil_spent), 0);
	f->maps.grants = create_map(BPF_MAP_TYPE_LPM_TRIE, "egress_grants",
				    sizeof(struct vigil_grant_key),
				    sizeof(struct vigil_grant),
				    BPF_F_NO_PREALLOC);
	f->maps.names = create_map(BPF_MAP_TYPE_HASH, "egress_names",
				   sizeof(struct vigil_name_key),
				   sizeof(struct vigil_allow), 0);
	f->maps.budgets = create_map(BPF_MAP_TYPE_ARRAY, "egress_budgets",
				     sizeof(__u32),
				     sizeof(struct vigil_entry_budget), 0);
	f->maps.entry_spent = create_map(BPF_MAP_TYPE_HASH, "entry_spent",
					 sizeof(struct vigil_entry_spent_key),
					 sizeof(struct vigil_spent), 0);
	if (f->maps.protected < 0 || f->maps.policies < 0 ||
	    f->maps.allow < 0 || f->maps.spent < 0 || f->maps.grants < 0 ||
	    f->maps.names < 0 || f->maps.budgets < 0 ||
	    f->maps.entry_spent < 0) {
		fix__close(f);
		free(f);
		fail_msg("cannot create the BPF maps (run as root)");
	}
	assert_int_equal(tree__make(f->dir, "enforce"), 0);
	if (populate)
		populate(f);
	fix__load(f, &f->rs, tmpl);
	return f;
}

static void fix__free(struct fix *f)
{
	if (!f)
		return;
	sandboxes__free(f->sandboxes);
	enforce__free(f->e);
	ruleset__fini(&f->rs);
	fix__close(f);
	tree__remove(f->dir);
	free(f);
}

static void start(struct fix *f)
{
	f->sandboxes = sandboxes__new(NULL);
	assert_non_null(f->sandboxes);
	f->e = enforce__new(&f->rs, &f->maps, f->sandboxes);
	assert_non_null(f->e);
}

static const struct profile *profile(const struct fix *f, const char *name)
{
	const struct profile *p = ruleset__profile(&f->rs, name, strlen(name));

	assert_non_null(p);
	return p;
}

/* ----------------------------------------------------- protected files */

/* The bits the map holds for rel; 0 when it holds none. */
static uint64_t bits_of(const struct fix *f, const struct vigil_inode *k)
{
	__u64 v;

	if (bpf_map_lookup_elem(f->maps.protected, k, &v)) {
		assert_int_equal(errno, ENOENT);
		return 0;
	}
	return v;
}

static uint64_t bits(const struct fix *f, const char *rel)
{
	struct vigil_inode k = inode_of(f, rel);

	return bits_of(f, &k);
}

static size_t map_count(int fd, size_t key_size)
{
	char key[256], next[256];
	size_t n = 0;
	void *prev = NULL;

	assert_true(key_size <= sizeof(key));
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	return n;
}

static size_t nr_protected(const struct fix *f)
{
	return map_count(f->maps.protected, sizeof(struct vigil_inode));
}

/* Refreshes until rel holds want (inotify queues its events as the file
 * operations return, so the first try should do). */
static void refresh_until(struct fix *f, const struct vigil_inode *k,
			  uint64_t want)
{
	for (int i = 0; i < 100; i++) {
		enforce__refresh(f->e);
		if (bits_of(f, k) == want)
			return;
		usleep(10000);
	}
	fail_msg("inode %llu: bits 0x%llx, want 0x%llx after refreshes",
		 (unsigned long long)k->ino,
		 (unsigned long long)bits_of(f, k), (unsigned long long)want);
}

#define RULES \
	"- fileset: keys\n" \
	"  paths: [\"@/keys/*.pem\"]\n" \
	"  exclude: [\"*/skip-*\"]\n" \
	"- fileset: tools\n" \
	"  paths: [\"@/bin/*\", \"@/keys/b.pem\"]\n" \
	"- fileset: later\n" \
	"  paths: [\"@/later/*\"]\n" \
	"- rule: keys-open\n" \
	"  description: d\n" \
	"  event: open\n" \
	"  when: open.fileset == keys\n" \
	"  action: kill\n" \
	"  enforce: kernel\n" \
	"- rule: tools-exec\n" \
	"  description: d\n" \
	"  event: exec\n" \
	"  when: exec.fileset == tools or exec.name == nc\n" \
	"  action: kill\n" \
	"  enforce: kernel\n" \
	"- rule: tools-open\n" \
	"  description: d\n" \
	"  event: open\n" \
	"  when: open.fileset in (tools, later) or open.path == /x\n" \
	"  action: kill\n" \
	"  enforce: kernel\n" \
	"- rule: user-only\n" \
	"  description: not the kernel's\n" \
	"  event: open\n" \
	"  when: open.fileset == keys\n" \
	"  action: kill\n"

static const char rules_text[] =
	RULES
	"- profile: default\n"
	"  egress_budget: 10MiB\n"
	"  allow:\n"
	"    destinations: [\"127.0.0.0/8\"]\n"
	"- profile: agent\n"
	"  egress_budget: 1MiB\n"
	"  allow:\n"
	"    destinations: [\"10.0.0.0/8:443\", \"10.1.0.0/16:8000-8100\",\n"
	"                   \"10.1.2.3\", \"[fd00::/8]:80-89\", \"::1\",\n"
	"                   \"PyPI.org:443\", \"*.pythonhosted.org\",\n"
	"                   \"*.files.pythonhosted.org:443\"]\n"
	"  rules:\n"
	"    tools-open: {action: alert}\n"
	"- profile: lax\n"
	"  egress: monitor\n"
	"  allow:\n"
	"    destinations: [\"10.0.0.0/8:22\", \"[fd00::/8]:53\"]\n"
	"  rules:\n"
	"    keys-open: {enabled: false}\n"
	"    tools-exec: {enabled: false}\n"
	"    tools-open: {action: freeze}\n"
	"- profile: v6all\n"
	"  allow:\n"
	"    destinations: [\"[::/0]:53\", \"[::/64]:54\", \"192.168.0.0/16:80\"]\n"
	"- profile: many\n"
	"  allow:\n"
	"    destinations: [\"1.0.0.0/8:1\", \"1.0.0.0/8:2\", \"1.0.0.0/8:3\",\n"
	"                   \"1.0.0.0/8:4\", \"1.0.0.0/8:5\", \"1.0.0.0/8:6\",\n"
	"                   \"1.0.0.0/8:7\", \"1.0.0.0/8:8\", \"1.0.0.0/8:9\"]\n";

static void populate(struct fix *f)
{
	mk(f, "keys");
	mk(f, "bin");
	touch(f, "keys/a.pem");
	touch(f, "keys/b.pem");		/* keys and tools */
	touch(f, "keys/skip-c.pem");	/* excluded */
	touch(f, "keys/d.txt");		/* no set's */
	touch(f, "bin/tool");
}

static int setup(void **state)
{
	*state = fix__new(rules_text, populate);
	return 0;
}

static int teardown(void **state)
{
	fix__free(*state);
	return 0;
}

static void test_protected(void **state)
{
	struct fix *f = *state;
	struct vigil_inode a, gone, k;

	start(f);
	assert_int_equal(bits(f, "keys/a.pem"), 1);
	assert_int_equal(bits(f, "keys/b.pem"), 1 | 2);
	assert_int_equal(bits(f, "bin/tool"), 2);
	assert_int_equal(bits(f, "keys/skip-c.pem"), 0);
	assert_int_equal(bits(f, "keys/d.txt"), 0);
	assert_int_equal(nr_protected(f), 3);

	/* Nothing changed: nothing to do. */
	enforce__refresh(f->e);
	assert_int_equal(nr_protected(f), 3);

	/* A new file of a set. */
	touch(f, "keys/e.pem");
	k = inode_of(f, "keys/e.pem");
	refresh_until(f, &k, 1);
	assert_int_equal(nr_protected(f), 4);

	/* A directory that did not exist, then its file. */
	mk(f, "later");
	enforce__refresh(f->e);
	touch(f, "later/x");
	k = inode_of(f, "later/x");
	refresh_until(f, &k, 4);
	assert_int_equal(nr_protected(f), 5);

	/* An inode that joins a set (a hard link into bin/) gets its bit;
	 * leaving it, loses it. */
	a = inode_of(f, "keys/a.pem");
	assert_int_equal(link(at(f, "keys/a.pem"), at(f, "bin/a")), 0);
	refresh_until(f, &a, 1 | 2);
	assert_int_equal(unlink(at(f, "bin/a")), 0);
	refresh_until(f, &a, 1);
	assert_int_equal(nr_protected(f), 5);

	/* Gone. */
	gone = inode_of(f, "keys/b.pem");
	assert_int_equal(unlink(at(f, "keys/b.pem")), 0);
	refresh_until(f, &gone, 0);
	assert_int_equal(nr_protected(f), 4);

	/* Renamed out of its set, and into one by an exclude's miss. */
	k = inode_of(f, "keys/e.pem");
	assert_int_equal(rename(at(f, "keys/e.pem"), at(f, "keys/skip-e.pem")),
			 0);
	refresh_until(f, &k, 0);
	k = inode_of(f, "keys/skip-c.pem");
	assert_int_equal(rename(at(f, "keys/skip-c.pem"), at(f, "keys/c.pem")),
			 0);
	refresh_until(f, &k, 1);

	/* What is left is exactly the tables' content. */
	assert_int_equal(bits(f, "keys/a.pem"), 1);
	assert_int_equal(bits(f, "keys/c.pem"), 1);
	assert_int_equal(bits(f, "bin/tool"), 2);
	assert_int_equal(bits(f, "later/x"), 4);
	assert_int_equal(nr_protected(f), 4);
}

/* ------------------------------------------------------------ policies */

static bool policy_of(const struct fix *f, uint64_t cgid,
		      struct vigil_policy *out)
{
	if (bpf_map_lookup_elem(f->maps.policies, &cgid, out)) {
		assert_int_equal(errno, ENOENT);
		return false;
	}
	return true;
}

static void expect_policy(const struct fix *f, uint64_t cgid,
			  uint64_t open_kill, uint64_t exec_kill,
			  uint64_t budget, const struct profile *p)
{
	struct vigil_policy pol;

	if (!policy_of(f, cgid, &pol))
		fail_msg("no policy for cgroup %llu", (unsigned long long)cgid);
	assert_int_equal(pol.open_kill, open_kill);
	assert_int_equal(pol.exec_kill, exec_kill);
	assert_int_equal(pol.egress_budget, budget);
	assert_int_equal(pol.profile, p->id);
	assert_int_equal(pol.egress, p->egress);
}

static void expect_no_policy(const struct fix *f, uint64_t cgid)
{
	struct vigil_policy pol;

	if (policy_of(f, cgid, &pol))
		fail_msg("cgroup %llu has a policy (profile %u)",
			 (unsigned long long)cgid, pol.profile);
}

static void place(struct fix *f, uint64_t cgid, const char *profile,
		  size_t len)
{
	char id[32];
	struct sandbox sb = {
		.cgid = cgid, .id = id, .cgroup = id,
		.profile = (char *)profile, .profile_len = len,
	};

	snprintf(id, sizeof(id), "sb-%llu", (unsigned long long)cgid);
	enforce__place(f->e, &sb);
}

static void forget(struct fix *f, uint64_t cgid)
{
	struct sandbox sb = { .cgid = cgid };

	enforce__forget(f->e, &sb);
}

static void test_policies(void **state)
{
	struct fix *f = *state;
	const struct vigil_spent spent = { .bytes = 7 };
	struct vigil_spent got;
	uint64_t cgid;

	start(f);
	/* Every kernel rule at kill; user-only is not the kernel's. */
	expect_policy(f, 0, 1 | 2 | 4, 2, 10 << 20, profile(f, "default"));
	assert_int_equal(map_count(f->maps.policies, 8), 1);

	/* agent tunes tools-open to alert: the kernel leaves it alone. */
	place(f, 1001, "agent", 5);
	expect_policy(f, 1001, 1, 2, 1 << 20, profile(f, "agent"));
	/* lax disables two and freezes on the third: nothing to kill. */
	place(f, 1002, "laxative", 3);	/* profile_len, not strlen */
	expect_policy(f, 1002, 0, 0, 0, profile(f, "lax"));
	/* v6all tunes nothing. */
	place(f, 1003, "v6all", 5);
	expect_policy(f, 1003, 1 | 2 | 4, 2, 0, profile(f, "v6all"));

	/* Key 0's already: the default, none, an unknown one. */
	place(f, 2001, "default", 7);
	place(f, 2002, NULL, 0);
	place(f, 2003, "nope", 4);
	place(f, 2004, "agen", 4);
	place(f, 2005, "agents", 6);
	for (cgid = 2001; cgid <= 2005; cgid++)
		expect_no_policy(f, cgid);
	assert_int_equal(map_count(f->maps.policies, 8), 4);

	/* Placing again is idempotent. */
	place(f, 1001, "agent", 5);
	expect_policy(f, 1001, 1, 2, 1 << 20, profile(f, "agent"));

	/* Forgetting takes the policy and the spent bytes, of that sandbox
	 * only. */
	cgid = 1001;
	assert_int_equal(bpf_map_update_elem(f->maps.spent, &cgid, &spent,
					     BPF_ANY), 0);
	cgid = 1002;
	assert_int_equal(bpf_map_update_elem(f->maps.spent, &cgid, &spent,
					     BPF_ANY), 0);
	forget(f, 1001);
	expect_no_policy(f, 1001);
	cgid = 1001;
	assert_true(bpf_map_lookup_elem(f->maps.spent, &cgid, &got) < 0);
	assert_int_equal(errno, ENOENT);
	cgid = 1002;
	assert_int_equal(bpf_map_lookup_elem(f->maps.spent, &cgid, &got), 0);
	assert_int_equal(got.bytes, 7);
	expect_policy(f, 1002, 0, 0, 0, profile(f, "lax"));
	expect_policy(f, 0, 1 | 2 | 4, 2, 10 << 20, profile(f, "default"));
	assert_int_equal(profile(f, "lax")->egress, VIGIL_EGRESS_MONITOR);
	assert_int_equal(profile(f, "agent")->egress, VIGIL_EGRESS_DENY);

	/* A sandbox never placed, or forgotten twice: no harm. */
	forget(f, 3000);
	forget(f, 1001);
	assert_int_equal(map_count(f->maps.policies, 8), 3);
}

/* ----------------------------------------------------------- allowlist */

/* The kernel's lookup (net.bpf.c's egress__allowed): the full-length key
 * of the profile and the address, v4 as ::ffff:a.b.c.d. */
static bool allowed_ports(const struct fix *f, const struct profile *p,
			  const char *addr, struct vigil_allow *v)
{
	struct vigil_allow_key k = { .prefixlen = 32 + 128,
				     .profile = p->id };

	if (inet_pton(AF_INET, addr, &k.addr[12]) == 1)
		k.addr[10] = k.addr[11] = 0xff;
	else
		assert_int_equal(inet_pton(AF_INET6, addr, k.addr), 1);
	memset(v, 0xa5, sizeof(*v));
	if (bpf_map_lookup_elem(f->maps.allow, &k, v)) {
		assert_int_equal(errno, ENOENT);
		return false;
	}
	return true;
}

/* addr must find exactly the n ranges lo-hi given after n, in any order;
 * n < 0: no entry at all. */
#define EXPECT_PORTS(f, prof, addr, n, ...) \
	expect_ports(f, prof, addr, __LINE__, n, ##__VA_ARGS__)

static void expect_ports(const struct fix *f, const char *prof,
			 const char *addr, int line, int n, ...)
{
	struct vigil_allow v;
	bool used[VIGIL_ALLOW_PORTS] = { false };
	bool found = allowed_ports(f, profile(f, prof), addr, &v);
	va_list ap;

	if (n < 0) {
		if (found)
			fail_msg("line %d: %s in %s: an entry of %u ranges, "
				 "want none", line, addr, prof, v.nr);
		return;
	}
	if (!found)
		fail_msg("line %d: %s in %s: no entry", line, addr, prof);
	if (v.nr != n)
		fail_msg("line %d: %s in %s: %u ranges, want %d", line, addr,
			 prof, v.nr, n);
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		unsigned int lo = va_arg(ap, unsigned int);
		unsigned int hi = va_arg(ap, unsigned int);
		int j;

		for (j = 0; j < n; j++)
			if (!used[j] && v.lo[j] == lo && v.hi[j] == hi)
				break;
		if (j == n)
			fail_msg("line %d: %s in %s: no range %u-%u", line,
				 addr, prof, lo, hi);
		used[j] = true;
	}
	va_end(ap);
}

static void test_allowlist(void **state)
{
	struct fix *f = *state;
	size_t total = 0;

	start(f);
	/* Each network of a profile, with the ports of those covering it. */
	EXPECT_PORTS(f, "agent", "10.0.0.1", 1, 443, 443);
	EXPECT_PORTS(f, "agent", "10.255.255.255", 1, 443, 443);
	EXPECT_PORTS(f, "agent", "10.1.0.0", 2, 443, 443, 8000, 8100);
	EXPECT_PORTS(f, "agent", "10.1.200.9", 2, 443, 443, 8000, 8100);
	EXPECT_PORTS(f, "agent", "10.1.2.3", 3, 443, 443, 8000, 8100, ANY);
	EXPECT_PORTS(f, "agent", "10.1.2.4", 2, 443, 443, 8000, 8100);
	EXPECT_PORTS(f, "agent", "fd00::1", 1, 80, 89);
	EXPECT_PORTS(f, "agent", "fdff:ffff::ffff", 1, 80, 89);
	EXPECT_PORTS(f, "agent", "::1", 1, ANY);
	/* Outside every network. */
	EXPECT_PORTS(f, "agent", "11.0.0.1", -1);
	EXPECT_PORTS(f, "agent", "9.255.255.255", -1);
	EXPECT_PORTS(f, "agent", "127.0.0.1", -1);	/* default's */
	EXPECT_PORTS(f, "agent", "::2", -1);
	EXPECT_PORTS(f, "agent", "::", -1);
	EXPECT_PORTS(f, "agent", "fe00::1", -1);
	EXPECT_PORTS(f, "agent", "::ffff:10.0.0.1", 1, 443, 443);
	EXPECT_PORTS(f, "agent", "::a00:1", -1);	/* v4-compatible */

	/* Profiles apart: the same networks, their own ports. */
	EXPECT_PORTS(f, "lax", "10.1.2.3", 1, 22, 22);
	EXPECT_PORTS(f, "lax", "fd00::1", 1, 53, 53);
	EXPECT_PORTS(f, "lax", "::1", -1);
	EXPECT_PORTS(f, "default", "127.0.0.1", 1, ANY);
	EXPECT_PORTS(f, "default", "10.1.2.3", -1);
	EXPECT_PORTS(f, "default", "::1", -1);

	/* ::/0 covers every v6 address, not the v4 ones (user space's
	 * profile__allows_dest keeps the families apart; the kernel sees
	 * v4 as ::ffff:a.b.c.d). */
	EXPECT_PORTS(f, "v6all", "2001:db8::1", 1, 53, 53);
	EXPECT_PORTS(f, "v6all", "::1", 2, 53, 53, 54, 54);
	EXPECT_PORTS(f, "v6all", "192.168.1.1", 1, 80, 80);
	EXPECT_PORTS(f, "v6all", "192.169.1.1", 0);	/* none allowed */
	EXPECT_PORTS(f, "v6all", "1.2.3.4", 0);

	/* More ranges than the kernel holds: the first eight. */
	EXPECT_PORTS(f, "many", "1.2.3.4", 8, 1, 1, 2, 2, 3, 3, 4, 4,
		     5, 5, 6, 6, 7, 7, 8, 8);

	/* One entry per network (the same network more than once shares
	 * one), and one more for v6all's v4 space. */
	for (size_t i = 0; ruleset__profile_at(&f->rs, i); i++)
		total += ruleset__profile_at(&f->rs, i)->nr_dests;
	assert_int_equal(map_count(f->maps.allow,
				   sizeof(struct vigil_allow_key)),
			 total - 8 + 1);
}

/* --------------------------------------------------------------- names */

/* The kernel's lookup (dns.bpf.c: name__lookup): the wire form of a
 * question's name, or of the suffix a wildcard stands for. */
static bool name_ports(const struct fix *f, const char *name,
		       const char *wire, bool wildcard, struct vigil_allow *v)
{
	struct vigil_name_key k = { .profile = profile(f, name)->id,
				    .wildcard = wildcard };

	memcpy(k.name, wire, strlen(wire));
	if (bpf_map_lookup_elem(f->maps.names, &k, v)) {
		assert_int_equal(errno, ENOENT);
		return false;
	}
	return true;
}

static void test_names(void **state)
{
	struct fix *f = *state;
	struct vigil_allow v;

	start(f);
	/* Lowercase, one port. */
	assert_true(name_ports(f, "agent", "\4pypi\3org", false, &v));
	assert_int_equal(v.nr, 1);
	assert_int_equal(v.lo[0], 443);
	assert_int_equal(v.hi[0], 443);
	assert_false(name_ports(f, "agent", "\4PyPI\3org", false, &v));
	assert_false(name_ports(f, "agent", "\4pypi\3org", true, &v));
	assert_false(name_ports(f, "lax", "\4pypi\3org", false, &v));
	/* A wildcard: every port; the one below it has its own port and
	 * every port of the wildcard above. */
	assert_true(name_ports(f, "agent", "\14pythonhosted\3org", true, &v));
	assert_int_equal(v.nr, 1);
	assert_int_equal(v.hi[0], 65535);
	assert_true(name_ports(f, "agent", "\5files\14pythonhosted\3org",
			       true, &v));
	assert_int_equal(v.nr, 2);
	assert_false(name_ports(f, "agent", "\14pythonhosted\3org", false,
				&v));
}

/* -------------------------------------------------------------- grants */

/* The kernel's lookup (egress.bpf.h: grant__live): the full-length key
 * of port, sandbox and address; the grant's expiry, or -1 for none. */
static int64_t granted(const struct fix *f, uint64_t sandbox,
		       const char *addr, uint16_t port)
{
	struct vigil_grant_key k = { .prefixlen = 32 + 64 + 128,
				     .port = port, .sandbox_cgid = sandbox };
	struct vigil_grant g;

	if (inet_pton(AF_INET, addr, &k.addr[12]) == 1)
		k.addr[10] = k.addr[11] = 0xff;
	else
		assert_int_equal(inet_pton(AF_INET6, addr, k.addr), 1);
	if (bpf_map_lookup_elem(f->maps.grants, &k, &g)) {
		assert_int_equal(errno, ENOENT);
		return -1;
	}
	return g.expires_ns;
}

static struct addr addr_of(const char *text)
{
	struct addr a;
	uint8_t prefix;

	assert_int_equal(cidr__parse(text, strlen(text), &a, &prefix), 0);
	return a;
}

static void test_grants(void **state)
{
	struct fix *f = *state;
	struct addr one = addr_of("10.9.8.7"), net = addr_of("10.1.0.0"),
		    six = addr_of("fd00::5");
	uint64_t before = clock__boot_ns();

	start(f);
	assert_int_equal(enforce__grant(f->e, 7, &one, 32, 443, 60e9), 0);
	assert_int_equal(enforce__grant(f->e, 7, &net, 16, 0, 0), 0);
	assert_int_equal(enforce__grant(f->e, 7, &six, 128, 53, 0), 0);
	assert_int_equal(enforce__grant(f->e, 8, &one, 32, 443, 0), 0);
	assert_int_equal(enforce__grant(f->e, 7, &one, 33, 443, 0), -EINVAL);

	/* The address and port granted, a TTL from now. */
	assert_true(granted(f, 7, "10.9.8.7", 443) >= (int64_t)(before + 60e9));
	assert_int_equal(granted(f, 7, "10.9.8.7", 444), -1);
	/* A network, on any port (the kernel's second lookup, port 0). */
	assert_int_equal(granted(f, 7, "10.1.200.3", 0), 0);
	assert_int_equal(granted(f, 7, "10.2.0.1", 0), -1);
	assert_int_equal(granted(f, 7, "fd00::5", 53), 0);
	/* Sandboxes apart. */
	assert_int_equal(granted(f, 8, "10.1.200.3", 0), -1);
	assert_int_equal(granted(f, 9, "10.9.8.7", 443), -1);

	/* A sandbox gone takes its grants, and only its. */
	forget(f, 7);
	assert_int_equal(granted(f, 7, "10.9.8.7", 443), -1);
	assert_int_equal(granted(f, 7, "fd00::5", 53), -1);
	assert_int_equal(granted(f, 8, "10.9.8.7", 443), 0);
	assert_int_equal(map_count(f->maps.grants,
				   sizeof(struct vigil_grant_key)), 1);
}

/* ------------------------------------------------------------- reload */

/* The budget slot's bytes and text for id. */
static void expect_slot(const struct fix *f, uint32_t id, uint64_t bytes,
			const char *text)
{
	struct vigil_entry_budget b;

	assert_int_equal(bpf_map_lookup_elem(f->maps.budgets, &id, &b), 0);
	assert_int_equal(b.bytes, bytes);
	assert_string_equal(b.entry, text);
}

/* The same file sets; agent with a bigger budget, one network and two
 * names left (one with a budget), lax gone, a new profile first (by
 * place it would get default's kernel id), default's budget doubled. */
static const char reload_text[] =
	RULES
	"- profile: newcomer\n"
	"  allow:\n"
	"    destinations: [\"10.9.0.0/16:9\"]\n"
	"- profile: default\n"
	"  egress_budget: 20MiB\n"
	"  allow:\n"
	"    destinations: [\"127.0.0.0/8\"]\n"
	"- profile: agent\n"
	"  egress_budget: 2MiB\n"
	"  allow:\n"
	"    destinations: [\"10.0.0.0/8:443\", \"pypi.org:443\",\n"
	"                   {\"*.pythonhosted.org\": 1MiB}]\n";

static void add(struct fix *f, uint64_t cgid, const char *profile)
{
	char id[32];
	struct sandbox sb = {
		.cgid = cgid, .id = id, .cgroup = id,
		.profile = (char *)profile, .profile_len = strlen(profile),
	};

	snprintf(id, sizeof(id), "sb-%llu", (unsigned long long)cgid);
	assert_non_null(sandboxes__add(f->sandboxes, &sb));
}

static void test_reload(void **state)
{
	struct fix *f = *state;
	struct ruleset next;
	uint64_t a, b;
	const struct profile *agent;
	struct vigil_allow v;

	start(f);
	add(f, 3001, "agent");
	add(f, 3002, "lax");
	a = bits(f, "keys/a.pem");
	b = bits(f, "keys/b.pem");
	fix__load(f, &next, reload_text);
	carry__ids(&f->rs, &next);
	assert_int_equal(enforce__stage(f->e, &next), 0);
	/* Staged: nothing in force has changed yet. */
	expect_policy(f, 3001, 1, 2, 1 << 20, profile(f, "agent"));
	enforce__commit(f->e);
	/* Profiles keep their kernel ids by name; a new one gets a fresh
	 * one (there were five). */
	agent = ruleset__profile(&next, "agent", 5);
	assert_int_equal(agent->id, profile(f, "agent")->id);
	assert_int_equal(next.fallback->id, profile(f, "default")->id);
	assert_int_equal(ruleset__profile(&next, "newcomer", 8)->id, 6);
	/* The file sets are the same: every inode kept its bits. */
	assert_int_equal(bits(f, "keys/a.pem"), a);
	assert_int_equal(bits(f, "keys/b.pem"), b);
	assert_int_equal(nr_protected(f), 3);
	/* its tuning went too: every kernel rule kills again */
	expect_policy(f, 3001, 1 | 2 | 4, 2, 2 << 20, agent);
	expect_no_policy(f, 3002);	/* lax is gone: the default's */
	expect_policy(f, 0, 1 | 2 | 4, 2, 20 << 20, next.fallback);
	/* Only the new allowlists are left, and the new names, with their
	 * budgets. */
	assert_int_equal(map_count(f->maps.allow,
				   sizeof(struct vigil_allow_key)), 3);
	assert_int_equal(map_count(f->maps.names,
				   sizeof(struct vigil_name_key)), 2);
	/* The old set goes; the fixture frees the new one. */
	ruleset__fini(&f->rs);
	f->rs = next;
	EXPECT_PORTS(f, "agent", "10.1.2.3", 1, 443, 443);
	EXPECT_PORTS(f, "newcomer", "10.9.1.1", 1, 9, 9);
	EXPECT_PORTS(f, "default", "127.0.0.1", 1, ANY);
	assert_true(name_ports(f, "agent", "\14pythonhosted\3org", true, &v));
	assert_int_equal(v.budget[0], 1);
	expect_slot(f, 1, 1 << 20, "*.pythonhosted.org");
	expect_slot(f, 2, 0, "");
}

/* ------------------------------------------- without a default profile */

static const char no_default_text[] =
	RULES
	"- profile: agent\n"
	"  egress_budget: 1k\n"
	"  allow:\n"
	"    destinations: [\"10.0.0.0/8\"]\n";

static int setup_no_default(void **state)
{
	*state = fix__new(no_default_text, populate);
	return 0;
}

static void test_builtin_default(void **state)
{
	struct fix *f = *state;
	const struct profile *def = ruleset__profile_at(&f->rs, 1);

	start(f);
	assert_non_null(def);
	assert_ptr_equal(def, f->rs.fallback);
	assert_int_not_equal(def->id, profile(f, "agent")->id);
	expect_policy(f, 0, 1 | 2 | 4, 2, 0, def);
	place(f, 5, "default", 7);
	expect_no_policy(f, 5);
	place(f, 6, "agent", 5);
	expect_policy(f, 6, 1 | 2 | 4, 2, 1000, profile(f, "agent"));
	EXPECT_PORTS(f, "agent", "10.2.3.4", 1, ANY);
	assert_int_equal(map_count(f->maps.allow,
				   sizeof(struct vigil_allow_key)), 1);
	assert_int_equal(nr_protected(f), 3);
}

/* ------------------------------------------------ entries' own budgets */

static const char budgets_text[] =
	"- profile: agent\n"
	"  allow:\n"
	"    destinations:\n"
	"      - 10.0.0.0/8:443: 1MiB\n"
	"      - 10.1.0.0/16\n"
	"      - 10.1.2.0/24:443: 2k\n"
	"      - pypi.org:443: 2GiB\n"
	"      - '*.org:443'\n"
	"      - '*.org': 5k\n"
	"- profile: plain\n"
	"  allow:\n"
	"    destinations: [\"10.0.0.0/8\"]\n";

static int setup_budgets(void **state)
{
	*state = fix__new(budgets_text, NULL);
	return 0;
}

static void test_entry_budgets(void **state)
{
	struct fix *f = *state;
	const struct profile *p = profile(f, "agent");
	struct vigil_entry_spent_key k = { .sandbox_cgid = 9, .budget = 1 };
	struct vigil_spent spent = { .bytes = 7 };
	struct vigil_policy pol;
	struct vigil_allow v;

	start(f);
	/* Numbered in the order written, from 1; the rest zero. */
	expect_slot(f, 1, 1 << 20, "10.0.0.0/8:443");
	expect_slot(f, 2, 2000, "10.1.2.0/24:443");
	expect_slot(f, 3, 2ull << 30, "pypi.org:443");
	expect_slot(f, 4, 5000, "*.org");
	expect_slot(f, 5, 0, "");
	/* The longest prefix's ranges first: the kernel takes the budget
	 * of the first that has the port. */
	assert_true(allowed_ports(f, p, "10.1.2.3", &v));
	assert_int_equal(v.nr, 3);
	assert_int_equal(v.lo[0], 443);
	assert_int_equal(v.budget[0], 2);
	assert_int_equal(v.hi[1], 65535);
	assert_int_equal(v.budget[1], 0);
	assert_int_equal(v.budget[2], 1);
	assert_true(allowed_ports(f, p, "10.2.0.1", &v));
	assert_int_equal(v.nr, 1);
	assert_int_equal(v.budget[0], 1);
	/* A name: its own entry, then the wildcards above it, one range a
	 * port (*.org:443 adds nothing: pypi.org has 443). */
	assert_true(name_ports(f, "agent", "\4pypi\3org", false, &v));
	assert_int_equal(v.nr, 2);
	assert_int_equal(v.lo[0], 443);
	assert_int_equal(v.budget[0], 3);
	assert_int_equal(v.hi[1], 65535);
	assert_int_equal(v.budget[1], 4);
	/* Only a profile with a budgeted entry pays for the lookup. */
	place(f, 5, "agent", 5);
	place(f, 6, "plain", 5);
	assert_true(policy_of(f, 5, &pol));
	assert_int_equal(pol.entry_budgets, 1);
	assert_true(policy_of(f, 6, &pol));
	assert_int_equal(pol.entry_budgets, 0);
	/* A sandbox that is gone forgets what it spent. */
	assert_int_equal(bpf_map_update_elem(f->maps.entry_spent, &k, &spent,
					     BPF_ANY), 0);
	k.sandbox_cgid = 5;
	assert_int_equal(bpf_map_update_elem(f->maps.entry_spent, &k, &spent,
					     BPF_ANY), 0);
	forget(f, 9);
	assert_int_equal(map_count(f->maps.entry_spent,
				   sizeof(struct vigil_entry_spent_key)), 1);
}

/* No file sets at all: nothing protected, and refresh is harmless. */
static int setup_no_sets(void **state)
{
	*state = fix__new("- profile: default\n  egress_budget: 5\n", NULL);
	return 0;
}

static void test_no_sets(void **state)
{
	struct fix *f = *state;

	start(f);
	enforce__refresh(f->e);
	assert_int_equal(nr_protected(f), 0);
	expect_policy(f, 0, 0, 0, 5, profile(f, "default"));
	assert_int_equal(map_count(f->maps.allow,
				   sizeof(struct vigil_allow_key)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_protected, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_policies, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_grants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allowlist, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builtin_default,
						setup_no_default, teardown),
		cmocka_unit_test_setup_teardown(test_no_sets, setup_no_sets,
						teardown),
		cmocka_unit_test_setup_teardown(test_entry_budgets,
						setup_budgets, teardown),
	};

	if (geteuid() != 0)
		fprintf(stderr, "test_enforce: not root; creating BPF maps "
			"will most likely fail (the tests need CAP_BPF)\n");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
