/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemon's control API: a unix stream socket that only root may use,
 * one request per connection.
 *
 * The client sends one JSON object on one line, at most
 * CONTROL_MAX_REQUEST bytes before the newline:
 *	{"cmd":"status"}
 *	{"cmd":"thaw"|"kill"|"freeze","sandbox":"ID"[,"reason":"TEXT"]}
 *	{"cmd":"approvals"} | {"cmd":"alerts"}
 *	{"cmd":"learning"|"learning-save"}
 *	{"cmd":"approve"|"deny","id":"ID","reason":"TEXT"[,"ttl":SECONDS]
 *	 [,"scope":"sandbox"|"profile"][,"channel":"cli"|"console"]}
 * and gets one JSON object on one line back, then end of file:
 *	{"ok":true, ...members the command adds...}
 *	{"ok":false,"error":"text"}
 * Anything else it sends (not JSON, too long, an unknown cmd, a missing
 * or non-string sandbox) is answered with ok false, never acted on.
 *
 * The server never blocks its caller for long: the daemon calls
 * control__serve after each turn of its poll loop (cli__serve), and a
 * call that finds no client waiting returns at once.
 */
#ifndef VIGIL_CONTROL_H
#define VIGIL_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "json.h"

#define CONTROL_DEFAULT_PATH "/run/vigil/control.sock"
#define CONTROL_MAX_REQUEST  4096	/* bytes of a request, newline excluded */
#define CONTROL_CLIENT_MS    200	/* a client's time to send its line */
#define CONTROL_MAX_REPLY    (64 << 20)	/* what a client accepts */
#define CONTROL_MAX_REASON   1024	/* bytes of an operator's reason */
#define CONTROL_MAX_TTL      (10LL * 366 * 86400)	/* seconds of a grant */

struct control;

/* Who asked, as the kernel reports the socket's peer (SO_PEERCRED), and
 * the reason they gave (NULL for none); valid during the call. */
struct control_peer {
	uid_t uid;
	pid_t pid;
	const char *reason;
};

/* A decision on a pending request, checked: id is 1 to 16 letters and
 * digits, reason a non-empty string. */
struct control_decision {
	const char *id;
	bool approve;
	const char *reason;
	uint64_t ttl_s;		/* 0: none given */
	bool scope_profile;
	const char *channel;	/* "cli", "console", or NULL */
};

/* What the daemon answers. Each returns 0 or a negative errno, and writes
 * the members of its reply (after "ok") into j; on failure, act may put an
 * "error" text into err (errlen bytes; strerror of the return value if it
 * leaves err empty), and whatever either wrote into j is discarded. */
struct control_ops {
	/* e.g. "sandboxes":[{"id","profile","risk","state","procs"}...] */
	int (*status)(void *ctx, struct json *j);
	/* cmd is "thaw", "kill" or "freeze"; sandbox is a non-empty name
	 * without '/', at most NAME_MAX bytes, neither "." nor "..". */
	int (*act)(void *ctx, const char *cmd, const char *sandbox,
		   const struct control_peer *peer, struct json *j, char *err,
		   size_t errlen);
	/* e.g. "approvals":[{"id","sandbox","step","target",...}...] */
	int (*approvals)(void *ctx, struct json *j);
	/* "total":N,"alerts":[{"time","sandbox","rule","severity",
	 * "message"}...], newest first */
	int (*alerts)(void *ctx, struct json *j);
	/* approve or deny; act's conventions. */
	int (*decide)(void *ctx, const struct control_decision *d,
		      const struct control_peer *peer, struct json *j,
		      char *err, size_t errlen);
	/* "learning":[{"profile","file","sessions","running","items",
	 * "dropped","patterns","saves","error"}...]: the profiles learning
	 * a baseline; save: their files written first. */
	int (*learning)(void *ctx, bool save, struct json *j);
};

/*
 * What control__open checks and clears before it listens, so a caller
 * can do it before starting anything costly (the BPF programs): path is
 * 1 to 107 bytes (-ENAMETOOLONG); its parent directory is created (mode
 * 0700) if missing, an existing one left as it is; a file already at
 * path is removed only if it is a socket nobody answers on (a daemon
 * that died): -EEXIST if it is not a socket, -EADDRINUSE if another
 * daemon answers. Returns 0 or a negative errno (logged).
 */
int control__prepare(const char *path);

/*
 * Listens on path, control__prepare's checks first. The socket is
 * created with mode 0600 and is non-blocking. ops and ctx must outlive
 * the control. Returns 0 or a negative errno (logged).
 */
int control__open(struct control **out, const char *path,
		  const struct control_ops *ops, void *ctx);

/* Readable (level-triggered) while a client waits to be accepted; for a
 * caller that polls for clients instead of serving on every turn. */
int control__fd(const struct control *c);

/*
 * Accepts and answers every waiting client. Clients are taken in batches
 * read side by side, so a slow client delays the others by at most
 * CONTROL_CLIENT_MS; one that has not sent its whole line by then is
 * dropped with an error reply. A call returns within about twice
 * CONTROL_CLIENT_MS plus the time the ops take (they run on the caller's
 * thread); clients still waiting after that keep control__fd readable
 * for the next call. A peer whose SO_PEERCRED uid is not 0 is answered
 * {"ok":false,"error":"permission denied"} and never reaches ops.
 */
void control__serve(struct control *c);

/* NULL-safe. Closes the socket and removes it from the file system. */
void control__close(struct control *c);

/* The client side. Connects to the daemon at path, waiting at most
 * timeout_ms for room in its backlog. Returns the socket or a negative
 * errno (-ENOENT, -ECONNREFUSED: no daemon; -EACCES: not root). */
int control__connect(const char *path, int timeout_ms);

/* Sends line (one request; the newline is added) on a connected socket
 * and reads the reply line, within timeout_ms in all. Returns 0 and
 * *reply (NUL-terminated, no newline; the caller frees it) or a negative
 * errno: -ETIMEDOUT, -EMSGSIZE for a reply over CONTROL_MAX_REPLY,
 * -ECONNRESET if the daemon closed without a reply. */
int control__call(int fd, const char *line, int timeout_ms, char **reply);

#endif /* VIGIL_CONTROL_H */
