/*
 * One unit of a job: one task, or a whole gang that has not started. Before any node is
 * looked at, the unit must pass the job's dependencies, the maximum shares of its leaf
 * and the leaf's ancestors, the running-job limits and the leaf's per-user limits; each
 * refusal leaves a reason on the job. Also here: which of a job's tasks comes next in
 * this pass, since locality may take them out of order.
 */
#include <stdio.h>
#include <string.h>

#include "sched-pass.h"
#include "xmalloc.h"

/* ---- tasks chosen out of order in this pass ----------------------------------------- */

static size_t chosen_hash(const struct rm_job *j, int32_t t)
{
	uint64_t h = ((uint64_t)(uintptr_t)j ^ ((uint64_t)(uint32_t)t << 32)) *
		     0x9E3779B97F4A7C15ull;
	return (size_t)(h ^ (h >> 31));
}

static struct sched_chosen *chosen_find(struct sched_chosen *v, size_t cap, uint32_t stamp,
					const struct rm_job *j, int32_t t)
{
	for (size_t i = chosen_hash(j, t) & (cap - 1);; i = (i + 1) & (cap - 1))
		if (v[i].stamp != stamp || (v[i].job == j && v[i].task == t))
			return &v[i];
}

static bool chosen_has(const struct pass *p, const struct rm_job *j, int32_t t)
{
	const struct sched_scratch *s = p->s;

	if (s->chosen_stamp != p->stamp || s->capchosen == 0)
		return false;
	return chosen_find(s->chosen, s->capchosen, p->stamp, j, t)->stamp == p->stamp;
}

static void chosen_add(struct pass *p, const struct rm_job *j, int32_t t)
{
	struct sched_scratch *s = p->s;

	if (s->chosen_stamp != p->stamp) {
		s->chosen_stamp = p->stamp;
		s->nchosen = 0;
	}
	if (2 * (s->nchosen + 1) > s->capchosen) {
		size_t cap = s->capchosen ? s->capchosen * 2 : 64;
		struct sched_chosen *v = xcalloc(cap, sizeof(*v));
		for (size_t i = 0; i < s->capchosen; i++)
			if (s->chosen[i].stamp == p->stamp)
				*chosen_find(v, cap, p->stamp, s->chosen[i].job, s->chosen[i].task) =
					s->chosen[i];
		free(s->chosen);
		s->chosen = v;
		s->capchosen = cap;
	}
	*chosen_find(s->chosen, s->capchosen, p->stamp, j, t) =
		(struct sched_chosen){ j, t, p->stamp };
	s->nchosen++;
}

/* ---- the job's next tasks ----------------------------------------------------------- */

void sched_it_start(struct pass *p, struct rm_job *j, struct sched_it *it)
{
	if (j->it_stamp != p->stamp) {
		j->it_stamp = p->stamp;
		j->it_rq = j->rq_head;
		j->it_cur = j->cursor;
		j->it_ooo = 0;
		j->it_placed = 0;
	}
	it->rq = j->it_rq;
	it->cur = j->it_cur;
}

int32_t sched_it_next(const struct pass *p, const struct rm_job *j, struct sched_it *it)
{
	while (it->rq < j->nrequeue) {
		int32_t t = j->requeue[it->rq++];
		if (j->it_ooo == 0 || !chosen_has(p, j, t))
			return t;
	}
	while (it->cur < j->spec.ntasks) {
		int32_t t = it->cur++;
		if (j->tasks[t].nattempts == 0 && (j->it_ooo == 0 || !chosen_has(p, j, t)))
			return t;
	}
	return -1;
}

void sched_it_take(struct pass *p, struct rm_job *j, int32_t ti)
{
	struct sched_it it = { j->it_rq, j->it_cur };

	if (sched_it_next(p, j, &it) == ti) { /* the head: the common case, O(1) */
		j->it_rq = it.rq;
		j->it_cur = it.cur;
		return;
	}
	chosen_add(p, j, ti);
	j->it_ooo++;
}

bool sched_exclusion_strict(const struct pass *p, const struct rm_job *j)
{
	return j->nexcl > 0 && job_excluded_count(j) < p->members;
}

/* ---- limits ------------------------------------------------------------------------- */

