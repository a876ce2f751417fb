/* rmtop's first view: the queues, with their share, use, demand and jobs. */
#include <stdio.h>

#include "client.h"
#include "rmtop.h"

static size_t q_nrows(struct top *t, struct view *v)
{
	return v->nidx;
}

static void q_select(struct top *t, struct view *v)
{
	for (size_t i = 0; i < t->m.nqueues; i++)
		if (text_match(t->m.queues[i].name, v->filter))
			view_idx_push(v, i);
}

static void q_header(struct top *t, struct view *v, char *buf, size_t len)
{
	snprintf(buf, len, "%-12s %5s %5s %14s %14s %6s %6s %6s %5s %s", "QUEUE", "GUAR", "MAX",
		 "USED(vc/mem)", "DEMAND", "RUN", "PEND", "TASKS", "USERS", "POLICY");
}

static void q_row(struct top *t, struct view *v, size_t i, char *buf, size_t len, int *attr)
{
	const struct top_queue *q = &t->m.queues[v->idx[i]];
	char uv[FMT_BUFSZ], um[FMT_BUFSZ], dv[FMT_BUFSZ], dm[FMT_BUFSZ], u[40], d[40];

	snprintf(u, sizeof(u), "%s/%s", fmt_vcores(q->used.vcores_m, uv, sizeof(uv)),
		 fmt_mem(q->used.mem_mb, um, sizeof(um)));
	snprintf(d, sizeof(d), "%s/%s", fmt_vcores(q->demand.vcores_m, dv, sizeof(dv)),
		 fmt_mem(q->demand.mem_mb, dm, sizeof(dm)));
	snprintf(buf, len, "%-12s %4.0f%% %4.0f%% %14s %14s %6lld %6lld %6lld %5lld %s", q->name,
		 q->guarantee * 100, q->maximum * 100, u, d, (long long)q->jobs_running,
		 (long long)q->jobs_pending, (long long)(q->tasks_running + q->tasks_pending),
		 (long long)q->users, q->policy);
}

const struct view_ops view_queues_ops = {
	.name = "queues",
	.bit = V_QUEUES,
	.nrows = q_nrows,
	.select = q_select,
	.header = q_header,
	.row = q_row,
};
