/*
 * --policy drf: an SWF window through rmcore's queue-aware scheduler (sched_pass +
 * cluster_apply, then preempt_pass + preempt_apply) on the real struct cluster, with
 * simdrv.c's stand-in agents and a virtual clock.
 *
 * The machine is the batch replays' whole-node model: t->max_nodes nodes of one vcore
 * (and 1 GiB) each, and each job a job of as many one-vcore tasks as whole nodes it
 * takes, so the figures compare cell for cell with the other policies. A job of two or
 * more tasks is a gang (rigid parallel jobs start together); time_limit is the requested
 * time (field 9, else the run time), which the scheduler's EASY backfilling reads. The
 * limits are not enforced: the trace's jobs ran as long as they ran. User is field 12;
 * the leaf is "q<N>" for SWF queue N (field 15) when the queue file has such a leaf, else
 * the default leaf. Without a queue file: cluster_init's one leaf.
 *
 * After every instant (all arrivals, completions and kills that fall on it) one
 * scheduling pass and one preemption pass run, as rmd runs them after an event; the
 * passes' wake_us (locality waits, preempt_after) are instants too. A preempted attempt
 * ends KILLED preempt_grace later and its task waits again. A job's start, for the
 * metrics, is its last launch, so the time preemption cost it counts as waiting.
 */
#include "rmsim.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "conf-queues.h"
#include "log.h"
#include "xmalloc.h"

#define US 1000000LL
#define MAX_SAME_INSTANT 100000 /* passes at one instant before calling it a stall */

struct drf {
	struct simdrv d;
	struct preempt_result pr;
	const struct swf_job *jobs; /* the window's; job id i + 1 is jobs[i] */
	size_t len;
	int64_t *launch_us;         /* each job's last launch */
};

static int64_t run_us(void *arg, const struct rm_attempt *a)
{
	return ((struct drf *)arg)->jobs[a->job->id - 1].run * US;
}

static void launched(void *arg, const struct rm_attempt *a)
{
	struct drf *s = arg;

	s->launch_us[a->job->id - 1] = s->d.now;
}

int drf_check_queues(const char *queues_path, char *err, size_t errlen)
{
	struct queue_tree t;

	if (conf_queues_load(queues_path, &t, err, errlen) < 0)
		return -1;
	queue_tree_free(&t);
	return 0;
}

static int install_queues(struct cluster *cl, const char *path, char *err, size_t errlen)
{
	struct queue_tree t;

	if (path == NULL)
		return 0;
	if (conf_queues_load(path, &t, err, errlen) < 0)
		return -1;
	if (cluster_set_queues(cl, &t, err, errlen) < 0) {
		queue_tree_free(&t);
		return -1;
	}
	return 0;
}

