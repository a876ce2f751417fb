/*
 * Gangs and reservations. A gang that has not started places all its tasks in one go
 * or none. A job that waits for room (a gang, or a task that fits on no node's free
 * space now) may reserve nodes, one job per leaf: nodes whose capacity can host its
 * unit, those with the most free first. Other jobs keep off reserved nodes, except that
 * a job with a time limit may backfill onto one when it ends before the reservation's
 * EASY shadow time: when enough of the node's live attempts will have ended, by their
 * time limits, for the reserved part to fit. An attempt without a limit may never end,
 * as far as the scheduler knows: then the shadow time is unknown and nothing backfills.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched-pass.h"
#include "xmalloc.h"

/* How many tasks asking want fit in avail. */
static int64_t fit_count(const struct res *want, const struct res *avail)
{
	int64_t n = INT64_MAX;
	const int64_t w[3] = { want->vcores_m, want->mem_mb, want->gpus };
	const int64_t a[3] = { avail->vcores_m, avail->mem_mb, avail->gpus };

	for (int i = 0; i < 3; i++)
		if (w[i] > 0 && (a[i] < 0 ? 0 : a[i] / w[i]) < n)
			n = a[i] < 0 ? 0 : a[i] / w[i];
	for (int i = 0; i < want->ncustom; i++) {
		int64_t c = res_custom_get(avail, want->custom[i].name);
		if (want->custom[i].count > 0 && (c < 0 ? 0 : c / want->custom[i].count) < n)
			n = c < 0 ? 0 : c / want->custom[i].count;
	}
	return n;
}

/* The tasks j's reservation is for. */
static int64_t resv_tasks(const struct rm_job *j)
{
	return j->spec.gang && j->nlive == 0 ? job_unplaced(j) : 1;
}

static bool backfill_ok(const struct pass *p, const struct rm_job *j,
			const struct rm_job *holder)
{
	return j->spec.time_limit_ms > 0 && holder->resv_start_us > 0 &&
	       p->now + j->spec.time_limit_ms * 1000 <= holder->resv_start_us;
}

bool sched_below_guarantee(const struct pass *p, const struct rm_queue *q)
{
	return queue_guar_ratio(q, &q->pass_used, &p->cl->total) < 1;
}

/* Why the guarantee: a reservation keeps small jobs from starving a big one, but must
 * not keep a queue from its guarantee (preemption may just have made room for it). */
bool sched_resv_allows(const struct pass *p, const struct rm_job *j,
		       const struct rm_job *holder, size_t ix, const struct res *want)
{
	return holder == j || sched_resv_spare(p, holder, ix, want) || backfill_ok(p, j, holder) ||
	       (j->queue != holder->queue && sched_below_guarantee(p, j->queue) &&
		!sched_below_guarantee(p, holder->queue));
}

bool sched_resv_spare(const struct pass *p, const struct rm_job *holder, size_t ix,
		      const struct res *want)
{
	const struct sched_node *sn = &p->out->nodes[ix];
	int64_t k = fit_count(&holder->spec.res, &sn->node->capacity), left = resv_tasks(holder);
	struct res need = holder->spec.res, after = sn->free;

	res_scale(&need, k < left ? k : left); /* at most what the node can hold of it */
	res_sub(&after, want);
	return res_fits(&need, &after);
}

static int end_cmp(const void *a, const void *b)
{
	int64_t x = ((const struct sched_end *)a)->end_us, y = ((const struct sched_end *)b)->end_us;
	return (x > y) - (x < y);
}

/* When k tasks of j should fit on node n (its live attempts ended by their time limits);
 * 0 when unknown. */
