/* Job requests from clients: submit, list, info and kill. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "rm.h"
#include "xmalloc.h"

/* The reason a new job gives while it waits. */
static const char *waiting_reason(const struct cluster *cl, const struct rm_job *j, char *buf,
				  size_t len)
{
	uint64_t bad;

	if (j->spec.nafter > 0 && job_deps(cl, j, &bad) == DEPS_WAIT)
		return "waiting for the jobs it runs after";
	for (size_t i = 0; i < cl->nnodes; i++)
		if (node_member(cl->nodes[i]))
			return "waiting for placement";
	snprintf(buf, len, "waiting for nodes to register");
	return buf;
}

void msg_job_submit(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct conn *c = peer_data(p);
	struct job_spec s;
	struct mpr_err e;
	char field[64], msg[PROTO_REASON_MAX], buf[64], res[RES_BUFSZ];

	if (msg_decode_job_submit(obj, &s, &e) < 0) {
		reply_bad(p, id, &e);
		return;
	}
	if (job_validate(&rmd->cl, &s, field, sizeof(field), msg, sizeof(msg)) < 0) {
		log_info("job", "submission from %s refused: %s: %s", c->name, field, msg);
		peer_send_error(p, id, ERR_REJECTED, field, "%s", msg);
		job_spec_free(&s);
		return;
	}
	struct rm_job *j = cluster_add_job(&rmd->cl, &s);
	job_spec_free(&s);
	job_set_reason(j, waiting_reason(&rmd->cl, j, buf, sizeof(buf)));
	log_info("job", "job-%llu '%s' submitted by %s (%s): %d task%s of %s",
		 (unsigned long long)j->id, j->spec.name, c->name, j->spec.user, j->spec.ntasks,
		 j->spec.ntasks == 1 ? "" : "s", res_format(&j->spec.res, res, sizeof(res)));
	struct loom_id jid = id_job(j->id);
	struct mpw *w = reply_begin(rmd, id, 1);
	mpw_kid(w, "job", &jid);
	reply_send(rmd, p);
	rmd_later(rmd, LATER_SCHED);
}

/* -1 for an unknown state name; "" matches any. */
static int state_filter(const char *name)
{
	if (name[0] == '\0')
		return JOB_STATE_MAX;
	for (int s = 0; s < JOB_STATE_MAX; s++)
		if (strcasecmp(name, job_state_names[s]) == 0)
			return s;
	return -1;
}

static bool job_matches(const struct rm_job *j, int state, const struct msg_list_request *m)
{
	const char *queue = j->spec.queue[0] ? j->spec.queue : "default";

	if (state != JOB_STATE_MAX && (int)j->state != state)
		return false;
	if (m->queue[0] != '\0' && strcmp(m->queue, queue) != 0)
		return false;
	return m->user[0] == '\0' || strcmp(m->user, j->spec.user) == 0;
}

void msg_job_list(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct msg_list_request m;
	struct mpr_err e;
	int state;

	if (msg_decode_list_request(obj, &m, &e) < 0) {
		reply_bad(p, id, &e);
		return;
	}
	if ((state = state_filter(m.state)) < 0) {
		peer_send_error(p, id, ERR_BAD_REQUEST, "state",
				"state: '%s' is not a job state (PENDING, RUNNING, SUCCEEDED, "
				"FAILED, KILLED)", m.state);
		return;
	}
	size_t n = 0, cap = 0;
	const struct rm_job **sel = NULL;
	for (uint64_t jid = rmd->cl.next_job - 1; jid >= 1; jid--) { /* newest first */
		const struct rm_job *j = rmd->cl.jobs[jid];
		if (m.limit > 0 && n >= (size_t)m.limit)
			break;
		if (j == NULL || !job_matches(j, state, &m))
			continue;
		sel = xgrow(sel, &cap, n + 1, sizeof(*sel));
		sel[n++] = j;
	}
	struct mpw *w = reply_begin(rmd, id, 1);
	mpw_key(w, "jobs");
	mpw_array(w, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		view_job(w, sel[i], false);
	reply_send(rmd, p);
	free(sel);
}

/* The job named by a request, or NULL after answering ERR_NOT_FOUND. */
static struct rm_job *target_job(struct rmd *rmd, struct peer *p, uint64_t id,
				 const struct loom_id *jid)
{
	struct rm_job *j = cluster_job(&rmd->cl, jid->job);
	int st = cluster_job_state(&rmd->cl, jid->job);

	if (j != NULL)
		return j;
	if (st >= 0)
		peer_send_error(p, id, ERR_NOT_FOUND, "target",
				"job-%llu not found: it ended %s and was dropped (completed_jobs_kept)",
				(unsigned long long)jid->job, job_state_names[st]);
	else
		peer_send_error(p, id, ERR_NOT_FOUND, "target", "job-%llu not found",
				(unsigned long long)jid->job);
	return NULL;
}

void msg_job_info(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct msg_id_request m;
	struct mpr_err e;
	struct rm_job *j;

	if (msg_decode_id_request(obj, &m, &e) < 0) {
		reply_bad(p, id, &e);
		return;
	}
	if ((j = target_job(rmd, p, id, &m.id)) == NULL)
		return;
	struct mpw *w = reply_begin(rmd, id, 1);
	mpw_key(w, "job");
	view_job(w, j, true);
	reply_send(rmd, p);
}

void msg_job_kill(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct conn *c = peer_data(p);
	struct msg_id_request m;
	struct mpr_err e;
	struct rm_job *j;
	char why[PROTO_REASON_MAX];

	if (msg_decode_id_request(obj, &m, &e) < 0) {
		reply_bad(p, id, &e);
		return;
	}
	if ((j = target_job(rmd, p, id, &m.id)) == NULL)
		return;
	if (job_finished(j)) {
		peer_send_error(p, id, ERR_CONFLICT, "target", "job-%llu already %s",
				(unsigned long long)j->id, job_state_names[j->state]);
		return;
	}
	snprintf(why, sizeof(why), "killed by %s%s%.800s", c->name, m.reason[0] ? ": " : "",
		 m.reason);
	job_end(&rmd->cl, j, JOB_KILLED, why);
	struct loom_id jid = id_job(j->id);
	struct mpw *w = reply_begin(rmd, id, 2);
	mpw_kid(w, "job", &jid);
	mpw_kstr(w, "state", job_state_names[j->state]);
	reply_send(rmd, p);
}
