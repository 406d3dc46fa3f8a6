/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * vtool: makes the system calls the integration tests cannot make from
 * Python with exact arguments (Python's os.open adds O_CLOEXEC, glibc's
 * open() is openat on x86_64, and there is no openat2, creat, execveat or
 * sendmmsg wrapper). Each subcommand makes one call and prints "ret=N"
 * (N = the return value, or -errno) so a test can compare the record's ret
 * with what the caller saw.
 *
 *   vtool open PATH FLAGS MODE
 *   vtool openat DIR|- PATH FLAGS MODE           (- = AT_FDCWD)
 *   vtool openat2 DIR|- PATH FLAGS MODE RESOLVE
 *   vtool creat PATH MODE
 *   vtool exec PATH ARGV0 [ARG...]               (execve; prints ret on failure)
 *   vtool execveat DIR NAME ARGV0 [ARG...]       (execveat(open(DIR), NAME, 0))
 *   vtool memfd-exec SRC NAME ARGV0 [ARG...]     (execveat(memfd, "", AT_EMPTY_PATH))
 *   vtool sendmmsg ADDR PORT COUNT SIZE          (UDP, v4 or v6 literal)
 *   vtool flood PATH SECONDS [distinct]          (open+close as fast as it
 *                                                 can; prints opens done;
 *                                                 distinct: PATH.N, a new
 *                                                 N each time, none of
 *                                                 which need exist)
 *   vtool clone3-into CGROUP_DIR                 (clone3(CLONE_INTO_CGROUP):
 *                                                 the child prints "child
 *                                                 0::CGROUP", the parent
 *                                                 ret=PID once it reaped it)
 *
 * FLAGS: names joined by '|', e.g. O_WRONLY|O_CREAT|O_TRUNC. MODE: octal.
 * RESOLVE: RESOLVE_* names joined by '|', or 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct name_val {
	const char *name;
	unsigned long long val;
};

static const struct name_val open_flags[] = {
	{ "O_RDONLY", O_RDONLY },	{ "O_WRONLY", O_WRONLY },
	{ "O_RDWR", O_RDWR },		{ "O_CREAT", O_CREAT },
	{ "O_EXCL", O_EXCL },		{ "O_NOCTTY", O_NOCTTY },
	{ "O_TRUNC", O_TRUNC },		{ "O_APPEND", O_APPEND },
	{ "O_NONBLOCK", O_NONBLOCK },	{ "O_DSYNC", O_DSYNC },
	{ "O_DIRECTORY", O_DIRECTORY },	{ "O_NOFOLLOW", O_NOFOLLOW },
	{ "O_CLOEXEC", O_CLOEXEC },	{ "O_SYNC", O_SYNC },
	{ "O_PATH", O_PATH },		{ "O_TMPFILE", O_TMPFILE },
	{ "O_NOATIME", O_NOATIME },	{ "O_DIRECT", O_DIRECT },
	{ NULL, 0 },
};

static const struct name_val resolve_flags[] = {
	{ "RESOLVE_NO_XDEV", RESOLVE_NO_XDEV },
	{ "RESOLVE_NO_MAGICLINKS", RESOLVE_NO_MAGICLINKS },
	{ "RESOLVE_NO_SYMLINKS", RESOLVE_NO_SYMLINKS },
	{ "RESOLVE_BENEATH", RESOLVE_BENEATH },
	{ "RESOLVE_IN_ROOT", RESOLVE_IN_ROOT },
	{ NULL, 0 },
};

static void die(const char *msg)
{
	fprintf(stderr, "vtool: %s\n", msg);
	exit(2);
}

