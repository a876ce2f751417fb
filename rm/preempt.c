/*
 * Preemption: a leaf queue that has waited for room below its guarantee for
 * preempt_after takes capacity back from preemptable queues over theirs, youngest
 * attempts first, never pushing a victim queue below its own guarantee (YARN's capacity
 * scheduler's rule). A leaf takes until its waiting work is covered or it would be back
 * at its guarantee; attempts already being killed for preemption count as freed, so the
 * passes that run during their grace period take nothing more. Pure: the pass picks,
 * preempt_apply asks the driver to kill.
 *
 * Why holds: a starving job needs its whole shape free on one node, so victims on a node
 * are held until together with what is free there they make room for one task of it;
 * only then are they taken. Held victims that never make room are given back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "events.h"
#include "xmalloc.h"

/* A live attempt that could be taken, and where it runs. */
struct cand {
	struct rm_attempt *a;
	size_t node;  /* index into cl->nodes */
	bool held;    /* counted against its queue for the current starving leaf */
	bool taken;   /* a victim of this pass */
	const struct rm_queue *for_q; /* ... taken for this starving leaf */
};

/* The pass's scratch, built only when some leaf is due to take something back. */
struct scratch {
	struct cand *c;
	size_t n;
	struct res *held; /* per node: held victims' resources (current leaf) */
	struct res *mine; /* per node: victims taken for the current leaf */
};

static int64_t start_key(const struct rm_attempt *a)
{
	return a->start_us > 0 ? a->start_us : INT64_MAX; /* not yet running: the youngest */
}

/* Youngest first: latest start, then the newest id. */
static int cand_cmp(const void *pa, const void *pb)
{
	const struct rm_attempt *a = ((const struct cand *)pa)->a;
	const struct rm_attempt *b = ((const struct cand *)pb)->a;
	int64_t ka = start_key(a), kb = start_key(b);

	if (ka != kb)
		return ka > kb ? -1 : 1;
	if (a->id.job != b->id.job)
		return a->id.job > b->id.job ? -1 : 1;
	if (a->id.task != b->id.task)
		return a->id.task > b->id.task ? -1 : 1;
	return (a->id.attempt > b->id.attempt) ? -1 : (a->id.attempt < b->id.attempt);
}

/* Every attempt that could ever be a victim, youngest first; no queue rule yet. */
static void scratch_build(const struct cluster *cl, struct scratch *s)
{
	size_t cap = 0;

	for (size_t i = 0; i < cl->nnodes; i++)
		cap += (size_t)cl->nodes[i]->nlive;
	s->c = xcalloc(cap + 1, sizeof(*s->c));
	s->held = xcalloc(cl->nnodes + 1, sizeof(*s->held));
	s->mine = xcalloc(cl->nnodes + 1, sizeof(*s->mine));
	for (size_t i = 0; i < cl->nnodes; i++)
		for (struct rm_attempt *a = cl->nodes[i]->live_head; a && s->n < cap; a = a->node_next)
			if ((a->state == ATT_ALLOCATED || a->state == ATT_STARTING ||
			     a->state == ATT_RUNNING) && a->holds_res &&
			    !a->kill_sent && !a->preempted && !a->job->spec.gang &&
			    a->job->queue != NULL && a->job->queue->c.preemptable)
				s->c[s->n++] = (struct cand){ .a = a, .node = i };
	qsort(s->c, s->n, sizeof(*s->c), cand_cmp);
}

static void scratch_free(struct scratch *s)
{
	free(s->c);
	free(s->held);
	free(s->mine);
}

static void qres_of(const struct rm_attempt *a, struct qres *q)
{
	qres_from_res(q, &a->job->spec.res);
}

/* What one starving leaf takes back this pass. */
struct ask {
	struct rm_queue *q;
	struct qres want;  /* what its waiting jobs could use, less kills in flight */
	struct qres got;   /* freed by the victims taken for it */
	struct qres have;  /* its usage plus kills in flight plus got */
};

/* True when q waited for room below its guarantee with work that could use some. */
static bool leaf_starving(const struct cluster *cl, const struct rm_queue *q)
{
	bool any = false;

	for (int r = 0; r < QR_N; r++)
		any |= q->demand.v[r] > 0;
	return any && q->starving && queue_guar_ratio(q, &q->used, &cl->total) < 1;
}

/* Resources of attempts already being killed for preemption: freed soon, not again. */
static void inflight_sum(const struct cluster *cl, struct qres *sum)
{
	struct qres q;

	memset(sum, 0, sizeof(*sum));
	for (size_t i = 0; i < cl->nnodes; i++)
		for (struct rm_attempt *a = cl->nodes[i]->live_head; a; a = a->node_next)
			if (a->preempted && a->kill_sent && a->holds_res) {
				qres_of(a, &q);
				qres_add(sum, &q);
			}
}

/* Starts q's ask: kills in flight (from the pool, which the next leaves share) count as
 * freed for it already, so a pass during their grace period takes no more. */
