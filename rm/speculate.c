/*
 * Speculative execution: picks copies of straggling attempts. Pure: it reads the cluster
 * and the time (cluster_now) and returns picks; spec_apply starts them. Two rules, chosen
 * per job by whether its attempts report progress:
 *
 *  - LATE (Zaharia et al., OSDI 2008). rate = progress / runtime, time left =
 *    (1 - progress) / rate. Candidates are attempts whose rate is below the slow_task_pct
 *    percentile of the job's rates, longest time left first. The population holds the
 *    running attempts and, unlike the paper, the finished ones (1 / duration): at a job's
 *    tail the running attempts may all be stragglers, and a percentile of stragglers
 *    alone would always call some of them fast. As Hadoop's MR2 speculator does, a copy
 *    is only made when it should finish first: time left > the job's typical duration.
 *  - Spark's rule (spark.speculation.*). Once quantile_pct of the job's tasks finished,
 *    copy a task that has run longer than multiplier_pct/100 x their median duration.
 *
 * No attempt is judged before min_runtime. Copies go to nodes that are not slow (a node's
 * speed, the mean of its attempts' rates against their jobs' typical rate, below the
 * slow_node_pct percentile of the nodes' speeds), never beside another attempt of the
 * task, at most one per task; live copies are capped at cap_pct of the cluster's slots.
 * Jobs with tasks still waiting for placement get no copies: new work comes first.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "xmalloc.h"

#define FOREVER_S 1e18

struct spec_cand {
	struct rm_attempt *a;
	double key; /* LATE: seconds left; Spark: seconds run. Larger is copied first. */
};

/* What one pass knows about a job. */
struct spec_job {
	struct spec_conf c;
	bool late;       /* its attempts report progress */
	double typical;  /* LATE: median rate (1/s); Spark: median duration (s); 0 = unknown */
	double slow;     /* LATE: the slow-task threshold rate */
};

void spec_conf_defaults(struct spec_conf *c)
{
	*c = (struct spec_conf){ .enabled = true, .slow_task_pct = 25, .slow_node_pct = 25,
				 .cap_pct = 10, .multiplier_pct = 150, .quantile_pct = 75,
				 .min_runtime_us = 1000000 };
}

bool spec_job_conf(const struct spec_conf *c, const struct job_spec *s, struct spec_conf *out)
{
	const struct job_speculation *x = &s->speculation;

	*out = *c;
	if (x->mode == SPECULATE_ON)
		out->enabled = true;
	else if (x->mode == SPECULATE_OFF)
		out->enabled = false;
	if (x->slow_task_pct > 0)
		out->slow_task_pct = x->slow_task_pct;
	if (x->slow_node_pct > 0)
		out->slow_node_pct = x->slow_node_pct;
	if (x->cap_pct > 0)
		out->cap_pct = x->cap_pct;
	if (x->multiplier_pct > 0)
		out->multiplier_pct = x->multiplier_pct;
	if (x->quantile_pct > 0)
		out->quantile_pct = x->quantile_pct;
	if (x->min_runtime_ms > 0)
		out->min_runtime_us = x->min_runtime_ms * 1000;
	return out->enabled;
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return (a > b) - (a < b);
}

double spec_percentile(double *v, size_t n, int32_t pct)
{
	double pos;
	size_t lo;

	qsort(v, n, sizeof(*v), cmp_double);
	pos = (double)pct / 100.0 * (double)(n - 1);
	lo = (size_t)pos;
	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (pos - (double)lo) * (v[lo + 1] - v[lo]);
}

int32_t spec_cap(const struct cluster *cl, int32_t cap_pct)
{
	int64_t slots = 0;

	for (size_t i = 0; i < cl->nnodes; i++) {
		const struct rm_node *n = cl->nodes[i];
		if (node_schedulable(n))
			slots += n->capacity.vcores_m >= 1000 ? n->capacity.vcores_m / 1000 : 1;
	}
	int64_t cap = (slots * cap_pct + 99) / 100; /* rounded up: 10% of 12 slots is 2 */
	return cap < 1 ? 1 : (int32_t)cap;
}

/* Seconds an attempt ran (to now while live); -1 before its start was reported. */
static double run_s(const struct rm_attempt *a, int64_t now)
{
	int64_t end = attempt_live(a) && a->state != ATT_COMMITTING ? now : a->end_us;

	if (a->start_us <= 0 || end <= 0)
		return -1;
	return end > a->start_us ? (double)(end - a->start_us) / 1e6 : 1e-3;
}

