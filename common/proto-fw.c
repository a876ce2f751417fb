/*
 * The framework messages (400-406): registration and its resync reply, container
 * requests, launches and releases, and the container and node events rmd pushes. One
 * encoder and one strict decoder each; docs/PROTOCOL.md "Frameworks" is their reference.
 */
#include "proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto-util.h"
#include "xmalloc.h"

const char *const container_event_names[CONT_KIND_MAX] = {
	[CONT_ALLOCATED] = "allocated",   [CONT_RUNNING] = "running",
	[CONT_EXITED] = "exited",         [CONT_FAILED] = "failed",
	[CONT_RELEASED] = "released",     [CONT_LOST] = "lost",
	[CONT_PREEMPTING] = "preempting", [CONT_PREEMPTED] = "preempted",
};

static const char *const container_states[] = { "ALLOCATED", "STARTING", "RUNNING" };

/* ---- framework_register ------------------------------------------------------------ */

void msg_encode_fw_register(struct mpw *w, uint64_t id, const struct msg_fw_register *m)
{
	mpw_msg(w, MSG_FRAMEWORK_REGISTER, id, 3);
	mpw_kstr(w, "name", m->name);
	mpw_kstr(w, "queue", m->queue);
	mpw_kstr(w, "user", m->user);
}

int msg_decode_fw_register(const msgpack_object *o, struct msg_fw_register *m,
			   struct mpr_err *e)
{
	struct msg_fw_register r = { 0 };

	if (mpr_str(o, "name", true, r.name, sizeof r.name, e) < 0 ||
	    mpr_str(o, "queue", false, r.queue, sizeof r.queue, e) < 0 ||
	    mpr_str(o, "user", false, r.user, sizeof r.user, e) < 0)
		return -1;
	if (r.name[0] == '\0')
		return mpr_fail(e, "name", "must not be empty");
	*m = r;
	return 0;
}

/* ---- its reply: the resync ---------------------------------------------------------- */

static void container_encode(struct mpw *w, const struct fw_container *c)
{
	mpw_map(w, 6);
	mpw_kid(w, "container", &c->id);
	mpw_kid(w, "request", &c->request);
	mpw_kstr(w, "node", c->node);
	mpw_kstr(w, "host", c->host);
	mpw_kstr(w, "state", c->state);
	mpw_kres(w, "res", &c->res);
}

void msg_encode_fw_registered(struct mpw *w, uint64_t id, const struct msg_fw_registered *m)
{
	mpw_msg(w, MSG_REPLY, id, 4);
	mpw_kstr(w, "name", m->name);
	mpw_kbool(w, "resumed", m->resumed);
	mpw_key(w, "containers");
	mpw_array(w, (uint32_t)m->ncontainers);
	for (int i = 0; i < m->ncontainers; i++)
		container_encode(w, &m->containers[i]);
	mpw_key(w, "requests");
	mpw_array(w, (uint32_t)m->nrequests);
	for (int i = 0; i < m->nrequests; i++)
		mpw_id(w, &m->requests[i]);
}

static int container_decode(const msgpack_object *o, struct fw_container *c, struct mpr_err *e)
{
	size_t k;

	if (o->type != MSGPACK_OBJECT_MAP)
		return mpr_fail(e, "", "must be a map");
	if (mpr_id(o, "container", true, "attempt", &c->id, e) < 0 ||
	    mpr_id(o, "request", true, "job", &c->request, e) < 0 ||
	    mpr_str(o, "node", true, c->node, sizeof c->node, e) < 0 ||
	    mpr_str(o, "host", false, c->host, sizeof c->host, e) < 0 ||
	    mpr_str(o, "state", true, c->state, sizeof c->state, e) < 0 ||
	    mpr_res(o, "res", false, &c->res, e) < 0)
		return -1;
	for (k = 0; k < sizeof container_states / sizeof container_states[0]; k++)
		if (strcmp(c->state, container_states[k]) == 0)
			return 0;
	return mpr_fail(e, "state", "'%s' is not ALLOCATED, STARTING or RUNNING", c->state);
}

