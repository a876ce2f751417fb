/*
 * rmd's /metrics: counters fed by the event stream (they survive the ring and the
 * retention of finished jobs) and gauges read from the cluster at scrape time. Names
 * follow Prometheus conventions: base units in the name (seconds, bytes), "_total" only on
 * counters, labels for states.
 */
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoscale-run.h"
#include "events.h"
#include "metrics.h"
#include "rm.h"
#include "timeutil.h"
#include "xmalloc.h"

struct rm_metrics {
	uint64_t attempts_placed;
	uint64_t attempts_ended[ATT_STATE_MAX]; /* by final state */
	uint64_t jobs_ended[JOB_STATE_MAX];
	uint64_t nodes_lost;
	struct prom_hist pass;
};

/* Upper bounds of the scheduling pass histogram, 50 us to 1 s. */
static const double pass_bounds[] = { 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
				      0.005,   0.01,   0.025,   0.05,   0.1,   0.25, 0.5, 1 };

void metrics_init(struct rmd *rmd)
{
	rmd->metrics = xcalloc(1, sizeof(*rmd->metrics));
	prom_hist_init(&rmd->metrics->pass, pass_bounds, sizeof(pass_bounds) / sizeof(double));
}

void metrics_free(struct rmd *rmd)
{
	free(rmd->metrics);
	rmd->metrics = NULL;
}

