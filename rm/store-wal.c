/*
 * The write-ahead log backend of the state store. The state directory holds:
 *
 *   snapshot            the live state at some point, as records (SNAP_BEGIN ... SNAP_END)
 *   wal-NNNNNNNN.log    log segments; those from the snapshot's segment on are replayed
 *   *.cut-OFFSET        bytes cut from a damaged log tail, kept for a person to look at
 *
 * Every start replays the snapshot and then each segment in order, and appends to a new
 * segment. A snapshot switches the log to a new segment on the loop, then on the worker
 * writes snapshot.tmp, fsyncs it, renames it over snapshot, fsyncs the directory and only
 * then deletes the segments before the new one: a crash at any point leaves either the
 * old snapshot with every segment after it, or the new one with its segments.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "timeutil.h"
#include "wal.h"
#include "worker.h"
#include "xmalloc.h"

struct snap_job;

struct wal_store {
	struct worker *wk;
	struct wal *log;
	uint64_t seg;            /* the segment being appended to */
	struct snap_job *snap;   /* being written, or NULL */
};

struct store_snap {
	struct store *st;
	msgpack_sbuffer buf;
	uint64_t count;
	uint64_t seg;            /* the segment that follows it */
};

struct snap_job {
	struct store *st;
	char *dir;
	struct store_snap *sn;
	int64_t t0_us;
	char err[256];
};

/* What replay carries through the files. */
struct replay {
	struct store *st;
	store_replay_fn fn;
	void *arg;
	const char *file;
	bool snapshot;           /* reading the snapshot file */
	bool began, ended;
	uint64_t seg, count;
};

static struct wal_store *impl(struct store *st)
{
	return st->impl;
}

static char *seg_path(const char *dir, uint64_t seg)
{
	return xasprintf("%s/wal-%08llu.log", dir, (unsigned long long)seg);
}

/* mkdir -p */
static int make_dirs(const char *path)
{
	char *p = xstrdup(path);
	int rc = 0;

	for (char *s = p + 1; rc == 0; s++) {
		bool end = *s == '\0';
		if (*s != '/' && !end)
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			rc = -1;
		if (end)
			break;
		*s = '/';
	}
	free(p);
	return rc;
}

/* One record from a file: decoded, checked against where it may appear, applied. */
static int replay_rec(void *arg, uint32_t type, const char *data, size_t len, char *err,
		      size_t errlen)
{
	struct replay *rp = arg;
	struct store_rec r;
	struct mpr_err e;
	int rc = 0;

	if (rec_decode(type, data, len, &r, &e) < 0) {
		snprintf(err, errlen, "%s: record %llu (%s): %s: %s", rp->file,
			 (unsigned long long)rp->count + 1, store_rec_name((int)type), e.field, e.msg);
		return -1;
	}
	rp->count++;
	bool misplaced = rp->snapshot ? rp->ended || rp->began == (type == REC_SNAP_BEGIN)
				      : type >= REC_SNAP_BEGIN;
	if (misplaced) {
		snprintf(err, errlen, "%s: record %llu (%s) out of place", rp->file,
			 (unsigned long long)rp->count, store_rec_name((int)type));
		rc = -1;
	} else if (type == REC_SNAP_BEGIN) {
		rp->began = true;
		rp->seg = r.seq;
	} else if (type == REC_SNAP_END) {
		rp->ended = true;
		if (r.seq != rp->count - 2) {
			snprintf(err, errlen, "%s: holds %llu records, its end says %llu", rp->file,
				 (unsigned long long)rp->count - 2, (unsigned long long)r.seq);
			rc = -1;
		}
	} else {
		rc = rp->fn(rp->arg, &r, err, errlen);
	}
	rec_free(&r);
	return rc;
}