static int requests_decode(const msgpack_object_array *a, struct msg_fw_registered *r,
			   struct mpr_err *e)
{
	r->requests = xcalloc((size_t)a->size + 1, sizeof *r->requests);
	for (uint32_t i = 0; i < a->size; i++) {
		const msgpack_object *v = &a->ptr[i];
		char buf[ID_BUFSZ], field[32];
		snprintf(field, sizeof field, "requests[%u]", i);
		if (v->type != MSGPACK_OBJECT_STR || v->via.str.size == 0 ||
		    v->via.str.size >= sizeof buf ||
		    memchr(v->via.str.ptr, '\0', v->via.str.size) != NULL)
			return mpr_fail(e, field, "must be a job id such as \"job-12\"");
		memcpy(buf, v->via.str.ptr, v->via.str.size);
		buf[v->via.str.size] = '\0';
		if (id_parse(buf, &r->requests[i]) < 0 || !id_is_job(&r->requests[i]))
			return mpr_fail(e, field, "'%s' is not a job id", buf);
		r->nrequests++;
	}
	return 0;
}

int msg_decode_fw_registered(const msgpack_object *o, struct msg_fw_registered *m,
			     struct mpr_err *e)
{
	struct msg_fw_registered r = { 0 };
	const msgpack_object_array *cs = NULL, *rs = NULL;

	if (mpr_str(o, "name", true, r.name, sizeof r.name, e) < 0 ||
	    mpr_bool(o, "resumed", true, &r.resumed, e) < 0 ||
	    mpr_array(o, "containers", true, PROTO_MAX_CONTAINERS, &cs, e) < 0 ||
	    mpr_array(o, "requests", true, PROTO_MAX_CONTAINERS, &rs, e) < 0)
		return -1;
	r.containers = xcalloc((size_t)cs->size + 1, sizeof *r.containers);
	for (uint32_t i = 0; i < cs->size; i++, r.ncontainers++) {
		if (container_decode(&cs->ptr[i], &r.containers[i], e) < 0) {
			mpr_err_prefix(e, "containers[%u]", i);
			msg_fw_registered_free(&r);
			return -1;
		}
	}
	if (requests_decode(rs, &r, e) < 0) {
		msg_fw_registered_free(&r);
		return -1;
	}
	*m = r;
	return 0;
}

void msg_fw_registered_free(struct msg_fw_registered *m)
{
	free(m->containers);
	free(m->requests);
	m->containers = NULL;
	m->requests = NULL;
	m->ncontainers = m->nrequests = 0;
}

/* ---- container_request ------------------------------------------------------------- */

void msg_encode_container_request(struct mpw *w, uint64_t id,
				  const struct msg_container_request *m)
{
	mpw_msg(w, MSG_CONTAINER_REQUEST, id, 9);
	mpw_kint(w, "count", m->count);
	mpw_kres(w, "res", &m->res);
	mpw_kbool(w, "gang", m->gang);
	mpw_kint(w, "priority", m->priority);
	mpw_kint(w, "time_limit_ms", m->time_limit_ms);
	mpw_kstrv(w, "require_labels", m->require_labels,
		  m->require_labels ? m->nrequire_labels : 0);
	mpw_kstrv(w, "exclude_labels", m->exclude_labels,
		  m->exclude_labels ? m->nexclude_labels : 0);
	mpw_kstrv(w, "prefer", m->prefer, m->prefer ? m->nprefer : 0);
	mpw_kstr(w, "name", m->name);
}

/* Label lists as a job spec's; a label both required and excluded is refused. */
static int creq_labels(const msgpack_object *o, struct msg_container_request *r,
		       struct mpr_err *e)
{
	if (mpr_strv(o, "require_labels", false, PROTO_MAX_LABELS, PROTO_LABEL_MAX - 1,
		     &r->require_labels, &r->nrequire_labels, e) < 0 ||
	    mpr_strv(o, "exclude_labels", false, PROTO_MAX_LABELS, PROTO_LABEL_MAX - 1,
		     &r->exclude_labels, &r->nexclude_labels, e) < 0)
		return -1;
	for (int i = 0; i < r->nrequire_labels; i++)
		for (int k = 0; k < r->nexclude_labels; k++)
			if (strcmp(r->require_labels[i], r->exclude_labels[k]) == 0)
				return mpr_fail(e, "exclude_labels",
						"'%s' is also in require_labels",
						r->exclude_labels[k]);
	return 0;
}

