/*
 * The list and summary views: job lists, node lists and the cluster summary (its queues
 * come from views-queues.c).
 * One code path for both protocols: the msgpack handlers (msg-job.c, msg-admin.c) and
 * the HTTP API (http-api.c, which turns the same bytes into JSON) call these.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rm.h"
#include "timeutil.h"
#include "xmalloc.h"

/* The index of name in names[0..n), n for "" (any), -1 when unknown. */
static int state_index(const char *name, const char *const *names, int n)
{
	if (name[0] == '\0')
		return n;
	for (int s = 0; s < n; s++)
		if (strcasecmp(name, names[s]) == 0)
			return s;
	return -1;
}

/* "PENDING, RUNNING, ..." for error messages. */
static void state_list(const char *const *names, int n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int s = 0; s < n && off < len; s++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", s ? ", " : "", names[s]);
}

/* The job's leaf or one of its ancestors is want (by path or name): "root.prod" lists the
 * jobs of every queue under it. */
static bool queue_matches(const struct rm_job *j, const char *want)
{
	if (j->queue == NULL)
		return strcmp(want, views_job_queue(j)) == 0;
	for (const struct rm_queue *q = j->queue; q != NULL; q = q->parent)
		if (strcmp(want, q->path) == 0 || strcmp(want, q->name) == 0)
			return true;
	return false;
}

static bool job_matches(const struct rm_job *j, int state, const struct msg_list_request *m)
{
	if (state != JOB_STATE_MAX && (int)j->state != state)
		return false;
	if (m->queue[0] != '\0' && !queue_matches(j, m->queue))
		return false;
	return m->user[0] == '\0' || strcmp(m->user, j->spec.user) == 0;
}

