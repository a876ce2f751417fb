/*
 * Recovery after a restart: the saved records rebuild jobs, tasks and attempt numbers;
 * then, for recovery_wait (or until every known node is back), placement waits while
 * agents re-register and report what they still hold. An attempt whose job is known and
 * whose task is not committed is adopted (a live record on that node, its resources
 * reserved; a finished one is then handled as any report, so it commits); everything
 * else is killed by msg-node.c. Afterwards every task still pending is placed.
 *
 * An attempt rmd was stopping by preemption or at its time limit (ATTEMPT_STOPPING) keeps
 * those flags: adopted, it is killed again and its end counts as the live rmd's would
 * (requeued, or its task failed); not found again, a timed out one still fails its task
 * (recover-settle.c).
 *
 * Attempts read from the log whose fate is unknown are kept as LOST placeholders marked
 * `recovered`: they hold the attempt's number and node for the views, and adoption
 * replaces them with a live record. Placeholders are built, not transitioned, so their
 * states are set here directly; tasks and jobs go through their setters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rm.h"
#include "store.h"
#include "timeutil.h"
#include "xmalloc.h"

#define WHY_UNKNOWN "rmd restarted; waiting for its node to report it"

/* The node named in a record; a new one waits as LOST until its agent registers. */
static struct rm_node *known_node(struct cluster *cl, const char *name)
{
	struct rm_node *n = cluster_find_node(cl, name);

	if (n == NULL) {
		n = cluster_add_node(cl, name);
		node_set_state(n, NODE_LOST, "not registered since rmd restarted");
	}
	return n;
}

static struct rm_attempt *placeholder(struct rm_job *j, struct rm_task *t, int32_t num,
				      struct rm_node *n)
{
	struct rm_attempt *a = xcalloc(1, sizeof(*a));

	a->id = id_attempt(j->id, t->index, num);
	a->job = j;
	a->task = t;
	a->node = n;
	a->state = ATT_LOST;
	a->progress = -1;
	a->reason = xstrdup(WHY_UNKNOWN);
	a->recovered = true;
	return a;
}

/* Sets slot num (1-based) of t to a (freeing what was there), growing the array; slots
 * skipped get placeholders on n. */
static void put_attempt(struct rm_job *j, struct rm_task *t, int32_t num, struct rm_node *n,
			struct rm_attempt *a)
{
	if (num > t->capattempts) {
		while (t->capattempts < num)
			t->capattempts = t->capattempts ? t->capattempts * 2 : 1;
		t->attempts = xrealloc(t->attempts, (size_t)t->capattempts * sizeof(*t->attempts));
	}
	while (t->nattempts < num - 1) {
		t->attempts[t->nattempts] = placeholder(j, t, t->nattempts + 1, n);
		t->nattempts++;
	}
	if (num <= t->nattempts)
		attempt_free(t->attempts[num - 1]);
	else
		t->nattempts = num;
	t->attempts[num - 1] = a;
}

/* The job and task a record names, or NULL (logged: a record about nothing known). */
static struct rm_task *rec_task(struct cluster *cl, const struct store_rec *r,
				struct rm_job **jp)
{
	struct rm_job *j = cluster_job(cl, r->attempt.job);
	char id[ID_BUFSZ];

	if (j == NULL || r->attempt.task < 0 || r->attempt.task >= j->spec.ntasks) {
		log_warn("recover", "%s record names %s, which is not known; ignored",
			 store_rec_name(r->type), id_format(&r->attempt, id, sizeof(id)));
		return NULL;
	}
	*jp = j;
	return &j->tasks[r->attempt.task];
}

static void restore_launch(struct rmd *rmd, const struct store_rec *r)
{
	struct rm_job *j;
	struct rm_task *t = rec_task(&rmd->cl, r, &j);

	if (t == NULL || r->attempt.attempt <= t->nattempts)
		return; /* a repeat (an adopted attempt is written again) */
	struct rm_node *n = known_node(&rmd->cl, r->node);
	struct rm_attempt *a = placeholder(j, t, r->attempt.attempt, n);
	a->start_us = r->t1_us;
	put_attempt(j, t, r->attempt.attempt, n, a);
}