static bool finished_ok(const struct rm_attempt *a)
{
	return a->state == ATT_SUCCEEDED || a->state == ATT_COMMITTING;
}

/* The task's one live attempt when it is RUNNING alone (no copy yet), else NULL. */
static struct rm_attempt *lone_runner(const struct rm_task *t)
{
	if (t->state != TASK_RUNNING || t->nlive != 1)
		return NULL;
	for (int32_t i = t->nattempts - 1; i >= 0; i--)
		if (attempt_live(t->attempts[i]))
			return t->attempts[i]->state == ATT_RUNNING ? t->attempts[i] : NULL;
	return NULL;
}

/* LATE's rate of an attempt, or -1 when it tells nothing yet. */
static double late_rate(const struct rm_attempt *a, int64_t now, int64_t min_us)
{
	double run = run_s(a, now);

	if (run < 0)
		return -1;
	if (finished_ok(a))
		return 1.0 / run;
	if (a->state != ATT_RUNNING || run * 1e6 < (double)min_us)
		return -1;
	return (a->progress > 0 ? (a->progress > 1 ? 1 : a->progress) : 0) / run;
}

static void vals_grow(struct spec_result *out, size_t n)
{
	out->vals = xgrow(out->vals, &out->capvals, n, sizeof(*out->vals));
}

/* LATE: the job's median rate and slow-task threshold over its attempts' rates. */
static void late_stats(const struct rm_job *j, struct spec_job *sj, int64_t now,
		       struct spec_result *out)
{
	size_t n = 0;

	for (int32_t i = 0; i < j->spec.ntasks; i++) {
		const struct rm_task *t = &j->tasks[i];
		for (int32_t k = 0; k < t->nattempts; k++) {
			double r = late_rate(t->attempts[k], now, sj->c.min_runtime_us);
			if (r < 0)
				continue;
			vals_grow(out, n + 1);
			out->vals[n++] = r;
		}
	}
	if (n == 0)
		return;
	sj->slow = spec_percentile(out->vals, n, sj->c.slow_task_pct);
	sj->typical = spec_percentile(out->vals, n, 50);
}

/* Spark: the median duration of the finished tasks, once quantile_pct of them finished. */
static void spark_stats(const struct rm_job *j, struct spec_job *sj, int64_t now,
			struct spec_result *out)
{
	size_t n = 0;

	for (int32_t i = 0; i < j->spec.ntasks; i++) {
		const struct rm_task *t = &j->tasks[i];
		for (int32_t k = 0; k < t->nattempts; k++) {
			double d = finished_ok(t->attempts[k]) ? run_s(t->attempts[k], now) : -1;
			if (d < 0)
				continue;
			vals_grow(out, n + 1);
			out->vals[n++] = d;
			break; /* one per task */
		}
	}
	if (n == 0 || (int64_t)n * 100 < (int64_t)sj->c.quantile_pct * j->spec.ntasks)
		return;
	sj->typical = spec_percentile(out->vals, n, 50);
}

/* Whether any attempt of j ever reported progress. */
static bool reports_progress(const struct rm_job *j)
{
	for (int32_t i = 0; i < j->spec.ntasks; i++)
		for (int32_t k = 0; k < j->tasks[i].nattempts; k++)
			if (j->tasks[i].attempts[k]->progress >= 0)
				return true;
	return false;
}

static void job_stats(const struct cluster *cl, const struct rm_job *j, struct spec_job *sj,
		      int64_t now, struct spec_result *out)
{
	spec_job_conf(&cl->spec, &j->spec, &sj->c);
	sj->late = reports_progress(j);
	sj->typical = sj->slow = 0;
	if (sj->late)
		late_stats(j, sj, now, out);
	else
		spark_stats(j, sj, now, out);
}

/* An attempt's speed against its job's typical one, or -1 when it tells nothing. */
static double attempt_speed(const struct rm_attempt *a, const struct spec_job *sj, int64_t now)
{
	double run;

	if (sj->typical <= 0)
		return -1;
	if (sj->late) {
		double r = late_rate(a, now, sj->c.min_runtime_us);
		return r < 0 ? -1 : r / sj->typical;
	}
	run = run_s(a, now);
	if (run <= 0 || (!finished_ok(a) && (a->state != ATT_RUNNING || run <= sj->typical)))
		return -1; /* a running attempt is only known to be slow once past the median */
	return sj->typical / run;
}

