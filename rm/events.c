/*
 * Cluster events: the sink the setters report to, and the bounded ring rmd keeps them in.
 * Nothing here reads a clock or does I/O (the sink's owner does).
 */
#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "xmalloc.h"

const char *const cev_kind_names[CEV_KIND_MAX] = {
	[CEV_JOB_SUBMITTED] = "job_submitted",
	[CEV_JOB_STATE] = "job_state",
	[CEV_NODE_STATE] = "node_state",
	[CEV_ATTEMPT_PLACED] = "attempt_placed",
	[CEV_ATTEMPT_STATE] = "attempt_state",
	[CEV_SNAPSHOT] = "snapshot",
	[CEV_AUTOSCALE] = "autoscale",
	[CEV_ATTEMPT_PREEMPTED] = "attempt_preempted",
	[CEV_ATTEMPT_TIMED_OUT] = "attempt_timed_out",
};

static cev_sink_fn sink_fn;
static void *sink_arg;

void cev_set_sink(cev_sink_fn fn, void *arg)
{
	sink_fn = fn;
	sink_arg = arg;
}

static const struct cev_observer *observer;

void cev_set_observer(const struct cev_observer *o)
{
	observer = o;
}

/* Fills the common fields and hands the event to the sink. */
static void emit(enum cev_kind kind, const char *id, const char *node, const char *from,
		 const char *to, const char *text)
{
	struct cluster_event ev;

	if (sink_fn == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	snprintf(ev.id, sizeof(ev.id), "%s", id);
	snprintf(ev.node, sizeof(ev.node), "%s", node != NULL ? node : "");
	snprintf(ev.from, sizeof(ev.from), "%s", from != NULL ? from : "");
	snprintf(ev.to, sizeof(ev.to), "%s", to != NULL ? to : "");
	snprintf(ev.text, sizeof(ev.text), "%s", text != NULL ? text : "");
	sink_fn(sink_arg, &ev);
}

void cev_node(const struct rm_node *n, int to, const char *reason)
{
	if (observer != NULL && observer->node != NULL)
		observer->node(observer->arg, n, to, reason);
	emit(CEV_NODE_STATE, n->name, n->name, node_state_names[n->state], node_state_names[to],
	     reason);
}

void cev_job(enum cev_kind kind, uint64_t job, int from, int to, const char *reason)
{
	char id[ID_BUFSZ];
	struct loom_id jid = id_job(job);

	emit(kind, id_format(&jid, id, sizeof(id)), NULL,
	     kind == CEV_JOB_STATE ? job_state_names[from] : NULL, job_state_names[to], reason);
}

void cev_attempt(enum cev_kind kind, const struct rm_attempt *a, int to, const char *reason)
{
	char id[ID_BUFSZ];

	if (observer != NULL && observer->attempt != NULL)
		observer->attempt(observer->arg, kind, a, to, reason);
	emit(kind, id_format(&a->id, id, sizeof(id)), a->node->name,
	     kind == CEV_ATTEMPT_STATE ? attempt_state_names[a->state] : NULL,
	     attempt_state_names[to], reason);
}

void cev_autoscale(const char *pool, const char *node, const char *what, const char *text)
{
	emit(CEV_AUTOSCALE, pool, node, NULL, what, text);
}

void cev_ring_init(struct cev_ring *r, size_t cap)
{
	r->cap = cap > 0 ? cap : 1;
	r->ev = xcalloc(r->cap, sizeof(*r->ev));
	r->first = 1;
	r->last = 0;
}

void cev_ring_free(struct cev_ring *r)
{
	free(r->ev);
	r->ev = NULL;
}

void cev_ring_push(struct cev_ring *r, struct cluster_event *ev)
{
	ev->seq = ++r->last;
	r->ev[ev->seq % r->cap] = *ev;
	if (r->last - r->first + 1 > r->cap)
		r->first = r->last - r->cap + 1;
}

const struct cluster_event *cev_ring_get(const struct cev_ring *r, uint64_t seq)
{
	if (seq < r->first || seq > r->last || seq == 0)
		return NULL;
	return &r->ev[seq % r->cap];
}