/* Marks attempt a preempted or timed out as a live rmd did when it sent the kill, counting once
 * (the attempt may have both a stopping record and an end that says so). */
static void restore_flags(struct cluster *cl, struct rm_attempt *a, const struct store_rec *r)
{
	if (r->preempted && !a->preempted) {
		a->preempted = true;
		a->job->npreempted++;
		if (a->job->queue != NULL)
			a->job->queue->preempted++;
		cl->preempted_total++;
	}
	if (r->timed_out && !a->timed_out) {
		a->timed_out = true;
		a->job->ntimed_out++;
		cl->timed_out_total++;
	}
}

/* rmd was stopping the attempt when it went down: adoption resends the kill (recover_adopt)
 * and its end counts as the preemption or time-out it was. */
static void restore_stopping(struct rmd *rmd, const struct store_rec *r)
{
	struct rm_job *j;
	struct rm_task *t = rec_task(&rmd->cl, r, &j);
	struct rm_attempt *a = t != NULL ? cluster_attempt(&rmd->cl, &r->attempt) : NULL;

	if (a == NULL)
		return;
	restore_flags(&rmd->cl, a, r);
	if (a->recovered) {
		free(a->reason);
		a->reason = xstrdup(r->reason);
	}
}

static void restore_end(struct rmd *rmd, const struct store_rec *r)
{
	struct rm_job *j;
	struct rm_task *t = rec_task(&rmd->cl, r, &j);
	struct rm_attempt *a = t != NULL ? cluster_attempt(&rmd->cl, &r->attempt) : NULL;

	if (a != NULL)
		restore_flags(&rmd->cl, a, r);
	if (a == NULL || !a->recovered)
		return;
	a->state = (enum attempt_state)r->state;
	a->recovered = false;
	a->end_us = r->t2_us;
	free(a->reason);
	a->reason = xstrdup(r->reason);
	if (attempt_counts_as_failure(a))
		t->nfailed++;
}

/* A task committed before the restart: through its setters to SUCCEEDED. */
static void restore_commit(struct rmd *rmd, const struct store_rec *r)
{
	struct rm_job *j;
	struct rm_task *t = rec_task(&rmd->cl, r, &j);
	struct rm_attempt *a = t != NULL ? cluster_attempt(&rmd->cl, &r->attempt) : NULL;
	const char *why = "committed before rmd restarted";

	if (t == NULL || task_finished(t))
		return;
	if (a != NULL) {
		a->state = ATT_SUCCEEDED;
		a->recovered = false;
		free(a->reason);
		a->reason = xstrdup("output committed");
	}
	if (j->state == JOB_PENDING)
		job_set_state(&rmd->cl, j, JOB_RUNNING, "recovered with committed tasks");
	if (t->state == TASK_PENDING)
		task_set_state(j, t, TASK_RUNNING, why);
	task_set_state(j, t, TASK_COMMITTING, why);
	task_set_state(j, t, TASK_SUCCEEDED, why);
	job_task_succeeded(&rmd->cl, j);
}

static void restore_job_end(struct rmd *rmd, const struct store_rec *r)
{
	struct rm_job *j = cluster_job(&rmd->cl, r->job);

	if (j == NULL)
		return;
	if (!job_finished(j)) {
		if (r->state != JOB_SUCCEEDED) {
			job_end(&rmd->cl, j, (enum job_state)r->state, r->reason);
		} else {
			if (j->state == JOB_PENDING)
				job_set_state(&rmd->cl, j, JOB_RUNNING, "recovered");
			job_set_state(&rmd->cl, j, JOB_SUCCEEDED, r->reason);
		}
	}
	j->start_us = r->t1_us;
	j->end_us = r->t2_us;
	job_set_reason(j, r->reason);
}

