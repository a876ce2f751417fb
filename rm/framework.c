/*
 * The framework registry and what frameworks are told. Container events come from two
 * places: the core's allocated hook (place.c) and the event observer, which sees every
 * state change of a framework job's attempt before it is made. Events go straight onto
 * the framework's connection, on a writer of their own (rmd->w may be half written);
 * a framework that is away misses them and learns the live state when it registers again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "framework.h"
#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

struct rm_frameworks {
	struct framework *head;
	struct mpw w;
	struct cev_observer obs;
};

struct framework *framework_find(struct rmd *rmd, const char *name)
{
	for (struct framework *f = rmd->fws->head; f != NULL; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

struct framework *framework_add(struct rmd *rmd, const char *name)
{
	struct framework *f = xcalloc(1, sizeof(*f));

	snprintf(f->name, sizeof(f->name), "%s", name);
	f->next = rmd->fws->head;
	rmd->fws->head = f;
	return f;
}

/* The connected framework that owns a's job, or NULL. */
static struct framework *owner(struct rmd *rmd, const struct rm_attempt *a)
{
	struct framework *f;

	if (!job_is_framework(a->job))
		return NULL;
	f = framework_find(rmd, a->job->spec.framework);
	return f != NULL && f->peer != NULL ? f : NULL;
}

void framework_event_fill(const struct rm_attempt *a, int kind, struct msg_container_event *e)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->container = a->id;
	e->request = id_job(a->job->id);
	snprintf(e->node, sizeof(e->node), "%s", a->node->name);
	snprintf(e->host, sizeof(e->host), "%s", a->node->host ? a->node->host : "");
	e->res = a->job->spec.res;
}

static void push(struct rmd *rmd, struct framework *f, const struct msg_container_event *e)
{
	mpw_reset(&rmd->fws->w);
	msg_encode_container_event(&rmd->fws->w, e);
	if (peer_send(f->peer, &rmd->fws->w) < 0)
		log_warn("framework", "cannot send a %s event to framework %s",
			 container_event_names[e->kind], f->name);
}

static void push_container(struct rmd *rmd, const struct rm_attempt *a, int kind,
			   const char *reason, int64_t grace_ms)
{
	struct framework *f = owner(rmd, a);
	struct msg_container_event e;

	if (f == NULL)
		return;
	framework_event_fill(a, kind, &e);
	snprintf(e.reason, sizeof(e.reason), "%s", reason != NULL ? reason : "");
	e.grace_ms = grace_ms;
	if (kind == CONT_EXITED) {
		e.exit_code = a->exit_code;
		e.signal = a->signal;
	}
	push(rmd, f, &e);
}

void framework_allocated(struct rmd *rmd, struct rm_attempt *a)
{
	push_container(rmd, a, CONT_ALLOCATED, "allocated", 0);
}

void framework_preempting(struct rmd *rmd, struct rm_attempt *a, int64_t grace_ms,
			  const char *reason)
{
	push_container(rmd, a, CONT_PREEMPTING, reason, grace_ms);
}

/* What an attempt's new state means to its framework; -1: nothing to say. */
static int event_kind(const struct rm_attempt *a, int to)
{
	switch (to) {
	case ATT_RUNNING:
		return CONT_RUNNING;
	case ATT_SUCCEEDED:
		return CONT_EXITED;
	case ATT_FAILED: /* never started: the launch failed */
		return a->state == ATT_STARTING && a->start_us == 0 ? CONT_FAILED : CONT_EXITED;
	case ATT_KILLED:
		return a->preempted ? CONT_PREEMPTED : CONT_RELEASED;
	case ATT_LOST:
		return CONT_LOST;
	default:
		return -1;
	}
}

static void on_attempt(void *arg, enum cev_kind kind, const struct rm_attempt *a, int to,
		       const char *reason)
{
	int k;

	if (kind != CEV_ATTEMPT_STATE || !job_is_framework(a->job) ||
	    (k = event_kind(a, to)) < 0)
		return;
	push_container(arg, a, k, reason, 0);
}

static void on_node(void *arg, const struct rm_node *n, int to, const char *reason)
{
	struct rmd *rmd = arg;
	struct msg_node_event e = { 0 };

	if (to != NODE_LOST)
		return;
	snprintf(e.node, sizeof(e.node), "%s", n->name);
	snprintf(e.state, sizeof(e.state), "%s", node_state_names[to]);
	snprintf(e.reason, sizeof(e.reason), "%s", reason != NULL ? reason : "");
	for (struct framework *f = rmd->fws->head; f != NULL; f = f->next) {
		if (f->peer == NULL)
			continue;
		mpw_reset(&rmd->fws->w);
		msg_encode_node_event(&rmd->fws->w, &e);
		peer_send(f->peer, &rmd->fws->w);
	}
}

