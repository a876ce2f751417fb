/*
 * What queues hold: the per-user lists of jobs with tasks to place, the usage charged by
 * live attempts, the keys fairness orders by, and the reload that moves every job onto a
 * new tree (cluster_set_queues).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core.h"

/* ---- per-user job lists ----------------------------------------------------------- */

/* Leaf order: priority first (higher first), then submission (lower id first). */
static bool leaf_before(const struct rm_job *a, const struct rm_job *b)
{
	if (a->spec.priority != b->spec.priority)
		return a->spec.priority > b->spec.priority;
	return a->id < b->id;
}

static void count_pending(struct rm_queue *q, int32_t d)
{
	for (; q != NULL; q = q->parent)
		q->pending_jobs += d;
}

void queue_link_job(struct rm_job *j)
{
	struct queue_user *u = j->qu;
	struct rm_job *after;

	if (u == NULL)
		return;
	/* From the tail: a new job usually goes last, a re-queued one near it. */
	for (after = u->tail; after != NULL && leaf_before(j, after); after = after->u_prev)
		;
	j->u_prev = after;
	j->u_next = after != NULL ? after->u_next : u->head;
	if (j->u_next != NULL)
		j->u_next->u_prev = j;
	else
		u->tail = j;
	if (after != NULL)
		after->u_next = j;
	else
		u->head = j;
	count_pending(j->queue, 1);
}

void queue_unlink_job(struct rm_job *j)
{
	struct queue_user *u = j->qu;

	if (u == NULL)
		return;
	if (j->u_prev != NULL)
		j->u_prev->u_next = j->u_next;
	else
		u->head = j->u_next;
	if (j->u_next != NULL)
		j->u_next->u_prev = j->u_prev;
	else
		u->tail = j->u_prev;
	j->u_prev = j->u_next = NULL;
	count_pending(j->queue, -1);
}

/* ---- usage ------------------------------------------------------------------------ */

static void charge(struct rm_job *j, int64_t sign)
{
	struct qres r;
	bool edge;

	if (j->queue == NULL)
		return;
	qres_from_res(&r, &j->spec.res);
	for (int i = 0; i < QR_N; i++)
		r.v[i] *= sign;
	j->nheld += (int32_t)sign;
	edge = sign > 0 ? j->nheld == 1 : j->nheld == 0; /* the job starts or stops running */
	for (struct rm_queue *q = j->queue; q != NULL; q = q->parent) {
		qres_add(&q->used, &r);
		if (edge)
			q->running_jobs += (int32_t)sign;
	}
	if (j->qu != NULL) {
		qres_add(&j->qu->used, &r);
		if (edge)
			j->qu->running_jobs += (int32_t)sign;
	}
}

void queue_charge(struct rm_job *j)
{
	charge(j, 1);
}

void queue_release(struct rm_job *j)
{
	charge(j, -1);
}

/* ---- fairness keys ---------------------------------------------------------------- */

double queue_guar_ratio(const struct rm_queue *q, const struct qres *used,
			const struct qres *total)
{
	double r = 0;
	bool any = false;

	for (int i = 0; i < QR_N; i++) {
		double g = q->guar[i] * (double)total->v[i];
		if (total->v[i] <= 0)
			continue;
		if (g <= 0) {
			if (used->v[i] > 0)
				return HUGE_VAL; /* uses what it has no guarantee of */
			continue;
		}
		any = true;
		if ((double)used->v[i] / g > r)
			r = (double)used->v[i] / g;
	}
	return any ? r : HUGE_VAL;
}

double queue_fair_key(const struct rm_queue *q, const struct qres *used,
		      const struct qres *total)
{
	return qres_dominant(used, total) / q->c.weight;
}

bool queue_within_max(const struct rm_queue *q, const struct qres *used, const struct qres *r,
		      const struct qres *total, int *which)
{
	for (int i = 0; i < QR_N; i++) {
		if (r->v[i] <= 0 || total->v[i] <= 0)
			continue;
		/* a millionth of slack: shares are fractions, sizes are integers */
		if ((double)(used->v[i] + r->v[i]) > q->maxs[i] * (double)total->v[i] * 1.000001) {
			if (which != NULL)
				*which = i;
			return false;
		}
	}
	return true;
}

/* ---- reload ----------------------------------------------------------------------- */

/* The job's leaf in t: the same path, else the leaf of the same (unique) name. */
static struct rm_queue *new_leaf_of(struct queue_tree *t, const struct rm_job *j)
{
	struct rm_queue *q = queue_find(t, j->queue != NULL ? j->queue->path : j->spec.queue);

	if (q == NULL && j->queue != NULL)
		q = queue_find(t, j->queue->name);

	return q != NULL && queue_is_leaf(q) && q->parent != NULL ? q : NULL;
}

/* Counters that describe a queue's history follow it to the new tree by path. */
static void carry_counters(struct queue_tree *t, const struct queue_tree *old)
{
	for (size_t i = 0; i < old->nall; i++) {
		const struct rm_queue *o = old->all[i];
		struct rm_queue *q = queue_find(t, o->path);
		if (q == NULL && queue_is_leaf(o))
			q = queue_find(t, o->name);
		if (q == NULL || !queue_is_leaf(q) != !queue_is_leaf(o))
			continue;
		q->preempted = o->preempted;
		q->submitted = o->submitted;
		q->starved_since_us = o->starved_since_us;
	}
}

static void move_job(struct rm_job *j, struct queue_tree *t)
{
	int32_t held = j->nheld;
	struct rm_queue *leaf = new_leaf_of(t, j);

	if (j->queued)
		queue_unlink_job(j);
	j->nheld = 0;
	j->nresv = 0; /* reservations are the old tree's: the next pass makes new ones */
	j->queue = leaf;
	j->qu = leaf != NULL ? queue_user_get(leaf, j->spec.user) : NULL;
	for (int32_t k = 0; k < held; k++)
		queue_charge(j);
	j->nheld = held;
	if (j->queued)
		queue_link_job(j);
}

int cluster_set_queues(struct cluster *cl, struct queue_tree *t, char *err, size_t errlen)
{
	for (uint64_t id = 1; id < cl->next_job; id++) {
		const struct rm_job *j = cl->jobs[id];
		if (j == NULL || job_finished(j) || new_leaf_of(t, j) != NULL)
			continue;
		snprintf(err, errlen, "job-%llu waits or runs in queue %s, which the new "
			 "configuration has no leaf queue for", (unsigned long long)j->id,
			 j->queue != NULL ? j->queue->path : j->spec.queue);
		return -1;
	}
	for (uint64_t id = 1; id < cl->next_job; id++)
		if (cl->jobs[id] != NULL)
			move_job(cl->jobs[id], t);
	carry_counters(t, &cl->qt);
	queue_tree_free(&cl->qt);
	cl->qt = *t;
	memset(t, 0, sizeof(*t));
	return 0;
}
