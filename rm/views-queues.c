/*
 * The queue views: queue_list's reply and the "queues" array of cluster_info (rmtop reads
 * it there), depth-first from the root. Usage, job counts and limits come from the tree
 * (queue.c keeps them, as the scheduler enforces them: running = holding resources,
 * pending = with tasks to place); tasks and demand are counted here from the unfinished
 * jobs, one pass for every queue. The HTTP API sends the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "rm.h"
#include "xmalloc.h"

#define QUEUE_FIELDS 26
#define USER_FIELDS 4

/* What one queue's subtree has waiting and running, counted from the jobs. */
struct qcount {
	const struct rm_queue *q;
	struct res demand;
	int64_t tasks_pending, tasks_running;
};

static int by_queue(const void *a, const void *b)
{
	const struct rm_queue *x = ((const struct qcount *)a)->q;
	const struct rm_queue *y = ((const struct qcount *)b)->q;

	return x < y ? -1 : x > y;
}

/* Counts every unfinished job on its leaf and the leaf's ancestors; sorted by queue. */
static struct qcount *count_jobs(const struct cluster *cl)
{
	const struct queue_tree *t = &cl->qt;
	struct qcount *c = xcalloc(t->nall + 1, sizeof(*c));

	for (size_t i = 0; i < t->nall; i++)
		c[i].q = t->all[i];
	qsort(c, t->nall, sizeof(*c), by_queue);
	for (uint64_t id = 1; id < cl->next_job; id++) {
		const struct rm_job *j = cl->jobs[id];
		if (j == NULL || job_finished(j) || j->queue == NULL)
			continue;
		int64_t unplaced = job_unplaced(j);
		struct res d = j->spec.res;
		res_scale(&d, unplaced);
		for (const struct rm_queue *q = j->queue; q != NULL; q = q->parent) {
			struct qcount key = { .q = q };
			struct qcount *k = bsearch(&key, c, t->nall, sizeof(*c), by_queue);
			if (k == NULL)
				continue;
			res_add(&k->demand, &d);
			k->tasks_pending += unplaced;
			k->tasks_running += j->ntask_state[TASK_RUNNING] +
					    j->ntask_state[TASK_COMMITTING];
		}
	}
	return c;
}

static void qres_to_res(struct res *r, const struct qres *q)
{
	memset(r, 0, sizeof(*r));
	r->vcores_m = q->v[QR_VCORES];
	r->mem_mb = q->v[QR_MEM];
	r->gpus = q->v[QR_GPUS];
}

static void kqres(struct mpw *w, const char *key, const struct qres *q)
{
	struct res r;

	qres_to_res(&r, q);
	mpw_kres(w, key, &r);
}

static double max_of(const double v[QR_N])
{
	double m = v[0];

	for (int r = 1; r < QR_N; r++)
		m = v[r] > m ? v[r] : m;
	return m;
}

static void by_resource(struct mpw *w, const char *key, const double v[QR_N])
{
	mpw_key(w, key);
	mpw_map(w, QR_N);
	for (int r = 0; r < QR_N; r++)
		mpw_kdouble(w, qres_names[r], v[r]);
}

uint64_t views_queue_preempted(const struct rm_queue *q)
{
	uint64_t n = q->nchildren == 0 ? q->preempted : 0;

	for (size_t i = 0; i < q->nchildren; i++)
		n += views_queue_preempted(q->children[i]);
	return n;
}

static bool user_shown(const struct queue_user *u)
{
	return u->running_jobs > 0 || u->head != NULL || u->used.v[QR_VCORES] != 0 ||
	       u->used.v[QR_MEM] != 0 || u->used.v[QR_GPUS] != 0;
}

