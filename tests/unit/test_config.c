// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* config__load on temporary files: every setting, every kind of error
 * with its exact FILE:LINE:COL message on stderr (captured through fd 2),
 * empty files, and the setters flags use after the file. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"

#define KNOWN "(known: sandbox_roots, output, flow_interval_ms, ringbuf_mb, repeat_rate, kafka, rules, evidence_dir, evidence_max_files, history_records, kill_timeout_ms, control_socket, pin_dir, metrics, metrics_remote, audit, approvals_dir, console, console_remote, console_tls_cert, console_tls_key, console_token)"

struct fixture {
	char path[64];		/* the temporary config file */
	struct config c;
	char err[8192];		/* what the last call wrote to stderr */
	char want[8192];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fd;

	if (!f)
		return -1;
	strcpy(f->path, "/tmp/vigil-test-config-XXXXXX");
	fd = mkstemp(f->path);
	if (fd < 0)
		return -1;
	close(fd);
	config__defaults(&f->c);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	config__free(&f->c);
	free(f);
	return 0;
}

static void write_file(struct fixture *f, const char *text)
{
	FILE *fp = fopen(f->path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
	assert_int_equal(fclose(fp), 0);
}

/* Runs config__load with fd 2 sent to a temporary file, whose text ends
 * up in f->err. */
static int load_path(struct fixture *f, const char *path)
{
	FILE *tmp = tmpfile();
	int saved, rc;
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), 2) >= 0);
	rc = config__load(&f->c, path);
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(f->err, 1, sizeof(f->err) - 1, tmp);
	f->err[n] = '\0';
	fclose(tmp);
	return rc;
}

static int load(struct fixture *f, const char *text)
{
	write_file(f, text);
	return load_path(f, f->path);
}

/* The file's one error: "vigil: error: PATH:LINE:COL: msg\n". */
static void assert_error(struct fixture *f, const char *text, int line,
			 int col, const char *msg)
{
	assert_int_equal(load(f, text), -EINVAL);
	snprintf(f->want, sizeof(f->want), "vigil: error: %s:%d:%d: %s\n",
		 f->path, line, col, msg);
	assert_string_equal(f->err, f->want);
}

static void assert_defaults(const struct config *c)
{
	assert_int_equal(c->nr_roots, 0);
	assert_string_equal(c->output, "-");
	assert_int_equal(c->flow_interval_ms, CONFIG_FLOW_INTERVAL_MS);
	assert_int_equal(c->ringbuf_mb, CONFIG_RINGBUF_MB);
	assert_int_equal(c->repeat_rate, CONFIG_REPEAT_RATE);
}

static void test_defaults(void **state)
{
	struct fixture *f = *state;

	assert_defaults(&f->c);
	assert_int_equal(CONFIG_FLOW_INTERVAL_MS, 1000);
	assert_int_equal(CONFIG_RINGBUF_MB, 16);
	assert_int_equal(CONFIG_REPEAT_RATE, 20000);
}

/* 0 turns the counting of repeats off; the bound is a plain range. */
static void test_repeat_rate(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f, "repeat_rate: 0\n"), 0);
	assert_int_equal(f->c.repeat_rate, 0);
	assert_int_equal(load(f, "repeat_rate: 5000\n"), 0);
	assert_int_equal(f->c.repeat_rate, 5000);
	assert_int_not_equal(load(f, "repeat_rate: -1\n"), 0);
}

/* The settings a load left, against those expected (two roots). */
static void assert_loaded(const struct fixture *f, const char *root0,
			  const char *root1, const char *output,
			  unsigned int flow_ms, unsigned int ringbuf_mb)
{
	assert_string_equal(f->err, "");
	assert_int_equal(f->c.nr_roots, 2);
	assert_string_equal(f->c.roots[0], root0);
	assert_string_equal(f->c.roots[1], root1);
	assert_string_equal(f->c.output, output);
	assert_int_equal(f->c.flow_interval_ms, flow_ms);
	assert_int_equal(f->c.ringbuf_mb, ringbuf_mb);
}

/* The README's example, every setting in it. */
static void test_valid_flow_style(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f,
		"# vigil settings\n"
		"sandbox_roots: [/sys/fs/cgroup/unified/agents, "
		"\"/sys/fs/cgroup/two words\"]\n"
		"output: /var/log/vigil/events.jsonl\n"
		"flow_interval_ms: 250   # period of flow and drop records\n"
		"ringbuf_mb: 64\n"), 0);
	assert_loaded(f, "/sys/fs/cgroup/unified/agents",
		      "/sys/fs/cgroup/two words",
		      "/var/log/vigil/events.jsonl", 250, 64);
}

