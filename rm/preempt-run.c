/*
 * Preemption in rmd: runs the pure pass of preempt.c after every placement pass, logs
 * each victim, and keeps the one wake-up timer that brings the next pass when a wait
 * ends by itself (a starving queue's preempt_after, a job's locality wait): nothing else
 * would trigger a pass then, since passes follow events.
 */
#include "log.h"
#include "rm.h"
#include "timeutil.h"

static void log_victim(const struct rm_attempt *a, const struct rm_queue *for_q)
{
	char id[ID_BUFSZ];

	log_info("preempt", "preempting %s on %s (queue %s, over its guarantee) for queue %s "
			    "(below its guarantee for %.1fs)",
		 id_format(&a->id, id, sizeof(id)), a->node->name, a->job->queue->path,
		 for_q->path, (double)(wall_us() - for_q->starved_since_us) / 1e6);
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
	rmd_later(arg, LATER_SCHED);
}

/* Arms ev_wake for the earliest of the pass's and preemption's wake times (0: none). */
static void wake_arm(struct rmd *rmd, int64_t at_us)
{
	struct timeval tv;
	int64_t ms;

	if (rmd->ev_wake == NULL)
		rmd->ev_wake = evtimer_new(rmd->base, wake_cb, rmd);
	if (at_us == 0) {
		evtimer_del(rmd->ev_wake);
		return;
	}
	ms = (at_us - wall_us() + 999) / 1000; /* the clock of cluster_ops.now_us */
	tv = tv_from_ms(ms < 1 ? 1 : ms);
	evtimer_add(rmd->ev_wake, &tv);
}

static int64_t earliest(int64_t a, int64_t b)
{
	if (a == 0 || b == 0)
		return a == 0 ? b : a;
	return a < b ? a : b;
}

void preempt_run(struct rmd *rmd)
{
	struct preempt_result *pr = &rmd->pr;

	if (rmd->stopping)
		return;
	preempt_pass(&rmd->cl, pr);
	if (pr->nvictims > 0) {
		for (size_t i = 0; i < pr->nvictims; i++)
			log_victim(pr->victims[i], pr->for_q[i]);
		preempt_apply(&rmd->cl, pr);
	}
	wake_arm(rmd, earliest(pr->wake_us, rmd->sr.wake_us));
}

void preempt_run_free(struct rmd *rmd)
{
	if (rmd->ev_wake != NULL)
		event_free(rmd->ev_wake);
	rmd->ev_wake = NULL;
	preempt_result_free(&rmd->pr);
}
