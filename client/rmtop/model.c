/*
 * rmtop's model: rmd's views parsed into fixed-size records, so drawing and sorting
 * 10,000 jobs touches plain structs, not msgpack. Fields rmd does not send stay empty
 * (rmd may be older or newer than rmtop).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "rmtop.h"
#include "timeutil.h"
#include "xmalloc.h"

void model_init(struct top_model *m)
{
	memset(m, 0, sizeof(*m));
	m->events = xcalloc(TOP_EVENTS_KEPT, sizeof(*m->events));
}

void model_free(struct top_model *m)
{
	free(m->queues);
	free(m->jobs);
	free(m->nodes);
	free(m->events);
	free(m->pools);
	free(m->asnodes);
	memset(m, 0, sizeof(*m));
}

/* A string field into a fixed buffer ("" when missing; view_str's "-" is not wanted). */
static void str(const msgpack_object *o, const char *key, char *buf, size_t len)
{
	view_str(o, key, buf, len);
	if (strcmp(buf, "-") == 0)
		buf[0] = '\0';
}

static int64_t num(const msgpack_object *o, const char *key)
{
	int64_t v = 0;

	view_int(o, key, &v);
	return v;
}

static void parse_job(const msgpack_object *o, struct top_job *j)
{
	memset(j, 0, sizeof(*j));
	str(o, "id", j->id, sizeof(j->id));
	str(o, "name", j->name, sizeof(j->name));
	str(o, "queue", j->queue, sizeof(j->queue));
	str(o, "user", j->user, sizeof(j->user));
	str(o, "state", j->state, sizeof(j->state));
	str(o, "reason", j->reason, sizeof(j->reason));
	j->ntasks = num(o, "ntasks");
	j->done = num(o, "tasks_done");
	j->running = num(o, "tasks_running");
	j->pending = num(o, "tasks_pending");
	j->failed = num(o, "tasks_failed");
	j->spec_launched = num(o, "spec_launched");
	j->spec_won = num(o, "spec_won");
	j->spec_wasted = num(o, "spec_wasted");
	view_double(o, "progress", &j->progress);
	j->submit_us = num(o, "submit_us");
	j->start_us = num(o, "start_us");
	j->end_us = num(o, "end_us");
	j->time_limit_ms = num(o, "time_limit_ms");
	view_res(o, "res", &j->res);
}

static void parse_node(const msgpack_object *o, struct top_node *n)
{
	memset(n, 0, sizeof(*n));
	str(o, "name", n->name, sizeof(n->name));
	str(o, "host", n->host, sizeof(n->host));
	str(o, "state", n->state, sizeof(n->state));
	str(o, "reason", n->reason, sizeof(n->reason));
	view_strlist(o, "labels", ",", n->labels, sizeof(n->labels));
	view_res(o, "capacity", &n->cap);
	view_res(o, "used", &n->used);
	n->attempts = num(o, "attempts");
	n->hb_age_ms = num(o, "heartbeat_age_ms");
}

/* The boolean under key (false when missing). */
static bool flag(const msgpack_object *o, const char *key)
{
	size_t n = strlen(key);

	for (uint32_t i = 0; o->type == MSGPACK_OBJECT_MAP && i < o->via.map.size; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];
		if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == n &&
		    memcmp(kv->key.via.str.ptr, key, n) == 0)
			return kv->val.type == MSGPACK_OBJECT_BOOLEAN && kv->val.via.boolean;
	}
	return false;
}

/* {"vcores": d, "memory": d, "gpus": d} under key into v[3]. */
static void by_res(const msgpack_object *o, const char *key, double v[3])
{
	static const char *const names[3] = { "vcores", "memory", "gpus" };
	const msgpack_object *m = view_map(o, key);

	for (int i = 0; m != NULL && i < 3; i++)
		view_double(m, names[i], &v[i]);
}