/* Loads the snapshot if there is one; sets *seg to the first segment to replay. */
static int load_snapshot(struct store *st, struct replay *rp, uint64_t *seg, char *err,
			 size_t errlen)
{
	char *path = xasprintf("%s/snapshot", st->dir), *tmp = xasprintf("%s.tmp", path);
	struct wal_scan sc;
	int rc;

	unlink(tmp); /* a snapshot that was never renamed into place */
	rp->file = path;
	rp->snapshot = true;
	rc = wal_read(path, false, replay_rec, rp, &sc, err, errlen);
	bool exists = sc.records > 0 || sc.cut_bytes > 0;
	if (rc == 0 && exists && (sc.cut_bytes > 0 || !rp->ended)) {
		snprintf(err, errlen, "%s is damaged (%s); refusing to start without it "
			 "(the log segments before it are gone)", path,
			 sc.cut_bytes > 0 ? sc.why : "no end record");
		rc = -1;
	}
	if (rc == 0 && sc.records > 0)
		log_info("store", "snapshot: %llu records, log continues at segment %llu",
			 (unsigned long long)sc.records, (unsigned long long)rp->seg);
	*seg = rp->began ? rp->seg : 1; /* segments count from 1 */
	rp->snapshot = false;
	free(path);
	free(tmp);
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The segment numbers in dir, sorted. */
static uint64_t *list_segments(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	uint64_t *v = NULL;
	size_t cap = 0;
	unsigned long long s;
	char tail[8];

	*n = 0;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (sscanf(de->d_name, "wal-%8llu.lo%1[g]%c", &s, tail, tail + 1) != 2 ||
		    strlen(de->d_name) != 16)
			continue;
		v = xgrow(v, &cap, *n + 1, sizeof(*v));
		v[(*n)++] = s;
	}
	if (d != NULL)
		closedir(d);
	if (*n > 0)
		qsort(v, *n, sizeof(*v), cmp_u64);
	return v;
}

/* A later segment after a cut one cannot be applied: its records follow lost ones. */
static void set_aside(const char *dir, uint64_t seg)
{
	char *p = seg_path(dir, seg), *q = xasprintf("%s.cut-0", p);

	if (rename(p, q) == 0)
		log_warn("store", "%s follows a cut segment; moved aside to %s", p, q);
	free(p);
	free(q);
}

/* Replays segments from first on; returns the number for the new segment. */
static int replay_segments(struct store *st, struct replay *rp, uint64_t first,
			   uint64_t *next, char *err, size_t errlen)
{
	size_t n;
	uint64_t *segs = list_segments(st->dir, &n);
	bool cut = false;
	int rc = 0;

	*next = first;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (segs[i] < first || cut) {
			if (cut)
				set_aside(st->dir, segs[i]);
			continue;
		}
		char *path = seg_path(st->dir, segs[i]);
		struct wal_scan sc;
		rp->file = path;
		rp->count = 0;
		rc = wal_read(path, true, replay_rec, rp, &sc, err, errlen);
		if (rc == 0 && sc.cut_bytes > 0) {
			log_warn("store", "%s: cut %llu bytes at offset %llu: %s; kept the %llu "
				 "records before it (cut bytes saved in %s.cut-%llu)", path,
				 (unsigned long long)sc.cut_bytes, (unsigned long long)sc.good_bytes,
				 sc.why, (unsigned long long)sc.records, path,
				 (unsigned long long)sc.good_bytes);
			cut = true;
		}
		log_info("store", "%s: %llu records replayed", path, (unsigned long long)sc.records);
		*next = segs[i] + 1;
		free(path);
	}
	free(segs);
	return rc;
}

static int ws_open(struct store *st, store_replay_fn fn, void *arg, char *err, size_t errlen)
{
	struct replay rp = { .st = st, .fn = fn, .arg = arg };
	uint64_t first = 1, next;
	struct wal_store *ws = xcalloc(1, sizeof(*ws));

	st->impl = ws;
	if (make_dirs(st->dir) < 0) {
		snprintf(err, errlen, "state_dir %s: %s", st->dir, strerror(errno));
		return -1;
	}
	if (load_snapshot(st, &rp, &first, err, errlen) < 0 ||
	    replay_segments(st, &rp, first, &next, err, errlen) < 0)
		return -1;
	ws->wk = worker_new(st->base, "store");
	ws->seg = next;
	char *path = seg_path(st->dir, next);
	ws->log = wal_open(ws->wk, path, err, errlen);
	free(path);
	return ws->log != NULL ? 0 : -1;
}

static int ws_append(struct store *st, const void *data, size_t len, int type)
{
	return wal_append(impl(st)->log, (uint32_t)type, data, len);
}

static void ws_sync(struct store *st, store_done_fn cb, void *arg)
{
	if (!st->fsync) {
		cb(arg, 0);
		return;
	}
	wal_sync(impl(st)->log, cb, arg);
}

static void ws_close(struct store *st)
{
	struct wal_store *ws = impl(st);

	if (ws == NULL)
		return;
	if (ws->wk != NULL)
		worker_free(ws->wk); /* runs what is queued: fsyncs, a snapshot */
	if (ws->snap != NULL) {
		msgpack_sbuffer_destroy(&ws->snap->sn->buf);
		free(ws->snap->sn);
		free(ws->snap->dir);
		free(ws->snap);
	}
	wal_close(ws->log);
	free(ws);
	st->impl = NULL;
}

/* ---- snapshots ---------------------------------------------------------------------- */

