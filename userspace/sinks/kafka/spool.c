// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Segment files are named by a sequence number (%020llu.seg) and written
 * strictly in order: a new process starts a new segment, so it never
 * appends behind a torn tail left by a crash. Frames:
 *
 *   u32 magic | u32 len | u32 crc32(the rest) | u8 topic | u8 type_len |
 *   u16 key_len | type | key | value
 *
 * where len counts everything after crc. The reader keeps a window of
 * records handed out for delivery; the cursor advances over the delivered
 * prefix of that window, and segments wholly before it are deleted.
 *
 * Frames are gathered in a buffer and written a buffer at a time (on
 * every spool__flush, which the sink calls after each collector poll, and
 * whenever the reader reaches them), and read back a buffer at a time:
 * under a flood every record may pass through here, and two system calls
 * per record, each way, would make the spool slower than the broker.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include "log.h"
#include "mkdirs.h"
#include "spool.h"
#include "syncer.h"

#define SPOOL_MAGIC   0x4c505356u	/* "VSPL" little-endian */
#define SEGMENT_MAX   (8u << 20)	/* rotate after this many bytes */
#define FRAME_MAX     (1u << 20)	/* no record is larger */
#define WINDOW        16384		/* records awaiting acknowledgement */
#define WBUF          (256u << 10)	/* frames gathered before a write */
#define RBUF          (256u << 10)	/* read ahead of the reader */
#define CURSOR_FILE   "cursor"

struct frame_hdr {
	uint32_t magic;
	uint32_t len;
	uint32_t crc;
	uint8_t topic;
	uint8_t type_len;
	uint16_t key_len;
};

#define FRAME_TAIL (sizeof(struct frame_hdr) - offsetof(struct frame_hdr, topic))

struct pos {
	uint64_t seg;
	uint64_t off;
};

struct spool {
	char dir[PATH_MAX];
	uint64_t max_bytes;
	int wfd;		/* the segment being written */
	struct pos w;		/* its number and length, wbuf's frames included */
	char *wbuf;		/* frames not yet written, the last wbuf_len
				 * bytes before w */
	size_t wbuf_len;
	uint32_t wbuf_recs;
	bool dirty;		/* appended since the last sync */
	struct syncer *syncer;	/* makes segments durable off this thread */
	int rfd;		/* the segment being read, or -1 */
	uint64_t rfd_seg;
	struct pos rd;		/* next frame to read */
	struct pos commit;	/* everything before it is delivered */
	bool cursor_dirty;
	uint64_t oldest;	/* lowest segment number still on disk */
	struct pos *win;	/* end of each record handed out, in order */
	bool *acked;
	uint32_t win_head, win_len;
	uint32_t replay;	/* window slots walked since the last rewind */
	uint32_t gen;		/* bumped on rewind: older failures are stale */
	uint32_t next_seq;	/* sequence of the next record handed out */
	struct pos corrupt_end;	/* damage before this was already counted */
	char *rbuf;		/* bytes [rbuf_off, + rbuf_len) of rbuf_seg */
	uint64_t rbuf_seg, rbuf_off;
	size_t rbuf_len;
	char *buf;		/* the last record read, when larger than rbuf */
	struct spool_stats st;
};

static void spool__path(const struct spool *s, uint64_t seg, char *out)
{
	snprintf(out, PATH_MAX, "%s/%020" PRIu64 ".seg", s->dir, seg);
}

/* Segment numbers on disk: lowest and highest, and their total size. */
static int spool__scan(struct spool *s, uint64_t *lo, uint64_t *hi)
{
	DIR *d = opendir(s->dir);
	struct dirent *de;
	struct stat st;
	char path[PATH_MAX];
	uint64_t n;
	int end;

	if (!d)
		return -errno;
	*lo = UINT64_MAX;
	*hi = 0;
	while ((de = readdir(d))) {
		end = 0;
		if (sscanf(de->d_name, "%20" SCNu64 ".seg%n", &n, &end) != 1 ||
		    !end || de->d_name[end])
			continue;
		spool__path(s, n, path);
		if (stat(path, &st) == 0)
			s->st.bytes += st.st_size;
		*lo = n < *lo ? n : *lo;
		*hi = n > *hi ? n : *hi;
	}
	closedir(d);
	return 0;
}

