// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The kernel sends each verdict twice (verdicts ring, events ring): the
 * collector handles whichever copy comes first, once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "verdicts.h"

static struct vigil_hdr hdr(uint16_t type, uint32_t flags, uint64_t t)
{
	return (struct vigil_hdr){ .type = type, .flags = flags,
				   .ktime_ns = t, .sandbox_cgid = 42,
				   .tid = 7 };
}

static void test_which_records(void **state)
{
	struct vigil_hdr h = hdr(VIGIL_EV_OPEN, 0, 1);

	assert_false(verdicts__is(&h));
	h.flags = VIGIL_F_KILLED | VIGIL_F_COMPAT;
	assert_true(verdicts__is(&h));
	h = hdr(VIGIL_EV_ESCAPE, 0, 1);
	assert_true(verdicts__is(&h));
	h = hdr(VIGIL_EV_BUDGET, 0, 1);
	assert_true(verdicts__is(&h));
	h = hdr(VIGIL_EV_EXEC, 0, 1);
	assert_false(verdicts__is(&h));
}

/* Either copy may come first; each pair yields one. */
static void test_once_per_pair(void **state)
{
	struct verdicts *v = calloc(1, sizeof(*v));
	struct vigil_hdr a = hdr(VIGIL_EV_OPEN, VIGIL_F_KILLED, 100);
	struct vigil_hdr b = hdr(VIGIL_EV_OPEN, VIGIL_F_KILLED, 101);
	struct vigil_hdr c = a;

	assert_non_null(v);
	c.tid = 8;		/* another thread at the same time */
	assert_true(verdicts__first(v, &a));
	assert_true(verdicts__first(v, &b));
	assert_true(verdicts__first(v, &c));
	assert_false(verdicts__first(v, &b));
	assert_false(verdicts__first(v, &a));
	assert_false(verdicts__first(v, &c));
	/* forgotten once paired: a third copy would be a new verdict */
	assert_true(verdicts__first(v, &a));
	free(v);
}

/* More pending than the table holds: the oldest is forgotten, and its
 * second copy is handled again rather than lost. */
static void test_storm(void **state)
{
	struct verdicts *v = calloc(1, sizeof(*v));
	struct vigil_hdr h;

	assert_non_null(v);
	for (uint64_t t = 1; t <= VERDICTS_PENDING + 1; t++) {
		h = hdr(VIGIL_EV_ESCAPE, 0, t);
		assert_true(verdicts__first(v, &h));
	}
	h = hdr(VIGIL_EV_ESCAPE, 0, 1);
	assert_true(verdicts__first(v, &h));
	h = hdr(VIGIL_EV_ESCAPE, 0, VIGIL_EV_ESCAPE + 100);
	assert_false(verdicts__first(v, &h));
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_which_records),
		cmocka_unit_test(test_once_per_pair),
		cmocka_unit_test(test_storm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
