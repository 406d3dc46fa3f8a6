/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* For tests that run a case in a forked child, so a sanitizer report or a
 * crash fails that case alone. Include after <cmocka.h>. */
#ifndef VIGIL_TEST_CHILD_H
#define VIGIL_TEST_CHILD_H

#include <sys/wait.h>

/* Waits for the child and fails the test unless it exited 0; codes says
 * what the child's exit codes mean. */
static inline void child__expect_ok(pid_t pid, const char *what,
				    const char *codes)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s failed: %s %d (%s)", what,
			 WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status)
					   : WTERMSIG(status), codes);
}

#endif /* VIGIL_TEST_CHILD_H */