static void parse_queue(const msgpack_object *o, struct top_queue *q)
{
	const msgpack_object_array *users = view_array(o, "users");

	memset(q, 0, sizeof(*q));
	str(o, "name", q->name, sizeof(q->name));
	str(o, "path", q->path, sizeof(q->path));
	if (q->path[0] == '\0') /* an rmd from before the queue tree: one flat queue */
		snprintf(q->path, sizeof(q->path), "%s", q->name);
	str(o, "policy", q->policy, sizeof(q->policy));
	str(o, "state", q->state, sizeof(q->state));
	str(o, "order", q->order, sizeof(q->order));
	q->depth = (int)num(o, "depth");
	q->leaf = flag(o, "leaf") || view_map(o, "guarantee_by") == NULL;
	view_double(o, "guarantee", &q->guarantee);
	view_double(o, "maximum", &q->maximum);
	view_double(o, "share", &q->share);
	view_double(o, "starving_s", &q->starving_s);
	by_res(o, "guarantee_by", q->guar_by);
	by_res(o, "maximum_by", q->max_by);
	view_res(o, "used", &q->used);
	view_res(o, "demand", &q->demand);
	q->jobs_running = num(o, "jobs_running");
	q->jobs_pending = num(o, "jobs_pending");
	q->tasks_running = num(o, "tasks_running");
	q->tasks_pending = num(o, "tasks_pending");
	q->users = users != NULL ? (int64_t)users->size : num(o, "users");
	q->preempted = num(o, "preempted");
	q->max_running_jobs = num(o, "max_running_jobs");
	q->user_max_running_jobs = num(o, "user_max_running_jobs");
}

/* Parses the array under key into a fresh records array of elem size. */
static void *parse_list(const msgpack_object *reply, const char *key, size_t elem, size_t *n,
			void (*parse)(const msgpack_object *, void *))
{
	const msgpack_object_array *a = view_array(reply, key);
	char *out;

	*n = a != NULL ? a->size : 0;
	out = xcalloc(*n + 1, elem);
	for (size_t i = 0; i < *n; i++)
		parse(&a->ptr[i], out + i * elem);
	return out;
}

static void parse_job_v(const msgpack_object *o, void *p) { parse_job(o, p); }
static void parse_node_v(const msgpack_object *o, void *p) { parse_node(o, p); }
static void parse_queue_v(const msgpack_object *o, void *p) { parse_queue(o, p); }

void model_set_cluster(struct top_model *m, const msgpack_object *reply)
{
	struct top_summary *s = &m->sum;
	const msgpack_object *ns = view_map(reply, "nodes_by_state");

	memset(s, 0, sizeof(*s));
	s->have = true;
	view_res(reply, "capacity", &s->cap);
	view_res(reply, "used", &s->used);
	view_res(reply, "demand", &s->demand);
	s->jobs_running = num(reply, "jobs_running");
	s->jobs_pending = num(reply, "jobs_pending");
	s->tasks_pending = num(reply, "tasks_pending");
	s->nodes = num(reply, "nodes");
	for (uint32_t i = 0; ns != NULL && i < ns->via.map.size && i < TOP_STATES; i++) {
		const msgpack_object_kv *kv = &ns->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR ||
		    kv->val.type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			continue;
		snprintf(s->node_state[s->nnode_states], 16, "%.*s", (int)kv->key.via.str.size,
			 kv->key.via.str.ptr);
		s->node_count[s->nnode_states++] = (int64_t)kv->val.via.u64;
	}
	free(m->queues);
	m->queues = parse_list(reply, "queues", sizeof(*m->queues), &m->nqueues, parse_queue_v);
	m->gen++;
}

void model_set_jobs(struct top_model *m, const msgpack_object *reply)
{
	free(m->jobs);
	m->jobs = parse_list(reply, "jobs", sizeof(*m->jobs), &m->njobs, parse_job_v);
	m->gen++;
}

void model_set_nodes(struct top_model *m, const msgpack_object *reply)
{
	free(m->nodes);
	m->nodes = parse_list(reply, "nodes", sizeof(*m->nodes), &m->nnodes, parse_node_v);
	m->gen++;
}

