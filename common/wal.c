/*
 * Appending to a record log with group commit (see wal.h).
 *
 * Positions are logical: lsn counts every byte appended since open, across files. A sync
 * request waits for the lsn at which it was made. At most one plain fsync is in flight;
 * when it ends, every request it covers is answered, and if requests arrived meanwhile
 * one more fsync covers them all. Jobs run in order on one worker thread, so a file
 * switch (fsync + close of the old file) also finishes before any later fsync, and the
 * synced lsn only grows.
 */
#include "wal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"
#include "xmalloc.h"

struct waiter {
	uint64_t lsn;
	wal_sync_fn cb;
	void *arg;
	struct waiter *next;
};

/* One fsync on the worker; with close_fd, also the end of a file left by wal_switch. */
struct sync_job {
	struct wal *w;
	int fd;
	bool close_fd;
	uint64_t target;
	int err;
	struct sync_job *next; /* the wal's jobs in flight, to free them at close */
};

struct wal {
	struct worker *wk;
	char *path;
	int fd;
	uint64_t lsn, synced;
	int plain_inflight;    /* plain fsyncs in flight (0 or 1) */
	int err;               /* sticky: a failed write or fsync */
	struct waiter *head, *tail;
	int nwaiting;
	struct sync_job *jobs;
	struct wal_stats st;
};

static int open_append(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return fd;
}

struct wal *wal_open(struct worker *wk, const char *path, char *err, size_t errlen)
{
	int fd = open_append(path, err, errlen);

	if (fd < 0)
		return NULL;
	struct wal *w = xcalloc(1, sizeof(*w));
	w->wk = wk;
	w->path = xstrdup(path);
	w->fd = fd;
	return w;
}

/* Writes all of iov or fails; on failure the file is cut back to where it was. */
static int write_all(int fd, struct iovec *iov, int n, size_t total)
{
	off_t start = lseek(fd, 0, SEEK_END);
	size_t done = 0;

	while (done < total) {
		ssize_t k = writev(fd, iov, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			int e = k < 0 ? errno : EIO;
			if (start >= 0 && ftruncate(fd, start) < 0)
				log_error("wal", "cannot cut a failed append: %s", strerror(errno));
			errno = e;
			return -1;
		}
		done += (size_t)k;
		for (size_t skip = (size_t)k; skip > 0 && n > 0;) { /* advance past k bytes */
			size_t s = skip < iov->iov_len ? skip : iov->iov_len;
			iov->iov_base = (char *)iov->iov_base + s;
			iov->iov_len -= s;
			skip -= s;
			if (iov->iov_len == 0) {
				iov++;
				n--;
			}
		}
	}
	return 0;
}

int wal_append(struct wal *w, uint32_t type, const void *data, size_t len)
{
	uint8_t hdr[WAL_HDR];
	struct iovec iov[2] = { { hdr, WAL_HDR }, { (void *)data, len } };

	if (w->err != 0) {
		errno = w->err;
		return -1;
	}
	if (len > WAL_MAX_RECORD) {
		errno = EMSGSIZE;
		return -1;
	}
	wal_header(hdr, type, data, len);
	if (write_all(w->fd, iov, len > 0 ? 2 : 1, WAL_HDR + len) < 0) {
		w->err = errno;
		log_error("wal", "%s: append failed: %s", w->path, strerror(errno));
		return -1;
	}
	w->lsn += WAL_HDR + len;
	w->st.appends++;
	w->st.bytes = w->lsn;
	return 0;
}

static void job_work(void *arg)
{
	struct sync_job *j = arg;

	if (fdatasync(j->fd) < 0)
		j->err = errno;
	if (j->close_fd)
		close(j->fd);
}

static void start_fsync(struct wal *w);

/* Answers every waiter covered by synced (or all of them, with the error). */
static void answer_waiters(struct wal *w)
{
	while (w->head != NULL && (w->err != 0 || w->head->lsn <= w->synced)) {
		struct waiter *q = w->head;
		w->head = q->next;
		if (w->head == NULL)
			w->tail = NULL;
		w->nwaiting--;
		w->st.synced++;
		q->cb(q->arg, w->err);
		free(q);
	}
}

static void job_done(void *arg)
{
	struct sync_job *j = arg, **pp;
	struct wal *w = j->w;

	for (pp = &w->jobs; *pp != j; pp = &(*pp)->next)
		;
	*pp = j->next;
	w->st.fsyncs++;
	if (j->err != 0 && w->err == 0) {
		w->err = j->err;
		log_error("wal", "%s: fsync failed: %s", w->path, strerror(j->err));
	}
	if (j->target > w->synced)
		w->synced = j->target;
	if (!j->close_fd)
		w->plain_inflight--;
	free(j);
	answer_waiters(w);
	if (w->head != NULL && w->plain_inflight == 0)
		start_fsync(w);
}

static void submit(struct wal *w, int fd, bool close_fd)
{
	struct sync_job *j = xcalloc(1, sizeof(*j));

	j->w = w;
	j->fd = fd;
	j->close_fd = close_fd;
	j->target = w->lsn;
	j->next = w->jobs;
	w->jobs = j;
	worker_submit(w->wk, job_work, job_done, j);
}

static void start_fsync(struct wal *w)
{
	w->plain_inflight++;
	submit(w, w->fd, false);
}

void wal_sync(struct wal *w, wal_sync_fn cb, void *arg)
{
	struct waiter *q = xcalloc(1, sizeof(*q));

	q->lsn = w->lsn;
	q->cb = cb;
	q->arg = arg;
	if (w->tail != NULL)
		w->tail->next = q;
	else
		w->head = q;
	w->tail = q;
	w->nwaiting++;
	if (w->err != 0 || q->lsn <= w->synced) {
		answer_waiters(w);
		return;
	}
	if (w->plain_inflight == 0)
		start_fsync(w);
}

int wal_switch(struct wal *w, const char *path, char *err, size_t errlen)
{
	int fd = open_append(path, err, errlen);

	if (fd < 0)
		return -1;
	submit(w, w->fd, true); /* the old file: fsync, close */
	w->fd = fd;
	free(w->path);
	w->path = xstrdup(path);
	return 0;
}

void wal_get_stats(const struct wal *w, struct wal_stats *st)
{
	*st = w->st;
}

int wal_waiting(const struct wal *w)
{
	return w->nwaiting;
}

void wal_close(struct wal *w)
{
	if (w == NULL)
		return;
	if (fdatasync(w->fd) < 0)
		log_error("wal", "%s: fsync at close failed: %s", w->path, strerror(errno));
	close(w->fd);
	while (w->jobs != NULL) { /* ran on the worker; their done callbacks never came */
		struct sync_job *j = w->jobs;
		w->jobs = j->next;
		free(j);
	}
	while (w->head != NULL) {
		struct waiter *q = w->head;
		w->head = q->next;
		free(q);
	}
	free(w->path);
	free(w);
}
