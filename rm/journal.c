/*
 * rmd's side of the state store: what it writes and when. Submissions and kills are
 * answered only once their record is durable (wal_fsync; group commit makes this cheap
 * under load), so an acknowledged job survives any crash. Launches, commits and ends are
 * written without waiting: losing the last of them in a machine crash costs a re-run,
 * never a wrong answer, because the agents report what they hold when they come back.
 * A periodic snapshot rewrites the live state so that the log stays short.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rm.h"
#include "store.h"
#include "timeutil.h"
#include "xmalloc.h"

/* A reply held until its record is durable. The peer is dropped if it closes first. */
struct pending_ack {
	struct rmd *rmd;
	struct peer *peer;
	uint64_t req_id;
	uint64_t job;
	bool kill;
	struct pending_ack *prev, *next;
};

static void append(struct rmd *rmd, const struct store_rec *r)
{
	if (rmd->store != NULL && !rmd->replaying)
		store_append(rmd->store, r);
}

static void ended_record(struct store_rec *r, const struct rm_attempt *a)
{
	*r = (struct store_rec){ .type = REC_ATTEMPT_ENDED, .attempt = a->id, .state = a->state,
				 .t2_us = a->end_us, .preempted = a->preempted,
				 .timed_out = a->timed_out };
	snprintf(r->reason, sizeof(r->reason), "%s", a->reason ? a->reason : "");
}

/* rmd decided to stop a by preemption or its time limit (the kill is being sent). */
static void stopping_record(struct store_rec *r, const struct rm_attempt *a)
{
	*r = (struct store_rec){ .type = REC_ATTEMPT_STOPPING, .attempt = a->id,
				 .preempted = a->preempted, .timed_out = a->timed_out };
	snprintf(r->reason, sizeof(r->reason), "%s", a->reason ? a->reason : "");
}

void journal_change(void *arg, enum journal_kind k, const void *obj)
{
	struct rmd *rmd = arg;
	struct store_rec r = { 0 };
	const struct rm_attempt *a = obj;

	switch (k) {
	case JOURNAL_JOB_ENDED: {
		const struct rm_job *j = obj;
		r = (struct store_rec){ .type = REC_JOB_ENDED, .job = j->id, .state = j->state,
					.t1_us = j->start_us, .t2_us = j->end_us };
		snprintf(r.reason, sizeof(r.reason), "%s", j->reason ? j->reason : "");
		break;
	}
	case JOURNAL_TASK_COMMITTED:
		r = (struct store_rec){ .type = REC_TASK_COMMITTED, .attempt = a->id };
		break;
	case JOURNAL_ATTEMPT_ENDED:
		ended_record(&r, a);
		break;
	case JOURNAL_ATTEMPT_STOPPING:
		stopping_record(&r, a);
		break;
	case JOURNAL_NODE_DECOMMISSIONED: {
		const struct rm_node *n = obj;
		r.type = REC_NODE_DECOMMISSIONED;
		snprintf(r.node, sizeof(r.node), "%s", n->name);
		snprintf(r.reason, sizeof(r.reason), "%s", n->reason ? n->reason : "");
		break;
	}
	}
	append(rmd, &r);
}

static void job_record(struct store_rec *r, const struct rm_job *j)
{
	*r = (struct store_rec){ .type = REC_JOB_ACCEPTED, .job = j->id, .t1_us = j->submit_us };
	r->spec = j->spec; /* borrowed: never freed through r */
}

void journal_job_accepted(struct rmd *rmd, const struct rm_job *j)
{
	struct store_rec r;

	job_record(&r, j);
	append(rmd, &r);
}

static void launched_record(struct store_rec *r, const struct rm_attempt *a)
{
	*r = (struct store_rec){ .type = REC_ATTEMPT_LAUNCHED, .attempt = a->id,
				 .t1_us = a->start_us };
	snprintf(r->node, sizeof(r->node), "%s", a->node->name);
}

void journal_launched(struct rmd *rmd, const struct rm_attempt *a)
{
	struct store_rec r;

	launched_record(&r, a);
	append(rmd, &r);
}

/* ---- acknowledgements after fsync --------------------------------------------------- */

static void ack_unlink(struct rmd *rmd, struct pending_ack *q)
{
	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		rmd->acks = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
}

static void ack_done(void *arg, int err)
{
	struct pending_ack *q = arg;
	struct rmd *rmd = q->rmd;
	struct loom_id jid = id_job(q->job);

	ack_unlink(rmd, q);
	if (q->peer == NULL) {
		/* the client left; the record stands */
	} else if (err != 0) {
		peer_send_error(q->peer, q->req_id, ERR_INTERNAL, "", "job-%llu: the state store "
				"failed (%s); the change may not survive a restart",
				(unsigned long long)q->job, strerror(err));
	} else {
		struct rm_job *j = cluster_job(&rmd->cl, q->job);
		struct mpw *w = reply_begin(rmd, q->req_id, q->kill ? 2 : 1);
		mpw_kid(w, "job", &jid);
		if (q->kill)
			mpw_kstr(w, "state", j != NULL ? job_state_names[j->state] : "KILLED");
		reply_send(rmd, q->peer);
	}
	free(q);
}