static void parse_pool(const msgpack_object *o, struct top_pool *p)
{
	memset(p, 0, sizeof(*p));
	str(o, "name", p->name, sizeof(p->name));
	p->min = num(o, "min");
	p->max = num(o, "max");
	p->running = num(o, "running");
	p->starting = num(o, "starting");
	p->draining = num(o, "draining");
	p->releasing = num(o, "releasing");
	p->pending_tasks = num(o, "pending_tasks");
	p->pending_nodes = num(o, "pending_nodes");
	p->decision_age_ms = -1;
	view_int(o, "last_decision_age_ms", &p->decision_age_ms);
	p->fetched_ms = mono_ms();
	p->hook_failures = num(o, "hook_failures");
	str(o, "last_decision", p->decision, sizeof(p->decision));
	str(o, "last_hook_result", p->hook, sizeof(p->hook));
}

void model_clear_autoscale(struct top_model *m)
{
	free(m->pools);
	free(m->asnodes);
	m->pools = NULL;
	m->asnodes = NULL;
	m->npools = m->nasnodes = 0;
	if (m->as_have)
		m->gen++;
	m->as_have = false;
}

void model_set_autoscale(struct top_model *m, const msgpack_object *reply)
{
	const msgpack_object_array *pools = view_array(reply, "pools");
	size_t cap = 0;

	model_clear_autoscale(m);
	m->as_have = true;
	m->npools = pools != NULL ? pools->size : 0;
	m->pools = xcalloc(m->npools + 1, sizeof(*m->pools));
	for (size_t i = 0; i < m->npools; i++) {
		const msgpack_object_array *ns = view_array(&pools->ptr[i], "nodes");
		parse_pool(&pools->ptr[i], &m->pools[i]);
		for (uint32_t k = 0; ns != NULL && k < ns->size; k++) {
			struct top_asnode *a;
			m->asnodes = xgrow(m->asnodes, &cap, m->nasnodes + 1, sizeof(*m->asnodes));
			a = &m->asnodes[m->nasnodes++];
			memset(a, 0, sizeof(*a));
			snprintf(a->pool, sizeof(a->pool), "%s", m->pools[i].name);
			str(&ns->ptr[k], "name", a->name, sizeof(a->name));
			str(&ns->ptr[k], "state", a->state, sizeof(a->state));
			str(&ns->ptr[k], "not_released", a->why, sizeof(a->why));
		}
	}
	m->gen++;
}

const struct top_asnode *model_asnode(const struct top_model *m, const char *name)
{
	for (size_t i = 0; i < m->nasnodes; i++)
		if (strcmp(m->asnodes[i].name, name) == 0)
			return &m->asnodes[i];
	return NULL;
}

/* A decision in few words: "grow by 2: 5 tasks pending for 1s need ..." becomes "grow 2
 * (5 tasks waiting)", "shrink: n1 idle for 30s (...)" becomes "shrink n1 (idle 30s)";
 * anything else stays as rmd said it. */
static void short_decision(const char *d, char *buf, size_t len)
{
	long long n = 0, tasks = 0, secs = 0;
	char node[64];

	if (sscanf(d, "grow by %lld: %lld tasks pending", &n, &tasks) == 2)
		snprintf(buf, len, "grow %lld (%lld task%s waiting)", n, tasks, tasks == 1 ? "" : "s");
	else if (sscanf(d, "shrink: %63s idle for %llds", node, &secs) == 2)
		snprintf(buf, len, "shrink %s (idle %llds)", node, secs);
	else
		snprintf(buf, len, "%s", d);
}

