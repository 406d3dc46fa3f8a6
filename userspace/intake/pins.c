// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "log.h"
#include "mkdirs.h"
#include "pins.h"

#define PINS_GEN_PREFIX "links-"

int pins__default_dir(const struct roots *r, char *out, size_t size)
{
	size_t len = snprintf(out, size, "%s/", PINS_DEFAULT_BASE);

	for (int i = 0; i < r->nr && len < size; i++) {
		const char *rel = r->root[i].rel + 1;	/* past the '/' */

		if (i)
			out[len++] = '+';
		for (; *rel && len < size; rel++)
			out[len++] = *rel == '/' || *rel == '.' ? '_' : *rel;
	}
	/* NAME_MAX bounds one component, the name made of the roots */
	if (len >= size || len - strlen(PINS_DEFAULT_BASE) - 1 > NAME_MAX) {
		log_error("the sandbox roots make too long a pin directory "
			  "name; name one with --pin-dir");
		return -ENAMETOOLONG;
	}
	out[len] = '\0';
	return 0;
}

static bool pins__on_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

/* bpffs is not mounted at boot on every machine. */
static int pins__mount(void)
{
	if (pins__on_bpffs(PINS_BPFFS))
		return 0;
	if (mount("bpf", PINS_BPFFS, "bpf", 0, "mode=0700")) {
		log__errno(errno, "cannot mount bpffs at %s (mount -t bpf bpf "
			   "%s, or name another --pin-dir on bpffs)",
			   PINS_BPFFS, PINS_BPFFS);
		return -errno;
	}
	return 0;
}

/* Opens dir and locks it; -EBUSY when another process holds it. */
static int pins__lock(const char *dir, const char *busy_hint)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		log__errno(errno, "cannot open %s", dir);
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		close(fd);
		if (err == -EBUSY)
			log_error("%s is in use by a running vigil daemon; %s",
				  dir, busy_hint);
		else
			log__errno(err, "cannot lock %s", dir);
		return err;
	}
	return fd;
}

int pins__open(struct pins *p, const char *dir)
{
	int err;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (snprintf(p->dir, sizeof(p->dir), "%s", dir) >= (int)sizeof(p->dir))
		return -ENAMETOOLONG;
	if (!strncmp(dir, PINS_BPFFS "/", strlen(PINS_BPFFS) + 1) &&
	    (err = pins__mount()))
		return err;
	err = mkdirs(dir, 0700, "pin directory");
	if (err)
		return err;
	if (!pins__on_bpffs(dir)) {
		log_error("pin directory %s is not on bpffs", dir);
		return -EINVAL;
	}
	p->fd = pins__lock(dir, "stop it first, or give this one another "
			   "--pin-dir");
	if (p->fd < 0)
		return p->fd;
	snprintf(p->gen, sizeof(p->gen), PINS_GEN_PREFIX "%llu",
		 (unsigned long long)clock__boot_ns());
	return 0;
}

int pins__maps(struct pins *p, struct bpf_object *obj)
{
	struct bpf_map *map;
	char path[PATH_MAX];

	bpf_object__for_each_map(map, obj) {
		int err;

		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", p->dir,
			 bpf_map__name(map));
		p->adopted |= !access(path, F_OK);
		err = bpf_map__set_pin_path(map, path);
		if (err) {
			log__errno(err, "cannot pin map %s", path);
			return err;
		}
	}
	return 0;
}

int pins__link(struct pins *p, struct bpf_link *link, const char *name)
{
	char path[PATH_MAX];
	int err;

	if (mkdirat(p->fd, p->gen, 0700) && errno != EEXIST) {
		log__errno(errno, "cannot create %s/%s", p->dir, p->gen);
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/%s/%s", p->dir, p->gen, name);
	err = bpf_link__pin(link, path);
	if (err)
		log__errno(err, "cannot pin link %s", path);
	return err;
}

int pins__again(struct pins *p, const char *path, int fd)
{
	char gen[PATH_MAX];

	if (!path || !access(path, F_OK))
		return 0;
	snprintf(gen, sizeof(gen), "%s/%s", p->dir, p->gen);
	if (mkdirs(gen, 0700, "pin directory") || bpf_obj_pin(fd, path)) {
		log__errno(errno, "%s was removed and cannot be pinned again",
			   path);
		return 0;
	}
	log_warn("%s was removed by someone else: pinned again", path);
	return 1;
}

/* Removes name under dir_fd: a file, or a directory with the files in it
 * (a links generation). Unlinking a link's last pin detaches it. */
static int pins__unlink(int dir_fd, const char *name)
{
	int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *e;

	if (fd < 0)
		return unlinkat(dir_fd, name, 0) ? -errno : 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	return unlinkat(dir_fd, name, AT_REMOVEDIR) ? -errno : 0;
}

/* Removes every entry of the locked directory fd that keep() refuses. */
static int pins__sweep(const struct pins *p, bool (*keep)(const struct pins *,
							 const char *))
{
	int fd = dup(p->fd), err = 0;
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		int r;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    keep(p, e->d_name))
			continue;
		r = pins__unlink(p->fd, e->d_name);
		if (r) {
			log__errno(r, "cannot remove %s/%s", p->dir, e->d_name);
			err = err ?: r;
		}
	}
	closedir(d);
	return err;
}

/* Everything but the earlier generations of links. */
static bool pins__current(const struct pins *p, const char *name)
{
	return strncmp(name, PINS_GEN_PREFIX, strlen(PINS_GEN_PREFIX)) ||
	       !strcmp(name, p->gen);
}

int pins__retire(struct pins *p)
{
	return pins__sweep(p, pins__current);
}

void pins__close(struct pins *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

static bool pins__nothing(const struct pins *p, const char *name)
{
	(void)p, (void)name;
	return false;
}

int pins__remove(const char *dir, bool *removed)
{
	struct pins p = { .fd = -1 };
	int err;

	*removed = false;
	if (access(dir, F_OK))
		return 0;
	snprintf(p.dir, sizeof(p.dir), "%s", dir);
	p.fd = pins__lock(dir, "stop it first");
	if (p.fd < 0)
		return p.fd;
	err = pins__sweep(&p, pins__nothing);
	pins__close(&p);
	if (!err && rmdir(dir)) {
		err = -errno;
		log__errno(err, "cannot remove %s", dir);
	}
	*removed = !err;
	return err;
}
