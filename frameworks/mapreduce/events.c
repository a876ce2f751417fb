/*
 * loom-mapreduce: what Loom tells the engine, dispatched by event kind. Every final event
 * ends its attempt once (later duplicates are ignored); a lost node ends its attempts at
 * once, since their processes may survive the agent but are never committed.
 */
#include <stdio.h>
#include <string.h>

#include "mr.h"
#include "util.h"

typedef void (*ev_fn)(struct mr_job *j, struct mr_attempt *a,
		      const struct loom_container_event *ev);

static void ev_running(struct mr_job *j, struct mr_attempt *a,
		       const struct loom_container_event *ev)
{
}

static void ev_exited(struct mr_job *j, struct mr_attempt *a,
		      const struct loom_container_event *ev)
{
	char why[160];

	if (ev->exit_code == 0 && ev->signal == 0) {
		attempt_succeeded(j, a);
		return;
	}
	if (ev->signal != 0)
		snprintf(why, sizeof why, "killed by signal %d", ev->signal);
	else
		snprintf(why, sizeof why, "exited with code %d (rmctl logs %s --stderr)",
			 ev->exit_code, a->container);
	attempt_end(j, a, true, why);
}

static void ev_failed(struct mr_job *j, struct mr_attempt *a,
		      const struct loom_container_event *ev)
{
	char why[600];

	snprintf(why, sizeof why, "could not launch: %s", ev->reason);
	attempt_end(j, a, true, why);
}

static void ev_released(struct mr_job *j, struct mr_attempt *a,
			const struct loom_container_event *ev)
{
	attempt_end(j, a, false, "released");
}

static void ev_lost(struct mr_job *j, struct mr_attempt *a,
		    const struct loom_container_event *ev)
{
	char why[600];

	snprintf(why, sizeof why, "lost with node %s%s%s", a->node, ev->reason[0] ? ": " : "",
		 ev->reason);
	attempt_end(j, a, false, why);
}

static void ev_preempting(struct mr_job *j, struct mr_attempt *a,
			  const struct loom_container_event *ev)
{
	char tn[32];

	job_log(j, "%s attempt %d %s will be preempted in %lld ms",
		task_name(a->task, tn, sizeof tn), a->num, a->container, (long long)ev->grace_ms);
}

static void ev_preempted(struct mr_job *j, struct mr_attempt *a,
			 const struct loom_container_event *ev)
{
	attempt_end(j, a, false, "preempted");
}

static const ev_fn handlers[] = {
	[LOOM_CEV_RUNNING] = ev_running,   [LOOM_CEV_EXITED] = ev_exited,
	[LOOM_CEV_FAILED] = ev_failed,     [LOOM_CEV_RELEASED] = ev_released,
	[LOOM_CEV_LOST] = ev_lost,         [LOOM_CEV_PREEMPTING] = ev_preempting,
	[LOOM_CEV_PREEMPTED] = ev_preempted,
};

static void on_container(struct loom_fw *fw, const struct loom_container_event *ev, void *arg)
{
	struct mr_job *j = arg;
	struct mr_attempt *a;

	if (ev->kind == LOOM_CEV_ALLOCATED) {
		attempt_allocated(j, ev->c.request, ev->c.id, ev->c.node);
		return;
	}
	a = attempt_by_container(j, ev->c.id);
	if (a != NULL && (size_t)ev->kind < sizeof handlers / sizeof handlers[0] &&
	    handlers[ev->kind] != NULL)
		handlers[ev->kind](j, a, ev);
}

static void on_registered(struct loom_fw *fw, bool resumed, const struct loom_container *live,
			  size_t nlive, void *arg)
{
	struct mr_job *j = arg;

	j->connected = true;
	j->gone_ms = 0;
	if (j->started) {
		job_log(j, "registered again as '%s' (%s); %zu live container(s)", loom_fw_name(fw),
			resumed ? "resumed" : "not resumed: rmd forgot us", nlive);
		resume_reconcile(j, live, nlive);
		return;
	}
	/* a fresh engine owns nothing: whatever an earlier one with this name left is freed */
	for (size_t i = 0; i < nlive; i++)
		loom_fw_release(fw, live[i].id);
	job_log(j, "registered with rmd as framework '%s'; %lld maps, %lld reduces",
		loom_fw_name(fw), (long long)j->o.maps, (long long)j->o.reduces);
	j->started = true;
	for (int64_t m = 0; m < j->o.maps; m++)
		attempt_request(j, &j->maps[m], false);
	job_tick_start(j);
}

static void on_node_lost(struct loom_fw *fw, const char *node, const char *reason, void *arg)
{
	struct mr_job *j = arg;
	struct mr_task *sets[2] = { j->maps, j->reduces };
	int64_t counts[2] = { j->o.maps, j->o.reduces };
	char why[600];

	job_log(j, "node %s lost: %s", node, reason);
	snprintf(why, sizeof why, "lost with node %s", node);
	for (int s = 0; s < 2; s++)
		for (int64_t i = 0; i < counts[s]; i++)
			for (size_t k = 0; k < sets[s][i].natt; k++) {
				struct mr_attempt *a = sets[s][i].att[k];
				if (a->state == A_LAUNCHED && strcmp(a->node, node) == 0)
					attempt_end(j, a, false, why);
			}
}

static void on_closed(struct loom_fw *fw, const char *why, void *arg)
{
	struct mr_job *j = arg;

	j->connected = false;
	if (j->stopping) {
		event_base_loopbreak(j->base);
		return;
	}
	resume_after_close(j, why);
}

const struct loom_fw_cbs mr_callbacks = {
	.registered = on_registered,
	.container = on_container,
	.node_lost = on_node_lost,
	.closed = on_closed,
};