/* Block style, and every range's bounds. */
static void test_valid_block_style_bounds(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f,
		"---\n"
		"sandbox_roots:\n"
		"  - /a\n"
		"  - '/b'\n"
		"output: \"-\"\n"
		"flow_interval_ms: 10\n"
		"ringbuf_mb: 1\n"), 0);
	assert_loaded(f, "/a", "/b", "-", 10, 1);

	config__free(&f->c);
	config__defaults(&f->c);
	assert_int_equal(load(f, "flow_interval_ms: 3600000\n"
				 "ringbuf_mb: 1024\n"
				 "sandbox_roots: [/1, /2, /3, /4, /5, /6, /7, "
				 "/8]\n"), 0);
	assert_string_equal(f->err, "");
	assert_int_equal(f->c.flow_interval_ms, 3600000);
	assert_int_equal(f->c.ringbuf_mb, 1024);
	assert_int_equal(f->c.nr_roots, VIGIL_MAX_ROOTS);
	assert_string_equal(f->c.roots[7], "/8");
}

/* A file sets only what it names; the rest stays. */
static void test_partial_file(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f, "ringbuf_mb: 32\n"), 0);
	assert_int_equal(f->c.ringbuf_mb, 32);
	assert_string_equal(f->c.output, "-");
	assert_int_equal(f->c.flow_interval_ms, 1000);
	assert_int_equal(f->c.nr_roots, 0);
}

static void test_empty_file(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f, ""), 0);
	assert_string_equal(f->err, "");
	assert_defaults(&f->c);
	assert_int_equal(load(f, "# every setting commented out\n"
				 "# ringbuf_mb: 64\n\n"), 0);
	assert_string_equal(f->err, "");
	assert_defaults(&f->c);
}

/* A file holding only the document start marker (and comments) is just
 * as empty as one holding nothing. */
static void test_empty_document(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f, "---\n# ringbuf_mb: 64\n"), 0);
	assert_string_equal(f->err, "");
	assert_defaults(&f->c);
}

static void test_unknown_key(void **state)
{
	struct fixture *f = *state;

	assert_error(f, "output: /x\nbogus: 1\n", 2, 1,
		     "unknown setting \"bogus\" " KNOWN);
	assert_error(f, "{output: /x,  ringbuf: 8}\n", 1, 15,
		     "unknown setting \"ringbuf\" " KNOWN);
	/* keys are case-sensitive */
	assert_error(f, "\n\nOutput: /x\n", 3, 1,
		     "unknown setting \"Output\" " KNOWN);
}

static void test_roots_not_a_list(void **state)
{
	struct fixture *f = *state;

	assert_error(f, "sandbox_roots: /sys/fs/cgroup/agents\n", 1, 16,
		     "sandbox_roots: expected a list of paths");
	assert_error(f, "output: /x\nsandbox_roots:\n  a: /b\n", 3, 3,
		     "sandbox_roots: expected a list of paths");
	/* a list whose item is not a path */
	assert_error(f, "sandbox_roots: [/a, [/b]]\n", 1, 21,
		     "sandbox_roots: expected a single value");
}

static void test_too_many_roots(void **state)
{
	struct fixture *f = *state;

	assert_error(f, "sandbox_roots: [/1, /2, /3, /4, /5, /6, /7, /8, "
			"/9]\n", 1, 49,
		     "sandbox_roots: too many sandbox roots (at most 8)");
}

static void test_number_out_of_range(void **state)
{
	struct fixture *f = *state;

	assert_error(f, "flow_interval_ms: 9\n", 1, 19,
		     "flow_interval_ms: expected a whole number from 10 to "
		     "3600000, got \"9\"");
	assert_error(f, "flow_interval_ms: 3600001\n", 1, 19,
		     "flow_interval_ms: expected a whole number from 10 to "
		     "3600000, got \"3600001\"");
	assert_error(f, "ringbuf_mb: 0\n", 1, 13,
		     "ringbuf_mb: expected a whole number from 1 to 1024, "
		     "got \"0\"");
	assert_error(f, "ringbuf_mb: 2048\n", 1, 13,
		     "ringbuf_mb: expected a whole number from 1 to 1024, "
		     "got \"2048\"");
	/* past unsigned int and unsigned long: no wrap-around */
	assert_error(f, "ringbuf_mb: 4294967312\n", 1, 13,
		     "ringbuf_mb: expected a whole number from 1 to 1024, "
		     "got \"4294967312\"");
	assert_error(f, "ringbuf_mb: 18446744073709551632\n", 1, 13,
		     "ringbuf_mb: expected a whole number from 1 to 1024, "
		     "got \"18446744073709551632\"");
	assert_int_equal(f->c.ringbuf_mb, 16);
}