static int64_t node_shadow(struct pass *p, const struct rm_job *j, const struct rm_node *n,
			   int64_t k)
{
	struct sched_scratch *s = p->s;
	struct res need = j->spec.res, free = p->out->nodes[n->sched_ix].free;
	size_t ne = 0;

	res_scale(&need, k);
	if (res_fits(&need, &free))
		return p->now;
	/* Attempts without a limit never end as far as this knows: they are left out. What
	 * this pass placed on n (when it placed anything there) runs from now. */
	struct res before = n->capacity;
	res_sub(&before, &n->used);
	bool touched = before.vcores_m != free.vcores_m || before.mem_mb != free.mem_mb;
	for (size_t i = 0; touched && i < p->out->npl; i++) {
		const struct rm_job *pj = p->out->pl[i].job;
		if (p->out->pl[i].node != n || pj->spec.time_limit_ms <= 0)
			continue;
		s->ends = xgrow(s->ends, &s->capends, ne + 1, sizeof(*s->ends));
		s->ends[ne++] = (struct sched_end){ p->now + pj->spec.time_limit_ms * 1000,
						    pj->spec.res };
	}
	for (const struct rm_attempt *a = n->live_head; a != NULL; a = a->node_next) {
		int64_t lim = a->job->spec.time_limit_ms * 1000;
		if (!a->holds_res || lim <= 0)
			continue;
		int64_t st = a->start_us > 0 ? a->start_us : p->now; /* not reported yet */
		s->ends = xgrow(s->ends, &s->capends, ne + 1, sizeof(*s->ends));
		s->ends[ne++] = (struct sched_end){ st + lim > p->now ? st + lim : p->now,
						    a->job->spec.res };
	}
	if (ne == 0)
		return 0;
	qsort(s->ends, ne, sizeof(*s->ends), end_cmp);
	for (size_t i = 0; i < ne; i++) {
		res_add(&free, &s->ends[i].res);
		if (res_fits(&need, &free))
			return s->ends[i].end_us;
	}
	return 0;
}

/* The EASY shadow time of j's reservation: the latest of its nodes'; 0 when unknown. */
static int64_t resv_shadow(struct pass *p, const struct rm_job *j)
{
	int64_t left = resv_tasks(j), start = p->now;

	for (int32_t i = 0; i < j->nresv && left > 0; i++) {
		const struct rm_node *n = j->resv[i];
		int64_t k = fit_count(&j->spec.res, &n->capacity);
		k = k < left ? k : left;
		left -= k;
		int64_t t = node_shadow(p, j, n, k);
		if (t == 0)
			return 0;
		start = t > start ? t : start;
	}
	return start;
}

/* What the shadow time depends on: the reserved nodes' attempts and free space. */
static uint64_t resv_sig(const struct pass *p, const struct rm_job *j)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)resv_tasks(j);

	for (int32_t i = 0; i < j->nresv; i++) {
		const struct rm_node *n = j->resv[i];
		const struct res *fr = &p->out->nodes[n->sched_ix].free;
		const uint64_t v[5] = { (uint64_t)(uintptr_t)n, (uint64_t)n->nlive,
					(uint64_t)n->used.vcores_m, (uint64_t)fr->vcores_m,
					(uint64_t)fr->mem_mb };
		for (int k = 0; k < 5; k++)
			h = (h ^ v[k]) * 1099511628211ull;
	}
	return h;
}

/* Marks j's nodes reserved; the shadow time is recomputed only when they changed. */
static void resv_apply(struct pass *p, struct rm_job *j, bool made)
{
	uint64_t sig = resv_sig(p, j);

	for (int32_t i = 0; i < j->nresv; i++)
		j->resv[i]->sched_resv = j;
	j->queue->resv_job = j;
	p->nheld++;
	if (!made && sig == j->resv_sig)
		return;
	j->resv_sig = sig;
	j->resv_start_us = resv_shadow(p, j);
	sched_slot(p, j)->resv_fresh = true;
}

void sched_resv_mark(struct pass *p)
{
	const struct queue_tree *t = &p->cl->qt;

	for (size_t i = 0; i < t->nleaves; i++) {
		struct rm_queue *q = t->leaves[i];
		struct rm_job *j = q->resv_job;
		bool ok = j != NULL && j->queued && j->queue == q && j->nresv > 0;
		for (int32_t k = 0; ok && k < j->nresv; k++)
			ok = j->resv[k]->sched_stamp == p->stamp;
		if (ok) {
			resv_apply(p, j, false);
		} else if (j != NULL) {
			j->nresv = 0; /* a reserved node is gone: the next wait reserves anew */
			q->resv_job = NULL;
		}
	}
}

void sched_resv_drop(struct pass *p, struct rm_job *j)
{
	for (int32_t i = 0; i < j->nresv; i++)
		if (j->resv[i]->sched_stamp == p->stamp && j->resv[i]->sched_resv == j)
			j->resv[i]->sched_resv = NULL;
	sched_forget(j);
	p->nnofit = 0; /* shapes refused beside its nodes may fit on them now */
}

