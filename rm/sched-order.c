/*
 * The orders a pass serves in. A user's jobs: priority first, then submission (fifo) or
 * batch-loom.c's key (little work per task first, aged by waiting) when the leaf says
 * loom, or says auto and a pending job declares a time limit.
 *
 * An inner queue's children: those below their guarantee first
 * (smallest used/guaranteed ratio first), then by weighted dominant share, ties by
 * position. Each inner queue the walk reaches gets its eligible children sorted once a
 * pass; a placement only moves its own path's children back (usage only grows during a
 * pass), and a blocked child leaves the front for good. A walk from the root then costs
 * its depth, not the number of queues.
 */
#include <math.h>
#include <stdlib.h>

#include "sched-pass.h"
#include "xmalloc.h"

static void child_key(const struct pass *p, const struct rm_queue *c, struct sched_ckey *k)
{
	double g = queue_guar_ratio(c, &c->pass_used, &p->cl->total);

	k->cls = g < 1 ? 0 : 1;
	k->key = g < 1 ? g : queue_fair_key(c, &c->pass_used, &p->cl->total);
}

static bool key_before(const struct sched_ckey *a, const struct sched_ckey *b)
{
	if (a->cls != b->cls)
		return a->cls < b->cls;
	if (a->key != b->key)
		return a->key < b->key;
	return a->idx < b->idx;
}

static int key_cmp(const void *a, const void *b)
{
	return key_before(a, b) ? -1 : key_before(b, a) ? 1 : 0;
}

/* q's slot, with its children's order built on first use in this pass. */
static struct sched_slot *order_of(struct pass *p, struct rm_queue *q)
{
	struct sched_scratch *s = p->s;
	struct sched_slot *sl = sched_slot(p, q);

	if (sl->kready)
		return sl;
	s->ckeys = xgrow(s->ckeys, &s->capckeys, s->nckeys + q->nchildren, sizeof(*s->ckeys));
	sl->kseg = s->nckeys;
	sl->ohead = 0;
	sl->oend = 0;
	for (size_t i = 0; i < q->nchildren; i++) {
		struct rm_queue *c = q->children[i];
		if (c->pending_jobs <= 0 || c->blocked_stamp == p->stamp)
			continue; /* neither changes during a pass */
		struct sched_ckey *k = &s->ckeys[sl->kseg + sl->oend++];
		child_key(p, c, k);
		k->idx = (int32_t)i;
	}
	qsort(&s->ckeys[sl->kseg], sl->oend, sizeof(*s->ckeys), key_cmp);
	s->nckeys += sl->oend;
	sl->kready = true;
	return sl;
}

struct rm_queue *sched_child_pick(struct pass *p, struct rm_queue *q)
{
	struct sched_slot *sl = order_of(p, q);
	const struct sched_ckey *o = &p->s->ckeys[sl->kseg];

	for (; sl->ohead < sl->oend; sl->ohead++) {
		struct rm_queue *c = q->children[o[sl->ohead].idx];
		if (c->blocked_stamp != p->stamp)
			return c;
	}
	return NULL;
}

void sched_child_moved(struct pass *p, struct rm_queue *c)
{
	struct rm_queue *q = c->parent;
	struct sched_slot *sl = sched_slot(p, q);

	if (!sl->kready)
		return;
	struct sched_ckey *o = &p->s->ckeys[sl->kseg];
	size_t pos = sl->ohead;
	while (pos < sl->oend && q->children[o[pos].idx] != c)
		pos++;
	if (pos == sl->oend)
		return;
	child_key(p, c, &o[pos]);
	for (; pos + 1 < sl->oend && key_before(&o[pos + 1], &o[pos]); pos++) {
		struct sched_ckey t = o[pos];
		o[pos] = o[pos + 1];
		o[pos + 1] = t;
	}
}

/* ---- a user's jobs ------------------------------------------------------------------ */

/* True when leaf q orders its jobs by the loom key this pass. */
static bool leaf_loom(struct pass *p, struct rm_queue *q)
{
	struct sched_slot *sl = sched_slot(p, q);

	if (sl->loom < 0) {
		sl->loom = q->c.order == QORDER_LOOM;
		for (size_t k = 0; q->c.order == QORDER_AUTO && !sl->loom && k < q->nusers; k++)
			for (struct rm_job *j = q->users[k]->head; j != NULL && !sl->loom;
			     j = j->u_next)
				sl->loom = j->spec.time_limit_ms > 0;
	}
	return sl->loom;
}

/* batch-loom.c's key: little work per task first, aged by the time waited. */
static double loom_key(const struct pass *p, const struct rm_job *j)
{
	double est = j->spec.time_limit_ms > 0 ? (double)j->spec.time_limit_ms / 1e3
					      : (double)p->cl->sc.default_estimate_us / 1e6;
	double wait = p->now > j->submit_us ? (double)(p->now - j->submit_us) / 1e6 : 0;

	if (est < 1e-3)
		est = 1e-3;
	return log(est / (double)(j->spec.ntasks > 0 ? j->spec.ntasks : 1)) -
	       0.41 * log(wait + 10000.0);
}

static int loom_cmp(const void *a, const void *b)
{
	const struct rm_job *x = *(struct rm_job *const *)a, *y = *(struct rm_job *const *)b;

	if (x->spec.priority != y->spec.priority)
		return x->spec.priority > y->spec.priority ? -1 : 1;
	if (x->order_key != y->order_key)
		return x->order_key < y->order_key ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* The user's jobs in loom order, once per pass, in scratch->sorted. */
static void sort_user(struct pass *p, struct queue_user *u, struct sched_slot *sl)
{
	struct sched_scratch *s = p->s;

	sl->seg = s->nsorted;
	for (struct rm_job *j = u->head; j != NULL; j = j->u_next) {
		s->sorted = xgrow(s->sorted, &s->capsorted, s->nsorted + 1, sizeof(*s->sorted));
		j->order_key = loom_key(p, j);
		s->sorted[s->nsorted++] = j;
	}
	sl->nseg = s->nsorted - sl->seg;
	qsort(&s->sorted[sl->seg], sl->nseg, sizeof(*s->sorted), loom_cmp);
	sl->sorted = true;
}

struct rm_job *sched_pick_job(struct pass *p, struct rm_queue *q, struct queue_user *u)
{
	bool loom = leaf_loom(p, q); /* first: a new slot may move the others */
	struct sched_slot *sl = sched_slot(p, u);

	if (loom) {
		if (!sl->sorted)
			sort_user(p, u, sl);
		while (sl->pos < sl->nseg && p->s->sorted[sl->seg + sl->pos]->sched_stamp == p->stamp)
			sl->pos++;
		return sl->pos < sl->nseg ? p->s->sorted[sl->seg + sl->pos] : NULL;
	}
	if (!sl->sorted) {
		sl->next = u->head;
		sl->sorted = true;
	}
	while (sl->next != NULL && sl->next->sched_stamp == p->stamp)
		sl->next = sl->next->u_next;
	return sl->next;
}
