/* Messages between rmd and node agents: registration, heartbeats, attempts, logs. */
#include "proto.h"

#include <stdlib.h>
#include <string.h>

#include "proto-util.h"
#include "xmalloc.h"

#define REPORT_FIELDS 10

/* Writes the REPORT_FIELDS key/value pairs of a report (the caller opened the map). */
static void report_pairs(struct mpw *w, const struct attempt_report *r)
{
	mpw_kid(w, "attempt", &r->id);
	mpw_kint(w, "state", r->state);
	mpw_kint(w, "exit_code", r->exit_code);
	mpw_kint(w, "signal", r->signal);
	mpw_kdouble(w, "progress", r->progress);
	mpw_kint(w, "start_us", r->start_us);
	mpw_kint(w, "end_us", r->end_us);
	mpw_kint(w, "rss_mb", r->rss_mb);
	mpw_kstr(w, "reason", r->reason);
	mpw_kstr(w, "log_tail", r->log_tail);
}

static int report_decode(const msgpack_object *o, struct attempt_report *out,
			 struct mpr_err *e)
{
	struct attempt_report r = { .progress = -1 };
	int64_t state, code = 0, sig = 0;

	if (o->type != MSGPACK_OBJECT_MAP)
		return mpr_fail(e, "", "must be a map");
	if (mpr_id(o, "attempt", true, "attempt", &r.id, e) < 0 ||
	    mpr_int(o, "state", true, AR_RUNNING, AR_LIMIT_KILLED, &state, e) < 0 ||
	    mpr_int(o, "exit_code", false, -1, 255, &code, e) < 0 ||
	    mpr_int(o, "signal", false, 0, 128, &sig, e) < 0 ||
	    mpr_double(o, "progress", false, -1, 1, &r.progress, e) < 0 ||
	    mpr_int(o, "start_us", false, 0, INT64_MAX, &r.start_us, e) < 0 ||
	    mpr_int(o, "end_us", false, 0, INT64_MAX, &r.end_us, e) < 0 ||
	    mpr_int(o, "rss_mb", false, 0, INT64_MAX, &r.rss_mb, e) < 0 ||
	    mpr_str(o, "reason", false, r.reason, sizeof r.reason, e) < 0 ||
	    mpr_str(o, "log_tail", false, r.log_tail, sizeof r.log_tail, e) < 0)
		return -1;
	r.state = (int)state;
	r.exit_code = (int)code;
	r.signal = (int)sig;
	*out = r;
	return 0;
}

void msg_encode_node_register(struct mpw *w, uint64_t id, const struct msg_node_register *m)
{
	mpw_msg(w, MSG_NODE_REGISTER, id, 5);
	mpw_kstr(w, "name", m->name);
	mpw_kstr(w, "host", m->host);
	mpw_kres(w, "capacity", &m->capacity);
	mpw_key(w, "labels");
	mpw_array(w, (uint32_t)m->nlabels);
	for (int i = 0; i < m->nlabels; i++)
		mpw_str(w, m->labels[i]);
	mpw_key(w, "attempts");
	mpw_array(w, (uint32_t)m->nattempts);
	for (int i = 0; i < m->nattempts; i++) {
		mpw_map(w, REPORT_FIELDS);
		report_pairs(w, &m->attempts[i]);
	}
}

static int labels_decode(const msgpack_object *o, struct msg_node_register *r,
			 struct mpr_err *e)
{
	char **v = NULL;

	if (mpr_strv(o, "labels", false, PROTO_MAX_LABELS, PROTO_LABEL_MAX - 1, &v,
		     &r->nlabels, e) < 0)
		return -1;
	for (int i = 0; i < r->nlabels; i++)
		strcpy(r->labels[i], v[i]); /* length checked by mpr_strv */
	mpr_strv_free(v);
	return 0;
}

/* Decodes an array of n maps of elem bytes each with fn into a new array (*out). */
static int array_decode(const msgpack_object *o, const char *key, size_t maxn, size_t elem,
			int (*fn)(const msgpack_object *, void *, struct mpr_err *),
			void **out, int *n, struct mpr_err *e)
{
	const msgpack_object_array *a;

	if (mpr_array(o, key, false, maxn, &a, e) < 0)
		return -1;
	if (a == NULL || a->size == 0)
		return 0;
	char *v = xcalloc(a->size, elem);
	for (uint32_t i = 0; i < a->size; i++) {
		if (fn(&a->ptr[i], v + i * elem, e) < 0) {
			mpr_err_prefix(e, "%s[%u]", key, i);
			free(v);
			return -1;
		}
	}
	*out = v;
	*n = (int)a->size;
	return 0;
}