bool framework_has_jobs(struct rmd *rmd, const struct framework *fw)
{
	for (uint64_t id = 1; id < rmd->cl.next_job; id++) {
		const struct rm_job *j = cluster_job(&rmd->cl, id);
		if (j != NULL && !job_finished(j) && strcmp(j->spec.framework, fw->name) == 0)
			return true;
	}
	return false;
}

void framework_remove(struct rmd *rmd, struct framework *fw, const char *reason)
{
	struct framework **pp = &rmd->fws->head;

	for (uint64_t id = 1; id < rmd->cl.next_job; id++) {
		struct rm_job *j = cluster_job(&rmd->cl, id);
		if (j != NULL && !job_finished(j) && strcmp(j->spec.framework, fw->name) == 0)
			job_end(&rmd->cl, j, JOB_KILLED, reason);
	}
	while (*pp != NULL && *pp != fw)
		pp = &(*pp)->next;
	if (*pp != NULL)
		*pp = fw->next;
	if (fw->peer != NULL) {
		struct conn *c = peer_data(fw->peer);
		if (c != NULL)
			c->fw = NULL;
	}
	free(fw);
}

void framework_disconnected(struct rmd *rmd, struct framework *fw, const char *why)
{
	char g[64];

	fw->peer = NULL;
	fw->reply_held = false;
	fw->gone_ms = mono_ms();
	log_info("framework", "framework %s disconnected (%s): its containers are kept for %s",
		 fw->name, why, time_limit_format(rmd->conf.framework_grace_ms, g, sizeof(g)));
}

void framework_tick(struct rmd *rmd)
{
	struct framework *f, *next;
	int64_t now = mono_ms();
	char why[PROTO_REASON_MAX], g[64];

	if (rmd->recovering) /* its grace starts when recovery ends */
		return;
	for (f = rmd->fws->head; f != NULL; f = next) {
		next = f->next;
		if (f->peer != NULL || now - f->gone_ms < rmd->conf.framework_grace_ms)
			continue;
		snprintf(why, sizeof(why), "framework %s did not come back within %s", f->name,
			 time_limit_format(rmd->conf.framework_grace_ms, g, sizeof(g)));
		log_info("framework", "%s: releasing its containers and requests", why);
		framework_remove(rmd, f, why);
	}
}

void framework_recovered(struct rmd *rmd)
{
	for (struct framework *f = rmd->fws->head; f != NULL; f = f->next)
		if (f->reply_held && f->peer != NULL) {
			f->reply_held = false;
			framework_send_registered(rmd, f, f->reply_id, framework_has_jobs(rmd, f));
		}
	for (uint64_t id = 1; id < rmd->cl.next_job; id++) {
		const struct rm_job *j = cluster_job(&rmd->cl, id);
		if (j == NULL || job_finished(j) || !job_is_framework(j) ||
		    framework_find(rmd, j->spec.framework) != NULL)
			continue;
		struct framework *f = framework_add(rmd, j->spec.framework);
		snprintf(f->queue, sizeof(f->queue), "%s", j->spec.queue);
		snprintf(f->user, sizeof(f->user), "%s", j->spec.user);
		f->gone_ms = mono_ms();
		log_info("framework", "framework %s has unfinished requests after the restart; "
			 "waiting for it to register again", f->name);
	}
}

void framework_start(struct rmd *rmd)
{
	rmd->fws = xcalloc(1, sizeof(*rmd->fws));
	mpw_init(&rmd->fws->w);
	rmd->fws->obs = (struct cev_observer){ .attempt = on_attempt, .node = on_node,
					       .arg = rmd };
	cev_set_observer(&rmd->fws->obs);
}

void framework_stop(struct rmd *rmd)
{
	if (rmd->fws == NULL)
		return;
	cev_set_observer(NULL);
	while (rmd->fws->head != NULL) {
		struct framework *f = rmd->fws->head;
		rmd->fws->head = f->next;
		free(f);
	}
	mpw_free(&rmd->fws->w);
	free(rmd->fws);
	rmd->fws = NULL;
}
