/*
 * The state store's records as msgpack maps: one encoder, one strict decoder. Decoding
 * checks every field as the protocol decoders do (a record that passed its CRC but
 * holds nonsense must not reach the cluster). The job spec inside JOB_ACCEPTED is the
 * job_submit map itself, so the spec has one codec only.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "store.h"
#include "xmalloc.h"

const char *store_rec_name(int type)
{
	switch (type) {
	case REC_JOB_ACCEPTED: return "job_accepted";
	case REC_JOB_ENDED: return "job_ended";
	case REC_TASK_COMMITTED: return "task_committed";
	case REC_ATTEMPT_LAUNCHED: return "attempt_launched";
	case REC_ATTEMPT_ENDED: return "attempt_ended";
	case REC_NODE_DECOMMISSIONED: return "node_decommissioned";
	case REC_ATTEMPT_STOPPING: return "attempt_stopping";
	case REC_SNAP_BEGIN: return "snap_begin";
	case REC_SNAP_GONE: return "snap_gone";
	case REC_SNAP_END: return "snap_end";
	default: return "unknown";
	}
}

/* The kill flags, each written only when true: an ordinary end keeps the record an
 * older rmd wrote, and a record without them reads as "neither". */
static void enc_flags(struct mpw *w, const struct store_rec *r)
{
	if (r->preempted)
		mpw_kbool(w, "preempted", true);
	if (r->timed_out)
		mpw_kbool(w, "timed_out", true);
}

static uint32_t nflags(const struct store_rec *r)
{
	return (r->preempted ? 1u : 0u) + (r->timed_out ? 1u : 0u);
}

void rec_encode(struct mpw *w, const struct store_rec *r)
{
	switch (r->type) {
	case REC_JOB_ACCEPTED:
		mpw_map(w, 3);
		mpw_kuint(w, "job", r->job);
		mpw_kint(w, "submit_us", r->t1_us);
		mpw_key(w, "spec");
		msg_encode_job_submit(w, 0, &r->spec);
		break;
	case REC_JOB_ENDED:
		mpw_map(w, 5);
		mpw_kuint(w, "job", r->job);
		mpw_kint(w, "state", r->state);
		mpw_kstr(w, "reason", r->reason);
		mpw_kint(w, "start_us", r->t1_us);
		mpw_kint(w, "end_us", r->t2_us);
		break;
	case REC_TASK_COMMITTED:
		mpw_map(w, 1);
		mpw_kid(w, "attempt", &r->attempt);
		break;
	case REC_ATTEMPT_LAUNCHED:
		mpw_map(w, 3);
		mpw_kid(w, "attempt", &r->attempt);
		mpw_kstr(w, "node", r->node);
		mpw_kint(w, "start_us", r->t1_us);
		break;
	case REC_ATTEMPT_ENDED:
		mpw_map(w, 4 + nflags(r));
		mpw_kid(w, "attempt", &r->attempt);
		mpw_kint(w, "state", r->state);
		mpw_kstr(w, "reason", r->reason);
		mpw_kint(w, "end_us", r->t2_us);
		enc_flags(w, r);
		break;
	case REC_ATTEMPT_STOPPING:
		mpw_map(w, 2 + nflags(r));
		mpw_kid(w, "attempt", &r->attempt);
		mpw_kstr(w, "reason", r->reason);
		enc_flags(w, r);
		break;
	case REC_NODE_DECOMMISSIONED:
		mpw_map(w, 2);
		mpw_kstr(w, "node", r->node);
		mpw_kstr(w, "reason", r->reason);
		break;
	case REC_SNAP_BEGIN:
		mpw_map(w, 4);
		mpw_kint(w, "format", STORE_FORMAT);
		mpw_kuint(w, "next_job", r->job);
		mpw_kuint(w, "segment", r->seq);
		mpw_kint(w, "time_us", r->t1_us);
		break;
	case REC_SNAP_GONE:
		mpw_map(w, 2);
		mpw_kuint(w, "next_job", r->job);
		mpw_key(w, "gone");
		mpw_bin(w, r->gone, (size_t)r->ngone);
		break;
	default: /* REC_SNAP_END */
		mpw_map(w, 1);
		mpw_kuint(w, "count", r->seq);
		break;
	}
}

#define MAX_TIME (INT64_MAX / 2)

static int dec_job(const msgpack_object *o, struct store_rec *r, struct mpr_err *e)
{
	const msgpack_object *spec;

	if (mpr_uint(o, "job", true, UINT32_MAX, &r->job, e) < 0 ||
	    mpr_int(o, "submit_us", true, 0, MAX_TIME, &r->t1_us, e) < 0 ||
	    mpr_map(o, "spec", true, &spec, e) < 0)
		return -1;
	if (r->job == 0)
		return mpr_fail(e, "job", "must be >= 1");
	if (msg_decode_job_submit(spec, &r->spec, e) < 0) {
		mpr_err_prefix(e, "spec");
		return -1;
	}
	if (r->spec.max_attempts < 1) {
		job_spec_free(&r->spec);
		return mpr_fail(e, "spec.max_attempts", "must be >= 1 in a stored spec");
	}
	return 0;
}