const char *model_autoscale_line(const struct top_model *m, int width, char *buf, size_t len)
{
	const struct top_pool *last = NULL;
	char d[256], age[FMT_BUFSZ], tail[384];
	size_t n;

	if (!m->as_have || m->npools == 0 || len == 0)
		return NULL;
	n = (size_t)snprintf(buf, len, "autoscale:");
	for (size_t i = 0; i < m->npools && n < len; i++) {
		const struct top_pool *p = &m->pools[i];
		char extra[96] = "";
		size_t e = 0;
		if (p->starting > 0)
			e += (size_t)snprintf(extra + e, sizeof(extra) - e, "+%lld starting",
					      (long long)p->starting);
		if (p->draining + p->releasing > 0 && e < sizeof(extra))
			e += (size_t)snprintf(extra + e, sizeof(extra) - e, "%s%lld draining",
					      e ? ", " : "", (long long)(p->draining + p->releasing));
		n += (size_t)snprintf(buf + n, len - n, "%s %s %lld/%lld..%lld%s%s%s", i ? ";" : "",
				      p->name, (long long)p->running, (long long)p->min,
				      (long long)p->max, e ? " (" : "", extra, e ? ")" : "");
		if (p->decision_age_ms >= 0 && strcmp(p->decision, "none yet") != 0 &&
		    (last == NULL || p->decision_age_ms < last->decision_age_ms))
			last = p;
	}
	if (n >= len)
		return buf;
	if (last != NULL) {
		short_decision(last->decision, d, sizeof(d));
		/* The age as of now, not as of the fetch (the summary redraws every second). */
		fmt_dur(last->decision_age_ms + (mono_ms() - last->fetched_ms), age, sizeof(age));
		/* The age only when it fits: the decision matters more. */
		snprintf(tail, sizeof(tail), "  last%s%s: %s %s ago", m->npools > 1 ? " " : "",
			 m->npools > 1 ? last->name : "", d, age);
		if (width > 0 && n + strlen(tail) > (size_t)width)
			snprintf(tail, sizeof(tail), "  last%s%s: %s", m->npools > 1 ? " " : "",
				 m->npools > 1 ? last->name : "", d);
		snprintf(buf + n, len - n, "%s", tail);
	}
	if (width > 0 && strlen(buf) > (size_t)width && (size_t)width < len)
		buf[width] = '\0';
	return buf;
}

void model_add_event(struct top_model *m, const struct msg_event *ev)
{
	m->events[(m->ev_head + m->nevents) % TOP_EVENTS_KEPT] = *ev;
	if (m->nevents < TOP_EVENTS_KEPT)
		m->nevents++;
	else
		m->ev_head = (m->ev_head + 1) % TOP_EVENTS_KEPT;
	m->gen++;
}

const struct msg_event *model_event(const struct top_model *m, size_t i)
{
	return &m->events[(m->ev_head + i) % TOP_EVENTS_KEPT];
}

int64_t model_node_count(const struct top_model *m, const char *state)
{
	for (int i = 0; i < m->sum.nnode_states; i++)
		if (strcmp(m->sum.node_state[i], state) == 0)
			return m->sum.node_count[i];
	return 0;
}

const struct top_job *model_find_job(const struct top_model *m, const char *id)
{
	for (size_t i = 0; i < m->njobs; i++)
		if (strcmp(m->jobs[i].id, id) == 0)
			return &m->jobs[i];
	return NULL;
}

/* Reasons only rmd's scheduler knows (limits, gangs, locality, dependencies, pools): shown
 * as they are. Room on nodes is judged here instead, from the fresher node view. */
static bool sched_says(const char *reason)
{
	static const char *const prefixes[] = {
		"queue ", "user ", "waiting for a gang", "waiting up to", "waiting for job-",
		"waiting for the jobs it runs after", "scaling up pool", "no node has label",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(reason, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

const char *model_job_why(const struct top_model *m, const struct top_job *j, char *buf,
			  size_t len)
{
	char a[RES_BUFSZ];
	bool up = false, ever = false;

	if (j->pending <= 0 && strcmp(j->state, "PENDING") != 0)
		return NULL;
	if (sched_says(j->reason)) {
		snprintf(buf, len, "%s", j->reason);
		return buf;
	}
	for (size_t i = 0; i < m->nnodes; i++) {
		const struct top_node *n = &m->nodes[i];
		struct res f = n->cap;
		if (strcmp(n->state, "RUNNING") != 0)
			continue;
		up = true;
		if (!res_fits(&j->res, &n->cap))
			continue;
		ever = true;
		res_sub(&f, &n->used);
		if (res_fits(&j->res, &f)) {
			snprintf(buf, len, "%s has room; placed on the next pass", n->name);
			return buf;
		}
	}
	res_format(&j->res, a, sizeof(a));
	if (!up)
		snprintf(buf, len, "no node is up (none registered, or all lost or draining)");
	else if (!ever)
		snprintf(buf, len, "too big: no node has %s in all", a);
	else
		snprintf(buf, len, "cluster full: no node has %s free now", a);
	return buf;
}