static void ask_init(struct ask *k, struct rm_queue *q, struct qres *pool)
{
	memset(k, 0, sizeof(*k));
	k->q = q;
	k->have = q->used;
	for (int r = 0; r < QR_N; r++) {
		int64_t d = q->demand.v[r], f = d < pool->v[r] ? d : pool->v[r];
		k->want.v[r] = d - f;
		k->have.v[r] += f;
		pool->v[r] -= f;
	}
}

/* Enough: the waiting work is covered, or the leaf would be back at its guarantee (the
 * same measure that called it starving, so one resource short of it does not run on). */
static bool ask_done(const struct cluster *cl, const struct ask *k)
{
	bool covered = true;

	for (int r = 0; r < QR_N; r++)
		covered &= k->got.v[r] >= k->want.v[r];
	return covered || queue_guar_ratio(k->q, &k->have, &cl->total) >= 1;
}

/* True when taking a frees some resource that is still missing. */
static bool useful(const struct ask *k, const struct qres *ar)
{
	for (int r = 0; r < QR_N; r++)
		if (ar->v[r] > 0 && k->got.v[r] < k->want.v[r])
			return true;
	return false;
}

/* The shape to make room for: the first waiting job of the starving leaf, if any. */
static const struct rm_job *first_waiting(const struct rm_queue *q)
{
	for (size_t i = 0; i < q->nusers; i++)
		if (q->users[i]->head != NULL)
			return q->users[i]->head;
	return NULL;
}

/* Whether the victim's queue stays at or above its guarantee without it (pass_used is
 * its usage minus the victims held or taken so far). */
static bool victim_ok(const struct cluster *cl, const struct rm_queue *q, const struct cand *c,
		      const struct qres *ar)
{
	const struct rm_queue *vq = c->a->job->queue;
	struct qres after = vq->pass_used;

	if (c->taken || c->held || vq == q || job_finished(c->a->job))
		return false;
	qres_sub(&after, ar); /* no guarantee at all: the ratio is HUGE_VAL, always over */
	return queue_guar_ratio(vq, &after, &cl->total) >= 1;
}

/* Whether node i could host one task of shape once its held and taken victims are gone. */
static bool node_room(const struct cluster *cl, const struct scratch *s, size_t i,
		      const struct rm_job *shape)
{
	const struct rm_node *n = cl->nodes[i];
	struct res avail = n->capacity;

	res_sub(&avail, &n->used);
	res_add(&avail, &s->mine[i]);
	res_add(&avail, &s->held[i]);
	return res_fits(&shape->spec.res, &avail);
}

/* Could node i ever host shape (so that killing there can help)? */
static bool node_usable(const struct cluster *cl, size_t i, const struct rm_job *shape)
{
	const struct rm_node *n = cl->nodes[i];

	return shape == NULL || (node_schedulable(n) && node_labels_ok(n, &shape->spec) &&
				 res_fits(&shape->spec.res, &n->capacity));
}

static void add_victim(struct preempt_result *out, struct rm_attempt *a, struct rm_queue *q)
{
	out->victims = xgrow(out->victims, &out->capvictims, out->nvictims + 1,
			     sizeof(*out->victims));
	out->for_q = xgrow(out->for_q, &out->capfor, out->nvictims + 1, sizeof(*out->for_q));
	out->victims[out->nvictims] = a;
	out->for_q[out->nvictims++] = q;
}

/* Turns the held candidates on node i (up to index upto) into victims for k's leaf. */
static void take_node(struct scratch *s, size_t i, size_t upto, struct ask *k,
		      struct preempt_result *out)
{
	struct qres ar;

	for (size_t j = 0; j <= upto; j++) {
		struct cand *c = &s->c[j];
		if (!c->held || c->node != i)
			continue;
		c->held = false;
		c->taken = true;
		c->for_q = k->q;
		qres_of(c->a, &ar);
		qres_add(&k->got, &ar);
		qres_add(&k->have, &ar);
		res_sub(&s->held[i], &c->a->job->spec.res);
		res_add(&s->mine[i], &c->a->job->spec.res);
		add_victim(out, c->a, k->q);
	}
}

/* Gives back the holds that never made room (their queues keep them). */
static void unhold(const struct cluster *cl, struct scratch *s)
{
	struct qres ar;

	for (size_t k = 0; k < s->n; k++) {
		if (!s->c[k].held)
			continue;
		s->c[k].held = false;
		qres_of(s->c[k].a, &ar);
		qres_add(&s->c[k].a->job->queue->pass_used, &ar);
	}
	memset(s->held, 0, cl->nnodes * sizeof(*s->held));
	memset(s->mine, 0, cl->nnodes * sizeof(*s->mine));
}

/* A waiting gang starts whole or not at all: victims that, with what is free and on its
 * way, cannot make room for all of it would only be refilled and taken again. */
