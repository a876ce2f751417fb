/*
 * The placement pass: hierarchical DRF over the queue tree. It reads the cluster (nodes
 * with their reservations, the queues with their users' lists of jobs that have tasks
 * to place) and returns placements; it does no I/O and reads the time only through
 * cluster_now. This file holds the pass and the walk: which leaf, which user, which job
 * goes next (sched-order.c keeps the orders, sched-unit.c places one unit of the job).
 *
 * Cost: a pass reads every node once; one unit placed costs a walk from the root (its
 * depth), a scan of the leaf's users and a next-fit search over the nodes that still
 * have vcores and memory free. A job that cannot go is marked for the rest of the pass,
 * so a pass visits each pending job at most once besides its placements, and a job
 * whose shape already fit nowhere costs no node search.
 */
#include <stdlib.h>
#include <string.h>

#include "sched-pass.h"
#include "xmalloc.h"

void sched_result_reset(struct sched_result *r)
{
	r->npl = 0;
	r->ndep = 0;
	r->wake_us = 0;
}

void sched_result_free(struct sched_result *r)
{
	struct sched_scratch *s = r->scratch;

	if (s != NULL) {
		free(s->slots);
		free(s->names);
		free(s->chosen);
		free(s->sorted);
		free(s->unit);
		free(s->unit_ix);
		free(s->rank);
		free(s->ends);
		free(s->ckeys);
		free(s->act);
		free(s->actpos);
		free(s->texts);
		free(s);
	}
	free(r->nodes);
	free(r->pl);
	free(r->dep_failed);
	free(r->dep_bad);
	memset(r, 0, sizeof(*r));
}

void sched_add_dep_failed(struct sched_result *out, struct rm_job *j, uint64_t bad)
{
	size_t cap = out->capdep;

	out->dep_failed = xgrow(out->dep_failed, &out->capdep, out->ndep + 1,
				sizeof(*out->dep_failed));
	out->dep_bad = xgrow(out->dep_bad, &cap, out->ndep + 1, sizeof(*out->dep_bad));
	out->dep_failed[out->ndep] = j;
	out->dep_bad[out->ndep++] = bad;
}

/* ---- slots: per-pass state of queues and users, by pointer -------------------------- */

static size_t ptr_hash(const void *p)
{
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull;
	return (size_t)(h ^ (h >> 29));
}

static struct sched_slot *slot_find(struct sched_slot *v, size_t cap, uint32_t stamp,
				    const void *key)
{
	for (size_t i = ptr_hash(key) & (cap - 1);; i = (i + 1) & (cap - 1))
		if (v[i].stamp != stamp || v[i].key == key)
			return &v[i];
}

/* Doubles the table, keeping this pass's slots. */
static void slots_grow(struct sched_scratch *s)
{
	size_t cap = s->capslots ? s->capslots * 2 : 64;
	struct sched_slot *v = xcalloc(cap, sizeof(*v));

	for (size_t i = 0; i < s->capslots; i++)
		if (s->slots[i].stamp == s->slots_stamp)
			*slot_find(v, cap, s->slots_stamp, s->slots[i].key) = s->slots[i];
	free(s->slots);
	s->slots = v;
	s->capslots = cap;
}

struct sched_slot *sched_slot(struct pass *p, const void *key)
{
	struct sched_scratch *s = p->s;

	if (s->slots_stamp != p->stamp) {
		s->slots_stamp = p->stamp;
		s->nslots = 0;
	}
	if (2 * (s->nslots + 1) > s->capslots)
		slots_grow(s);
	struct sched_slot *sl = slot_find(s->slots, s->capslots, p->stamp, key);
	if (sl->stamp != p->stamp) {
		memset(sl, 0, sizeof(*sl));
		sl->key = key;
		sl->stamp = p->stamp;
		sl->loom = -1;
		s->nslots++;
	}
	return sl;
}

/* ---- pass start --------------------------------------------------------------------- */

static bool has_free(const struct res *r)
{
	return r->vcores_m > 0 || r->mem_mb > 0 || r->gpus > 0;
}

/* What is free on a node; the common node without custom resources is copied by hand,
 * since a pass does this for every node. */
static void node_free_space(struct res *free, const struct rm_node *n)
{
	if (n->capacity.ncustom > 0 || n->used.ncustom > 0) {
		*free = n->capacity;
		res_sub(free, &n->used);
		return;
	}
	free->vcores_m = n->capacity.vcores_m - n->used.vcores_m;
	free->mem_mb = n->capacity.mem_mb - n->used.mem_mb;
	free->gpus = n->capacity.gpus - n->used.gpus;
	free->ncustom = 0;
}

