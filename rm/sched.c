/*
 * FIFO placement: the pure core of the scheduler. It reads the cluster (nodes with their
 * reservations, the queue of jobs with unplaced tasks) and returns placements; it does no
 * I/O, reads no clock and changes nothing but the rotation cl->rr.
 *
 * Cost: O(queued jobs x nodes + placements) in the worst case, O(nodes + placements)
 * in the common one. Every task of a job asks for the same resources, so once no node
 * fits a job the rest of its tasks are skipped, and a job that asks for at least as much
 * as a shape that already fit nowhere is skipped without looking at nodes.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "xmalloc.h"

#define NOFIT_MAX 8

struct pass {
	struct cluster *cl;
	struct sched_result *out;
	struct res nofit[NOFIT_MAX]; /* shapes that fit on no node any more this pass */
	int nnofit;
	int32_t members;             /* member nodes, for the exclusion fallback */
};

void sched_result_reset(struct sched_result *r)
{
	r->npl = 0;
	r->ndep = 0;
}

void sched_result_free(struct sched_result *r)
{
	free(r->nodes);
	free(r->cand);
	free(r->pl);
	free(r->dep_failed);
	free(r->dep_bad);
	memset(r, 0, sizeof(*r));
}

/* Schedulable nodes with what is free on them, starting at the rotation point. */
static void collect_nodes(struct cluster *cl, struct sched_result *out)
{
	size_t n = cl->nnodes;

	out->nnodes = 0;
	out->nodes = xgrow(out->nodes, &out->capnodes, n, sizeof(*out->nodes));
	for (size_t k = 0; k < n; k++) {
		struct rm_node *node = cl->nodes[(cl->rr + k) % n];
		if (!node_schedulable(node))
			continue;
		struct sched_node *sn = &out->nodes[out->nnodes++];
		sn->node = node;
		sn->free = node->capacity;
		res_sub(&sn->free, &node->used);
	}
	if (n > 0)
		cl->rr = (cl->rr + 1) % (uint32_t)n;
}

static bool known_nofit(const struct pass *ps, const struct res *want)
{
	for (int i = 0; i < ps->nnofit; i++)
		if (res_fits(&ps->nofit[i], want)) /* want >= a shape that fit nowhere */
			return true;
	return false;
}

static void add_nofit(struct pass *ps, const struct res *want)
{
	if (ps->nnofit < NOFIT_MAX)
		ps->nofit[ps->nnofit++] = *want;
}

static void add_placement(struct sched_result *out, struct rm_job *j, int32_t task,
			  struct rm_node *n)
{
	out->pl = xgrow(out->pl, &out->cappl, out->npl + 1, sizeof(*out->pl));
	out->pl[out->npl++] = (struct placement){ j, task, n };
}

static void add_dep_failed(struct sched_result *out, struct rm_job *j, uint64_t bad)
{
	size_t cap = out->capdep;

	out->dep_failed = xgrow(out->dep_failed, &out->capdep, out->ndep + 1,
				sizeof(*out->dep_failed));
	out->dep_bad = xgrow(out->dep_bad, &cap, out->ndep + 1, sizeof(*out->dep_bad));
	out->dep_failed[out->ndep] = j;
	out->dep_bad[out->ndep++] = bad;
}

/* Fills out->cand with the nodes that can take one task of j; returns their count.
 * strict: skip the nodes excluded for j (nodehealth.c). */
static size_t candidates(struct sched_result *out, const struct rm_job *j, bool strict)
{
	size_t nc = 0;

	out->cand = xgrow(out->cand, &out->capcand, out->nnodes, sizeof(*out->cand));
	for (size_t i = 0; i < out->nnodes; i++)
		if (res_fits(&j->spec.res, &out->nodes[i].free) &&
		    node_labels_ok(out->nodes[i].node, &j->spec) &&
		    !(strict && job_node_excluded(j, out->nodes[i].node)))
			out->cand[nc++] = i;
	return nc;
}

static bool job_has_labels(const struct job_spec *s)
{
	return s->nrequire_labels > 0 || s->nexclude_labels > 0;
}

/* Exclusion holds unless every member node is excluded for j: then max_attempts rules. */
static bool exclusion_strict(const struct pass *ps, const struct rm_job *j)
{
	return j->nexcl > 0 && job_excluded_count(j) < ps->members;
}

/* Picks among candidates from position pos, avoiding nodes where t already failed
 * when another candidate can take it. Returns a position in cand. */
static size_t pick(const struct sched_result *out, size_t nc, size_t pos,
		   const struct rm_task *t)
{
	if (t->nfailed == 0)
		return pos;
	for (size_t k = 0; k < nc; k++) {
		size_t p = (pos + k) % nc;
		if (!task_failed_on(t, out->nodes[out->cand[p]].node))
			return p;
	}
	return pos;
}

/* The i-th unplaced task of j: re-queued ones first (lower indexes), then the cursor. */
static int32_t nth_unplaced(const struct rm_job *j, size_t i)
{
	size_t nrq = j->nrequeue - j->rq_head;

	if (i < nrq)
		return j->requeue[j->rq_head + i];
	if ((size_t)j->cursor + (i - nrq) < (size_t)j->spec.ntasks)
		return j->cursor + (int32_t)(i - nrq);
	return -1;
}

/* Places as many tasks of j as fit, spreading them over the candidates in turn. */
static void place_job(struct pass *ps, struct rm_job *j)
{
	struct sched_result *out = ps->out;
	const struct res *want = &j->spec.res;
	bool strict = exclusion_strict(ps, j);
	size_t nc = candidates(out, j, strict), pos = 0;
	int32_t ti;

	for (size_t i = 0; nc > 0 && (ti = nth_unplaced(j, i)) >= 0; i++) {
		size_t p = pick(out, nc, pos, &j->tasks[ti]);
		struct sched_node *sn = &out->nodes[out->cand[p]];

		add_placement(out, j, ti, sn->node);
		res_sub(&sn->free, want);
		if (!res_fits(want, &sn->free)) {
			out->cand[p] = out->cand[--nc]; /* full for this shape */
			pos = nc > 0 ? p % nc : 0;
		} else {
			pos = (p + 1) % nc;
		}
	}
	/* Excluded nodes and label constraints do not make the shape unfit for others. */
	if (nc == 0 && !strict && !job_has_labels(&j->spec))
		add_nofit(ps, want);
}

void sched_pass(struct cluster *cl, struct sched_result *out)
{
	struct pass ps = { .cl = cl, .out = out };
	uint64_t bad;

	sched_result_reset(out);
	collect_nodes(cl, out);
	for (size_t i = 0; i < cl->nnodes; i++)
		ps.members += node_member(cl->nodes[i]);
	for (struct rm_job *j = cl->q_head; j != NULL; j = j->q_next) {
		enum dep_status d = job_deps(cl, j, &bad);
		if (d == DEPS_FAILED) {
			add_dep_failed(out, j, bad);
			continue;
		}
		if (d == DEPS_WAIT || out->nnodes == 0 || known_nofit(&ps, &j->spec.res))
			continue;
		place_job(&ps, j);
	}
}

const struct sched_policy sched_fifo = { "fifo", sched_pass };