static void gang_rollback(const struct cluster *cl, struct ask *k, struct scratch *s,
			  const struct rm_job *shape, size_t first, struct preempt_result *out)
{
	struct qres one, ar;
	bool short_of = false;

	if (shape == NULL || !shape->spec.gang || shape->nlive > 0 || out->nvictims == first)
		return;
	qres_from_res(&one, &shape->spec.res);
	for (int r = 0; r < QR_N; r++) {
		int64_t avail = cl->total.v[r] - cl->qt.root->used.v[r] +
				(k->have.v[r] - k->q->used.v[r]);
		short_of |= one.v[r] * (int64_t)shape->spec.ntasks > avail;
	}
	if (!short_of)
		return;
	for (size_t i = 0; i < s->n; i++) {
		if (!s->c[i].taken || s->c[i].for_q != k->q)
			continue;
		s->c[i].taken = false;
		qres_of(s->c[i].a, &ar);
		qres_add(&s->c[i].a->job->queue->pass_used, &ar);
	}
	out->nvictims = first;
}

/* Picks victims for a starving leaf, youngest first, until its ask is done. */
static void take_for(const struct cluster *cl, struct ask *k, struct scratch *s,
		     struct preempt_result *out)
{
	const struct rm_job *shape = first_waiting(k->q);
	struct qres ar;
	size_t first = out->nvictims;

	for (size_t i = 0; i < s->n && !ask_done(cl, k); i++) {
		struct cand *c = &s->c[i];
		qres_of(c->a, &ar);
		if (!useful(k, &ar) || !node_usable(cl, c->node, shape) ||
		    !victim_ok(cl, k->q, c, &ar))
			continue;
		c->held = true;
		qres_sub(&c->a->job->queue->pass_used, &ar);
		res_add(&s->held[c->node], &c->a->job->spec.res);
		if (shape == NULL || node_room(cl, s, c->node, shape))
			take_node(s, c->node, i, k, out);
	}
	unhold(cl, s);
	gang_rollback(cl, k, s, shape, first, out);
}

static void wake_at(struct preempt_result *out, int64_t t)
{
	if (out->wake_us == 0 || t < out->wake_us)
		out->wake_us = t;
}

/* Keeps q's starving clock; true when it is due to take something back now. */
static bool leaf_due(const struct cluster *cl, struct rm_queue *q, int64_t now,
		     struct preempt_result *out)
{
	int64_t due;

	if (q->starved_since_us == 0)
		q->starved_since_us = now;
	due = q->starved_since_us + cl->sc.preempt_after_us;
	if (now >= due)
		return true;
	wake_at(out, due);
	return false;
}

/* True when some preemptable leaf other than q is over its guarantee (so a victim may
 * exist): spares a busy cluster the walk over its attempts when none can. */
static bool any_donor(const struct cluster *cl, const struct rm_queue *q)
{
	for (size_t i = 0; i < cl->qt.nleaves; i++) {
		const struct rm_queue *v = cl->qt.leaves[i];
		if (v != q && v->c.preemptable && queue_guar_ratio(v, &v->used, &cl->total) > 1)
			return true;
	}
	return false;
}

void preempt_pass(struct cluster *cl, struct preempt_result *out)
{
	struct scratch s = { 0 };
	struct qres pool;
	struct ask k;
	int64_t now = cluster_now(cl);
	bool ready = false;

	out->nvictims = 0;
	out->wake_us = 0;
	for (size_t i = 0; i < cl->qt.nleaves; i++) {
		struct rm_queue *q = cl->qt.leaves[i];
		if (!cl->sc.preemption || !leaf_starving(cl, q)) {
			q->starved_since_us = 0;
			continue;
		}
		if (!leaf_due(cl, q, now, out) || !any_donor(cl, q))
			continue;
		if (!ready) { /* the walks over live attempts, once, only when needed */
			for (size_t l = 0; l < cl->qt.nleaves; l++)
				cl->qt.leaves[l]->pass_used = cl->qt.leaves[l]->used;
			inflight_sum(cl, &pool);
			scratch_build(cl, &s);
			ready = true;
		}
		ask_init(&k, q, &pool);
		if (!ask_done(cl, &k))
			take_for(cl, &k, &s, out);
	}
	scratch_free(&s);
}

void preempt_apply(struct cluster *cl, const struct preempt_result *r)
{
	char why[PROTO_REASON_MAX];

	for (size_t i = 0; i < r->nvictims; i++) {
		struct rm_attempt *a = r->victims[i];
		if (!attempt_live(a) || a->state == ATT_COMMITTING || a->kill_sent)
			continue;
		snprintf(why, sizeof(why),
			 "preempted: queue %s is below its guarantee (run again, not counted as "
			 "a failure)", r->for_q[i]->path);
		a->preempted = true; /* before the kill: the driver picks the grace by it */
		a->job->npreempted++;
		if (a->job->queue != NULL)
			a->job->queue->preempted++;
		cl->preempted_total++;
		cev_attempt(CEV_ATTEMPT_PREEMPTED, a, a->state, why);
		attempt_kill(cl, a, why);
	}
}

void preempt_result_free(struct preempt_result *r)
{
	free(r->victims);
	free(r->for_q);
	memset(r, 0, sizeof(*r));
}