static void spool__read_cursor(struct spool *s)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", s->dir, CURSOR_FILE);
	f = fopen(path, "re");
	if (!f)
		return;
	struct pos c;

	if (fscanf(f, "%" SCNu64 " %" SCNu64, &c.seg, &c.off) == 2)
		s->commit = c;
	else
		log_warn("spool cursor %s is unreadable; replaying everything",
			 path);
	fclose(f);
}

static int spool__write_cursor(struct spool *s)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "%s/%s", s->dir, CURSOR_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	/* Not synced: a cursor older than the truth after a crash only means
	 * delivered records are sent again, never that any is lost. */
	fprintf(f, "%" PRIu64 " %" PRIu64 "\n", s->commit.seg, s->commit.off);
	if (fflush(f))
		err = -errno;
	fclose(f);
	if (!err && rename(tmp, path))
		err = -errno;
	if (!err)
		s->cursor_dirty = false;
	return err;
}

static int spool__start_segment(struct spool *s, uint64_t seg)
{
	char path[PATH_MAX];

	spool__path(s, seg, path);
	s->wfd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
		      0600);
	if (s->wfd < 0) {
		log__errno(errno, "cannot create spool segment %s", path);
		return -errno;
	}
	s->w = (struct pos){ seg, 0 };
	return 0;
}

static void spool__trim(struct spool *s);