void journal_ack(struct rmd *rmd, struct peer *p, uint64_t req_id, uint64_t job, bool kill)
{
	struct pending_ack *q = xcalloc(1, sizeof(*q));

	*q = (struct pending_ack){ .rmd = rmd, .peer = p, .req_id = req_id, .job = job,
				   .kill = kill, .next = rmd->acks };
	if (q->next != NULL)
		q->next->prev = q;
	rmd->acks = q;
	if (rmd->store != NULL)
		store_sync(rmd->store, ack_done, q);
	else
		ack_done(q, 0);
}

void journal_peer_closed(struct rmd *rmd, struct peer *p)
{
	for (struct pending_ack *q = rmd->acks; q != NULL; q = q->next)
		if (q->peer == p)
			q->peer = NULL;
}

void journal_free(struct rmd *rmd)
{
	while (rmd->acks != NULL) {
		struct pending_ack *q = rmd->acks;
		rmd->acks = q->next;
		free(q);
	}
}

/* ---- snapshots ---------------------------------------------------------------------- */

/* What a snapshot says of one attempt: launched, stopping if rmd preempted it or timed it
 * out, then committed or ended. Live attempts (and those still unknown since a restart)
 * stay "launched", adoptable after a restart. */
static void snap_attempt(struct store *st, struct store_snap *sn, const struct rm_task *t,
			 const struct rm_attempt *a)
{
	struct store_rec r;

	launched_record(&r, a);
	store_snap_add(st, sn, &r);
	/* Why for every state: it carries the counts, whichever record follows. */
	if (a->preempted || a->timed_out) {
		stopping_record(&r, a);
		store_snap_add(st, sn, &r);
	}
	if (attempt_live(a) || a->recovered)
		return;
	if (a->state == ATT_SUCCEEDED && t->state == TASK_SUCCEEDED)
		r = (struct store_rec){ .type = REC_TASK_COMMITTED, .attempt = a->id };
	else
		ended_record(&r, a);
	store_snap_add(st, sn, &r);
}

/* One job as records: accepted, its attempts, its end. */
static void snap_job(struct rmd *rmd, struct store_snap *sn, const struct rm_job *j)
{
	struct store_rec r;

	job_record(&r, j);
	store_snap_add(rmd->store, sn, &r);
	for (int32_t i = 0; i < j->spec.ntasks; i++) {
		const struct rm_task *t = &j->tasks[i];
		for (int32_t k = 0; k < t->nattempts; k++)
			snap_attempt(rmd->store, sn, t, t->attempts[k]);
	}
	if (job_finished(j)) {
		r = (struct store_rec){ .type = REC_JOB_ENDED, .job = j->id, .state = j->state,
					.t1_us = j->start_us, .t2_us = j->end_us };
		snprintf(r.reason, sizeof(r.reason), "%s", j->reason ? j->reason : "");
		store_snap_add(rmd->store, sn, &r);
	}
}

/* Writes the live state as a snapshot; the log starts a new segment. */
int journal_snapshot(struct rmd *rmd, char *err, size_t errlen)
{
	struct cluster *cl = &rmd->cl;
	struct store_snap *sn;
	struct store_rec r = { .type = REC_SNAP_GONE, .job = cl->next_job };

	if (rmd->store == NULL || rmd->store->st.snap_busy) {
		snprintf(err, errlen, "no store, or a snapshot is being written");
		return -1;
	}
	sn = store_snap_begin(rmd->store, cl->next_job);
	for (uint64_t id = 1; id < cl->next_job; id++)
		if (cl->jobs[id] != NULL)
			snap_job(rmd, sn, cl->jobs[id]);
	for (size_t i = 0; i < cl->nnodes; i++) {
		const struct rm_node *n = cl->nodes[i];
		if (n->state != NODE_DECOMMISSIONED)
			continue;
		struct store_rec d = { .type = REC_NODE_DECOMMISSIONED };
		snprintf(d.node, sizeof(d.node), "%s", n->name);
		snprintf(d.reason, sizeof(d.reason), "%s", n->reason ? n->reason : "");
		store_snap_add(rmd->store, sn, &d);
	}
	/* Why a copy: slot 0 is never assigned (ids start at 1) and may hold anything. */
	r.gone = xcalloc(cl->next_job, 1);
	if (cl->gone != NULL)
		memcpy(r.gone, cl->gone, cl->next_job);
	r.gone[0] = 0;
	r.ngone = cl->next_job;
	store_snap_add(rmd->store, sn, &r);
	free(r.gone);
	return store_snap_commit(rmd->store, sn, err, errlen);
}

/* Cron: a snapshot once snapshot_interval passed with records written, or after
 * snapshot_records records, whichever comes first. */
void journal_tick(struct rmd *rmd)
{
	char err[256];
	const struct store_stats *s;

	if (rmd->store == NULL || rmd->replaying)
		return;
	s = &rmd->store->st;
	bool due = s->since_snapshot > 0 &&
		   mono_ms() - rmd->snap_last_ms >= rmd->conf.snapshot_interval_ms;
	if (rmd->conf.snapshot_records > 0 &&
	    s->since_snapshot >= (uint64_t)rmd->conf.snapshot_records)
		due = true;
	if (!due || s->snap_busy)
		return;
	rmd->snap_last_ms = mono_ms();
	if (journal_snapshot(rmd, err, sizeof(err)) < 0)
		log_error("store", "snapshot not taken: %s", err);
}