static void test_not_a_number(void **state)
{
	static const char *const bad[] = {
		"lots", "-16", "16MB", "1e3", "0x10", "1.0", "''", "~",
	};
	static const char *const shown[] = {
		"lots", "-16", "16MB", "1e3", "0x10", "1.0", "", "~",
	};
	struct fixture *f = *state;
	char text[128], msg[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "ringbuf_mb: %s\n", bad[i]);
		snprintf(msg, sizeof(msg), "ringbuf_mb: expected a whole "
			 "number from 1 to 1024, got \"%s\"", shown[i]);
		assert_error(f, text, 1, 13, msg);
	}
	/* "ringbuf_mb:" with no value at all is not a number either */
	assert_error(f, "ringbuf_mb:\nflow_interval_ms: 100\n", 1, 12,
		     "ringbuf_mb: expected a whole number from 1 to 1024, "
		     "got \"\"");
	assert_int_equal(f->c.ringbuf_mb, 16);
}

/* Like every other error, this one names where the bad value is. */
static void test_ringbuf_not_power_of_two(void **state)
{
	struct fixture *f = *state;
	char want[256];

	assert_int_equal(load(f, "output: /x\nringbuf_mb: 12\n"), -EINVAL);
	snprintf(want, sizeof(want), "vigil: error: %s:2:13: ", f->path);
	if (strncmp(f->err, want, strlen(want)) ||
	    !strstr(f->err, "ringbuf_mb") || !strstr(f->err, "power of two"))
		fail_msg("got \"%s\", want \"%sringbuf_mb: ... power of "
			 "two ...\"", f->err, want);
}

static void test_malformed_yaml(void **state)
{
	struct fixture *f = *state;

	assert_error(f, "sandbox_roots: [/a, /b\noutput: /x\n", 2, 7,
		     "did not find expected ',' or ']'");
	assert_error(f, "sandbox_roots: [/a, /b", 2, 1,
		     "did not find expected ',' or ']'");
	assert_error(f, "output: \"no end\n", 2, 1,
		     "found unexpected end of stream");
	assert_error(f, "output: /x\n\tringbuf_mb: 8\n", 2, 1,
		     "found a tab character that violates indentation");
	assert_defaults(&f->c);
}

static void test_mapping_for_scalar(void **state)
{
	struct fixture *f = *state;

	assert_error(f, "output: {path: /x}\n", 1, 9,
		     "output: expected a single value");
	assert_error(f, "flow_interval_ms:\n  ms: 100\n", 2, 3,
		     "flow_interval_ms: expected a single value");
	assert_error(f, "ringbuf_mb: [16]\n", 1, 13,
		     "ringbuf_mb: expected a single value");
	/* a key that is itself a mapping */
	assert_error(f, "? {a: 1}\n: 2\n", 1, 3, "key: expected a single value");
	/* a document that is not a mapping of settings */
	assert_error(f, "- output\n- /x\n", 1, 1,
		     "expected a mapping of settings");
	assert_error(f, "just text\n", 1, 1, "expected a mapping of settings");
	assert_defaults(&f->c);
}

/* Every problem in the file is reported, not just the first. */
static void test_every_error_reported(void **state)
{
	struct fixture *f = *state;
	char want[4096];

	assert_int_equal(load(f, "bogus: 1\n"
				 "flow_interval_ms: fast\n"
				 "output: /ok\n"
				 "sandbox_roots: /x\n"), -EINVAL);
	snprintf(want, sizeof(want),
		 "vigil: error: %s:1:1: unknown setting \"bogus\" " KNOWN "\n"
		 "vigil: error: %s:2:19: flow_interval_ms: expected a whole "
		 "number from 10 to 3600000, got \"fast\"\n"
		 "vigil: error: %s:4:16: sandbox_roots: expected a list of "
		 "paths\n", f->path, f->path, f->path);
	assert_string_equal(f->err, want);
}