static bool deps_ok(struct pass *p, struct rm_job *j)
{
	uint64_t bad;

	if (j->spec.nafter == 0)
		return true;
	enum dep_status d = job_deps(p->cl, j, &bad);
	if (d == DEPS_FAILED) {
		sched_add_dep_failed(p->out, j, bad);
		return false;
	}
	if (d == DEPS_READY)
		return true;
	for (int i = 0; i < j->spec.nafter; i++) {
		if (cluster_job_state(p->cl, j->spec.after[i]) != JOB_SUCCEEDED) {
			sched_reason(j, "waiting for job-%llu", (unsigned long long)j->spec.after[i]);
			break;
		}
	}
	return false;
}

/* From the root down, so that the reason names the highest queue at its maximum. */
static bool max_share_ok(struct pass *p, struct rm_job *j, struct rm_queue *q,
			 const struct qres *r)
{
	int which = 0;

	bool whole = true; /* a maximum of the whole cluster is the nodes' room, not a limit */

	if (q->parent != NULL && !max_share_ok(p, j, q->parent, r))
		return false;
	for (int i = 0; i < QR_N; i++)
		whole = whole && q->maxs[i] >= 1;
	if (whole || queue_within_max(q, &q->pass_used, r, &p->cl->total, &which))
		return true;
	sched_reason(j, "queue %s is at its maximum share of %s (%.3g%%)", q->path,
		     qres_names[which], q->maxs[which] * 100);
	return false;
}

/* A job that holds nothing yet would be one more running job. */
static bool running_ok(struct pass *p, struct rm_job *j)
{
	struct rm_queue *leaf = j->queue;
	int32_t lim = leaf->c.user_max_running_jobs;

	if (j->nheld > 0 || j->it_placed > 0)
		return true;
	for (struct rm_queue *q = leaf; q != NULL; q = q->parent) {
		int32_t max = q->c.max_running_jobs;
		if (max > 0 && q->running_jobs + sched_slot(p, q)->new_running >= max) {
			sched_reason(j, "queue %s is at its limit of %d running job%s", q->path,
				     max, max == 1 ? "" : "s");
			return false;
		}
	}
	if (lim > 0 && j->qu->running_jobs + sched_slot(p, j->qu)->new_running >= lim) {
		sched_reason(j, "user %s is at the queue's limit of %d running job%s",
			     j->qu->name, lim, lim == 1 ? "" : "s");
		return false;
	}
	return true;
}

/* A user may hold user_max_pct of what the leaf may hold at most. */
static bool user_share_ok(struct pass *p, struct rm_job *j, const struct qres *r)
{
	const struct rm_queue *leaf = j->queue;
	double pct = leaf->c.user_max_pct;

	if (pct <= 0 || pct >= 100)
		return true;
	for (int i = 0; i < QR_N; i++) {
		double cap = pct / 100 * leaf->maxs[i] * (double)p->cl->total.v[i];
		if (r->v[i] <= 0 || (double)(j->qu->pass_used.v[i] + r->v[i]) <= cap + 1e-9)
			continue;
		sched_reason(j, "user %s is at its limit of %.3g%% of queue %s's maximum share "
			     "of %s", j->qu->name, pct, leaf->path, qres_names[i]);
		return false;
	}
	return true;
}

enum unit_result sched_unit(struct pass *p, struct rm_job *j)
{
	struct sched_it it;
	struct qres r;

	sched_it_start(p, j, &it);
	if (sched_it_next(p, j, &it) < 0)
		return UNIT_DONE;
	bool gang = j->spec.gang && j->nlive == 0 && j->it_placed == 0;
	int64_t n = gang ? job_unplaced(j) : 1;
	qres_from_res(&r, &j->spec.res);
	for (int i = 0; i < QR_N; i++)
		r.v[i] *= n;
	if (!deps_ok(p, j) || !max_share_ok(p, j, j->queue, &r) || !running_ok(p, j) ||
	    !user_share_ok(p, j, &r))
		return UNIT_LIMIT;
	bool strict = sched_exclusion_strict(p, j);
	return gang ? sched_gang(p, j, strict) : sched_single(p, j, strict);
}