static int report_elem(const msgpack_object *o, void *out, struct mpr_err *e)
{
	return report_decode(o, out, e);
}

int msg_decode_node_register(const msgpack_object *o, struct msg_node_register *m,
			     struct mpr_err *e)
{
	struct msg_node_register *r = xcalloc(1, sizeof *r); /* labels make it large */
	void *reports = NULL;
	int ret = -1;

	if (mpr_str(o, "name", true, r->name, sizeof r->name, e) < 0 ||
	    mpr_str(o, "host", true, r->host, sizeof r->host, e) < 0 ||
	    mpr_res(o, "capacity", true, &r->capacity, e) < 0 || labels_decode(o, r, e) < 0 ||
	    array_decode(o, "attempts", PROTO_MAX_ATTEMPTS_REPORTED, sizeof(struct attempt_report),
			 report_elem, &reports, &r->nattempts, e) < 0)
		goto out;
	if (r->name[0] == '\0') {
		mpr_fail(e, "name", "must not be empty");
		free(reports);
		goto out;
	}
	r->attempts = reports;
	*m = *r;
	ret = 0;
out:
	free(r);
	return ret;
}

void msg_node_register_free(struct msg_node_register *m)
{
	free(m->attempts);
	m->attempts = NULL;
	m->nattempts = 0;
}

void msg_encode_node_heartbeat(struct mpw *w, uint64_t id, const struct msg_node_heartbeat *m)
{
	mpw_msg(w, MSG_NODE_HEARTBEAT, id, 7);
	mpw_kint(w, "seq", m->seq);
	mpw_kbool(w, "healthy", m->healthy);
	mpw_kstr(w, "health_reason", m->health_reason);
	mpw_kres(w, "used", &m->used);
	mpw_kint(w, "mem_used_mb", m->mem_used_mb);
	mpw_kdouble(w, "load1", m->load1);
	mpw_key(w, "attempts");
	mpw_array(w, (uint32_t)m->nattempts);
	for (int i = 0; i < m->nattempts; i++) {
		mpw_map(w, 3);
		mpw_kid(w, "attempt", &m->attempts[i].id);
		mpw_kdouble(w, "progress", m->attempts[i].progress);
		mpw_kint(w, "rss_mb", m->attempts[i].rss_mb);
	}
}

/* One heartbeat entry; "id" is accepted for "attempt", as an older PROTOCOL.md named it. */
static int progress_elem(const msgpack_object *o, void *out, struct mpr_err *e)
{
	struct attempt_progress r = { .progress = -1 };
	const char *key = mpr_get(o, "attempt") == NULL && mpr_get(o, "id") != NULL ? "id"
										   : "attempt";

	if (o->type != MSGPACK_OBJECT_MAP)
		return mpr_fail(e, "", "must be a map");
	if (mpr_id(o, key, true, "attempt", &r.id, e) < 0 ||
	    mpr_double(o, "progress", false, -1, 1, &r.progress, e) < 0 ||
	    mpr_int(o, "rss_mb", false, 0, INT64_MAX, &r.rss_mb, e) < 0)
		return -1;
	*(struct attempt_progress *)out = r;
	return 0;
}

int msg_decode_node_heartbeat(const msgpack_object *o, struct msg_node_heartbeat *m,
			      struct mpr_err *e)
{
	struct msg_node_heartbeat r = { .healthy = true }; /* agents without a health check */
	void *v = NULL;

	if (mpr_int(o, "seq", true, 0, INT64_MAX, &r.seq, e) < 0 ||
	    mpr_bool(o, "healthy", false, &r.healthy, e) < 0 ||
	    mpr_str(o, "health_reason", false, r.health_reason, sizeof r.health_reason, e) < 0 ||
	    mpr_res(o, "used", false, &r.used, e) < 0 ||
	    mpr_int(o, "mem_used_mb", false, 0, INT64_MAX, &r.mem_used_mb, e) < 0 ||
	    mpr_double(o, "load1", false, 0, 1e9, &r.load1, e) < 0 ||
	    array_decode(o, "attempts", PROTO_MAX_ATTEMPTS_REPORTED,
			 sizeof(struct attempt_progress), progress_elem, &v, &r.nattempts, e) < 0)
		return -1;
	r.attempts = v;
	*m = r;
	return 0;
}

