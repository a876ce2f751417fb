/*
 * An append-only record log (write-ahead log). Each record is a 16-byte header — magic,
 * type, payload length and a CRC-32 (zlib) over type, length and payload, all
 * little-endian — followed by the payload (msgpack, but the log does not care).
 *
 * Reading validates every record. The first record that is torn (the file ends inside
 * it) or corrupt (bad magic, absurd length, CRC mismatch) ends the log: it and everything
 * after it are reported (offset, bytes, why), saved beside the log as <path>.cut-<offset>
 * and cut off with ftruncate; everything before it is kept. Nothing past a bad record is
 * ever read.
 *
 * Writing: wal_append writes at once (write(2), on the caller's thread; cheap), and
 * wal_sync asks for durability: fsync runs on a worker thread, never on the loop, with
 * group commit — every sync request that arrives while an fsync is in flight is answered
 * together after the next one.
 */
#ifndef LOOM_WAL_H
#define LOOM_WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WAL_MAGIC 0x314c4157u          /* "WAL1" as little-endian bytes */
#define WAL_HDR 16                     /* bytes of header before each payload */
#define WAL_MAX_RECORD (64u << 20)     /* a larger length is corruption */

struct worker;
struct wal;

/* Fills hdr with the header of a record (type, payload data[0..len)). */
void wal_header(uint8_t hdr[WAL_HDR], uint32_t type, const void *data, size_t len);

/* What reading a log found. */
struct wal_scan {
	uint64_t records;    /* valid records delivered */
	uint64_t good_bytes; /* where the valid prefix ends */
	uint64_t cut_bytes;  /* bytes after it that were cut (or would be); 0 = clean */
	char why[200];       /* why the tail was cut: "torn record ...", "CRC mismatch ..." */
};

/*
 * Called for each valid record in order. Returns 0, or -1 with err filled to stop the
 * read as a failure (the record is valid but its content is not acceptable).
 */
typedef int (*wal_record_fn)(void *arg, uint32_t type, const char *data, size_t len,
			     char *err, size_t errlen);

/*
 * Reads every valid record of path (a missing file is an empty log). With repair, a bad
 * tail is saved to <path>.cut-<offset>, cut off and the file fsynced. Returns 0 (see
 * sc->cut_bytes for a cut), or -1 with err filled (I/O error, or fn refused a record).
 */
int wal_read(const char *path, bool repair, wal_record_fn fn, void *arg, struct wal_scan *sc,
	     char *err, size_t errlen);

/* Opens path for appending (created if missing). fsyncs run on wk. NULL + err on error. */
struct wal *wal_open(struct worker *wk, const char *path, char *err, size_t errlen);
/* Appends one record. Returns 0, or -1 (errno kept; the log stays as it was and the
 * error is sticky: later syncs report it). */
int wal_append(struct wal *w, uint32_t type, const void *data, size_t len);

typedef void (*wal_sync_fn)(void *arg, int err); /* err: 0 or an errno */
/* Calls cb on the loop once everything appended so far is on disk (or failed to be). */
void wal_sync(struct wal *w, wal_sync_fn cb, void *arg);
/* Continues in a new file: the old one is fsynced and closed on the worker (in order
 * with pending syncs). Returns -1 with err filled if path cannot be created. */
int wal_switch(struct wal *w, const char *path, char *err, size_t errlen);

struct wal_stats {
	uint64_t appends;
	uint64_t bytes;   /* logical bytes appended since open, all files */
	uint64_t fsyncs;  /* fsyncs done */
	uint64_t synced;  /* sync requests answered */
};
void wal_get_stats(const struct wal *w, struct wal_stats *st);
/* Sync requests not answered yet. */
int wal_waiting(const struct wal *w);

/*
 * Closes the log: fsyncs and closes the file on this thread. Call after the worker has
 * been freed (worker_free runs queued fsyncs); unanswered sync requests are dropped
 * without their callbacks.
 */
void wal_close(struct wal *w);

#endif
