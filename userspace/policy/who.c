// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>

#include "who.h"

/* A uid's name, into buf; NULL when it has none. */
static const char *user__name(uint32_t uid, char *buf, size_t len)
{
	struct passwd pw, *found = NULL;
	char tmp[1024];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &found) || !found)
		return NULL;
	snprintf(buf, len, "%s", pw.pw_name);
	return buf;
}

/* The login uid the kernel's audit keeps for pid's session: who logged
 * in, whatever sudo or su made of the uid since; -1 when unset. */
static uint32_t user__login_uid(pid_t pid)
{
	char path[64], text[16] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/loginuid", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return (uint32_t)-1;
	if (!fgets(text, sizeof(text), f))
		text[0] = '\0';
	fclose(f);
	return text[0] ? (uint32_t)strtoul(text, NULL, 10) : (uint32_t)-1;
}

void who__of(const struct control_peer *peer, struct who *w)
{
	w->op = (struct ev_operator){
		.uid = peer->uid, .pid = peer->pid,
		.user = user__name(peer->uid, w->user, sizeof(w->user)),
		.login_uid = user__login_uid(peer->pid),
		.reason = peer->reason,
	};
	if (w->op.login_uid != (uint32_t)-1)
		w->op.login_user = user__name(w->op.login_uid, w->login_user,
					      sizeof(w->login_user));
}