void msg_node_heartbeat_free(struct msg_node_heartbeat *m)
{
	free(m->attempts);
	m->attempts = NULL;
	m->nattempts = 0;
}

void msg_encode_attempt_launch(struct mpw *w, uint64_t id, const struct msg_attempt_launch *m)
{
	mpw_msg(w, MSG_ATTEMPT_LAUNCH, id, 9);
	mpw_kid(w, "attempt", &m->id);
	mpw_kint(w, "ntasks", m->ntasks);
	mpw_kstrv(w, "argv", m->argv, m->nargv);
	mpw_kstrv(w, "env", m->env, m->nenv);
	mpw_kres(w, "res", &m->res);
	mpw_kstr(w, "output_dir", m->output_dir ? m->output_dir : "");
	mpw_kstr(w, "workdir", m->workdir ? m->workdir : "");
	mpw_kstr(w, "user", m->user);
	mpw_kint(w, "kill_grace_ms", m->kill_grace_ms);
}

int msg_decode_attempt_launch(const msgpack_object *o, struct msg_attempt_launch *m,
			      struct mpr_err *e)
{
	struct msg_attempt_launch r = { 0 };
	int64_t ntasks;

	if (mpr_id(o, "attempt", true, "attempt", &r.id, e) < 0 ||
	    mpr_int(o, "ntasks", true, 1, PROTO_MAX_TASKS, &ntasks, e) < 0 ||
	    mpr_res(o, "res", true, &r.res, e) < 0 ||
	    mpr_str(o, "user", false, r.user, sizeof r.user, e) < 0 ||
	    mpr_int(o, "kill_grace_ms", false, 0, PROTO_MAX_GRACE_MS, &r.kill_grace_ms, e) < 0 ||
	    proto_argv(o, &r.argv, &r.nargv, e) < 0)
		return -1;
	if (proto_env(o, &r.env, &r.nenv, e) < 0 ||
	    proto_path(o, "output_dir", &r.output_dir, e) < 0 ||
	    proto_path(o, "workdir", &r.workdir, e) < 0) {
		msg_attempt_launch_free(&r);
		return -1;
	}
	r.ntasks = (int32_t)ntasks;
	*m = r;
	return 0;
}

void msg_attempt_launch_free(struct msg_attempt_launch *m)
{
	mpr_strv_free(m->argv);
	mpr_strv_free(m->env);
	free(m->output_dir);
	free(m->workdir);
	m->argv = m->env = NULL;
	m->output_dir = m->workdir = NULL;
	m->nargv = m->nenv = 0;
}

void msg_encode_attempt_kill(struct mpw *w, uint64_t id, const struct msg_attempt_kill *m)
{
	mpw_msg(w, MSG_ATTEMPT_KILL, id, 3);
	mpw_kid(w, "attempt", &m->id);
	mpw_kint(w, "grace_ms", m->grace_ms);
	mpw_kstr(w, "reason", m->reason);
}

int msg_decode_attempt_kill(const msgpack_object *o, struct msg_attempt_kill *m,
			    struct mpr_err *e)
{
	struct msg_attempt_kill r = { 0 };

	if (mpr_id(o, "attempt", true, "attempt", &r.id, e) < 0 ||
	    mpr_int(o, "grace_ms", false, 0, PROTO_MAX_GRACE_MS, &r.grace_ms, e) < 0 ||
	    mpr_str(o, "reason", false, r.reason, sizeof r.reason, e) < 0)
		return -1;
	*m = r;
	return 0;
}

void msg_encode_attempt_status(struct mpw *w, uint64_t id, const struct msg_attempt_status *m)
{
	mpw_msg(w, MSG_ATTEMPT_STATUS, id, REPORT_FIELDS);
	report_pairs(w, &m->r);
}

int msg_decode_attempt_status(const msgpack_object *o, struct msg_attempt_status *m,
			      struct mpr_err *e)
{
	return report_decode(o, &m->r, e);
}

void msg_encode_attempt_commit(struct mpw *w, uint64_t id, const struct msg_attempt_commit *m)
{
	mpw_msg(w, MSG_ATTEMPT_COMMIT, id, 2);
	mpw_kid(w, "attempt", &m->id);
	mpw_kbool(w, "commit", m->commit);
}

int msg_decode_attempt_commit(const msgpack_object *o, struct msg_attempt_commit *m,
			      struct mpr_err *e)
{
	struct msg_attempt_commit r = { 0 };

	if (mpr_id(o, "attempt", true, "attempt", &r.id, e) < 0 ||
	    mpr_bool(o, "commit", true, &r.commit, e) < 0)
		return -1;
	*m = r;
	return 0;
}