/* Adds j's attempts to their nodes' speed samples. */
static void sample_nodes(const struct rm_job *j, const struct spec_job *sj, int64_t now)
{
	for (int32_t i = 0; i < j->spec.ntasks; i++) {
		const struct rm_task *t = &j->tasks[i];
		for (int32_t k = 0; k < t->nattempts; k++) {
			double s = attempt_speed(t->attempts[k], sj, now);
			if (s < 0)
				continue;
			t->attempts[k]->node->spec_speed += s > 2 ? 2 : s; /* a few lucky runs */
			t->attempts[k]->node->spec_nspeed++;
		}
	}
}

/* The jobs with live attempts, each once, by priority then age. */
static int cmp_job(const void *pa, const void *pb)
{
	const struct rm_job *a = *(const struct rm_job *const *)pa;
	const struct rm_job *b = *(const struct rm_job *const *)pb;

	if (a->spec.priority != b->spec.priority)
		return a->spec.priority > b->spec.priority ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

static void collect_jobs(struct cluster *cl, struct spec_result *out)
{
	out->njobs = 0;
	for (size_t i = 0; i < cl->nnodes; i++) {
		for (struct rm_attempt *a = cl->nodes[i]->live_head; a != NULL; a = a->node_next) {
			if (a->job->spec_stamp == cl->spec_stamp || job_finished(a->job))
				continue;
			a->job->spec_stamp = cl->spec_stamp;
			out->jobs = xgrow(out->jobs, &out->capjobs, out->njobs + 1,
					  sizeof(*out->jobs));
			out->jobs[out->njobs++] = a->job;
		}
	}
	if (out->njobs > 1) /* (qsort wants a non-NULL array even for none) */
		qsort(out->jobs, out->njobs, sizeof(*out->jobs), cmp_job);
}

/* Live copies in the cluster, and of job j. */
static int32_t live_copies(const struct cluster *cl, const struct rm_job *j)
{
	int32_t n = 0;

	for (size_t i = 0; i < cl->nnodes; i++)
		for (struct rm_attempt *a = cl->nodes[i]->live_head; a != NULL; a = a->node_next)
			if (a->speculative && (j == NULL || a->job == j))
				n++;
	return n;
}

/* Schedulable nodes with what is free on them; turns speed sums into means. */
static double collect_nodes(struct cluster *cl, struct spec_result *out, int32_t slow_pct)
{
	size_t nknown = 0;

	out->nnodes = 0;
	out->nodes = xgrow(out->nodes, &out->capnodes, cl->nnodes, sizeof(*out->nodes));
	vals_grow(out, cl->nnodes);
	for (size_t i = 0; i < cl->nnodes; i++) {
		struct rm_node *n = cl->nodes[i];
		if (n->spec_nspeed > 0)
			n->spec_speed /= n->spec_nspeed;
		if (!node_schedulable(n))
			continue;
		out->nodes[out->nnodes].node = n;
		out->nodes[out->nnodes].free = n->capacity;
		res_sub(&out->nodes[out->nnodes++].free, &n->used);
		if (n->spec_nspeed > 0)
			out->vals[nknown++] = n->spec_speed;
	}
	return nknown >= 2 ? spec_percentile(out->vals, nknown, slow_pct) : -1;
}

/* Whether t has an attempt, live or failed, on n. */
static bool task_uses(const struct rm_task *t, const struct rm_node *n)
{
	for (int32_t i = 0; i < t->nattempts; i++)
		if (t->attempts[i]->node == n &&
		    (attempt_live(t->attempts[i]) || t->attempts[i]->state == ATT_FAILED))
			return true;
	return false;
}

/* The fastest fitting node that is not slow and not used by t; -1 when none. */
static int pick_node(struct spec_result *out, const struct rm_job *j, const struct rm_task *t,
		     double slow_node)
{
	int best = -1;
	double best_speed = -1;

	for (size_t i = 0; i < out->nnodes; i++) {
		const struct rm_node *n = out->nodes[i].node;
		double speed = n->spec_nspeed > 0 ? n->spec_speed : 1; /* unknown: typical */
		if (!res_fits(&j->spec.res, &out->nodes[i].free) || task_uses(t, n) ||
		    job_node_excluded(j, n) || !node_labels_ok(n, &j->spec))
			continue;
		if (n->spec_nspeed > 0 && n->spec_speed < slow_node)
			continue;
		if (speed > best_speed) {
			best = (int)i;
			best_speed = speed;
		}
	}
	return best;
}

static int cmp_cand(const void *pa, const void *pb)
{
	const struct spec_cand *a = pa, *b = pb;
	return (a->key < b->key) - (a->key > b->key); /* descending */
}

/* The job's stragglers, the ones to copy first first. */
static size_t candidates(const struct rm_job *j, const struct spec_job *sj, int64_t now,
			 struct spec_result *out)
{
	size_t n = 0;

	if (sj->typical <= 0)
		return 0;
	for (int32_t i = 0; i < j->spec.ntasks; i++) {
		struct rm_attempt *a = lone_runner(&j->tasks[i]);
		double run = a != NULL ? run_s(a, now) : -1, key;
		if (run < 0 || run * 1e6 < (double)sj->c.min_runtime_us)
			continue;
		if (sj->late) {
			double r = late_rate(a, now, sj->c.min_runtime_us);
			double p = a->progress > 0 ? (a->progress > 1 ? 1 : a->progress) : 0;
			key = r > 0 ? (1 - p) / r : FOREVER_S;
			if (!(r < sj->slow) || key <= 1.0 / sj->typical)
				continue;
		} else {
			key = run;
			if (run <= sj->typical * (double)sj->c.multiplier_pct / 100.0)
				continue;
		}
		out->cand = xgrow(out->cand, &out->capcand, n + 1, sizeof(*out->cand));
		out->cand[n++] = (struct spec_cand){ a, key };
	}
	if (n > 1)
		qsort(out->cand, n, sizeof(*out->cand), cmp_cand);
	return n;
}

/* Picks copies for one job within budget; returns how many. */
static int32_t pick_job(struct cluster *cl, struct rm_job *j, const struct spec_job *sj,
			int64_t now, int32_t budget, double slow_node, struct spec_result *out)
{
	int32_t mine = spec_cap(cl, sj->c.cap_pct) - live_copies(cl, j), n = 0;
	size_t nc = candidates(j, sj, now, out);

	if (mine < budget)
		budget = mine;
	for (size_t i = 0; i < nc && n < budget; i++) {
		struct rm_attempt *a = out->cand[i].a;
		int ni = pick_node(out, j, a->task, slow_node);
		if (ni < 0)
			break; /* no fast node fits this job's shape */
		res_sub(&out->nodes[ni].free, &j->spec.res);
		out->picks = xgrow(out->picks, &out->cappicks, out->npicks + 1,
				   sizeof(*out->picks));
		out->picks[out->npicks++] = (struct spec_pick){
			j, a->task->index, out->nodes[ni].node, a, NULL,
			sj->late ? SPEC_LATE : SPEC_SPARK, out->cand[i].key };
		n++;
	}
	return n;
}

void spec_pass(struct cluster *cl, struct spec_result *out)
{
	int64_t now = cluster_now(cl);
	struct spec_job *sj;
	int32_t budget;
	double slow_node;

	out->npicks = 0;
	cl->spec_stamp++;
	collect_jobs(cl, out);
	sj = xcalloc(out->njobs + 1, sizeof(*sj));
	for (size_t i = 0; i < cl->nnodes; i++) {
		cl->nodes[i]->spec_speed = 0;
		cl->nodes[i]->spec_nspeed = 0;
	}
	for (size_t i = 0; i < out->njobs; i++) {
		job_stats(cl, out->jobs[i], &sj[i], now, out);
		sample_nodes(out->jobs[i], &sj[i], now);
	}
	slow_node = collect_nodes(cl, out, cl->spec.slow_node_pct);
	budget = spec_cap(cl, cl->spec.cap_pct) - live_copies(cl, NULL);
	for (size_t i = 0; i < out->njobs && budget > 0; i++) {
		struct rm_job *j = out->jobs[i];
		if (!sj[i].c.enabled || j->state != JOB_RUNNING || job_has_unplaced(j))
			continue;
		budget -= pick_job(cl, j, &sj[i], now, budget, slow_node, out);
	}
	free(sj);
}

void spec_apply(struct cluster *cl, struct spec_result *r)
{
	for (size_t i = 0; i < r->npicks; i++) {
		struct spec_pick *p = &r->picks[i];
		struct rm_task *t = &p->job->tasks[p->task];
		if (job_finished(p->job) || t->state != TASK_RUNNING || !node_schedulable(p->node))
			continue;
		p->copy = attempt_start(cl, p->job, t, p->node);
		p->copy->speculative = true;
		p->job->spec_launched++;
		cl->spec_launched++;
	}
}

void spec_result_free(struct spec_result *r)
{
	free(r->picks);
	free(r->nodes);
	free(r->vals);
	free(r->cand);
	free(r->jobs);
	memset(r, 0, sizeof(*r));
}