static int restore_job(struct rmd *rmd, const struct store_rec *r, char *err, size_t errlen)
{
	struct cluster *cl = &rmd->cl;

	if (r->job < cl->next_job) {
		snprintf(err, errlen, "job-%llu accepted twice, or out of order (next id %llu)",
			 (unsigned long long)r->job, (unsigned long long)cl->next_job);
		return -1;
	}
	cluster_reserve_ids(cl, r->job);
	struct rm_job *j = cluster_add_job(cl, &r->spec);
	j->submit_us = r->t1_us;
	job_set_reason(j, "recovered after rmd restarted");
	rmd->rec.jobs++;
	return 0;
}

static void restore_gone(struct rmd *rmd, const struct store_rec *r)
{
	struct cluster *cl = &rmd->cl;

	cluster_reserve_ids(cl, r->job);
	for (uint64_t id = 1; id < r->ngone && id < cl->next_job; id++)
		if (r->gone[id] != 0 && cl->jobs[id] == NULL)
			cl->gone[id] = r->gone[id];
}

static void restore_decommission(struct rmd *rmd, const struct store_rec *r)
{
	struct rm_node *n = known_node(&rmd->cl, r->node);

	if (n->state != NODE_DECOMMISSIONED)
		node_set_state(n, NODE_DECOMMISSIONED, r->reason);
}

/* The store's replay callback: one record applied to the cluster. */
static int apply(void *arg, const struct store_rec *r, char *err, size_t errlen)
{
	struct rmd *rmd = arg;

	rmd->rec.records++;
	switch (r->type) {
	case REC_JOB_ACCEPTED: return restore_job(rmd, r, err, errlen);
	case REC_JOB_ENDED: restore_job_end(rmd, r); break;
	case REC_TASK_COMMITTED: restore_commit(rmd, r); break;
	case REC_ATTEMPT_LAUNCHED: restore_launch(rmd, r); break;
	case REC_ATTEMPT_ENDED: restore_end(rmd, r); break;
	case REC_ATTEMPT_STOPPING: restore_stopping(rmd, r); break;
	case REC_NODE_DECOMMISSIONED: restore_decommission(rmd, r); break;
	case REC_SNAP_GONE: restore_gone(rmd, r); break;
	default: break;
	}
	return 0;
}

/* Every unfinished job waits with its pending tasks re-queued (in index order). */
static void requeue_all(struct cluster *cl, struct rm_job *j)
{
	j->cursor = j->spec.ntasks;
	j->nooo = 0;
	j->rq_head = j->nrequeue = 0;
	for (int32_t i = 0; i < j->spec.ntasks; i++) {
		if (j->tasks[i].state != TASK_PENDING)
			continue;
		j->requeue = xgrow(j->requeue, &j->caprequeue, j->nrequeue + 1,
				   sizeof(*j->requeue));
		j->requeue[j->nrequeue++] = i;
	}
	if (job_has_unplaced(j))
		job_queue_add(cl, j);
	else
		job_queue_remove(cl, j);
}

static void recovery_timer(evutil_socket_t fd, short what, void *arg)
{
	recover_end(arg, "recovery_wait passed");
}

/* True while some node known from the log has not registered again. */
static bool nodes_missing(const struct cluster *cl)
{
	for (size_t i = 0; i < cl->nnodes; i++)
		if (cl->nodes[i]->state == NODE_LOST)
			return true;
	return false;
}

int recover_open(struct rmd *rmd, char *err, size_t errlen)
{
	struct cluster *cl = &rmd->cl;
	int64_t t0 = mono_us();

	rmd->store = store_new(&store_wal_ops, rmd->base, rmd->conf.state_dir,
			       rmd->conf.wal_fsync);
	rmd->replaying = true;
	int rc = store_open(rmd->store, apply, rmd, err, errlen);
	rmd->replaying = false;
	if (rc < 0)
		return -1;
	for (uint64_t id = 1; id < cl->next_job; id++)
		if (cl->jobs[id] != NULL && !job_finished(cl->jobs[id]))
			requeue_all(cl, cl->jobs[id]);
	rmd->rec.replay_ms = (double)(mono_us() - t0) / 1000.0;
	log_info("recover", "state replayed in %.1f ms: %llu records, %llu jobs (next id %llu)",
		 rmd->rec.replay_ms, (unsigned long long)rmd->rec.records,
		 (unsigned long long)rmd->rec.jobs, (unsigned long long)cl->next_job);
	rmd->snap_last_ms = mono_ms();
	if (!nodes_missing(cl)) {
		recover_settle_timed_out(cl);
		return 0;
	}
	int64_t wait = rmd->conf.recovery_wait_ms > 0 ? rmd->conf.recovery_wait_ms
						       : rmd->conf.node_expiry_ms;
	struct timeval tv = tv_from_ms(wait);
	rmd->recovering = true;
	rmd->ev_recovery = evtimer_new(rmd->base, recovery_timer, rmd);
	evtimer_add(rmd->ev_recovery, &tv);
	log_info("recover", "waiting up to %lld ms for agents to report their attempts before "
		 "placing anything", (long long)wait);
	return 0;
}