/* A leaf's users that hold or wait for something. */
static void view_users(struct mpw *w, const struct rm_queue *q, const struct qres *total)
{
	uint32_t n = 0;

	for (size_t i = 0; i < q->nusers; i++)
		n += user_shown(q->users[i]);
	mpw_key(w, "users");
	mpw_array(w, n);
	for (size_t i = 0; i < q->nusers; i++) {
		const struct queue_user *u = q->users[i];
		if (!user_shown(u))
			continue;
		mpw_map(w, USER_FIELDS);
		mpw_kstr(w, "name", u->name);
		kqres(w, "used", &u->used);
		mpw_kdouble(w, "share", qres_dominant(&u->used, total));
		mpw_kint(w, "jobs_running", u->running_jobs);
	}
}

static void view_queue(struct mpw *w, const struct cluster *cl, const struct rm_queue *q,
		       const struct qcount *k, int64_t now_us)
{
	const struct queue_conf *c = &q->c;

	mpw_map(w, QUEUE_FIELDS);
	mpw_kstr(w, "path", q->path);
	mpw_kstr(w, "name", q->name);
	mpw_kint(w, "depth", q->depth);
	mpw_kbool(w, "leaf", queue_is_leaf(q));
	mpw_kstr(w, "state", queue_state_names[c->state]);
	mpw_kstr(w, "order", queue_order_names[c->order]);
	mpw_kdouble(w, "weight", c->weight);
	mpw_kbool(w, "preemptable", c->preemptable);
	mpw_kdouble(w, "guarantee", max_of(q->guar));
	mpw_kdouble(w, "maximum", max_of(q->maxs));
	by_resource(w, "guarantee_by", q->guar);
	by_resource(w, "maximum_by", q->maxs);
	kqres(w, "used", &q->used);
	mpw_kdouble(w, "share", qres_dominant(&q->used, &cl->total));
	mpw_kres(w, "demand", &k->demand);
	mpw_kint(w, "tasks_pending", k->tasks_pending);
	mpw_kint(w, "tasks_running", k->tasks_running);
	mpw_kint(w, "jobs_running", q->running_jobs);
	mpw_kint(w, "jobs_pending", q->pending_jobs);
	mpw_kint(w, "max_running_jobs", c->max_running_jobs);
	mpw_kint(w, "user_max_running_jobs", c->user_max_running_jobs);
	mpw_kdouble(w, "user_max_share", c->user_max_pct);
	mpw_kuint(w, "preempted", views_queue_preempted(q));
	mpw_kdouble(w, "starving_s", q->starved_since_us > 0 && now_us > q->starved_since_us
			  ? (double)(now_us - q->starved_since_us) / 1e6 : 0);
	if (queue_is_leaf(q)) {
		view_users(w, q, &cl->total);
	} else {
		mpw_key(w, "users");
		mpw_array(w, 0);
	}
	mpw_kstr(w, "policy", "drf");
}

void views_queues(struct mpw *w, const struct cluster *cl)
{
	const struct queue_tree *t = &cl->qt;
	struct qcount *c = count_jobs(cl);
	int64_t now = cluster_now(cl);

	mpw_key(w, "queues");
	mpw_array(w, (uint32_t)t->nall);
	for (size_t i = 0; i < t->nall; i++) {
		struct qcount key = { .q = t->all[i] };
		const struct qcount *k = bsearch(&key, c, t->nall, sizeof(*c), by_queue);
		view_queue(w, cl, t->all[i], k, now);
	}
	free(c);
}

void views_queue_list(struct mpw *w, const struct cluster *cl)
{
	struct res total;

	qres_to_res(&total, &cl->total);
	mpw_kstr(w, "default", cl->qt.dflt != NULL ? cl->qt.dflt->path : "");
	mpw_kbool(w, "preemption", cl->sc.preemption);
	mpw_kres(w, "total", &total);
	views_queues(w, cl);
}

const char *views_job_queue(const struct rm_job *j)
{
	if (j->queue != NULL)
		return j->queue->path;
	return j->spec.queue[0] ? j->spec.queue : "default";
}
