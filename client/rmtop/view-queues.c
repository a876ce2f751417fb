/*
 * rmtop's first view: the queue tree, indented by depth, with each queue's state, its
 * share of the cluster against its guarantee and maximum, use, demand, jobs and the
 * attempts preemption took back from it. A starving queue (below its guarantee with work
 * waiting) is yellow, a STOPPED one red; the line under the list says it in words.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "rmtop.h"

static size_t q_nrows(struct top *t, struct view *v)
{
	return v->nidx;
}

/* The tree order is rmd's; a filter keeps the queues whose path matches. */
static void q_select(struct top *t, struct view *v)
{
	for (size_t i = 0; i < t->m.nqueues; i++)
		if (text_match(t->m.queues[i].path, v->filter))
			view_idx_push(v, i);
}

/* Narrow screens lose demand and tasks first. */
static bool wide(const struct view *v)
{
	return v->width == 0 || v->width >= 112;
}

static void q_header(struct top *t, struct view *v, char *buf, size_t len)
{
	if (wide(v))
		snprintf(buf, len, "%-18s %-7s %5s %5s %5s %13s %13s %4s %4s %6s %5s %4s %s",
			 "QUEUE", "STATE", "SHARE", "GUAR", "MAX", "USED(vc/mem)", "DEMAND", "RUN",
			 "PEND", "TASKS", "USERS", "PRE", "ORDER");
	else
		snprintf(buf, len, "%-18s %-7s %5s %5s %5s %13s %4s %4s %4s %s", "QUEUE", "STATE",
			 "SHARE", "GUAR", "MAX", "USED(vc/mem)", "RUN", "PEND", "PRE", "ORDER");
}

/* "auto" orders like loom while a waiting job of the leaf has a time limit, else fifo. */
static const char *order_of(const struct top *t, const struct top_queue *q, char *buf,
			    size_t len)
{
	bool timed = false;

	if (strcmp(q->order, "auto") != 0 || !q->leaf)
		return q->leaf ? q->order : "";
	for (size_t i = 0; i < t->m.njobs && !timed; i++) {
		const struct top_job *j = &t->m.jobs[i];
		timed = j->pending > 0 && j->time_limit_ms > 0 && strcmp(j->queue, q->path) == 0;
	}
	snprintf(buf, len, "auto:%s", timed ? "loom" : "fifo");
	return buf;
}

static void q_row(struct top *t, struct view *v, size_t i, char *buf, size_t len, int *attr)
{
	const struct top_queue *q = &t->m.queues[v->idx[i]];
	char uv[FMT_BUFSZ], um[FMT_BUFSZ], dv[FMT_BUFSZ], dm[FMT_BUFSZ], u[40], d[40];
	char name[48], pct[3][8], order[16];
	const char *o = order_of(t, q, order, sizeof(order));

	snprintf(name, sizeof(name), "%*s%s", 2 * (q->depth < 8 ? q->depth : 8), "", q->name);
	snprintf(pct[0], sizeof(pct[0]), "%.0f%%", q->share * 100);
	snprintf(pct[1], sizeof(pct[1]), "%.0f%%", q->guarantee * 100);
	snprintf(pct[2], sizeof(pct[2]), "%.0f%%", q->maximum * 100);
	snprintf(u, sizeof(u), "%s/%s", fmt_vcores(q->used.vcores_m, uv, sizeof(uv)),
		 fmt_mem(q->used.mem_mb, um, sizeof(um)));
	snprintf(d, sizeof(d), "%s/%s", fmt_vcores(q->demand.vcores_m, dv, sizeof(dv)),
		 fmt_mem(q->demand.mem_mb, dm, sizeof(dm)));
	if (wide(v))
		snprintf(buf, len, "%-18.18s %-7s %5s %5s %5s %13s %13s %4lld %4lld %6lld %5lld "
			 "%4lld %s", name, q->state, pct[0], pct[1], pct[2], u, d,
			 (long long)q->jobs_running, (long long)q->jobs_pending,
			 (long long)(q->tasks_running + q->tasks_pending), (long long)q->users,
			 (long long)q->preempted, o);
	else
		snprintf(buf, len, "%-18.18s %-7s %5s %5s %5s %13s %4lld %4lld %4lld %s", name,
			 q->state, pct[0], pct[1], pct[2], u, (long long)q->jobs_running,
			 (long long)q->jobs_pending, (long long)q->preempted, o);
	*attr = strcmp(q->state, "STOPPED") == 0 ? COLOR_PAIR(2)
		: q->starving_s > 0		 ? COLOR_PAIR(3)
						 : 0;
}

/* The selected queue in words: shares per resource, limits, starvation. */
static const char *q_why(struct top *t, struct view *v, size_t i, char *buf, size_t len)
{
	const struct top_queue *q = &t->m.queues[v->idx[i]];
	int n = snprintf(buf, len, "%s: guaranteed vc %.0f%% mem %.0f%% gpu %.0f%%, max vc %.0f%% "
			 "mem %.0f%% gpu %.0f%%", q->path, q->guar_by[0] * 100,
			 q->guar_by[1] * 100, q->guar_by[2] * 100, q->max_by[0] * 100,
			 q->max_by[1] * 100, q->max_by[2] * 100);

	if (n > 0 && (size_t)n < len && q->max_running_jobs > 0)
		n += snprintf(buf + n, len - (size_t)n, "; at most %lld running jobs",
			      (long long)q->max_running_jobs);
	if (n > 0 && (size_t)n < len && q->user_max_running_jobs > 0)
		n += snprintf(buf + n, len - (size_t)n, ", %lld per user",
			      (long long)q->user_max_running_jobs);
	if (n > 0 && (size_t)n < len && q->starving_s > 0)
		snprintf(buf + n, len - (size_t)n, "; below its guarantee with work waiting for %.0fs",
			 q->starving_s);
	return buf;
}

const struct view_ops view_queues_ops = {
	.name = "queues",
	.bit = V_QUEUES,
	.nrows = q_nrows,
	.select = q_select,
	.header = q_header,
	.row = q_row,
	.why = q_why,
};
