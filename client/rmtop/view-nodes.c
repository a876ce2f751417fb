/* rmtop's nodes view: state, heartbeat age, resources used/total, attempts, labels, why;
 * under the list, for a pool node, why the autoscaler does not release it. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "rmtop.h"

static const char *const node_sorts[] = { "name", "state", "heartbeat", "load", NULL };

static const struct top_node *sorting; /* qsort has no context argument */

static int by_name(const void *a, const void *b)
{
	return strcmp(sorting[*(const size_t *)a].name, sorting[*(const size_t *)b].name);
}

static int by_state(const void *a, const void *b)
{
	int d = strcmp(sorting[*(const size_t *)a].state, sorting[*(const size_t *)b].state);
	return d != 0 ? d : by_name(a, b);
}

static int by_heartbeat(const void *a, const void *b)
{
	int64_t d = sorting[*(const size_t *)b].hb_age_ms - sorting[*(const size_t *)a].hb_age_ms;
	return d > 0 ? 1 : d < 0 ? -1 : by_name(a, b);
}

static int by_load(const void *a, const void *b)
{
	int64_t d = sorting[*(const size_t *)b].used.vcores_m -
		    sorting[*(const size_t *)a].used.vcores_m;
	return d > 0 ? 1 : d < 0 ? -1 : by_name(a, b);
}

static size_t n_nrows(struct top *t, struct view *v)
{
	return v->nidx;
}

static void n_select(struct top *t, struct view *v)
{
	static int (*const cmp[])(const void *, const void *) = { by_name, by_state, by_heartbeat,
								   by_load };
	char text[512];

	for (size_t i = 0; i < t->m.nnodes; i++) {
		const struct top_node *n = &t->m.nodes[i];
		snprintf(text, sizeof(text), "%s %s %s %s %s", n->name, n->host, n->state, n->labels,
			 n->reason);
		if (text_match(text, v->filter))
			view_idx_push(v, i);
	}
	sorting = t->m.nodes;
	if (v->nidx > 1)
		qsort(v->idx, v->nidx, sizeof(*v->idx), cmp[v->sort]);
}

static void n_header(struct top *t, struct view *v, char *buf, size_t len)
{
	snprintf(buf, len, "%-12s %-14s %5s %-9s %-11s %4s %4s %-8s %s", "NODE", "STATE", "HB",
		 "VCORES", "MEMORY", "GPU", "ATT", "LABELS", "REASON");
}

static void n_row(struct top *t, struct view *v, size_t i, char *buf, size_t len, int *attr)
{
	const struct top_node *n = &t->m.nodes[v->idx[i]];
	char a[FMT_BUFSZ], b[FMT_BUFSZ], vc[40], mem[40], hb[FMT_BUFSZ];

	snprintf(vc, sizeof(vc), "%s/%s", fmt_vcores(n->used.vcores_m, a, sizeof(a)),
		 fmt_vcores(n->cap.vcores_m, b, sizeof(b)));
	snprintf(mem, sizeof(mem), "%s/%s", fmt_mem(n->used.mem_mb, a, sizeof(a)),
		 fmt_mem(n->cap.mem_mb, b, sizeof(b)));
	fmt_elapsed(n->hb_age_ms, hb, sizeof(hb));
	snprintf(buf, len, "%-12.12s %-14s %5s %-9s %-11s %lld/%lld %4lld %-8.8s %s", n->name,
		 n->state, hb, vc, mem, (long long)n->used.gpus, (long long)n->cap.gpus,
		 (long long)n->attempts, n->labels, n->reason);
	if (strcmp(n->state, "LOST") == 0 || strcmp(n->state, "UNHEALTHY") == 0)
		*attr = COLOR_PAIR(2);
	else if (strcmp(n->state, "DRAINING") == 0)
		*attr = COLOR_PAIR(3);
}

static const char *n_row_id(struct top *t, struct view *v, size_t i)
{
	return t->m.nodes[v->idx[i]].name;
}

/* A pool node: why it is not being scaled down, in rmd's plain words. */
static const char *n_why(struct top *t, struct view *v, size_t i, char *buf, size_t len)
{
	const struct top_node *n = &t->m.nodes[v->idx[i]];
	const struct top_asnode *a = model_asnode(&t->m, n->name);

	if (a == NULL)
		return NULL;
	if (a->why[0] == '\0')
		snprintf(buf, len, "%s (pool %s): being released (%s)", n->name, a->pool, a->state);
	else
		snprintf(buf, len, "%s (pool %s) not released: %s", n->name, a->pool, a->why);
	return buf;
}

const struct view_ops view_nodes_ops = {
	.name = "nodes",
	.bit = V_NODES,
	.nrows = n_nrows,
	.select = n_select,
	.header = n_header,
	.row = n_row,
	.row_id = n_row_id,
	.sorts = node_sorts,
	.why = n_why,
};