void sched_forget(struct rm_job *j)
{
	j->nresv = 0;
	j->resv_start_us = 0;
	if (j->queue != NULL && j->queue->resv_job == j)
		j->queue->resv_job = NULL;
}

static int rank_cmp(const void *a, const void *b)
{
	const struct sched_rank *x = a, *y = b;

	if (x->now != y->now)
		return x->now > y->now ? -1 : 1;
	if (x->ever != y->ever)
		return x->ever > y->ever ? -1 : 1;
	return (x->ix > y->ix) - (x->ix < y->ix);
}

static bool resv_candidate(const struct pass *p, const struct rm_job *j, size_t ix,
			   bool strict)
{
	const struct rm_node *n = p->out->nodes[ix].node;

	return n->sched_resv == NULL && node_labels_ok(n, &j->spec) &&
	       !(strict && job_node_excluded(j, n)) && fit_count(&j->spec.res, &n->capacity) > 0;
}

/* How close avail is to holding want: the smallest ratio over what want asks for. */
static double fit_frac(const struct res *want, const struct res *avail)
{
	double f = 1e300;

	if (want->vcores_m > 0)
		f = (double)avail->vcores_m / (double)want->vcores_m;
	if (want->mem_mb > 0 && (double)avail->mem_mb / (double)want->mem_mb < f)
		f = (double)avail->mem_mb / (double)want->mem_mb;
	if (want->gpus > 0 && (double)avail->gpus / (double)want->gpus < f)
		f = (double)avail->gpus / (double)want->gpus;
	return f;
}

/* One task: the candidate closest to having room among the nodes with vcores and memory
 * free. Only those: a task too big for the room left on partly used nodes is what a
 * reservation protects from smaller jobs (YARN reserves for the same reason); on a
 * cluster with no room anywhere the next freed slot goes by the queue order anyway, and
 * a reservation there would only keep nodes from a gang that needs them. */
static long best_single(const struct pass *p, const struct rm_job *j, bool strict)
{
	long best = -1;
	double bf = 0;

	for (size_t k = 0; k < p->nact; k++) {
		size_t ix = p->s->act[k];
		if (!resv_candidate(p, j, ix, strict))
			continue;
		double f = fit_frac(&j->spec.res, &p->out->nodes[ix].free);
		if (best < 0 || f > bf) {
			best = (long)ix;
			bf = f;
		}
	}
	return best;
}

static void resv_set(struct pass *p, struct rm_job *j, size_t n)
{
	if ((int32_t)n > j->capresv) {
		j->resv = xrealloc(j->resv, n * sizeof(*j->resv));
		j->capresv = (int32_t)n;
	}
	j->nresv = (int32_t)n;
}

void sched_resv_take(struct pass *p, struct rm_job *j, int64_t ntasks, bool strict)
{
	struct sched_scratch *s = p->s;
	struct sched_result *out = p->out;
	size_t nr = 0;
	int64_t covered = 0;

	if (j->queue->resv_job != NULL)
		return; /* the leaf's first waiting job holds it (maybe j itself) */
	if (ntasks == 1) {
		long ix = best_single(p, j, strict);
		if (ix >= 0) {
			resv_set(p, j, 1);
			j->resv[0] = out->nodes[ix].node;
			resv_apply(p, j, true);
		}
		return;
	}
	s->rank = xgrow(s->rank, &s->caprank, out->nnodes, sizeof(*s->rank));
	for (size_t ix = 0; ix < out->nnodes; ix++)
		if (resv_candidate(p, j, ix, strict))
			s->rank[nr++] = (struct sched_rank){
				ix, fit_count(&j->spec.res, &out->nodes[ix].free),
				fit_count(&j->spec.res, &out->nodes[ix].node->capacity) };
	qsort(s->rank, nr, sizeof(*s->rank), rank_cmp);
	size_t k = 0;
	for (; k < nr && covered < ntasks; k++)
		covered += s->rank[k].ever;
	if (covered < ntasks)
		return; /* the nodes it may use cannot hold it all at once */
	resv_set(p, j, k);
	for (size_t i = 0; i < k; i++)
		j->resv[i] = out->nodes[s->rank[i].ix].node;
	resv_apply(p, j, true);
}