int views_job_list(struct mpw *w, const struct cluster *cl, const struct msg_list_request *m,
		   char *err, size_t errlen)
{
	int state = state_index(m->state, job_state_names, JOB_STATE_MAX);
	char names[128];

	if (state < 0) {
		state_list(job_state_names, JOB_STATE_MAX, names, sizeof(names));
		snprintf(err, errlen, "state: '%s' is not a job state (%s)", m->state, names);
		return -1;
	}
	if (m->name[0] != '\0') {
		snprintf(err, errlen, "name: job_list has no name filter (use job_info)");
		return -1;
	}
	size_t n = 0, cap = 0;
	const struct rm_job **sel = NULL;
	for (uint64_t jid = cl->next_job - 1; jid >= 1; jid--) { /* newest first */
		const struct rm_job *j = cl->jobs[jid];
		if (m->limit > 0 && n >= (size_t)m->limit)
			break;
		if (j == NULL || !job_matches(j, state, m))
			continue;
		sel = xgrow(sel, &cap, n + 1, sizeof(*sel));
		sel[n++] = j;
	}
	mpw_key(w, "jobs");
	mpw_array(w, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		view_job(w, sel[i], false);
	free(sel);
	return 0;
}

/* Nodes in name order as people count them: node-2 before node-10. */
static int by_node_name(const void *a, const void *b)
{
	const struct rm_node *x = *(const struct rm_node *const *)a;
	const struct rm_node *y = *(const struct rm_node *const *)b;

	return strverscmp(x->name, y->name);
}

/* One live attempt as the node_list of one node carries it (docs/PROTOCOL.md). */
static void node_attempt(struct mpw *w, const struct rm_attempt *a)
{
	struct loom_id job = id_job(a->job->id);

	mpw_map(w, 9);
	mpw_kid(w, "id", &a->id);
	mpw_kid(w, "job", &job);
	mpw_kint(w, "task", a->task->index);
	mpw_kstr(w, "state", attempt_state_names[a->state]);
	mpw_kint(w, "start_us", a->start_us);
	mpw_kdouble(w, "progress", a->progress < 0 ? 0 : a->progress);
	mpw_kres(w, "res", &a->job->spec.res);
	mpw_kbool(w, "speculative", a->speculative);
	mpw_kbool(w, "preempted", a->preempted);
}

/* The reply's second field when the request named one node (reply_list counts it). */
static void node_attempts(struct mpw *w, const struct rm_node *n)
{
	uint32_t k = 0;

	for (const struct rm_attempt *a = n != NULL ? n->live_head : NULL; a; a = a->node_next)
		k++;
	mpw_key(w, "attempts");
	mpw_array(w, k);
	for (const struct rm_attempt *a = n != NULL ? n->live_head : NULL; a; a = a->node_next)
		node_attempt(w, a);
}

static bool node_matches(const struct rm_node *n, int state, const struct msg_list_request *m)
{
	if (state != NODE_STATE_MAX && (int)n->state != state)
		return false;
	return m->name[0] == '\0' || strcmp(m->name, n->name) == 0;
}

int views_node_list(struct mpw *w, const struct cluster *cl, const struct msg_list_request *m,
		    char *err, size_t errlen)
{
	int state = state_index(m->state, node_state_names, NODE_STATE_MAX);
	char names[128];

	if (state < 0) {
		state_list(node_state_names, NODE_STATE_MAX, names, sizeof(names));
		snprintf(err, errlen, "state: '%s' is not a node state (%s)", m->state, names);
		return -1;
	}
	const struct rm_node **sel = xcalloc(cl->nnodes + 1, sizeof(*sel));
	size_t n = 0;
	for (size_t i = 0; i < cl->nnodes; i++)
		if (node_matches(cl->nodes[i], state, m))
			sel[n++] = cl->nodes[i];
	qsort(sel, n, sizeof(*sel), by_node_name);
	if (m->limit > 0 && n > (size_t)m->limit)
		n = (size_t)m->limit;
	int64_t now = mono_ms();
	mpw_key(w, "nodes");
	mpw_array(w, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		view_node(w, sel[i], now);
	if (m->name[0] != '\0')
		node_attempts(w, n > 0 ? sel[0] : NULL);
	free(sel);
	return 0;
}

int64_t views_demand(const struct cluster *cl, struct res *demand)
{
	int64_t tasks = 0;

	memset(demand, 0, sizeof(*demand));
	for (const struct rm_job *j = cl->q_head; j != NULL; j = j->q_next) {
		int64_t k = job_unplaced(j);
		tasks += k;
		struct res r = j->spec.res;
		res_scale(&r, k);
		res_add(demand, &r);
	}
	return tasks;
}

static void kcounts(struct mpw *w, const char *key, const char *const *names, const int32_t *v,
		    int n)
{
	mpw_key(w, key);
	mpw_map(w, (uint32_t)n);
	for (int i = 0; i < n; i++)
		mpw_kint(w, names[i], v[i]);
}

void views_cluster(struct mpw *w, const struct rmd *rmd)
{
	const struct cluster *cl = &rmd->cl;
	int32_t nodes[NODE_STATE_MAX] = { 0 };
	struct res cap, used, demand;

	memset(&cap, 0, sizeof(cap));
	memset(&used, 0, sizeof(used));
	for (size_t i = 0; i < cl->nnodes; i++) {
		const struct rm_node *n = cl->nodes[i];
		nodes[n->state]++;
		if (!node_member(n))
			continue;
		res_add(&cap, &n->capacity);
		res_add(&used, &n->used);
	}
	int64_t tasks_pending = views_demand(cl, &demand);
	mpw_kint(w, "version", LOOM_PROTO_VERSION);
	mpw_kint(w, "nodes", (int64_t)cl->nnodes);
	mpw_kint(w, "nodes_running", nodes[NODE_RUNNING]);
	mpw_kres(w, "capacity", &cap);
	mpw_kres(w, "used", &used);
	mpw_kint(w, "jobs_pending", cl->njob_state[JOB_PENDING]);
	mpw_kint(w, "jobs_running", cl->njob_state[JOB_RUNNING]);
	kcounts(w, "nodes_by_state", node_state_names, nodes, NODE_STATE_MAX);
	kcounts(w, "jobs_by_state", job_state_names, cl->njob_state, JOB_STATE_MAX);
	mpw_kint(w, "tasks_pending", tasks_pending);
	mpw_kres(w, "demand", &demand);
	mpw_kuint(w, "events_seq", events_last_seq(rmd));
	mpw_kint(w, "http_port", rmd->http_port);
	views_queues(w, cl);
}
