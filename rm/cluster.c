/*
 * The cluster: the tables that own nodes and jobs, lookups by id, and the retention of
 * finished jobs. Jobs are indexed by id in an array (ids are dense from 1), so a job,
 * task or attempt is found in O(1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "events.h"
#include "log.h"
#include "xmalloc.h"

/* Without configured queues: one leaf, "default", guaranteed everything. */
static void default_queues(struct queue_tree *t)
{
	struct queue_conf c;
	char err[256];

	queue_tree_init(t);
	queue_conf_defaults(&c);
	for (int i = 0; i < QR_N; i++)
		c.guar_pct[i] = 100;
	queue_add(t, t->root, "default", &c);
	if (queue_tree_derive(t, "default", err, sizeof(err)) < 0)
		abort(); /* cannot happen: one leaf, 100% of everything */
}

void cluster_init(struct cluster *cl, const struct cluster_ops *ops, void *arg)
{
	memset(cl, 0, sizeof(*cl));
	cl->ops = ops;
	cl->arg = arg;
	cl->default_max_attempts = 4;
	cl->completed_kept = 10000;
	cl->next_job = 1;
	spec_conf_defaults(&cl->spec);
	cl->sc = (struct sched_conf){ .locality_wait_us = 3000000, .preemption = true,
				      .preempt_after_us = 5000000, .preempt_grace_ms = 10000,
				      .default_estimate_us = 3600LL * 1000000 };
	default_queues(&cl->qt);
}

void cluster_free(struct cluster *cl)
{
	for (uint64_t id = 1; id < cl->next_job; id++)
		if (cl->jobs[id] != NULL)
			job_free(cl->jobs[id]);
	for (size_t i = 0; i < cl->nnodes; i++)
		node_free(cl->nodes[i]);
	free(cl->nodes);
	free(cl->jobs);
	free(cl->gone);
	free(cl->finished);
	queue_tree_free(&cl->qt);
	memset(cl, 0, sizeof(*cl));
}

int64_t cluster_now(const struct cluster *cl)
{
	return cl->ops->now_us(cl->arg);
}

/* Fills a task array for a new job: every task PENDING, never placed. */
static struct rm_task *tasks_new(int32_t n)
{
	struct rm_task *t = xcalloc((size_t)n, sizeof(*t));
	for (int32_t i = 0; i < n; i++)
		t[i].index = i;
	return t;
}

struct rm_job *cluster_add_job(struct cluster *cl, const struct job_spec *spec)
{
	struct rm_job *j = xcalloc(1, sizeof(*j));
	size_t cap = cl->capjobs;

	j->id = cl->next_job++;
	job_spec_copy(&j->spec, spec);
	if (j->spec.max_attempts <= 0)
		j->spec.max_attempts = cl->default_max_attempts;
	j->state = JOB_PENDING;
	j->submit_us = cluster_now(cl);
	j->tasks = tasks_new(spec->ntasks);
	j->ntask_state[TASK_PENDING] = spec->ntasks;

	cl->jobs = xgrow(cl->jobs, &cl->capjobs, (size_t)j->id + 1, sizeof(*cl->jobs));
	cl->gone = xgrow(cl->gone, &cap, (size_t)j->id + 1, sizeof(*cl->gone));
	cl->jobs[j->id] = j;
	cl->gone[j->id] = 0;
	cl->njob_state[JOB_PENDING]++;
	/* Submission refused unknown queues; a recovered job whose queue is gone waits in
	 * the default one. */
	j->queue = queue_find(&cl->qt, j->spec.queue);
	if (j->queue == NULL || !queue_is_leaf(j->queue) || j->queue->parent == NULL)
		j->queue = cl->qt.dflt;
	j->qu = queue_user_get(j->queue, j->spec.user);
	j->queue->submitted++;
	cev_job(CEV_JOB_SUBMITTED, j->id, JOB_PENDING, JOB_PENDING, j->spec.name);
	job_queue_add(cl, j);
	return j;
}

struct rm_job *cluster_job(const struct cluster *cl, uint64_t id)
{
	if (id == 0 || id >= cl->next_job)
		return NULL;
	return cl->jobs[id];
}

struct rm_attempt *cluster_attempt(const struct cluster *cl, const struct loom_id *id)
{
	struct rm_job *j = cluster_job(cl, id->job);

	if (j == NULL || id->task < 0 || id->task >= j->spec.ntasks || id->attempt < 1)
		return NULL;
	struct rm_task *t = &j->tasks[id->task];
	if (id->attempt > t->nattempts)
		return NULL;
	return t->attempts[id->attempt - 1];
}

int cluster_job_state(const struct cluster *cl, uint64_t id)
{
	if (id == 0 || id >= cl->next_job)
		return -1;
	if (cl->jobs[id] != NULL)
		return (int)cl->jobs[id]->state;
	return cl->gone[id] ? (int)cl->gone[id] - 1 : -1;
}

void cluster_journal(struct cluster *cl, enum journal_kind k, const void *obj)
{
	if (cl->ops->journal != NULL)
		cl->ops->journal(cl->arg, k, obj);
}

void cluster_reserve_ids(struct cluster *cl, uint64_t upto)
{
	size_t cap = cl->capjobs;

	if (upto <= cl->next_job)
		return;
	cl->jobs = xgrow(cl->jobs, &cl->capjobs, (size_t)upto, sizeof(*cl->jobs));
	cl->gone = xgrow(cl->gone, &cap, (size_t)upto, sizeof(*cl->gone));
	for (uint64_t id = cl->next_job; id < upto; id++) {
		cl->jobs[id] = NULL;
		cl->gone[id] = 0;
	}
	cl->next_job = upto;
}

void cluster_trim(struct cluster *cl)
{
	while (cl->fin_n > cl->completed_kept) {
		uint64_t id = cl->finished[cl->fin_head];
		struct rm_job *j = cl->jobs[id];

		/* Why: a job whose kills are not yet confirmed still has attempts that nodes
		 * reference; it is dropped on a later call. */
		if (j != NULL && j->nlive > 0)
			break;
		cl->fin_head = (cl->fin_head + 1) % cl->fin_cap;
		cl->fin_n--;
		if (j == NULL)
			continue;
		cl->gone[id] = (uint8_t)(j->state + 1);
		cl->njob_state[j->state]--;
		cl->jobs[id] = NULL;
		log_debug("job", "dropped finished job-%llu", (unsigned long long)id);
		job_free(j);
	}
}

void cluster_apply(struct cluster *cl, const struct sched_result *r)
{
	char why[PROTO_REASON_MAX];

	for (size_t i = 0; i < r->ndep; i++) {
		struct rm_job *j = r->dep_failed[i];
		if (job_finished(j))
			continue;
		snprintf(why, sizeof(why), "dependency job-%llu failed",
			 (unsigned long long)r->dep_bad[i]);
		job_end(cl, j, JOB_FAILED, why);
	}
	for (size_t i = 0; i < r->npl; i++) {
		const struct placement *p = &r->pl[i];
		struct rm_job *j = p->job;

		if (!job_take_unplaced(j, p->task))
			continue; /* not waiting: never produced by sched_pass */
		attempt_start(cl, j, &j->tasks[p->task], p->node);
		if (!job_has_unplaced(j))
			job_queue_remove(cl, j);
	}
}