static int state_of(const char *name, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

void metrics_note_event(struct rmd *rmd, const struct cluster_event *ev)
{
	struct rm_metrics *m = rmd->metrics;
	int s;

	if (m == NULL)
		return;
	switch (ev->kind) {
	case CEV_ATTEMPT_PLACED:
		m->attempts_placed++;
		break;
	case CEV_ATTEMPT_STATE:
		if ((s = state_of(ev->to, attempt_state_names, ATT_LOST + 1)) >= ATT_SUCCEEDED)
			m->attempts_ended[s]++;
		break;
	case CEV_JOB_STATE:
		if ((s = state_of(ev->to, job_state_names, JOB_STATE_MAX)) >= JOB_SUCCEEDED)
			m->jobs_ended[s]++;
		break;
	case CEV_NODE_STATE:
		m->nodes_lost += strcmp(ev->to, node_state_names[NODE_LOST]) == 0;
		break;
	default:
		break;
	}
}

void metrics_observe_pass(struct rmd *rmd, double seconds)
{
	if (rmd->metrics != NULL)
		prom_hist_observe(&rmd->metrics->pass, seconds);
}

/* One family with a sample per state: name{label="STATE"} v[i]. */
static void by_state(struct evbuffer *out, const char *name, const char *type, const char *help,
		     const char *label, const char *const *names, const uint64_t *v, int from,
		     int n)
{
	prom_family(out, name, type, help);
	for (int i = from; i < n; i++) {
		struct prom_label l = { label, names[i] };
		prom_sample(out, name, &l, 1, (double)v[i]);
	}
}

static void write_jobs(struct rmd *rmd, struct evbuffer *out)
{
	const struct cluster *cl = &rmd->cl;
	uint64_t jobs[JOB_STATE_MAX], tasks[TASK_STATE_MAX] = { 0 };

	for (int s = 0; s < JOB_STATE_MAX; s++)
		jobs[s] = (uint64_t)cl->njob_state[s];
	for (uint64_t id = 1; id < cl->next_job; id++) {
		const struct rm_job *j = cl->jobs[id];
		for (int s = 0; j != NULL && s < TASK_STATE_MAX; s++)
			tasks[s] += (uint64_t)j->ntask_state[s];
	}
	prom_single(out, "loom_jobs_submitted_total", "counter", "Jobs accepted since rmd started.",
		    (double)(cl->next_job - 1));
	by_state(out, "loom_jobs_finished_total", "counter", "Jobs that ended, by final state.",
		 "state", job_state_names, rmd->metrics->jobs_ended, JOB_SUCCEEDED, JOB_STATE_MAX);
	by_state(out, "loom_jobs", "gauge",
		 "Jobs rmd holds, by state (finished jobs beyond completed_jobs_kept are dropped).",
		 "state", job_state_names, jobs, 0, JOB_STATE_MAX);
	by_state(out, "loom_tasks", "gauge", "Tasks of the jobs rmd holds, by state.", "state",
		 task_state_names, tasks, 0, TASK_STATE_MAX);
}

/* Speculative copies: launched since start; won and wasted over the jobs rmd holds (a
 * copy's end is counted on its job, and finished jobs are dropped in time). */
static void write_spec(struct rmd *rmd, struct evbuffer *out)
{
	static const char *const outcomes[] = { "won", "wasted" };
	const struct cluster *cl = &rmd->cl;
	uint64_t v[2] = { 0 };

	for (uint64_t id = 1; id < cl->next_job; id++) {
		if (cl->jobs[id] != NULL) {
			v[0] += (uint64_t)cl->jobs[id]->spec_won;
			v[1] += (uint64_t)cl->jobs[id]->spec_wasted;
		}
	}
	prom_single(out, "loom_speculative_attempts_total", "counter",
		    "Speculative copies of straggling attempts launched since rmd started.",
		    (double)cl->spec_launched);
	by_state(out, "loom_speculative_attempts_ended", "gauge",
		 "Speculative copies of the jobs rmd holds that won the commit or were wasted.",
		 "outcome", outcomes, v, 0, 2);
}

static void write_attempts(struct rmd *rmd, struct evbuffer *out)
{
	const struct rm_metrics *m = rmd->metrics;
	static const char *const outcomes[ATT_STATE_MAX] = {
		[ATT_SUCCEEDED] = "succeeded", [ATT_FAILED] = "failed",
		[ATT_KILLED] = "killed",       [ATT_LOST] = "lost",
	};

	prom_single(out, "loom_attempts_started_total", "counter",
		    "Attempts placed on a node since rmd started.", (double)m->attempts_placed);
	by_state(out, "loom_attempts_total", "counter", "Attempts that ended, by outcome.",
		 "outcome", outcomes, m->attempts_ended, ATT_SUCCEEDED, ATT_LOST + 1);
	write_spec(rmd, out);
	prom_single(out, "loom_attempts_preempted_total", "counter",
		    "Attempts taken back for queues below their guarantee since rmd started.",
		    (double)rmd->cl.preempted_total);
	prom_single(out, "loom_attempts_timed_out_total", "counter",
		    "Attempts killed at their job's time limit since rmd started.",
		    (double)rmd->cl.timed_out_total);
}

static void write_nodes(struct rmd *rmd, struct evbuffer *out)
{
	const struct cluster *cl = &rmd->cl;
	uint64_t nodes[NODE_STATE_MAX] = { 0 };
	int64_t now = mono_ms();

	for (size_t i = 0; i < cl->nnodes; i++)
		nodes[cl->nodes[i]->state]++;
	by_state(out, "loom_nodes", "gauge", "Nodes rmd knows, by state.", "state",
		 node_state_names, nodes, 0, NODE_STATE_MAX);
	prom_single(out, "loom_nodes_lost_total", "counter",
		    "Times a node was declared LOST (heartbeats stopped).",
		    (double)rmd->metrics->nodes_lost);
	prom_family(out, "loom_node_heartbeat_age_seconds", "gauge",
		    "Time since each member node's last heartbeat or registration.");
	for (size_t i = 0; i < cl->nnodes; i++) {
		const struct rm_node *n = cl->nodes[i];
		struct prom_label l = { "node", n->name };
		if (node_member(n))
			prom_sample(out, "loom_node_heartbeat_age_seconds", &l, 1,
				    (double)(now - n->last_seen_ms) / 1000.0);
	}
	prom_family(out, "loom_node_running_attempts", "gauge",
		    "Live attempts on each member node.");
	for (size_t i = 0; i < cl->nnodes; i++) {
		struct prom_label l = { "node", cl->nodes[i]->name };
		if (node_member(cl->nodes[i]))
			prom_sample(out, "loom_node_running_attempts", &l, 1, cl->nodes[i]->nlive);
	}
}

/* loom_<what>_vcores, _memory_bytes and _gpus for one resource vector. */
static void write_res(struct evbuffer *out, const char *what, const char *help,
		      const struct res *r)
{
	char name[64], h[256];

	snprintf(name, sizeof(name), "loom_%s_vcores", what);
	snprintf(h, sizeof(h), "%s: vcores.", help);
	prom_single(out, name, "gauge", h, (double)r->vcores_m / 1000.0);
	snprintf(name, sizeof(name), "loom_%s_memory_bytes", what);
	snprintf(h, sizeof(h), "%s: memory.", help);
	prom_single(out, name, "gauge", h, (double)r->mem_mb * 1048576.0);
	snprintf(name, sizeof(name), "loom_%s_gpus", what);
	snprintf(h, sizeof(h), "%s: gpus.", help);
	prom_single(out, name, "gauge", h, (double)r->gpus);
}

/* One gauge or counter per queue of the tree, labelled by path ("root.prod"). */
static void per_queue(struct evbuffer *out, const struct cluster *cl, const char *name,
		      const char *type, const char *help,
		      double (*value)(const struct cluster *, const struct rm_queue *))
{
	prom_family(out, name, type, help);
	for (size_t i = 0; i < cl->qt.nall; i++) {
		struct prom_label l = { "queue", cl->qt.all[i]->path };
		prom_sample(out, name, &l, 1, value(cl, cl->qt.all[i]));
	}
}

static double q_share(const struct cluster *cl, const struct rm_queue *q)
{
	return qres_dominant(&q->used, &cl->total);
}

static double q_guarantee(const struct cluster *cl, const struct rm_queue *q)
{
	double g = 0;

	for (int r = 0; r < QR_N; r++)
		g = q->guar[r] > g ? q->guar[r] : g;
	return g;
}

static double q_pending(const struct cluster *cl, const struct rm_queue *q)
{
	return q->pending_jobs;
}

static double q_running(const struct cluster *cl, const struct rm_queue *q)
{
	return q->running_jobs;
}

/* Tasks waiting for placement in q's subtree. */
static double q_pending_tasks(const struct cluster *cl, const struct rm_queue *q)
{
	double n = 0;

	for (size_t i = 0; i < q->nchildren; i++)
		n += q_pending_tasks(cl, q->children[i]);
	for (size_t u = 0; u < q->nusers; u++)
		for (const struct rm_job *j = q->users[u]->head; j != NULL; j = j->u_next)
			n += (double)job_unplaced(j);
	return n;
}

static double q_preempted(const struct cluster *cl, const struct rm_queue *q)
{
	return (double)views_queue_preempted(q);
}

static void write_queues(struct evbuffer *out, const struct cluster *cl)
{
	per_queue(out, cl, "loom_queue_share", "gauge",
		  "Dominant share of the schedulable capacity held by each queue (subtree).",
		  q_share);
	per_queue(out, cl, "loom_queue_guarantee", "gauge",
		  "Share of the cluster guaranteed to each queue (largest over resources).",
		  q_guarantee);
	per_queue(out, cl, "loom_queue_jobs_pending", "gauge",
		  "Jobs of each queue with tasks waiting for placement.", q_pending);
	per_queue(out, cl, "loom_queue_pending_tasks", "gauge",
		  "Tasks of each queue waiting for placement.", q_pending_tasks);
	per_queue(out, cl, "loom_queue_jobs_running", "gauge",
		  "Jobs of each queue holding resources.", q_running);
	per_queue(out, cl, "loom_queue_preempted_total", "counter",
		  "Attempts taken back from each queue since rmd started (or it was added).",
		  q_preempted);
}

static void write_resources(struct rmd *rmd, struct evbuffer *out)
{
	const struct cluster *cl = &rmd->cl;
	struct res cap, used, demand;

	memset(&cap, 0, sizeof(cap));
	memset(&used, 0, sizeof(used));
	for (size_t i = 0; i < cl->nnodes; i++) {
		if (!node_member(cl->nodes[i]))
			continue;
		res_add(&cap, &cl->nodes[i]->capacity);
		res_add(&used, &cl->nodes[i]->used);
	}
	views_demand(cl, &demand);
	write_res(out, "capacity", "Capacity of the member nodes", &cap);
	write_res(out, "allocated", "Resources reserved by live attempts", &used);
	write_res(out, "demand", "Resources asked for by tasks waiting for placement", &demand);
	write_queues(out, cl);
}

void metrics_write(struct rmd *rmd, struct evbuffer *out)
{
	write_jobs(rmd, out);
	write_attempts(rmd, out);
	write_nodes(rmd, out);
	write_resources(rmd, out);
	prom_hist_write(out, "loom_scheduling_pass_seconds",
			"Duration of one placement pass over the pending queue.",
			&rmd->metrics->pass);
	prom_single(out, "loom_events_total", "counter", "Cluster events since rmd started.",
		    (double)events_last_seq(rmd));
	autoscale_metrics(rmd, out);
}