static int creq_prefer(const msgpack_object *o, struct msg_container_request *r,
		       struct mpr_err *e)
{
	if (mpr_strv(o, "prefer", false, PROTO_MAX_PREFER, PROTO_NAME_MAX - 1, &r->prefer,
		     &r->nprefer, e) < 0)
		return -1;
	for (int i = 0; i < r->nprefer; i++)
		for (int k = 0; k < i; k++)
			if (strcmp(r->prefer[i], r->prefer[k]) == 0)
				return mpr_fail(e, "prefer", "node '%s' is listed twice",
						r->prefer[i]);
	return 0;
}

int msg_decode_container_request(const msgpack_object *o, struct msg_container_request *m,
				 struct mpr_err *e)
{
	struct msg_container_request r = { 0 };
	int64_t count = 0, priority = 0, limit = 0;

	if (mpr_int(o, "count", true, 1, PROTO_MAX_CONTAINERS, &count, e) < 0 ||
	    mpr_res(o, "res", true, &r.res, e) < 0 ||
	    mpr_bool(o, "gang", false, &r.gang, e) < 0 ||
	    mpr_int(o, "priority", false, -1000, 1000, &priority, e) < 0 ||
	    mpr_int(o, "time_limit_ms", false, 0, PROTO_MAX_TIME_LIMIT_MS, &limit, e) < 0 ||
	    mpr_str(o, "name", false, r.name, sizeof r.name, e) < 0)
		return -1;
	if (res_is_zero(&r.res))
		return mpr_fail(e, "res", "a container must ask for some vcores or memory");
	if (creq_labels(o, &r, e) < 0 || creq_prefer(o, &r, e) < 0) {
		msg_container_request_free(&r);
		return -1;
	}
	r.count = (int32_t)count;
	r.priority = (int32_t)priority;
	r.time_limit_ms = limit;
	*m = r;
	return 0;
}

void msg_container_request_free(struct msg_container_request *m)
{
	mpr_strv_free(m->require_labels);
	mpr_strv_free(m->exclude_labels);
	mpr_strv_free(m->prefer);
	m->require_labels = m->exclude_labels = m->prefer = NULL;
	m->nrequire_labels = m->nexclude_labels = m->nprefer = 0;
}

void msg_encode_container_requested(struct mpw *w, uint64_t id, const struct loom_id *req)
{
	mpw_msg(w, MSG_REPLY, id, 1);
	mpw_kid(w, "request", req);
}

int msg_decode_container_requested(const msgpack_object *o, struct loom_id *req,
				   struct mpr_err *e)
{
	return mpr_id(o, "request", true, "job", req, e);
}

/* ---- container_launch -------------------------------------------------------------- */

void msg_encode_container_launch(struct mpw *w, uint64_t id,
				 const struct msg_container_launch *m)
{
	mpw_msg(w, MSG_CONTAINER_LAUNCH, id, 4);
	mpw_kid(w, "container", &m->container);
	mpw_kstrv(w, "argv", m->argv, m->nargv);
	mpw_kstrv(w, "env", m->env, m->env ? m->nenv : 0);
	mpw_kstr(w, "workdir", m->workdir ? m->workdir : "");
}

int msg_decode_container_launch(const msgpack_object *o, struct msg_container_launch *m,
				struct mpr_err *e)
{
	struct msg_container_launch r = { 0 };

	if (mpr_id(o, "container", true, "attempt", &r.container, e) < 0 ||
	    proto_argv(o, &r.argv, &r.nargv, e) < 0)
		return -1;
	if (proto_env(o, &r.env, &r.nenv, e) < 0 || proto_path(o, "workdir", &r.workdir, e) < 0) {
		msg_container_launch_free(&r);
		return -1;
	}
	*m = r;
	return 0;
}

void msg_container_launch_free(struct msg_container_launch *m)
{
	mpr_strv_free(m->argv);
	mpr_strv_free(m->env);
	free(m->workdir);
	m->argv = m->env = NULL;
	m->workdir = NULL;
	m->nargv = m->nenv = 0;
}

/* ---- container_release ------------------------------------------------------------- */

void msg_encode_container_release(struct mpw *w, uint64_t id,
				  const struct msg_container_release *m)
{
	mpw_msg(w, MSG_CONTAINER_RELEASE, id, 1);
	mpw_kid(w, m->whole ? "request" : "container", &m->target);
}

