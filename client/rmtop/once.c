/* rmtop --once: one plain-text snapshot (summary, queues, jobs, nodes, the autoscaler's
 * pools and kept nodes) for scripts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "rmtop.h"

/* Prints every row of a view, without the screen. */
static void print_view(struct top *t, const struct view_ops *ops, FILE *out)
{
	struct view v = { .ops = ops };
	char b[1024];
	int attr;

	ops->select(t, &v);
	ops->header(t, &v, b, sizeof(b));
	fprintf(out, "\n%s\n", b);
	for (size_t i = 0; i < v.nidx; i++) {
		ops->row(t, &v, i, b, sizeof(b), &attr);
		fprintf(out, "%s\n", b);
	}
	free(v.idx);
}

void once_print(const struct top *ct, FILE *out)
{
	struct top *t = (struct top *)ct; /* the views' select fills their own index only */
	const struct top_summary *s = &t->m.sum;
	char v1[FMT_BUFSZ], v2[FMT_BUFSZ], m1[FMT_BUFSZ], m2[FMT_BUFSZ];

	fprintf(out, "rmd %s\n", t->addr);
	fprintf(out, "Nodes: %lld up, %lld lost, %lld draining, %lld unhealthy\n",
		(long long)model_node_count(&t->m, "RUNNING"),
		(long long)model_node_count(&t->m, "LOST"),
		(long long)model_node_count(&t->m, "DRAINING"),
		(long long)model_node_count(&t->m, "UNHEALTHY"));
	fprintf(out, "Jobs: %lld running, %lld pending; tasks waiting: %lld\n",
		(long long)s->jobs_running, (long long)s->jobs_pending, (long long)s->tasks_pending);
	fprintf(out, "Used: vcores %s/%s, memory %s/%s, gpus %lld/%lld\n",
		fmt_vcores(s->used.vcores_m, v1, sizeof(v1)), fmt_vcores(s->cap.vcores_m, v2, sizeof(v2)),
		fmt_mem(s->used.mem_mb, m1, sizeof(m1)), fmt_mem(s->cap.mem_mb, m2, sizeof(m2)),
		(long long)s->used.gpus, (long long)s->cap.gpus);
	char as[512];
	if (model_autoscale_line(&t->m, 0, as, sizeof(as)) != NULL)
		fprintf(out, "%s\n", as);
	print_view(t, &view_queues_ops, out);
	print_view(t, &view_jobs_ops, out);
	print_view(t, &view_nodes_ops, out);
	for (size_t i = 0; i < t->m.nasnodes; i++) {
		const struct top_asnode *a = &t->m.asnodes[i];
		if (i == 0)
			fprintf(out, "\n%-12s %-8s %-10s %s\n", "POOL NODE", "POOL", "STATE",
				"WHY NOT RELEASED");
		fprintf(out, "%-12s %-8s %-10s %s\n", a->name, a->pool, a->state,
			a->why[0] ? a->why : "(being released)");
	}
}