static void test_missing_file(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load_path(f, "/nonexistent/vigil.yaml"), -ENOENT);
	assert_string_equal(f->err, "vigil: error: cannot read config "
			    "/nonexistent/vigil.yaml: No such file or "
			    "directory\n");
	assert_defaults(&f->c);
}

/* Defaults, then the file, then flags: each overrides the one before,
 * through the same setters. */
static void test_flags_after_config(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f, "sandbox_roots: [/file-root]\n"
				 "output: /from/file\n"
				 "flow_interval_ms: 500\n"
				 "ringbuf_mb: 64\n"), 0);
	assert_int_equal(config__set_uint(&f->c.flow_interval_ms, "250", 10,
					  3600000, "--flow-interval"), 0);
	assert_int_equal(config__set_uint(&f->c.ringbuf_mb, "8", 1, 1024,
					  "--ringbuf-mb"), 0);
	assert_int_equal(config__set_str(&f->c.output, "-"), 0);
	assert_int_equal(config__add_root(&f->c, "/flag-root",
					  "--sandbox-root"), 0);
	assert_int_equal(f->c.flow_interval_ms, 250);
	assert_int_equal(f->c.ringbuf_mb, 8);
	assert_string_equal(f->c.output, "-");
	assert_int_equal(f->c.nr_roots, 2);
	assert_string_equal(f->c.roots[0], "/file-root");
	assert_string_equal(f->c.roots[1], "/flag-root");

	/* a second file over that: only what it names changes */
	assert_int_equal(load(f, "output: /second\n"), 0);
	assert_string_equal(f->c.output, "/second");
	assert_int_equal(f->c.flow_interval_ms, 250);
	assert_int_equal(f->c.ringbuf_mb, 8);
}

/* A setter's errors name the flag, and leave the value alone. */
static void test_setter_errors(void **state)
{
	struct fixture *f = *state;
	unsigned int v = 77;
	FILE *tmp = tmpfile();
	int saved = dup(2);
	size_t n;
	int rc[6];

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	rc[0] = config__set_uint(&v, "5", 10, 3600000, "--flow-interval");
	rc[1] = config__set_uint(&v, "", 10, 3600000, "--flow-interval");
	rc[2] = config__set_uint(&v, "-20", 10, 3600000, "--flow-interval");
	rc[3] = config__set_uint(&v, "20ms", 10, 3600000, "--flow-interval");
	for (int i = 0; i < VIGIL_MAX_ROOTS; i++)
		config__add_root(&f->c, "/r", "--sandbox-root");
	rc[4] = config__add_root(&f->c, "/ninth", "--sandbox-root");
	rc[5] = config__set_uint(&v, "10", 10, 3600000, "--flow-interval");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(f->err, 1, sizeof(f->err) - 1, tmp);
	f->err[n] = '\0';
	fclose(tmp);

	assert_int_equal(rc[0], -EINVAL);
	assert_int_equal(rc[1], -EINVAL);
	assert_int_equal(rc[2], -EINVAL);
	assert_int_equal(rc[3], -EINVAL);
	assert_int_equal(rc[4], -E2BIG);
	assert_int_equal(rc[5], 0);
	assert_int_equal(v, 10);
	assert_int_equal(f->c.nr_roots, VIGIL_MAX_ROOTS);
	assert_string_equal(f->err,
		"vigil: error: --flow-interval: expected a whole number from "
		"10 to 3600000, got \"5\"\n"
		"vigil: error: --flow-interval: expected a whole number from "
		"10 to 3600000, got \"\"\n"
		"vigil: error: --flow-interval: expected a whole number from "
		"10 to 3600000, got \"-20\"\n"
		"vigil: error: --flow-interval: expected a whole number from "
		"10 to 3600000, got \"20ms\"\n"
		"vigil: error: --sandbox-root: too many sandbox roots (at most "
		"8)\n");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_repeat_rate),
		T(test_valid_flow_style),
		T(test_valid_block_style_bounds),
		T(test_partial_file),
		T(test_empty_file),
		T(test_empty_document),
		T(test_unknown_key),
		T(test_roots_not_a_list),
		T(test_too_many_roots),
		T(test_number_out_of_range),
		T(test_not_a_number),
		T(test_ringbuf_not_power_of_two),
		T(test_malformed_yaml),
		T(test_mapping_for_scalar),
		T(test_every_error_reported),
		T(test_missing_file),
		T(test_flags_after_config),
		T(test_setter_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