static void submit(struct drf *s, const struct swf_job *j)
{
	char *argv[] = { "sim", NULL };
	int64_t limit_s = j->req > 0 ? j->req : j->run;
	struct job_spec spec = { .argv = argv, .nargv = 1, .ntasks = j->nodes,
				 .max_attempts = 1, .output_dir = "", .workdir = "",
				 .gang = j->nodes > 1 };
	char leaf[32];
	const struct rm_queue *q;

	spec.res.vcores_m = 1000;
	spec.res.mem_mb = 1024;
	spec.time_limit_ms = limit_s < PROTO_MAX_TIME_LIMIT_MS / 1000
		? limit_s * 1000 : PROTO_MAX_TIME_LIMIT_MS;
	snprintf(spec.name, sizeof(spec.name), "job%" PRId64, j->id);
	if (j->user >= 0)
		snprintf(spec.user, sizeof(spec.user), "u%" PRId64, j->user);
	else
		snprintf(spec.user, sizeof(spec.user), "unknown");
	snprintf(leaf, sizeof(leaf), "q%" PRId64, j->queue);
	q = j->queue >= 0 ? queue_find(&s->d.cl.qt, leaf) : NULL;
	if (q != NULL && queue_is_leaf(q))
		snprintf(spec.queue, sizeof(spec.queue), "%s", leaf);
	cluster_add_job(&s->d.cl, &spec);
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* The next instant after now that something happens; INT64_MAX when nothing will. */
static int64_t next_at(const struct drf *s, size_t next)
{
	int64_t at = simdrv_next(&s->d), now = s->d.now;

	if (next < s->len)
		at = min64(at, s->jobs[next].submit * US);
	if (s->d.sr.wake_us > now)
		at = min64(at, s->d.sr.wake_us);
	if (s->pr.wake_us > now)
		at = min64(at, s->pr.wake_us);
	return at < now ? now : at;
}

static bool all_done(const struct cluster *cl, size_t len)
{
	return (size_t)(cl->njob_state[JOB_SUCCEEDED] + cl->njob_state[JOB_FAILED] +
			cl->njob_state[JOB_KILLED]) == len;
}

/* One instant: arrivals, what is due, a scheduling pass and a preemption pass. */
static void instant(struct drf *s, size_t *next)
{
	struct cluster *cl = &s->d.cl;

	while (*next < s->len && s->jobs[*next].submit * US <= s->d.now)
		submit(s, &s->jobs[(*next)++]);
	simdrv_step(&s->d);
	sched_pass(cl, &s->d.sr);
	cluster_apply(cl, &s->d.sr);
	preempt_pass(cl, &s->pr);
	preempt_apply(cl, &s->pr);
	simdrv_report_started(&s->d);
}

/* The window's figures: per job, and per leaf its jobs and their waits. */
static void results(struct drf *s, struct sim_out *out, struct leafq *lq, size_t nlq)
{
	const struct cluster *cl = &s->d.cl;

	for (size_t i = 0; i < s->len; i++) {
		const struct swf_job *j = &s->jobs[i];
		const struct rm_job *rj = cluster_job(cl, i + 1);
		int64_t start = s->launch_us[i] / US;
		out[i] = (struct sim_out){ j->submit, start, j->run, j->procs, j->queue };
		for (size_t k = 0; rj != NULL && k < nlq; k++) {
			if (cl->qt.leaves[k] != rj->queue)
				continue;
			lq[k].jobs++;
			lq[k].wait_sum += (double)(start - j->submit);
		}
	}
}

int drf_window(const struct swf_trace *t, const char *queues_path, size_t first, size_t len,
	       struct sim_out *out, struct leafq **lq, size_t *nlq, uint64_t *preempted,
	       char *err, size_t errlen)
{
	struct drf s = { .jobs = t->jobs + first, .len = len };
	size_t next = 0, same = 0;
	char name[64];
	int rc = 0;

	log_open("rmsim", LL_ERROR, NULL);
	*lq = NULL;
	*nlq = 0;
	s.launch_us = xcalloc(len, sizeof(*s.launch_us));
	simdrv_init(&s.d, run_us, launched, &s);
	s.d.early_running = true;
	s.d.cl.completed_kept = len; /* never trimmed: nothing calls cluster_trim */
	if (install_queues(&s.d.cl, queues_path, err, errlen) < 0) {
		rc = -1;
		goto out;
	}
	for (int64_t i = 0; i < t->max_nodes; i++) {
		snprintf(name, sizeof(name), "node-%" PRId64, i + 1);
		simdrv_node_up(&s.d, name, 1000, 1024);
	}
	*lq = qstats_new(&s.d.cl, nlq);
	s.d.now = s.jobs[0].submit * US;
	for (;;) {
		instant(&s, &next);
		if (next == len && all_done(&s.d.cl, len))
			break;
		int64_t at = next_at(&s, next);
		same = at == s.d.now ? same + 1 : 0;
		if (at == INT64_MAX || same > MAX_SAME_INSTANT) {
			snprintf(err, errlen, "the replay stalled at %lld s with %zu of %zu jobs "
				 "unfinished", (long long)(s.d.now / US), len - (size_t)(
				 s.d.cl.njob_state[JOB_SUCCEEDED] + s.d.cl.njob_state[JOB_FAILED] +
				 s.d.cl.njob_state[JOB_KILLED]), len);
			rc = -1;
			break;
		}
		qstats_observe(*lq, *nlq, &s.d.cl, s.d.now, at);
		s.d.now = at;
	}
	qstats_finish(*lq, *nlq, &s.d.cl, s.d.now);
	results(&s, out, *lq, *nlq);
	*preempted = s.d.cl.preempted_total;
out:
	preempt_result_free(&s.pr);
	simdrv_free(&s.d);
	free(s.launch_us);
	return rc;
}