static int dec_job_ended(const msgpack_object *o, struct store_rec *r, struct mpr_err *e)
{
	int64_t st = -1;

	if (mpr_uint(o, "job", true, UINT32_MAX, &r->job, e) < 0 ||
	    mpr_int(o, "state", true, JOB_SUCCEEDED, JOB_KILLED, &st, e) < 0 ||
	    mpr_str(o, "reason", true, r->reason, sizeof(r->reason), e) < 0 ||
	    mpr_int(o, "start_us", true, 0, MAX_TIME, &r->t1_us, e) < 0 ||
	    mpr_int(o, "end_us", true, 0, MAX_TIME, &r->t2_us, e) < 0)
		return -1;
	r->state = (int)st;
	return 0;
}

static int dec_attempt(const msgpack_object *o, struct store_rec *r, struct mpr_err *e)
{
	int64_t st = -1;

	if (mpr_id(o, "attempt", true, "attempt", &r->attempt, e) < 0)
		return -1;
	if (r->type == REC_ATTEMPT_LAUNCHED) {
		if (mpr_str(o, "node", true, r->node, sizeof(r->node), e) < 0 ||
		    mpr_int(o, "start_us", true, 0, MAX_TIME, &r->t1_us, e) < 0)
			return -1;
		if (r->node[0] == '\0')
			return mpr_fail(e, "node", "must not be empty");
	}
	if (r->type == REC_ATTEMPT_ENDED) {
		if (mpr_int(o, "state", true, ATT_SUCCEEDED, ATT_LOST, &st, e) < 0 ||
		    mpr_str(o, "reason", true, r->reason, sizeof(r->reason), e) < 0 ||
		    mpr_int(o, "end_us", true, 0, MAX_TIME, &r->t2_us, e) < 0)
			return -1;
		r->state = (int)st;
	}
	if (r->type == REC_ATTEMPT_ENDED || r->type == REC_ATTEMPT_STOPPING) {
		if (mpr_bool(o, "preempted", false, &r->preempted, e) < 0 ||
		    mpr_bool(o, "timed_out", false, &r->timed_out, e) < 0)
			return -1;
	}
	if (r->type == REC_ATTEMPT_STOPPING) {
		if (mpr_str(o, "reason", true, r->reason, sizeof(r->reason), e) < 0)
			return -1;
		if (!r->preempted && !r->timed_out)
			return mpr_fail(e, "preempted", "a stopping record needs preempted or "
				       "timed_out");
	}
	return 0;
}

static int dec_snap(const msgpack_object *o, struct store_rec *r, struct mpr_err *e)
{
	int64_t fmt = 0;
	const char *bin;
	size_t n;

	if (r->type == REC_SNAP_END)
		return mpr_uint(o, "count", true, UINT64_MAX, &r->seq, e);
	if (mpr_uint(o, "next_job", true, UINT32_MAX, &r->job, e) < 0)
		return -1;
	if (r->job == 0)
		return mpr_fail(e, "next_job", "must be >= 1");
	if (r->type == REC_SNAP_BEGIN)
		return mpr_int(o, "format", true, STORE_FORMAT, STORE_FORMAT, &fmt, e) < 0 ||
		       mpr_uint(o, "segment", true, UINT32_MAX, &r->seq, e) < 0 ||
		       mpr_int(o, "time_us", true, 0, MAX_TIME, &r->t1_us, e) < 0 ? -1 : 0;
	if (mpr_bin(o, "gone", true, (size_t)r->job, &bin, &n, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (bin[i] != 0 && (bin[i] < 1 + JOB_SUCCEEDED || bin[i] > 1 + JOB_KILLED))
			return mpr_fail(e, "gone", "job-%zu: bad final state %d", i, bin[i]);
	r->gone = xmalloc(n + 1);
	memcpy(r->gone, bin, n);
	r->ngone = n;
	return 0;
}

int rec_decode(uint32_t type, const char *data, size_t len, struct store_rec *r,
	       struct mpr_err *e)
{
	msgpack_unpacked u;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	memset(e, 0, sizeof(*e));
	r->type = (int)type;
	msgpack_unpacked_init(&u);
	if (mpr_unpack(&u, data, len, e) < 0)
		goto out;
	if (u.data.type != MSGPACK_OBJECT_MAP) {
		mpr_fail(e, "", "not a map");
		goto out;
	}
	switch (type) {
	case REC_JOB_ACCEPTED: rc = dec_job(&u.data, r, e); break;
	case REC_JOB_ENDED: rc = dec_job_ended(&u.data, r, e); break;
	case REC_TASK_COMMITTED:
	case REC_ATTEMPT_LAUNCHED:
	case REC_ATTEMPT_ENDED:
	case REC_ATTEMPT_STOPPING: rc = dec_attempt(&u.data, r, e); break;
	case REC_NODE_DECOMMISSIONED:
		rc = mpr_str(&u.data, "node", true, r->node, sizeof(r->node), e) < 0 ||
		     mpr_str(&u.data, "reason", true, r->reason, sizeof(r->reason), e) < 0 ? -1 : 0;
		break;
	case REC_SNAP_BEGIN:
	case REC_SNAP_GONE:
	case REC_SNAP_END: rc = dec_snap(&u.data, r, e); break;
	default: mpr_fail(e, "", "unknown record type %u", type); break;
	}
out:
	msgpack_unpacked_destroy(&u);
	if (rc < 0)
		rec_free(r);
	return rc;
}

void rec_free(struct store_rec *r)
{
	job_spec_free(&r->spec);
	free(r->gone);
	r->gone = NULL;
	r->ngone = 0;
}