static void snap_put(struct store_snap *sn, const void *data, size_t len, int type)
{
	uint8_t hdr[WAL_HDR];

	wal_header(hdr, (uint32_t)type, data, len);
	msgpack_sbuffer_write(&sn->buf, (const char *)hdr, WAL_HDR);
	msgpack_sbuffer_write(&sn->buf, data, len);
}

static struct store_snap *ws_snap_begin(struct store *st, uint64_t next_job)
{
	struct store_snap *sn = xcalloc(1, sizeof(*sn));
	struct store_rec r = { .type = REC_SNAP_BEGIN, .job = next_job, .t1_us = wall_us() };

	sn->st = st;
	sn->seg = impl(st)->seg + 1;
	r.seq = sn->seg;
	msgpack_sbuffer_init(&sn->buf);
	mpw_reset(&st->w);
	rec_encode(&st->w, &r);
	snap_put(sn, mpw_data(&st->w), mpw_len(&st->w), r.type);
	return sn;
}

static void ws_snap_add(struct store_snap *sn, const void *data, size_t len, int type)
{
	snap_put(sn, data, len, type);
	sn->count++;
}

/* Writes all of buf to path and fsyncs it. */
static int write_file(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t k = write(fd, buf + off, len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	int rc = off == len && fsync(fd) == 0 ? 0 : -1, e = errno;
	close(fd);
	errno = e;
	return rc;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = -1;

	if (fd >= 0) {
		rc = fsync(fd);
		close(fd);
	}
	return rc;
}

/* On the worker: tmp + fsync + rename + fsync(dir), then the old segments go. */
static void snap_work(void *arg)
{
	struct snap_job *j = arg;
	char *path = xasprintf("%s/snapshot", j->dir), *tmp = xasprintf("%s.tmp", path);
	size_t n;

	if (write_file(tmp, j->sn->buf.data, j->sn->buf.size) < 0 || rename(tmp, path) < 0 ||
	    fsync_dir(j->dir) < 0) {
		snprintf(j->err, sizeof(j->err), "%s: %s", tmp, strerror(errno));
	} else {
		uint64_t *segs = list_segments(j->dir, &n);
		for (size_t i = 0; i < n && segs[i] < j->sn->seg; i++) {
			char *p = seg_path(j->dir, segs[i]);
			unlink(p);
			free(p);
		}
		free(segs);
	}
	free(path);
	free(tmp);
}

static void snap_done(void *arg)
{
	struct snap_job *j = arg;
	struct store *st = j->st;

	if (j->err[0] != '\0')
		log_error("store", "snapshot failed: %s; the log is kept", j->err);
	else
		log_info("store", "snapshot: %llu records, %zu bytes in %.1f ms; log segments "
			 "before %llu removed", (unsigned long long)j->sn->count, j->sn->buf.size,
			 (double)(wall_us() - j->t0_us) / 1000.0, (unsigned long long)j->sn->seg);
	st->st.snapshots += j->err[0] == '\0';
	st->st.snap_busy = false;
	impl(st)->snap = NULL;
	msgpack_sbuffer_destroy(&j->sn->buf);
	free(j->sn);
	free(j->dir);
	free(j);
}

static int ws_snap_commit(struct store *st, struct store_snap *sn, char *err, size_t errlen)
{
	struct wal_store *ws = impl(st);
	struct store_rec end = { .type = REC_SNAP_END, .seq = sn->count };
	char *path = seg_path(st->dir, sn->seg);
	int rc = -1;

	if (ws->snap != NULL)
		snprintf(err, errlen, "a snapshot is already being written");
	else
		rc = wal_switch(ws->log, path, err, errlen);
	free(path);
	if (rc < 0) {
		msgpack_sbuffer_destroy(&sn->buf);
		free(sn);
		return -1;
	}
	ws->seg = sn->seg;
	mpw_reset(&st->w);
	rec_encode(&st->w, &end);
	snap_put(sn, mpw_data(&st->w), mpw_len(&st->w), end.type);
	struct snap_job *j = xcalloc(1, sizeof(*j));
	j->st = st;
	j->dir = xstrdup(st->dir);
	j->sn = sn;
	j->t0_us = wall_us();
	ws->snap = j;
	st->st.snap_busy = true;
	worker_submit(ws->wk, snap_work, snap_done, j);
	return 0;
}

const struct store_ops store_wal_ops = {
	.name = "wal",
	.open = ws_open,
	.append = ws_append,
	.sync = ws_sync,
	.snap_begin = ws_snap_begin,
	.snap_add = ws_snap_add,
	.snap_commit = ws_snap_commit,
	.close = ws_close,
};
