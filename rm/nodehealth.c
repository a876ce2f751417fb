/*
 * What failures and health checks make of a node (pure, rmcore):
 *
 * - A job whose attempts failed job_node_failures times on one node stops being placed
 *   there (Spark's per-job exclusion). Placement falls back to excluded nodes only when
 *   every member node is excluded for the job: then the job's own max_attempts decides,
 *   rather than a job that waits forever on a small cluster.
 * - A node where node_failures attempts failed (any jobs) within node_failure_window is
 *   UNHEALTHY for node_cooldown, then RUNNING again with a clean count.
 * - The agent's health check: an unhealthy verdict makes the node UNHEALTHY with the
 *   script's text as the reason; a healthy one (and no exclusion) makes it RUNNING.
 * Only RUNNING and UNHEALTHY nodes move here; a draining, lost or decommissioned node
 * keeps its state and the facts wait until it returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "log.h"
#include "xmalloc.h"

static struct job_excl *job_excl_find(const struct rm_job *j, const struct rm_node *n)
{
	for (size_t i = 0; i < j->nexcl; i++)
		if (j->excl[i].node == n)
			return &j->excl[i];
	return NULL;
}

/* Counts one failure of j on n; logs the moment n becomes excluded for j. */
static void job_failed_on(struct cluster *cl, struct rm_job *j, struct rm_node *n)
{
	struct job_excl *x = job_excl_find(j, n);

	if (cl->fc.job_node_failures <= 0)
		return;
	if (x == NULL) {
		j->excl = xgrow(j->excl, &j->capexcl, j->nexcl + 1, sizeof(*j->excl));
		x = &j->excl[j->nexcl++];
		*x = (struct job_excl){ n, 0, false };
	}
	if (++x->failures == cl->fc.job_node_failures) {
		x->excluded = true;
		log_info("job", "job-%llu: node %s excluded after %d failed attempts there",
			 (unsigned long long)j->id, n->name, x->failures);
	}
}

bool job_node_excluded(const struct rm_job *j, const struct rm_node *n)
{
	const struct job_excl *x = job_excl_find(j, n);

	return x != NULL && x->excluded;
}

int32_t job_excluded_count(const struct rm_job *j)
{
	int32_t k = 0;

	for (size_t i = 0; i < j->nexcl; i++)
		k += j->excl[i].excluded;
	return k;
}

void job_excl_free(struct rm_job *j)
{
	free(j->excl);
	j->excl = NULL;
	j->nexcl = j->capexcl = 0;
}

/* "5m", "90s", "250ms": the window in a reason people read. */
static void fmt_us(int64_t us, char *buf, size_t len)
{
	int64_t ms = us / 1000;

	if (ms % 60000 == 0)
		snprintf(buf, len, "%lldm", (long long)(ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, len, "%lldms", (long long)ms);
}

/* Counts one failure on n for the cluster; excludes n when the window holds enough. */
static void node_failed(struct cluster *cl, struct rm_node *n, int64_t now)
{
	struct node_health *h = &n->health;
	int32_t m = cl->fc.node_failures;
	char win[32], why[128];

	if (m <= 0)
		return;
	if (h->fail_us == NULL)
		h->fail_us = xcalloc((size_t)m, sizeof(*h->fail_us));
	if (h->nfail < m) {
		h->fail_us[(h->fail_head + h->nfail++) % m] = now;
	} else { /* full: replace the oldest */
		h->fail_us[h->fail_head] = now;
		h->fail_head = (h->fail_head + 1) % m;
	}
	if (h->nfail < m || h->fail_us[h->fail_head] < now - cl->fc.node_failure_window_us)
		return;
	fmt_us(cl->fc.node_failure_window_us, win, sizeof(win));
	snprintf(why, sizeof(why), "excluded: %d attempt failures in %s", m, win);
	free(h->excluded_reason);
	h->excluded_reason = xstrdup(why);
	h->excluded_until_us = now + cl->fc.node_cooldown_us;
	h->nfail = h->fail_head = 0; /* after the cool-down it needs m new failures */
	node_health_apply(cl, n);
}

void failures_attempt_failed(struct cluster *cl, struct rm_attempt *a)
{
	if (a->node == NULL)
		return;
	job_failed_on(cl, a->job, a->node);
	node_failed(cl, a->node, cluster_now(cl));
}

void node_health_report(struct cluster *cl, struct rm_node *n, bool healthy,
			const char *reason)
{
	struct node_health *h = &n->health;
	const char *text = reason[0] ? reason : "health check failed";

	/* Applied on every heartbeat, changed or not: a node that re-registered (RUNNING
	 * again after LOST) must not stay RUNNING while its agent still says unhealthy. */
	if (healthy != !h->agent_unhealthy ||
	    (!healthy && (h->agent_reason == NULL || strcmp(h->agent_reason, text) != 0))) {
		h->agent_unhealthy = !healthy;
		free(h->agent_reason);
		h->agent_reason = healthy ? NULL : xstrdup(text);
	}
	node_health_apply(cl, n);
}

/* The reason n should be UNHEALTHY for, or NULL when it should take work. */
static const char *unhealthy_reason(const struct rm_node *n, char *buf, size_t len)
{
	if (n->health.agent_unhealthy) {
		snprintf(buf, len, "health check: %s", n->health.agent_reason);
		return buf;
	}
	if (n->health.excluded_until_us > 0)
		return n->health.excluded_reason;
	return NULL;
}

void node_health_apply(struct cluster *cl, struct rm_node *n)
{
	char buf[PROTO_REASON_MAX + 32];
	const char *why = unhealthy_reason(n, buf, sizeof(buf));

	if (n->state == NODE_RUNNING && why != NULL) {
		node_set_state(n, NODE_UNHEALTHY, why);
	} else if (n->state == NODE_UNHEALTHY && why == NULL) {
		node_set_state(n, NODE_RUNNING, "healthy again");
		cl->ops->schedule(cl->arg);
	} else if (n->state == NODE_UNHEALTHY && strcmp(n->reason, why) != 0) {
		/* still unhealthy, for another reason: the reason follows, the state stays */
		log_info("node", "%s: %s still UNHEALTHY: %s", __func__, n->name, why);
		free(n->reason);
		n->reason = xstrdup(why);
	}
}

void node_health_free(struct node_health *h)
{
	detect_free(&h->hb);
	free(h->agent_reason);
	free(h->fail_us);
	free(h->excluded_reason);
	memset(h, 0, sizeof(*h));
}