static void collect_node(struct pass *p, struct rm_node *node)
{
	struct sched_result *out = p->out;

	p->members += node_member(node);
	if (!node_schedulable(node))
		return;
	struct sched_node *sn = &out->nodes[out->nnodes];
	node->sched_stamp = p->stamp;
	node->sched_ix = (int32_t)out->nnodes++;
	node->sched_resv = NULL;
	sn->node = node;
	node_free_space(&sn->free, node);
	p->nlive += has_free(&sn->free);
	p->s->actpos[node->sched_ix] = -1;
	if (sn->free.vcores_m > 0 && sn->free.mem_mb > 0) {
		int64_t b = sn->free.vcores_m / 1000;
		b = b < SKY_BUCKETS ? b : SKY_BUCKETS - 1;
		if (sn->free.mem_mb > p->mem_by_v[b])
			p->mem_by_v[b] = sn->free.mem_mb;
		p->s->actpos[node->sched_ix] = (long)p->nact;
		p->s->act[p->nact++] = (size_t)node->sched_ix;
	}
	p->cl->total.v[QR_VCORES] += node->capacity.vcores_m;
	p->cl->total.v[QR_MEM] += node->capacity.mem_mb;
	p->cl->total.v[QR_GPUS] += node->capacity.gpus;
}

/* Schedulable nodes with what is free on them, starting at the rotation point. */
static void collect_nodes(struct pass *p)
{
	struct cluster *cl = p->cl;
	size_t n = cl->nnodes, rr = n > 0 ? cl->rr % n : 0;

	p->out->nnodes = 0;
	p->out->nodes = xgrow(p->out->nodes, &p->out->capnodes, n, sizeof(*p->out->nodes));
	p->s->act = xgrow(p->s->act, &p->s->capact, n, sizeof(*p->s->act));
	p->s->actpos = xgrow(p->s->actpos, &p->s->capactpos, n, sizeof(*p->s->actpos));
	memset(&cl->total, 0, sizeof(cl->total));
	for (size_t k = rr; k < n; k++)
		collect_node(p, cl->nodes[k]);
	for (size_t k = 0; k < rr; k++)
		collect_node(p, cl->nodes[k]);
	for (int b = SKY_BUCKETS - 2; b >= 0; b--)
		if (p->mem_by_v[b + 1] > p->mem_by_v[b])
			p->mem_by_v[b] = p->mem_by_v[b + 1];
	if (n > 0)
		cl->rr = (cl->rr + 1) % (uint32_t)n;
}

/* Usage as the pass starts; the leaves' starvation is this pass's to find. */
static void queues_start(struct pass *p)
{
	struct queue_tree *t = &p->cl->qt;

	for (size_t i = 0; i < t->nall; i++) {
		struct rm_queue *q = t->all[i];
		q->pass_used = q->used;
		q->starving = false;
		memset(&q->demand, 0, sizeof(q->demand));
		if (q->pending_jobs <= 0 || !queue_is_leaf(q))
			continue;
		for (size_t k = 0; k < q->nusers; k++)
			q->users[k]->pass_used = q->users[k]->used;
	}
}

/* ---- booking a placement ------------------------------------------------------------ */

/* Node ix has no vcores or no memory left: most tasks need not look at it again. */
static void act_remove(struct pass *p, size_t ix)
{
	struct sched_scratch *s = p->s;
	size_t pos = (size_t)s->actpos[ix], last = s->act[--p->nact];

	s->act[pos] = last;
	s->actpos[last] = (long)pos;
	s->actpos[ix] = -1;
}

void sched_place(struct pass *p, struct rm_job *j, int32_t ti, size_t ix)
{
	struct sched_result *out = p->out;
	struct sched_node *sn = &out->nodes[ix];
	bool had = has_free(&sn->free);
	bool starts = j->nheld == 0 && j->it_placed == 0;
	struct qres r;

	out->pl = xgrow(out->pl, &out->cappl, out->npl + 1, sizeof(*out->pl));
	out->pl[out->npl++] = (struct placement){ j, ti, sn->node };
	res_sub(&sn->free, &j->spec.res);
	if (had && !has_free(&sn->free))
		p->nlive--;
	if (p->s->actpos[ix] >= 0 && (sn->free.vcores_m <= 0 || sn->free.mem_mb <= 0))
		act_remove(p, ix);
	qres_from_res(&r, &j->spec.res);
	for (struct rm_queue *q = j->queue; q != NULL; q = q->parent) {
		qres_add(&q->pass_used, &r);
		if (starts)
			sched_slot(p, q)->new_running++;
	}
	qres_add(&j->qu->pass_used, &r);
	if (starts)
		sched_slot(p, j->qu)->new_running++;
	j->it_placed++;
	for (struct rm_queue *q = j->queue; q->parent != NULL; q = q->parent)
		sched_child_moved(p, q);
}