/* ---- gangs -------------------------------------------------------------------------- */

/* Tries every task of the unit on a copy of the free space; places all or none. */
enum unit_result sched_gang(struct pass *p, struct rm_job *j, bool strict)
{
	struct sched_scratch *s = p->s;
	struct sched_it it;
	size_t n = 0, nfit = 0, cur = p->cursor;
	bool skipped = false;
	int32_t t;

	sched_it_start(p, j, &it);
	while ((t = sched_it_next(p, j, &it)) >= 0) {
		s->unit = xgrow(s->unit, &s->capunit, n + 1, sizeof(*s->unit));
		s->unit[n++] = t;
	}
	s->unit_ix = xgrow(s->unit_ix, &s->capunit_ix, n, sizeof(*s->unit_ix));
	for (; nfit < n; nfit++) {
		long ix = sched_find_node(p, j, &j->tasks[s->unit[nfit]], strict, &cur, &skipped);
		if (ix < 0)
			break;
		s->unit_ix[nfit] = (int32_t)ix;
		res_sub(&p->out->nodes[ix].free, &j->spec.res);
	}
	for (size_t i = 0; i < nfit; i++) /* undo the trial */
		res_add(&p->out->nodes[s->unit_ix[i]].free, &j->spec.res);
	if (nfit < n)
		return sched_no_room(p, j, (int64_t)nfit, (int64_t)n, strict);
	for (size_t i = 0; i < n; i++) {
		sched_it_take(p, j, s->unit[i]);
		sched_place(p, j, s->unit[i], (size_t)s->unit_ix[i]);
	}
	p->cursor = cur;
	return UNIT_PLACED;
}

/* ---- waiting for room --------------------------------------------------------------- */

/* True when some member node's capacity could hold one task of j (labels permitting). */
static bool ever_fits(struct pass *p, const struct rm_job *j, bool strict)
{
	const struct res *want = &j->spec.res;
	bool cacheable = !strict && j->spec.nrequire_labels == 0 && j->spec.nexclude_labels == 0;

	for (int i = 0; cacheable && i < p->neverfit; i++)
		if (res_fits(want, &p->everfit[i]))
			return true;
	for (size_t i = 0; i < p->cl->nnodes; i++) {
		const struct rm_node *n = p->cl->nodes[i];
		if (!node_member(n) || !res_fits(want, &n->capacity) || !node_labels_ok(n, &j->spec) ||
		    (strict && job_node_excluded(j, n)))
			continue;
		if (cacheable && p->neverfit < NOFIT_MAX)
			p->everfit[p->neverfit++] = *want;
		return true;
	}
	return false;
}

enum unit_result sched_no_room(struct pass *p, struct rm_job *j, int64_t nfit, int64_t ntasks,
			       bool strict)
{
	char what[RES_BUFSZ], tail[PROTO_REASON_MAX / 2];
	bool gang = ntasks > 1 || (j->spec.gang && j->nlive == 0);

	if (!ever_fits(p, j, strict))
		return UNIT_NOROOM; /* job_validate's refusals and autoscale speak for it */
	sched_starving(p, j, gang ? ntasks : job_unplaced(j));
	sched_resv_take(p, j, ntasks, strict);
	bool holder = j->queue->resv_job == j;
	if (!gang && !holder) {
		sched_reason_room(p, j);
		return UNIT_NOROOM;
	}
	if (!gang && j->reason != NULL && !sched_slot(p, j)->resv_fresh &&
	    strncmp(j->reason, "no node has room for ", 21) == 0)
		return UNIT_NOROOM; /* the same reservation and shadow time: the same text */
	tail[0] = '\0';
	if (holder)
		sched_resv_text(j, tail, sizeof(tail));
	else if (j->queue->resv_job != NULL)
		snprintf(tail, sizeof(tail), "; job-%llu holds the queue's reservation",
			 (unsigned long long)j->queue->resv_job->id);
	if (gang)
		sched_reason(j, "waiting for a gang reservation: %lld of %lld tasks fit now%s",
			     (long long)nfit, (long long)ntasks, tail);
	else
		sched_reason(j, "no node has room for %s now%s",
			     sched_res_text(&j->spec.res, what, sizeof(what)), tail);
	return UNIT_NOROOM;
}
