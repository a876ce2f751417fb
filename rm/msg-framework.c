/*
 * The framework messages (400-404): register (or resume, with the resync reply), request
 * containers (one job owned by the framework), launch in an allocated container, release
 * containers or whole requests, unregister. Frameworks' requests are ordinary jobs to
 * the scheduler: queues, shares, gang, locality and preemption apply as to any job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "framework.h"
#include "log.h"
#include "xmalloc.h"

/* The framework registered on p's connection, or NULL after answering an error. */
static struct framework *registered(struct peer *p, uint64_t id)
{
	struct conn *c = peer_data(p);

	if (c != NULL && c->fw != NULL)
		return c->fw;
	peer_send_error(p, id, ERR_CONFLICT, "", "send framework_register first");
	return NULL;
}

static bool live_container(const struct rm_attempt *a)
{
	return a->state == ATT_ALLOCATED || a->state == ATT_STARTING || a->state == ATT_RUNNING;
}

/* Appends a to the resync's containers. */
static void add_container(struct msg_fw_registered *m, int *cap, const struct rm_attempt *a)
{
	struct fw_container *c;

	if (m->ncontainers == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		m->containers = xrealloc(m->containers, (size_t)*cap * sizeof(*m->containers));
	}
	c = &m->containers[m->ncontainers++];
	memset(c, 0, sizeof(*c));
	c->id = a->id;
	c->request = id_job(a->job->id);
	snprintf(c->node, sizeof(c->node), "%s", a->node->name);
	snprintf(c->host, sizeof(c->host), "%s", a->node->host ? a->node->host : "");
	snprintf(c->state, sizeof(c->state), "%s", attempt_state_names[a->state]);
	c->res = a->job->spec.res;
}

/* The resync: fw's live containers and unfinished requests, found from its jobs. */
static void resync(struct rmd *rmd, const struct framework *fw, struct msg_fw_registered *m)
{
	int cap = 0, capr = 0;

	for (uint64_t id = 1; id < rmd->cl.next_job; id++) {
		const struct rm_job *j = cluster_job(&rmd->cl, id);
		if (j == NULL || job_finished(j) || strcmp(j->spec.framework, fw->name) != 0)
			continue;
		if (m->nrequests == capr) {
			capr = capr ? capr * 2 : 8;
			m->requests = xrealloc(m->requests, (size_t)capr * sizeof(*m->requests));
		}
		m->requests[m->nrequests++] = id_job(j->id);
		for (int32_t t = 0; t < j->spec.ntasks; t++)
			for (int32_t k = 0; k < j->tasks[t].nattempts; k++)
				if (live_container(j->tasks[t].attempts[k]))
					add_container(m, &cap, j->tasks[t].attempts[k]);
	}
}

void msg_framework_register(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct conn *c = peer_data(p);
	struct msg_fw_register m;
	struct mpr_err e;
	struct framework *fw;
	bool r_resumed;

	if (msg_decode_fw_register(obj, &m, &e) < 0) {
		reply_bad(p, id, &e);
		return;
	}
	if (c->fw != NULL) {
		peer_send_error(p, id, ERR_CONFLICT, "name",
				"this connection is framework '%s' already", c->fw->name);
		return;
	}
	fw = framework_find(rmd, m.name);
	if (fw != NULL && fw->peer != NULL) {
		peer_send_error(p, id, ERR_REJECTED, "name", "framework '%s' is connected already",
				m.name);
		return;
	}
	if (fw == NULL) {
		fw = framework_add(rmd, m.name);
		r_resumed = framework_has_jobs(rmd, fw); /* rmd restarted, still recovering */
	} else {
		r_resumed = true;
	}
	snprintf(fw->queue, sizeof(fw->queue), "%s", m.queue);
	snprintf(fw->user, sizeof(fw->user), "%s", m.user);
	fw->peer = p;
	fw->gone_ms = 0;
	c->fw = fw;
	if (rmd->recovering) {
		/* Its containers are adopted as their agents come back: the resync would miss
		 * them, so the answer waits for the end of recovery (framework_recovered). */
		fw->reply_held = true;
		fw->reply_id = id;
		log_info("framework", "framework %s registered from %s while rmd recovers: "
			 "answered when recovery ends", fw->name, peer_desc(p));
		return;
	}
	framework_send_registered(rmd, fw, id, r_resumed);
}

