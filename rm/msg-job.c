/* Job requests from clients: submit, list, info and kill; and the one admission check that
 * submissions and frameworks' container requests both pass (job_admit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "autoscale-run.h"
#include "log.h"
#include "rm.h"
#include "xmalloc.h"

/* True when some member node could hold a task of s (size and labels), empty. */
static bool member_holds(const struct cluster *cl, const struct job_spec *s)
{
	for (size_t i = 0; i < cl->nnodes; i++)
		if (node_member(cl->nodes[i]) && res_fits(&s->res, &cl->nodes[i]->capacity) &&
		    node_labels_ok(cl->nodes[i], s))
			return true;
	return false;
}

/* The reason a new job gives while it waits, before the autoscaler's. */
static const char *waiting_reason(const struct cluster *cl, const struct rm_job *j, char *buf,
				  size_t len)
{
	uint64_t bad;
	bool nomatch;
	const char *missing;

	if (j->spec.nafter > 0 && job_deps(cl, j, &bad) == DEPS_WAIT)
		return "waiting for the jobs it runs after";
	if ((missing = job_missing_label(cl, &j->spec, &nomatch)) != NULL) {
		snprintf(buf, len, "no node has label '%.*s'", PROTO_LABEL_MAX, missing);
		return buf;
	}
	if (nomatch)
		return "no node matches its label constraints";
	for (size_t i = 0; i < cl->nnodes; i++)
		if (node_member(cl->nodes[i]))
			return "waiting for placement";
	snprintf(buf, len, "waiting for nodes to register");
	return buf;
}

void job_first_reason(struct rmd *rmd, struct rm_job *j)
{
	char buf[128];
	const char *why = waiting_reason(&rmd->cl, j, buf, sizeof(buf));
	int pool = autoscale_pool_for(rmd, &j->spec);

	if (pool >= 0 && strcmp(why, "waiting for the jobs it runs after") != 0 &&
	    !member_holds(&rmd->cl, &j->spec)) {
		snprintf(buf, sizeof(buf), "scaling up pool %s",
			 autoscale_pools(rmd)->pools[pool].c.name);
		why = buf;
	}
	job_set_reason(j, why);
}

/* Refusals a pool's nodes can lift: they may bring the size, the labels or the room. */
static bool pool_may_lift(const char *field)
{
	return strcmp(field, "res") == 0 || strcmp(field, "gang") == 0 ||
	       strstr(field, "_labels") != NULL;
}

/* No pool takes s: says why, after job_validate's reason (rc < 0) or alone (no node). */
static int refuse_for_pools(struct rmd *rmd, const struct job_spec *s, int rc, char *field,
			    size_t fieldlen, char *msg, size_t msglen)
{
	char first[PROTO_REASON_MAX], a[RES_BUFSZ];
	int pool;
	const char *unmet = as_pool_unmet(autoscale_pools(rmd), s, &pool);
	bool required = false;

	snprintf(first, sizeof(first), "%s", rc < 0 ? msg : "no node is registered");
	for (int i = 0; unmet != NULL && i < s->nrequire_labels; i++)
		required = required || s->require_labels[i] == unmet;
	if (unmet != NULL) {
		snprintf(field, fieldlen, "%s", required ? "require_labels" : "exclude_labels");
		snprintf(msg, msglen, "%s, and autoscale pool %s, whose nodes fit it, %s label "
			 "'%.*s'", first, autoscale_pools(rmd)->pools[pool].c.name,
			 required ? "lacks" : "has the excluded", PROTO_LABEL_MAX, unmet);
	} else if (rc < 0) {
		snprintf(msg, msglen, "%s, and no autoscale pool's nodes fit its size and labels",
			 first);
	} else {
		snprintf(field, fieldlen, "res");
		snprintf(msg, msglen, "resources %s fit no registered node and no autoscale pool's "
			 "node: no node that could run it will ever be started",
			 res_format(&s->res, a, sizeof(a)));
	}
	return -1;
}

/*
 * With autoscaling on, a job that no registered node can hold (size, labels, a gang's
 * room) may wait for a pool whose nodes can; one that neither can hold is refused.
 */
int job_admit(struct rmd *rmd, const struct job_spec *s, char *field, size_t fieldlen,
	      char *msg, size_t msglen)
{
	int rc = job_validate(&rmd->cl, s, field, fieldlen, msg, msglen);
	bool member = false;

	if (!autoscale_on(rmd) || res_is_zero(&s->res) || (rc < 0 && !pool_may_lift(field)))
		return rc;
	if (autoscale_pool_for(rmd, s) >= 0)
		return 0;
	for (size_t i = 0; i < rmd->cl.nnodes && !member; i++)
		member = node_member(rmd->cl.nodes[i]);
	if (rc == 0 && member)
		return 0;
	return refuse_for_pools(rmd, s, rc, field, fieldlen, msg, msglen);
}

void msg_job_submit(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct conn *c = peer_data(p);
	struct job_spec s;
	struct mpr_err e;
	char field[64], msg[PROTO_REASON_MAX], res[RES_BUFSZ];

	if (msg_decode_job_submit(obj, &s, &e) < 0) {
		reply_bad(p, id, &e);
		return;
	}
	if (s.framework[0] != '\0') { /* frameworks' jobs come from container_request */
		peer_send_error(p, id, ERR_BAD_REQUEST, "framework",
				"framework: set by container_request only");
		job_spec_free(&s);
		return;
	}
	if (job_admit(rmd, &s, field, sizeof(field), msg, sizeof(msg)) < 0) {
		log_info("job", "submission from %s refused: %s: %s", c->name, field, msg);
		peer_send_error(p, id, ERR_REJECTED, field, "%s", msg);
		job_spec_free(&s);
		return;
	}
	struct rm_job *j = cluster_add_job(&rmd->cl, &s);
	job_spec_free(&s);
	job_first_reason(rmd, j);
	log_info("job", "job-%llu '%s' submitted by %s (%s): %d task%s of %s",
		 (unsigned long long)j->id, j->spec.name, c->name, j->spec.user, j->spec.ntasks,
		 j->spec.ntasks == 1 ? "" : "s", res_format(&j->spec.res, res, sizeof(res)));
	journal_job_accepted(rmd, j);
	journal_ack(rmd, p, id, j->id, false); /* the REPLY goes once the record is durable */
	rmd_later(rmd, LATER_SCHED);
}

void msg_job_list(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	reply_list(ctx, p, id, obj, views_job_list);
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
	journal_ack(rmd, p, id, j->id, true);
}
