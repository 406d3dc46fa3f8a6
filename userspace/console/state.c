// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "state.h"

#define STATE_TIMEOUT_MS 3000	/* the daemon answers on its next poll */

char *state__call(const char *control, const char *line)
{
	char *reply = NULL;
	int fd = control__connect(control, STATE_TIMEOUT_MS), err;

	if (fd < 0) {
		log_debug("console: control socket %s: %s", control,
			  strerror(-fd));
		return NULL;
	}
	err = control__call(fd, line, STATE_TIMEOUT_MS, &reply);
	close(fd);
	if (err)
		log_debug("console: no reply from %s: %s", control,
			  strerror(-err));
	return err ? NULL : reply;
}

char *state__snapshot(const char *control)
{
	char *status = state__call(control, "{\"cmd\":\"status\"}");
	char *approvals = status ? state__call(control,
					       "{\"cmd\":\"approvals\"}") : NULL;
	char *alerts = approvals ? state__call(control,
					       "{\"cmd\":\"alerts\"}") : NULL;
	char *out = NULL;

	/* Each reply is one JSON object already. */
	if (alerts && asprintf(&out, "{\"status\":%s,\"approvals\":%s,"
			       "\"alerts\":%s}", status, approvals,
			       alerts) < 0)
		out = NULL;
	free(status);
	free(approvals);
	free(alerts);
	return out;
}