void recover_node_registered(struct rmd *rmd)
{
	if (rmd->recovering && !nodes_missing(&rmd->cl))
		recover_end(rmd, "every known node registered again");
}

/* Takes task index out of its job's waiting list (it runs now). */
static void requeue_remove(struct cluster *cl, struct rm_job *j, int32_t index)
{
	for (size_t i = j->rq_head; i < j->nrequeue; i++) {
		if (j->requeue[i] != index)
			continue;
		memmove(&j->requeue[i], &j->requeue[i + 1], (j->nrequeue - i - 1) * sizeof(int32_t));
		j->nrequeue--;
		break;
	}
	if (!job_has_unplaced(j))
		job_queue_remove(cl, j);
}

/* A live record for an attempt that ran on through the restart. */
static struct rm_attempt *live_record(struct rm_job *j, struct rm_task *t, int32_t num,
				      struct rm_node *n)
{
	struct rm_attempt *a = placeholder(j, t, num, n);

	a->state = ATT_STARTING; /* its report moves it on, through the setter */
	a->recovered = false;
	free(a->reason);
	a->reason = NULL;
	a->holds_res = true;
	res_add(&n->used, &j->spec.res);
	queue_charge(j);
	node_link_attempt(n, a);
	t->nlive++;
	j->nlive++;
	return a;
}

struct rm_attempt *recover_adopt(struct rmd *rmd, struct rm_node *n, const struct loom_id *id)
{
	struct cluster *cl = &rmd->cl;
	struct rm_job *j = cluster_job(cl, id->job);
	char s[ID_BUFSZ];

	if (j == NULL || job_finished(j) || id->task < 0 || id->task >= j->spec.ntasks ||
	    id->attempt < 1 || id->attempt > 1000000)
		return NULL;
	struct rm_task *t = &j->tasks[id->task];
	struct rm_attempt *old = cluster_attempt(cl, id);
	if (task_finished(t) || t->state == TASK_COMMITTING || (old != NULL && !old->recovered))
		return NULL;
	bool logged = old != NULL; /* its launch is in the log already */
	struct rm_attempt *a = live_record(j, t, id->attempt, n);
	if (old != NULL && (old->preempted || old->timed_out)) {
		/* Stopped before the restart: adopt() sends the kill again; counted already. */
		a->preempted = old->preempted;
		a->timed_out = old->timed_out;
		a->kill_sent = true;
		a->reason = xstrdup(old->reason != NULL ? old->reason : "");
	}
	put_attempt(j, t, id->attempt, n, a);
	if (t->state == TASK_PENDING) {
		requeue_remove(cl, j, t->index);
		task_set_state(j, t, TASK_RUNNING, "adopted after rmd restarted");
	}
	if (!logged)
		journal_launched(rmd, a);
	rmd->rec.adopted++;
	log_info("recover", "adopted %s on %s", id_format(id, s, sizeof(s)), n->name);
	return a;
}

void recover_free(struct rmd *rmd)
{
	if (rmd->ev_recovery != NULL)
		event_free(rmd->ev_recovery);
	rmd->ev_recovery = NULL;
	store_free(rmd->store); /* drops unanswered syncs without their callbacks */
	rmd->store = NULL;
	journal_free(rmd);
}