void framework_send_registered(struct rmd *rmd, struct framework *fw, uint64_t id,
			       bool resumed)
{
	struct msg_fw_registered r = { .resumed = resumed };

	snprintf(r.name, sizeof(r.name), "%s", fw->name);
	if (r.resumed)
		resync(rmd, fw, &r);
	log_info("framework", "framework %s %s from %s (queue '%s', user '%s'): %d live "
		 "container%s, %d request%s", fw->name, r.resumed ? "resumed" : "registered",
		 peer_desc(fw->peer), fw->queue, fw->user, r.ncontainers,
		 r.ncontainers == 1 ? "" : "s", r.nrequests, r.nrequests == 1 ? "" : "s");
	mpw_reset(&rmd->w);
	msg_encode_fw_registered(&rmd->w, id, &r);
	reply_send(rmd, fw->peer);
	msg_fw_registered_free(&r);
}

static char **strv_dup(char *const *v, int n)
{
	char **c = xcalloc((size_t)n + 1, sizeof(*c));

	for (int i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return c;
}

/* The request as a job spec: the framework's queue and user, one attempt per task. */
static void request_spec(const struct framework *fw, struct msg_container_request *m,
			 struct job_spec *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", m->name[0] ? m->name : fw->name);
	snprintf(s->queue, sizeof(s->queue), "%s", fw->queue);
	snprintf(s->user, sizeof(s->user), "%s", fw->user);
	snprintf(s->framework, sizeof(s->framework), "%s", fw->name);
	s->argv = strv_dup((char *const[]){ "<container>" }, 1);
	s->nargv = 1;
	s->env = strv_dup(NULL, 0);
	s->ntasks = m->count;
	s->res = m->res;
	s->max_attempts = 1;
	s->priority = m->priority;
	s->output_dir = xstrdup("");
	s->workdir = xstrdup("");
	s->speculation.mode = SPECULATE_OFF;
	s->require_labels = m->require_labels; /* moved: m no longer owns them */
	s->nrequire_labels = m->nrequire_labels;
	s->exclude_labels = m->exclude_labels;
	s->nexclude_labels = m->nexclude_labels;
	m->require_labels = m->exclude_labels = NULL;
	m->nrequire_labels = m->nexclude_labels = 0;
	s->gang = m->gang;
	s->time_limit_ms = m->time_limit_ms;
	if (m->nprefer > 0) {
		s->nprefer = m->count;
		s->prefer = xcalloc((size_t)m->count, sizeof(*s->prefer));
		for (int32_t i = 0; i < m->count; i++) {
			s->prefer[i].nodes = strv_dup(m->prefer, m->nprefer);
			s->prefer[i].n = m->nprefer;
		}
	}
}

void msg_container_request(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct framework *fw = registered(p, id);
	struct msg_container_request m;
	struct job_spec s;
	struct mpr_err e;
	char field[64], msg[PROTO_REASON_MAX], res[RES_BUFSZ];

	if (fw == NULL)
		return;
	if (msg_decode_container_request(obj, &m, &e) < 0) {
		reply_bad(p, id, &e);
		return;
	}
	request_spec(fw, &m, &s);
	msg_container_request_free(&m);
	if (job_admit(rmd, &s, field, sizeof(field), msg, sizeof(msg)) < 0) {
		log_info("framework", "request from framework %s refused: %s: %s", fw->name, field,
			 msg);
		peer_send_error(p, id, ERR_REJECTED, strcmp(field, "res") == 0 ? "res" : field,
				"%s", msg);
		job_spec_free(&s);
		return;
	}
	struct rm_job *j = cluster_add_job(&rmd->cl, &s);
	job_spec_free(&s);
	job_first_reason(rmd, j);
	log_info("framework", "framework %s requested job-%llu: %d container%s of %s", fw->name,
		 (unsigned long long)j->id, j->spec.ntasks, j->spec.ntasks == 1 ? "" : "s",
		 res_format(&j->spec.res, res, sizeof(res)));
	journal_job_accepted(rmd, j);
	/* Replied at once (not after the fsync, as job_submit is): the reply then always
	 * comes before the request's first allocated event, placed at the end of this turn.
	 * A request lost in a crash is missing from the resync's requests: ask again. */
	struct loom_id rid = id_job(j->id);
	mpw_reset(&rmd->w);
	msg_encode_container_requested(&rmd->w, id, &rid);
	reply_send(rmd, p);
	rmd_later(rmd, LATER_SCHED);
}

/* The container named by key, owned by fw; NULL after answering an error. */
static struct rm_attempt *own_container(struct rmd *rmd, struct framework *fw, struct peer *p,
					uint64_t id, const struct loom_id *cid)
{
	struct rm_attempt *a = cluster_attempt(&rmd->cl, cid);
	char s[ID_BUFSZ];

	if (a == NULL || strcmp(a->job->spec.framework, fw->name) != 0) {
		peer_send_error(p, id, ERR_NOT_FOUND, "container",
				"%s is not a container of framework '%s'",
				id_format(cid, s, sizeof(s)), fw->name);
		return NULL;
	}
	return a;
}

static void reply_empty(struct rmd *rmd, struct peer *p, uint64_t id)
{
	reply_begin(rmd, id, 0);
	reply_send(rmd, p);
}

void msg_container_launch(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct framework *fw = registered(p, id);
	struct msg_container_launch m;
	struct rm_attempt *a;
	struct mpr_err e;
	char s[ID_BUFSZ];

	if (fw == NULL)
		return;
	if (msg_decode_container_launch(obj, &m, &e) < 0) {
		reply_bad(p, id, &e);
		return;
	}
	if ((a = own_container(rmd, fw, p, id, &m.container)) == NULL) {
		msg_container_launch_free(&m);
		return;
	}
	if (a->state != ATT_ALLOCATED) {
		peer_send_error(p, id, ERR_CONFLICT, "container", "%s is %s, not ALLOCATED",
				id_format(&a->id, s, sizeof(s)), attempt_state_names[a->state]);
		msg_container_launch_free(&m);
		return;
	}
	attempt_launch(&rmd->cl, a, m.argv, m.nargv, m.env, m.nenv, m.workdir);
	msg_container_launch_free(&m);
	reply_empty(rmd, p, id);
}

void msg_container_release(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct framework *fw = registered(p, id);
	struct msg_container_release m;
	struct mpr_err e;
	char why[PROTO_REASON_MAX];

	if (fw == NULL)
		return;
	if (msg_decode_container_release(obj, &m, &e) < 0) {
		reply_bad(p, id, &e);
		return;
	}
	snprintf(why, sizeof(why), "released by framework %s", fw->name);
	if (m.whole) {
		struct rm_job *j = cluster_job(&rmd->cl, m.target.job);
		if (j == NULL || strcmp(j->spec.framework, fw->name) != 0) {
			peer_send_error(p, id, ERR_NOT_FOUND, "request",
					"job-%llu is not a request of framework '%s'",
					(unsigned long long)m.target.job, fw->name);
			return;
		}
		if (!job_finished(j))
			job_end(&rmd->cl, j, JOB_KILLED, why);
	} else {
		struct rm_attempt *a = own_container(rmd, fw, p, id, &m.target);
		if (a == NULL)
			return;
		attempt_kill(&rmd->cl, a, why); /* nothing when it ended already */
	}
	reply_empty(rmd, p, id);
}

void msg_framework_unregister(struct peer *p, uint64_t id, const msgpack_object *obj,
			      void *ctx)
{
	struct rmd *rmd = ctx;
	struct framework *fw = registered(p, id);
	char why[PROTO_REASON_MAX];

	if (fw == NULL)
		return;
	snprintf(why, sizeof(why), "framework %s unregistered", fw->name);
	log_info("framework", "%s: releasing its containers and requests", why);
	framework_remove(rmd, fw, why);
	reply_empty(rmd, p, id);
}