int msg_decode_container_release(const msgpack_object *o, struct msg_container_release *m,
				 struct mpr_err *e)
{
	struct msg_container_release r = { 0 };
	const msgpack_object *c = mpr_get(o, "container"), *q = mpr_get(o, "request");
	bool hc = c != NULL && c->type != MSGPACK_OBJECT_NIL;
	bool hq = q != NULL && q->type != MSGPACK_OBJECT_NIL;

	if (hc && hq)
		return mpr_fail(e, "request", "give either container or request, not both");
	if (!hc && !hq)
		return mpr_fail(e, "container", "missing (or give request)");
	if (hc && mpr_id(o, "container", true, "attempt", &r.target, e) < 0)
		return -1;
	if (hq && mpr_id(o, "request", true, "job", &r.target, e) < 0)
		return -1;
	r.whole = hq;
	*m = r;
	return 0;
}

/* ---- pushed events ----------------------------------------------------------------- */

void msg_encode_container_event(struct mpw *w, const struct msg_container_event *m)
{
	int k = m->kind >= 0 && m->kind < CONT_KIND_MAX ? m->kind : CONT_FAILED;

	mpw_msg(w, MSG_CONTAINER_EVENT, 0, 10);
	mpw_kstr(w, "kind", container_event_names[k]);
	mpw_kid(w, "container", &m->container);
	mpw_kid(w, "request", &m->request);
	mpw_kstr(w, "node", m->node);
	mpw_kstr(w, "host", m->host);
	mpw_kres(w, "res", &m->res);
	mpw_kint(w, "exit_code", m->exit_code);
	mpw_kint(w, "signal", m->signal);
	mpw_kstr(w, "reason", m->reason);
	mpw_kint(w, "grace_ms", m->grace_ms);
}

int msg_decode_container_event(const msgpack_object *o, struct msg_container_event *m,
			       struct mpr_err *e)
{
	struct msg_container_event r = { 0 };
	char kind[16];
	int64_t code = 0, sig = 0;

	if (mpr_str(o, "kind", true, kind, sizeof kind, e) < 0 ||
	    mpr_id(o, "container", true, "attempt", &r.container, e) < 0 ||
	    mpr_id(o, "request", true, "job", &r.request, e) < 0 ||
	    mpr_str(o, "node", false, r.node, sizeof r.node, e) < 0 ||
	    mpr_str(o, "host", false, r.host, sizeof r.host, e) < 0 ||
	    mpr_res(o, "res", false, &r.res, e) < 0 ||
	    mpr_int(o, "exit_code", false, -255, 255, &code, e) < 0 ||
	    mpr_int(o, "signal", false, 0, 128, &sig, e) < 0 ||
	    mpr_str(o, "reason", false, r.reason, sizeof r.reason, e) < 0 ||
	    mpr_int(o, "grace_ms", false, 0, PROTO_MAX_GRACE_MS, &r.grace_ms, e) < 0)
		return -1;
	while (r.kind < CONT_KIND_MAX && strcmp(kind, container_event_names[r.kind]) != 0)
		r.kind++;
	if (r.kind == CONT_KIND_MAX)
		return mpr_fail(e, "kind", "unknown container event '%s'", kind);
	r.exit_code = (int)code;
	r.signal = (int)sig;
	*m = r;
	return 0;
}

void msg_encode_node_event(struct mpw *w, const struct msg_node_event *m)
{
	mpw_msg(w, MSG_NODE_EVENT, 0, 3);
	mpw_kstr(w, "node", m->node);
	mpw_kstr(w, "state", m->state);
	mpw_kstr(w, "reason", m->reason);
}

int msg_decode_node_event(const msgpack_object *o, struct msg_node_event *m,
			  struct mpr_err *e)
{
	struct msg_node_event r = { 0 };

	if (mpr_str(o, "node", true, r.node, sizeof r.node, e) < 0 ||
	    mpr_str(o, "state", true, r.state, sizeof r.state, e) < 0 ||
	    mpr_str(o, "reason", false, r.reason, sizeof r.reason, e) < 0)
		return -1;
	if (r.node[0] == '\0')
		return mpr_fail(e, "node", "must not be empty");
	*m = r;
	return 0;
}