static uint64_t spool__size(const struct spool *s, uint64_t seg)
{
	char path[PATH_MAX];
	struct stat st;

	spool__path(s, seg, path);
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Positions from before this run: the cursor, clamped to what exists and
 * moved past segments that hold nothing left to deliver, so those go. */
static void spool__place(struct spool *s, uint64_t lo, uint64_t hi)
{
	if (lo == UINT64_MAX)		/* nothing on disk */
		lo = hi + 1;
	if (s->commit.seg < lo || s->commit.seg > hi)
		s->commit = (struct pos){ lo, 0 };
	while (s->commit.seg <= hi &&
	       s->commit.off >= spool__size(s, s->commit.seg))
		s->commit = (struct pos){ s->commit.seg + 1, 0 };
	s->oldest = lo;
	s->rd = s->commit;
	s->cursor_dirty = true;
}

int spool__open(struct spool **out, const char *dir, uint64_t max_bytes)
{
	struct spool *s = calloc(1, sizeof(*s));
	uint64_t lo, hi;
	int err;

	if (!s)
		return -ENOMEM;
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	s->max_bytes = max_bytes;
	s->wfd = s->rfd = -1;
	s->win = calloc(WINDOW, sizeof(*s->win));
	s->acked = calloc(WINDOW, sizeof(*s->acked));
	s->wbuf = malloc(WBUF);
	s->rbuf = malloc(RBUF);
	err = (!s->win || !s->acked || !s->wbuf || !s->rbuf) ? -ENOMEM : 0;
	if (!err)
		err = mkdirs(dir, 0700, "spool directory");
	if (!err)
		err = syncer__start(&s->syncer);
	if (!err)
		err = spool__scan(s, &lo, &hi);
	if (!err) {
		spool__read_cursor(s);
		spool__place(s, lo, hi);
		spool__trim(s);
		err = spool__start_segment(s, hi + 1);
	}
	if (err) {
		spool__close(s);
		return err;
	}
	*out = s;
	return 0;
}

void spool__close(struct spool *s)
{
	if (!s)
		return;
	if (s->wfd >= 0 && spool__flush(s) < 0)
		log_warn("spool %s: %" PRIu64 " records lost writing its last "
			 "segment", s->dir, s->st.lost);
	if (s->wfd >= 0 && fdatasync(s->wfd))
		log__errno(errno, "spool %s: fdatasync", s->dir);
	if (s->wfd >= 0)
		close(s->wfd);
	if (s->cursor_dirty)
		spool__write_cursor(s);
	syncer__stop(s->syncer);
	if (s->rfd >= 0)
		close(s->rfd);
	free(s->win);
	free(s->acked);
	free(s->wbuf);
	free(s->rbuf);
	free(s->buf);
	free(s);
}

/* Makes what was appended to the current segment durable: by the
 * syncer, or right here when must and the syncer's queue is full. */
static int spool__sync_segment(struct spool *s, bool must)
{
	int fd;

	if (spool__flush(s) < 0 && must)
		return -EIO;
	if (!s->dirty)
		return 0;
	fd = dup(s->wfd);
	if (fd >= 0 && syncer__submit(s->syncer, fd) == 0) {
		s->dirty = false;
		return 0;
	}
	if (fd >= 0)
		close(fd);
	if (!must)
		return 0;	/* the next sync tries again */
	s->dirty = false;
	return fdatasync(s->wfd) ? -errno : 0;
}

static int spool__rotate(struct spool *s)
{
	int err = spool__sync_segment(s, true);

	close(s->wfd);
	s->wfd = -1;
	return err ?: spool__start_segment(s, s->w.seg + 1);
}

/* The reader's buffer no longer matches the segment being written. */
static void spool__truncated(struct spool *s, uint64_t off)
{
	if (ftruncate(s->wfd, off))
		log__errno(errno, "spool segment %" PRIu64, s->w.seg);
	if (s->rbuf_seg == s->w.seg)
		s->rbuf_len = 0;
}

/* Writes buf whole at the end of the segment; on failure no partial
 * frame is left behind for the reader. */
static int spool__write(struct spool *s, const struct iovec *iov, int n,
			size_t total)
{
	uint64_t start = s->w.off - s->wbuf_len;
	ssize_t done = writev(s->wfd, iov, n);

	if (done == (ssize_t)total)
		return 0;
	spool__truncated(s, start);
	return -EIO;
}

int spool__flush(struct spool *s)
{
	struct iovec iov = { s->wbuf, s->wbuf_len };
	int err;

	if (!s->wbuf_len)
		return 0;
	err = spool__write(s, &iov, 1, s->wbuf_len);
	if (err) {
		log_error("spool %s: cannot write %u records to segment %"
			  PRIu64 "; they are lost", s->dir, s->wbuf_recs,
			  s->w.seg);
		s->w.off -= s->wbuf_len;
		s->st.bytes -= s->wbuf_len;
		s->st.appended -= s->wbuf_recs;
		s->st.lost += s->wbuf_recs;
	}
	s->wbuf_len = 0;
	s->wbuf_recs = 0;
	s->dirty |= !err;
	return err;
}

/* A frame as it goes to disk, into the gathering buffer or, larger than
 * that, straight to the segment. */
static int spool__put(struct spool *s, const struct iovec *iov,
		      size_t total)
{
	int err = 0;

	if (total > WBUF - s->wbuf_len)
		err = spool__flush(s);
	if (!err && total > WBUF) {
		err = spool__write(s, iov, 4, total);
		s->dirty |= !err;
		return err;
	}
	for (int i = 0; !err && i < 4; i++) {
		memcpy(s->wbuf + s->wbuf_len, iov[i].iov_base, iov[i].iov_len);
		s->wbuf_len += iov[i].iov_len;
	}
	s->wbuf_recs += !err;
	return err;
}

int spool__append(struct spool *s, const struct spool_rec *r, bool must_keep)
{
	struct frame_hdr h = {
		.magic = SPOOL_MAGIC, .topic = r->topic,
		.type_len = r->type_len, .key_len = r->key_len,
	};
	struct iovec iov[4] = {
		{ &h, sizeof(h) }, { (void *)r->type, r->type_len },
		{ (void *)r->key, r->key_len }, { (void *)r->value, r->value_len },
	};
	size_t total = sizeof(h) + r->type_len + r->key_len + r->value_len;

	if (r->type_len > UINT8_MAX || r->key_len > UINT16_MAX ||
	    total > FRAME_MAX)
		return -EINVAL;
	if (!must_keep && s->st.bytes + total > s->max_bytes)
		return -ENOSPC;
	if (s->w.off + total > SEGMENT_MAX && s->w.off && spool__rotate(s))
		return -EIO;
	h.len = total - offsetof(struct frame_hdr, topic);
	h.crc = crc32(0, (const Bytef *)&h.topic, FRAME_TAIL);
	for (int i = 1; i < 4; i++)
		h.crc = crc32(h.crc, iov[i].iov_base, iov[i].iov_len);
	if (spool__put(s, iov, total))
		return -EIO;
	s->w.off += total;
	s->st.bytes += total;
	s->st.appended++;
	return 0;
}

int spool__sync(struct spool *s)
{
	int err = spool__sync_segment(s, false);

	return err ?: s->cursor_dirty ? spool__write_cursor(s) : 0;
}

bool spool__caught_up(const struct spool *s)
{
	return s->rd.seg == s->w.seg && s->rd.off == s->w.off;
}

bool spool__drained(const struct spool *s)
{
	return s->win_len == 0 && spool__caught_up(s);
}

/* Opens the segment the reader is in; false when it does not exist. */
static bool spool__open_reader(struct spool *s)
{
	char path[PATH_MAX];

	if (s->rfd >= 0 && s->rfd_seg == s->rd.seg)
		return true;
	if (s->rfd >= 0)
		close(s->rfd);
	spool__path(s, s->rd.seg, path);
	s->rfd = open(path, O_RDONLY | O_CLOEXEC);
	s->rfd_seg = s->rd.seg;
	return s->rfd >= 0;
}

static void spool__next_segment(struct spool *s)
{
	s->rd = (struct pos){ s->rd.seg + 1, 0 };
}

/* Points *p at the n bytes of the reader's segment from off (n <= RBUF),
 * reading ahead; returns how many there are: fewer at its end. */
static size_t spool__peek(struct spool *s, uint64_t off, size_t n,
			  const char **p)
{
	ssize_t got;

	if (s->rbuf_seg != s->rd.seg || off < s->rbuf_off ||
	    off + n > s->rbuf_off + s->rbuf_len) {
		got = pread(s->rfd, s->rbuf, RBUF, off);
		s->rbuf_seg = s->rd.seg;
		s->rbuf_off = off;
		s->rbuf_len = got > 0 ? (size_t)got : 0;
	}
	*p = s->rbuf + (off - s->rbuf_off);
	return s->rbuf_len - (off - s->rbuf_off) < n ?
	       s->rbuf_len - (off - s->rbuf_off) : n;
}

/* The body of the frame at the reader's position into *body: from the
 * read-ahead buffer, or, larger than that, read on its own. */
static int spool__read_body(struct spool *s, size_t len, const char **body)
{
	uint64_t off = s->rd.off + sizeof(struct frame_hdr);

	if (len <= RBUF)
		return spool__peek(s, off, len, body) == len ? 0 : -EBADMSG;
	if (!s->buf && !(s->buf = malloc(FRAME_MAX)))
		return -ENOMEM;
	*body = s->buf;
	return pread(s->rfd, s->buf, len, off) == (ssize_t)len ? 0 : -EBADMSG;
}

/* Reads and checks the frame at the reader's position. Returns its total
 * size, 0 at the end of the segment, -EBADMSG for a torn or bad frame. */
static ssize_t spool__read_frame(struct spool *s, struct frame_hdr *h,
				 const char **body)
{
	const char *p;
	size_t n = spool__peek(s, s->rd.off, sizeof(*h), &p), len;

	if (n == 0)
		return 0;
	if (n == sizeof(*h))
		memcpy(h, p, sizeof(*h));
	if (n != sizeof(*h) || h->magic != SPOOL_MAGIC || h->len < FRAME_TAIL ||
	    h->len > FRAME_MAX || h->len - FRAME_TAIL < (size_t)h->type_len +
	    h->key_len)
		return -EBADMSG;
	len = h->len - FRAME_TAIL;
	if (spool__read_body(s, len, body))
		return -EBADMSG;
	/* Intact framing around damaged bytes: only this frame is lost. */
	if (crc32(crc32(0, (const Bytef *)&h->topic, FRAME_TAIL),
		  (const Bytef *)*body, len) != h->crc)
		return -EILSEQ;
	return sizeof(*h) + len;
}

static bool pos__before(struct pos a, struct pos b)
{
	return a.seg < b.seg || (a.seg == b.seg && a.off < b.off);
}

/* Reports damage from the reader's position up to end, once: a rewind
 * passes over it again. */
static void spool__count_damage(struct spool *s, struct pos end)
{
	uint64_t lost = end.off - s->rd.off;

	if (!pos__before(s->rd, end) || pos__before(s->rd, s->corrupt_end))
		return;
	log_warn("spool segment %020" PRIu64 ".seg in %s: torn or corrupt "
		 "frame at offset %" PRIu64 "; %" PRIu64 " bytes skipped",
		 s->rd.seg, s->dir, s->rd.off, lost);
	s->st.corrupt_bytes += lost;
	s->corrupt_end = end;
}

/* A frame whose checksum fails: it alone is skipped. */
static void spool__skip_frame(struct spool *s, const struct frame_hdr *h)
{
	struct pos end = { s->rd.seg, s->rd.off + sizeof(*h) + h->len -
					  FRAME_TAIL };

	spool__count_damage(s, end);
	s->rd = end;
}

/* Broken framing (a torn tail, a bad header): where the next frame starts
 * is unknown, so the rest of the segment is skipped. */
static void spool__skip_corrupt(struct spool *s)
{
	struct stat st;
	uint64_t size = fstat(s->rfd, &st) == 0 ? (uint64_t)st.st_size : 0;

	spool__count_damage(s, (struct pos){ s->rd.seg, size });
	/* Appends behind damage in the segment being written would never be
	 * read: they go to a new segment. */
	if (s->rd.seg == s->w.seg && spool__rotate(s))
		log_warn("spool %s: cannot start a new segment", s->dir);
	spool__next_segment(s);
}

static uint32_t spool__slot(const struct spool *s, uint32_t i)
{
	return (s->win_head + i) % WINDOW;
}

/* Where window slot i starts: where the one before it ends. */
static struct pos spool__slot_start(const struct spool *s, uint32_t i)
{
	return i ? s->win[spool__slot(s, i - 1)] : s->commit;
}

/* Hands out the frame just read: a new window slot, or, after a rewind,
 * the slot it already had. */
static uint64_t spool__hand_out(struct spool *s, const struct frame_hdr *h,
				ssize_t size, const char *body,
				struct spool_rec *r)
{
	uint32_t slot = spool__slot(s, s->replay);

	r->topic = h->topic;
	r->type = body;
	r->type_len = h->type_len;
	r->key = body + h->type_len;
	r->key_len = h->key_len;
	r->value = r->key + h->key_len;
	r->value_len = h->len - FRAME_TAIL - h->type_len - h->key_len;
	s->rd.off += size;
	if (s->replay == s->win_len) {
		s->win[slot] = s->rd;
		s->acked[slot] = false;
		s->win_len++;
		s->next_seq++;
	}
	s->st.replayed++;
	return (uint64_t)s->gen << 32 | (s->next_seq - s->win_len + s->replay++);
}

/* After a rewind, the slots already delivered are stepped over: a failure
 * resends only what did not arrive. */
static void spool__skip_delivered(struct spool *s)
{
	while (s->replay < s->win_len &&
	       s->acked[spool__slot(s, s->replay)])
		s->rd = s->win[spool__slot(s, s->replay++)];
}

int spool__next(struct spool *s, struct spool_rec *r, uint64_t *id)
{
	struct frame_hdr h;
	const char *body;
	ssize_t size;

	spool__skip_delivered(s);
	if (s->replay == WINDOW)
		return -EBUSY;
	while (s->rd.seg < s->w.seg ||
	       (s->rd.seg == s->w.seg && s->rd.off < s->w.off)) {
		/* The reader has reached frames still being gathered (if
		 * they cannot be written, w moves back before them). */
		if (s->rd.seg == s->w.seg && s->wbuf_len &&
		    s->rd.off >= s->w.off - s->wbuf_len) {
			spool__flush(s);
			continue;
		}
		if (s->rd.seg != s->w.seg && !spool__open_reader(s)) {
			spool__next_segment(s);	/* removed by hand */
			continue;
		}
		if (s->rd.seg == s->w.seg && !spool__open_reader(s))
			return -EIO;
		size = spool__read_frame(s, &h, &body);
		if (size == 0 && s->rd.seg < s->w.seg) {
			spool__next_segment(s);
			continue;
		}
		if (size == -EILSEQ) {
			spool__skip_frame(s, &h);
			continue;
		}
		if (size <= 0) {
			spool__skip_corrupt(s);
			continue;
		}
		*id = spool__hand_out(s, &h, size, body, r);
		return 0;
	}
	return -ENODATA;
}

/* Deletes segments that lie wholly before the cursor. */
static void spool__trim(struct spool *s)
{
	char path[PATH_MAX];
	struct stat st;

	for (; s->oldest < s->commit.seg; s->oldest++) {
		spool__path(s, s->oldest, path);
		if (stat(path, &st) == 0 && unlink(path) == 0)
			s->st.bytes -= st.st_size;
	}
}

/* Once everything written is delivered, the writer moves to a fresh
 * segment so the delivered one can go too. */
static void spool__recycle(struct spool *s)
{
	if (!spool__drained(s) || (s->w.off && spool__rotate(s)))
		return;
	s->commit = s->rd = s->w;
	s->cursor_dirty = true;
	spool__trim(s);
}

static void spool__rewind(struct spool *s)
{
	s->rd = s->commit;
	s->replay = 0;
	s->gen++;
}

/* Moves the cursor over the delivered head of the window. */
static void spool__commit(struct spool *s)
{
	while (s->win_len && s->acked[s->win_head]) {
		s->commit = s->win[s->win_head];
		s->win_head = (s->win_head + 1) % WINDOW;
		s->win_len--;
		s->cursor_dirty = true;
		if (s->replay)
			s->replay--;
		else	/* delivered before the rewind reached it */
			s->rd = s->commit;
	}
}

void spool__ack(struct spool *s, uint64_t id, bool delivered)
{
	uint32_t idx = (uint32_t)id - (s->next_seq - s->win_len);
	uint32_t slot = spool__slot(s, idx);

	if (idx >= s->win_len || s->acked[slot])
		return;
	if (!delivered) {
		/* A failure from before the last rewind is already handled. */
		if (id >> 32 == s->gen)
			spool__rewind(s);
		return;
	}
	/* A delivery counts whenever it comes, before a rewind or after. */
	s->acked[slot] = true;
	s->st.acked++;
	spool__commit(s);
	spool__trim(s);
	spool__recycle(s);
}

void spool__unread(struct spool *s, uint64_t id)
{
	uint32_t idx = (uint32_t)id - (s->next_seq - s->win_len);

	if (!s->replay || id >> 32 != s->gen || idx != s->replay - 1)
		return;
	s->replay--;
	s->st.replayed--;
	s->rd = spool__slot_start(s, s->replay);
	if (s->replay == s->win_len - 1) {	/* a new slot: gone again */
		s->win_len--;
		s->next_seq--;
	}
}

void spool__stats(const struct spool *s, struct spool_stats *st)
{
	*st = s->st;
}
