/*
 * rmd's state store: the records that make its state durable, and the interface of the
 * store that keeps them. The store is an ops struct so that another backend (a replicated
 * log, a database) could replace the write-ahead log in store-wal.c.
 *
 * What is written (record types are stable numbers on disk; never renumber):
 *   JOB_ACCEPTED       id, submit time, full spec     fsynced before the REPLY
 *   JOB_ENDED          id, state, reason, times        (kill: fsynced before the REPLY)
 *   TASK_COMMITTED     the attempt whose output is the task's
 *   ATTEMPT_LAUNCHED   attempt id, node                written before the launch is sent,
 *                                                      not waited for: keeps attempt
 *                                                      numbers monotonic across restarts
 *   ATTEMPT_ENDED      attempt id, state, reason       (history; FAILED counts), and
 *                      [preempted] [timed_out]         present only when true (older
 *                                                      logs have neither)
 *   ATTEMPT_STOPPING   attempt id, preempted and/or    written when such a kill is sent:
 *                      timed_out, reason               an end reported after a restart
 *                                                      still counts as preemption or
 *                                                      time-out
 *   NODE_DECOMMISSIONED node name, reason
 * A snapshot is the same records rewritten from the live state, framed by SNAP_BEGIN
 * (format version, next job id, the log segment that follows) and SNAP_END (count).
 */
#ifndef LOOM_RM_STORE_H
#define LOOM_RM_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "id.h"
#include "mpr.h"
#include "mpw.h"
#include "proto.h"

struct event_base;

enum store_rec_type {
	REC_JOB_ACCEPTED = 1,
	REC_JOB_ENDED = 2,
	REC_TASK_COMMITTED = 3,
	REC_ATTEMPT_LAUNCHED = 4,
	REC_ATTEMPT_ENDED = 5,
	REC_NODE_DECOMMISSIONED = 6,
	REC_ATTEMPT_STOPPING = 7,
	REC_SNAP_BEGIN = 100,
	REC_SNAP_GONE = 101,  /* final states of finished jobs dropped from memory */
	REC_SNAP_END = 102,
};
const char *store_rec_name(int type);

#define STORE_FORMAT 1

/* One record, decoded. Which fields mean something depends on type (see above). */
struct store_rec {
	int type;
	uint64_t job;              /* JOB_*; SNAP_BEGIN, SNAP_GONE: the next job id */
	struct loom_id attempt;    /* TASK_COMMITTED, ATTEMPT_* */
	int state;                 /* JOB_ENDED: enum job_state; ATTEMPT_ENDED: attempt_state */
	bool preempted, timed_out; /* ATTEMPT_ENDED, ATTEMPT_STOPPING: why rmd killed it */
	int64_t t1_us, t2_us;      /* JOB_ACCEPTED: submit; JOB_ENDED: start, end;
				    * ATTEMPT_*: start, end; SNAP_BEGIN: when written */
	uint64_t seq;              /* SNAP_BEGIN: log segment after it; SNAP_END: records */
	char node[PROTO_NAME_MAX]; /* ATTEMPT_LAUNCHED, NODE_DECOMMISSIONED */
	char reason[PROTO_REASON_MAX];
	struct job_spec spec;      /* JOB_ACCEPTED (owned: rec_free) */
	uint8_t *gone;             /* SNAP_GONE: gone[id] = final state + 1, 0 = not dropped */
	uint64_t ngone;            /* ... for ids below ngone (owned) */
};

/* record.c: payload encoding (msgpack map) and strict decoding. */
void rec_encode(struct mpw *w, const struct store_rec *r);
/* Validates every field; returns -1 with e filled. r is zeroed first. */
int rec_decode(uint32_t type, const char *data, size_t len, struct store_rec *r,
	       struct mpr_err *e);
void rec_free(struct store_rec *r);

/* ---- the store --------------------------------------------------------------------- */

struct store;
struct store_snap;
/* Applies one replayed record; -1 with err filled refuses it (rmd does not start). */
typedef int (*store_replay_fn)(void *arg, const struct store_rec *r, char *err, size_t errlen);
typedef void (*store_done_fn)(void *arg, int err); /* err: 0 or an errno */

struct store_ops {
	const char *name;
	/* Loads the saved state (snapshot, then log) through fn, repairing a bad log tail,
	 * and opens the log for appending. */
	int (*open)(struct store *st, store_replay_fn fn, void *arg, char *err, size_t errlen);
	int (*append)(struct store *st, const void *data, size_t len, int type);
	/* cb once everything appended so far is durable (at once when fsync is off). */
	void (*sync)(struct store *st, store_done_fn cb, void *arg);
	/* A snapshot of a state whose next job id is next_job. */
	struct store_snap *(*snap_begin)(struct store *st, uint64_t next_job);
	void (*snap_add)(struct store_snap *sn, const void *data, size_t len, int type);
	/* Switches the log and writes the snapshot off the loop; the old log goes once
	 * the snapshot is durable. */
	int (*snap_commit)(struct store *st, struct store_snap *sn, char *err, size_t errlen);
	void (*close)(struct store *st);
};

struct store_stats {
	uint64_t appends, fsyncs, snapshots;
	uint64_t since_snapshot;   /* records appended since the last snapshot */
	bool snap_busy;            /* a snapshot is being written */
};

struct store {
	const struct store_ops *ops;
	struct event_base *base;
	char *dir;
	bool fsync;
	struct mpw w;               /* reused encoding buffer */
	struct store_stats st;
	void *impl;
};

extern const struct store_ops store_wal_ops;

/* A store of the given backend in dir; nothing is read before store_open. */
struct store *store_new(const struct store_ops *ops, struct event_base *base, const char *dir,
			bool fsync);
int store_open(struct store *st, store_replay_fn fn, void *arg, char *err, size_t errlen);
/* Encodes and appends r; -1 when the store failed (logged). */
int store_append(struct store *st, const struct store_rec *r);
void store_sync(struct store *st, store_done_fn cb, void *arg);
struct store_snap *store_snap_begin(struct store *st, uint64_t next_job);
void store_snap_add(struct store *st, struct store_snap *sn, const struct store_rec *r);
int store_snap_commit(struct store *st, struct store_snap *sn, char *err, size_t errlen);
void store_free(struct store *st);

#endif