static unsigned long long parse_names(const char *s, const struct name_val *tab)
{
	unsigned long long v = 0;
	char *copy = strdup(s), *save = NULL, *tok;

	if (!copy)
		die("out of memory");
	if (strcmp(s, "0") == 0) {
		free(copy);
		return 0;
	}
	for (tok = strtok_r(copy, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
		const struct name_val *nv;

		for (nv = tab; nv->name && strcmp(nv->name, tok); nv++)
			;
		if (!nv->name) {
			fprintf(stderr, "vtool: unknown flag %s\n", tok);
			exit(2);
		}
		v |= nv->val;
	}
	free(copy);
	return v;
}

static unsigned int parse_mode(const char *s)
{
	return (unsigned int)strtoul(s, NULL, 8);
}

static int parse_dirfd(const char *s)
{
	int fd;

	if (strcmp(s, "-") == 0)
		return AT_FDCWD;
	fd = open(s, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		perror("vtool: open dir");
		exit(2);
	}
	return fd;
}

static int report(long r)
{
	printf("ret=%ld\n", r < 0 ? -(long)errno : r);
	fflush(stdout);
	return 0;
}

static int cmd_open(char **a)
{
	return report(syscall(SYS_open, a[0], (int)parse_names(a[1], open_flags),
			      parse_mode(a[2])));
}

static int cmd_openat(char **a)
{
	int dirfd = parse_dirfd(a[0]);

	return report(syscall(SYS_openat, dirfd, a[1],
			      (int)parse_names(a[2], open_flags), parse_mode(a[3])));
}

static int cmd_openat2(char **a)
{
	struct open_how how = {
		.flags = parse_names(a[2], open_flags),
		.mode = parse_mode(a[3]),
		.resolve = parse_names(a[4], resolve_flags),
	};
	int dirfd = parse_dirfd(a[0]);

	return report(syscall(SYS_openat2, dirfd, a[1], &how, sizeof(how)));
}

static int cmd_creat(char **a)
{
	return report(syscall(SYS_creat, a[0], parse_mode(a[1])));
}

static int cmd_exec(char **a)
{
	syscall(SYS_execve, a[0], &a[1], environ);
	return report(-1);
}

static int cmd_execveat(char **a)
{
	int dir = open(a[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dir < 0)
		die("cannot open directory");
	syscall(SYS_execveat, dir, a[1], &a[2], environ, 0);
	return report(-1);
}

static int cmd_memfd_exec(char **a)
{
	struct stat st;
	int src, mfd;
	ssize_t n;

	src = open(a[0], O_RDONLY | O_CLOEXEC);
	if (src < 0 || fstat(src, &st) < 0)
		die("cannot open source");
	/* Not MFD_CLOEXEC: the fd stays valid across the exec. */
	mfd = memfd_create(a[1], 0);
	if (mfd < 0)
		die("memfd_create failed");
	for (off_t off = 0; off < st.st_size; off += n) {
		n = sendfile(mfd, src, NULL, (size_t)(st.st_size - off));
		if (n <= 0)
			die("copy into memfd failed");
	}
	close(src);
	if (fstat(mfd, &st) < 0)
		die("fstat memfd failed");
	printf("dev=%llu ino=%llu fd=%d\n", (unsigned long long)st.st_dev,
	       (unsigned long long)st.st_ino, mfd);
	fflush(stdout);
	syscall(SYS_execveat, mfd, "", &a[2], environ, AT_EMPTY_PATH);
	return report(-1);
}

static int cmd_sendmmsg(char **a)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	unsigned int count = (unsigned int)strtoul(a[2], NULL, 10);
	size_t size = strtoul(a[3], NULL, 10);
	unsigned short port = (unsigned short)strtoul(a[1], NULL, 10);
	struct mmsghdr *msgs = calloc(count, sizeof(*msgs));
	struct iovec *iov = calloc(count, sizeof(*iov));
	char *buf = malloc(size ? size : 1);
	socklen_t len;
	long total = 0;
	unsigned int done = 0;
	int fd;

	if (!msgs || !iov || !buf)
		die("out of memory");
	memset(buf, 'm', size);
	if (inet_pton(AF_INET, a[0], &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, a[0], &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		len = sizeof(*sin6);
	} else {
		die("bad address");
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket failed");
	for (unsigned int i = 0; i < count; i++) {
		iov[i].iov_base = buf;
		iov[i].iov_len = size;
		msgs[i].msg_hdr.msg_name = &ss;
		msgs[i].msg_hdr.msg_namelen = len;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (done < count) {
		int r = (int)syscall(SYS_sendmmsg, fd, msgs + done, count - done, 0);

		if (r < 0)
			return report(-1);
		for (int i = 0; i < r; i++)
			total += msgs[done + i].msg_len;
		done += (unsigned int)r;
	}
	close(fd);
	free(buf);
	free(iov);
	free(msgs);
	return report(total);
}

/* A flood of records: far more opens than a collector can take; of one
 * file (the kernel counts the repeats), or of a new path each time
 * (nothing to count: the ring buffer fills). */
static int cmd_flood(char **a)
{
	time_t end = time(NULL) + (time_t)strtoul(a[1], NULL, 10);
	bool distinct = a[2] && !strcmp(a[2], "distinct");
	char path[4096];
	long n = 0;

	while (time(NULL) < end) {
		for (int i = 0; i < 4096; i++, n++) {
			int fd;

			if (distinct)
				snprintf(path, sizeof(path), "%s.%ld", a[0], n);
			fd = open(distinct ? path : a[0], O_RDONLY);
			if (fd >= 0)
				close(fd);
		}
	}
	return report(n);
}

/* The child's cgroup line of the unified hierarchy ("0::/a/b"). */
static void print_cgroup(void)
{
	char line[4096];
	FILE *f = fopen("/proc/self/cgroup", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "0::", 3) == 0)
			fputs(line, stdout);
	if (f)
		fclose(f);
}

static int cmd_clone3_into(char **a)
{
	struct clone_args ca = { .flags = CLONE_INTO_CGROUP,
				 .exit_signal = SIGCHLD };
	int fd = open(a[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long r;

	if (fd < 0)
		die("cannot open the cgroup directory");
	ca.cgroup = fd;
	r = syscall(SYS_clone3, &ca, sizeof(ca));
	if (r == 0) {
		printf("child ");
		print_cgroup();
		fflush(stdout);
		_exit(0);
	}
	if (r > 0)
		waitpid(r, NULL, 0);
	return report(r);
}

static const struct {
	const char *name;
	int nargs;	/* minimum */
	int (*fn)(char **);
} cmds[] = {
	{ "open", 3, cmd_open },
	{ "openat", 4, cmd_openat },
	{ "openat2", 5, cmd_openat2 },
	{ "creat", 2, cmd_creat },
	{ "exec", 2, cmd_exec },
	{ "execveat", 3, cmd_execveat },
	{ "memfd-exec", 3, cmd_memfd_exec },
	{ "sendmmsg", 4, cmd_sendmmsg },
	{ "flood", 2, cmd_flood },
	{ "clone3-into", 1, cmd_clone3_into },
};

int main(int argc, char **argv)
{
	if (argc >= 2) {
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (strcmp(argv[1], cmds[i].name) == 0 && argc - 2 >= cmds[i].nargs)
				return cmds[i].fn(&argv[2]);
	}
	die("usage: see the comment at the top of vtool.c");
	return 2;
}