/* ---- the walk ----------------------------------------------------------------------- */

/* The leaf to serve next, or NULL when every queue is blocked for this pass. */
static struct rm_queue *pick_leaf(struct pass *p)
{
	struct rm_queue *root = p->cl->qt.root, *q = root;

	while (root->blocked_stamp != p->stamp && root->pending_jobs > 0) {
		if (queue_is_leaf(q))
			return q;
		struct rm_queue *best = sched_child_pick(p, q);
		if (best != NULL) {
			q = best;
			continue;
		}
		q->blocked_stamp = p->stamp; /* every child is blocked: so is q */
		q = root;
	}
	return NULL;
}

/* The user with the smallest dominant share, ties to the earliest head job. */
static struct queue_user *pick_user(struct pass *p, struct rm_queue *q)
{
	struct queue_user *best = NULL;
	double bshare = 0;

	for (size_t k = 0; k < q->nusers; k++) {
		struct queue_user *u = q->users[k];
		if (u->head == NULL || u->blocked_stamp == p->stamp)
			continue;
		double sh = qres_dominant(&u->pass_used, &p->cl->total);
		if (best == NULL || sh < bshare || (sh == bshare && u->head->id < best->head->id)) {
			best = u;
			bshare = sh;
		}
	}
	return best;
}

/* Serves leaf q until one unit is placed (true) or nothing in it can go (false). */
static bool serve_leaf(struct pass *p, struct rm_queue *q)
{
	for (;;) {
		struct queue_user *u = pick_user(p, q);
		if (u == NULL) {
			q->blocked_stamp = p->stamp;
			return false;
		}
		struct rm_job *j = sched_pick_job(p, q, u);
		if (j == NULL) {
			u->blocked_stamp = p->stamp;
			continue;
		}
		if (sched_unit(p, j) == UNIT_PLACED)
			return true;
		j->sched_stamp = p->stamp;
	}
}

/* With no room left the walk stops early; jobs whose dependencies failed still fail. */
static void deps_sweep(struct pass *p)
{
	uint64_t bad;

	for (struct rm_job *j = p->cl->q_head; j != NULL; j = j->q_next)
		if (j->spec.nafter > 0 && j->sched_stamp != p->stamp &&
		    job_deps(p->cl, j, &bad) == DEPS_FAILED)
			sched_add_dep_failed(p->out, j, bad);
}

/*
 * With no room left the walk stops early, but a leaf below its guarantee whose jobs it
 * never reached still waits for room, and preempt.c only hears of that through
 * q->starving and q->demand: serve such leaves as the walk would have (their jobs find
 * no room and say so). Without this a queue starved by another that fills the whole
 * cluster is never marked starving, so nothing is ever preempted for it.
 */
static void starving_sweep(struct pass *p)
{
	struct queue_tree *t = &p->cl->qt;

	for (size_t i = 0; i < t->nleaves; i++) {
		struct rm_queue *q = t->leaves[i];
		if (q->pending_jobs > 0 && !q->starving && q->blocked_stamp != p->stamp &&
		    sched_below_guarantee(p, q))
			serve_leaf(p, q);
	}
}

void sched_pass(struct cluster *cl, struct sched_result *out)
{
	struct pass ps = { .cl = cl, .out = out, .now = cluster_now(cl) };
	struct rm_queue *q;

	sched_result_reset(out);
	if (out->scratch == NULL)
		out->scratch = xcalloc(1, sizeof(*out->scratch));
	ps.s = out->scratch;
	ps.s->nsorted = 0;
	ps.s->nckeys = 0;
	if (++cl->pass_stamp == 0)
		cl->pass_stamp = 1; /* 0 is what fresh records hold */
	ps.stamp = cl->pass_stamp;
	collect_nodes(&ps);
	queues_start(&ps);
	sched_resv_mark(&ps);
	while (ps.nlive > 0 && (q = pick_leaf(&ps)) != NULL)
		serve_leaf(&ps, q);
	if (ps.nlive == 0) {
		deps_sweep(&ps);
		starving_sweep(&ps);
	}
}

const struct sched_policy sched_queues = { "queues", sched_pass };