void msg_encode_attempt_committed(struct mpw *w, uint64_t id,
				  const struct msg_attempt_committed *m)
{
	mpw_msg(w, MSG_ATTEMPT_COMMITTED, id, 5);
	mpw_kid(w, "attempt", &m->id);
	mpw_kbool(w, "commit", m->commit);
	mpw_kbool(w, "ok", m->ok);
	mpw_kbool(w, "already", m->already);
	mpw_kstr(w, "reason", m->reason);
}

int msg_decode_attempt_committed(const msgpack_object *o, struct msg_attempt_committed *m,
				 struct mpr_err *e)
{
	struct msg_attempt_committed r = { 0 };

	if (mpr_id(o, "attempt", true, "attempt", &r.id, e) < 0 ||
	    mpr_bool(o, "commit", true, &r.commit, e) < 0 ||
	    mpr_bool(o, "ok", true, &r.ok, e) < 0 ||
	    mpr_bool(o, "already", false, &r.already, e) < 0 ||
	    mpr_str(o, "reason", false, r.reason, sizeof r.reason, e) < 0)
		return -1;
	*m = r;
	return 0;
}

void msg_encode_log_read(struct mpw *w, uint64_t id, const struct msg_log_read *m)
{
	mpw_msg(w, MSG_LOG_READ, id, 3);
	mpw_kid(w, "attempt", &m->id);
	mpw_kstr(w, "stream", m->stream);
	mpw_kint(w, "max_bytes", m->max_bytes);
}

int msg_decode_log_read(const msgpack_object *o, struct msg_log_read *m, struct mpr_err *e)
{
	struct msg_log_read r = { .max_bytes = 65536 };

	if (mpr_id(o, "attempt", true, "attempt", &r.id, e) < 0 ||
	    proto_stream(o, "stream", r.stream, e) < 0 ||
	    mpr_int(o, "max_bytes", false, 0, PROTO_MAX_LOG_BYTES, &r.max_bytes, e) < 0)
		return -1;
	*m = r;
	return 0;
}

void msg_encode_log_data(struct mpw *w, uint64_t id, const struct msg_log_data *m)
{
	mpw_msg(w, MSG_LOG_DATA, id, 5);
	mpw_kid(w, "attempt", &m->id);
	mpw_kbool(w, "ok", m->ok);
	mpw_key(w, "data");
	mpw_bin(w, m->data ? m->data : "", m->data ? m->len : 0);
	mpw_kint(w, "size", m->size);
	mpw_kstr(w, "reason", m->reason);
}

int msg_decode_log_data(const msgpack_object *o, struct msg_log_data *m, struct mpr_err *e)
{
	struct msg_log_data r = { .data = "" };

	if (mpr_id(o, "attempt", true, "attempt", &r.id, e) < 0 ||
	    mpr_bool(o, "ok", true, &r.ok, e) < 0 ||
	    mpr_bin(o, "data", false, PROTO_MAX_LOG_BYTES, &r.data, &r.len, e) < 0 ||
	    mpr_int(o, "size", false, 0, INT64_MAX, &r.size, e) < 0 ||
	    mpr_str(o, "reason", false, r.reason, sizeof r.reason, e) < 0)
		return -1;
	if (r.data == NULL) /* an empty bin may come without a pointer */
		r.data = "";
	*m = r;
	return 0;
}

void msg_encode_node_drain(struct mpw *w, int type, uint64_t id, const struct msg_node_drain *m)
{
	mpw_msg(w, type, id, 3);
	mpw_kstr(w, "node", m->node);
	mpw_kint(w, "timeout_ms", m->timeout_ms);
	mpw_kstr(w, "reason", m->reason);
}

/* node_drain and node_undrain: "node" is required; timeout_ms -1 (or absent) = default. */
int msg_decode_node_drain(const msgpack_object *o, struct msg_node_drain *m, struct mpr_err *e)
{
	struct msg_node_drain r = { .timeout_ms = -1 };

	if (mpr_str(o, "node", true, r.node, sizeof r.node, e) < 0 ||
	    mpr_int(o, "timeout_ms", false, -1, 365LL * 24 * 3600 * 1000, &r.timeout_ms, e) < 0 ||
	    mpr_str(o, "reason", false, r.reason, sizeof r.reason, e) < 0)
		return -1;
	if (r.node[0] == '\0')
		return mpr_fail(e, "node", "must not be empty");
	*m = r;
	return 0;
}
