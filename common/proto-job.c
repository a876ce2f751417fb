/* Messages from clients: job submission (the job spec) and the small query requests. */
#include "proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto-util.h"
#include "xmalloc.h"

#define SPEC_FIELDS 25

const char *const spec_mode_names[SPECULATE_MODE_MAX] = { "default", "on", "off" };

/* The speculation fields, flat in the spec: "speculation" and "spec_*". */
static void speculation_encode(struct mpw *w, const struct job_speculation *x)
{
	int32_t mode = x->mode >= 0 && x->mode < SPECULATE_MODE_MAX ? x->mode : 0;

	mpw_kstr(w, "speculation", spec_mode_names[mode]);
	mpw_kint(w, "spec_slow_task_pct", x->slow_task_pct);
	mpw_kint(w, "spec_slow_node_pct", x->slow_node_pct);
	mpw_kint(w, "spec_cap_pct", x->cap_pct);
	mpw_kint(w, "spec_multiplier_pct", x->multiplier_pct);
	mpw_kint(w, "spec_quantile_pct", x->quantile_pct);
	mpw_kint(w, "spec_min_runtime_ms", x->min_runtime_ms);
}

/* "prefer": one array of node names per task, task i at index i. */
static void prefer_encode(struct mpw *w, const struct job_spec *s)
{
	int32_t n = s->prefer != NULL ? s->nprefer : 0;

	mpw_key(w, "prefer");
	mpw_array(w, (uint32_t)n);
	for (int32_t i = 0; i < n; i++) {
		mpw_array(w, (uint32_t)s->prefer[i].n);
		for (int k = 0; k < s->prefer[i].n; k++)
			mpw_str(w, s->prefer[i].nodes[k]);
	}
}

void msg_encode_job_submit(struct mpw *w, uint64_t id, const struct job_spec *s)
{
	mpw_msg(w, MSG_JOB_SUBMIT, id, SPEC_FIELDS);
	mpw_kstr(w, "name", s->name);
	mpw_kstr(w, "queue", s->queue);
	mpw_kstr(w, "user", s->user);
	mpw_kstrv(w, "argv", s->argv, s->nargv);
	mpw_kstrv(w, "env", s->env, s->nenv);
	mpw_kint(w, "ntasks", s->ntasks);
	mpw_kres(w, "res", &s->res);
	mpw_kint(w, "max_attempts", s->max_attempts);
	mpw_kint(w, "priority", s->priority);
	mpw_kstr(w, "output_dir", s->output_dir ? s->output_dir : "");
	mpw_kstr(w, "workdir", s->workdir ? s->workdir : "");
	mpw_key(w, "after");
	mpw_array(w, (uint32_t)s->nafter);
	for (int i = 0; i < s->nafter; i++) {
		struct loom_id dep = id_job(s->after[i]);
		mpw_id(w, &dep);
	}
	speculation_encode(w, &s->speculation);
	mpw_kstrv(w, "require_labels", s->require_labels, s->require_labels ? s->nrequire_labels : 0);
	mpw_kstrv(w, "exclude_labels", s->exclude_labels, s->exclude_labels ? s->nexclude_labels : 0);
	mpw_kbool(w, "gang", s->gang);
	mpw_kint(w, "time_limit_ms", s->time_limit_ms);
	prefer_encode(w, s);
	mpw_kstr(w, "framework", s->framework);
}

/* "require_labels" / "exclude_labels": node labels (1..PROTO_LABEL_MAX-1 characters). */
static int labels_decode(const msgpack_object *o, struct job_spec *s, struct mpr_err *e)
{
	if (mpr_strv(o, "require_labels", false, PROTO_MAX_LABELS, PROTO_LABEL_MAX - 1,
		     &s->require_labels, &s->nrequire_labels, e) < 0 ||
	    mpr_strv(o, "exclude_labels", false, PROTO_MAX_LABELS, PROTO_LABEL_MAX - 1,
		     &s->exclude_labels, &s->nexclude_labels, e) < 0)
		return -1;
	for (int i = 0; i < s->nrequire_labels; i++)
		for (int k = 0; k < s->nexclude_labels; k++)
			if (strcmp(s->require_labels[i], s->exclude_labels[k]) == 0)
				return mpr_fail(e, "exclude_labels",
						"'%s' is also in require_labels", s->exclude_labels[k]);
	return 0;
}

/* "after": job ids, each given as "job-3" (or "3"). */
static int after_decode(const msgpack_object *o, struct job_spec *s, struct mpr_err *e)
{
	const msgpack_object_array *a;

	if (mpr_array(o, "after", false, PROTO_MAX_DEPS, &a, e) < 0)
		return -1;
	for (uint32_t i = 0; a != NULL && i < a->size; i++) {
		const msgpack_object *v = &a->ptr[i];
		char field[32], buf[ID_BUFSZ];
		struct loom_id id;
		snprintf(field, sizeof field, "after[%u]", i);
		if (v->type != MSGPACK_OBJECT_STR || v->via.str.size == 0 ||
		    v->via.str.size >= sizeof buf ||
		    memchr(v->via.str.ptr, '\0', v->via.str.size) != NULL)
			return mpr_fail(e, field, "must be a job id such as \"job-3\"");
		memcpy(buf, v->via.str.ptr, v->via.str.size);
		buf[v->via.str.size] = '\0';
		if (id_parse(buf, &id) < 0 || !id_is_job(&id))
			return mpr_fail(e, field, "'%s' is not a job id", buf);
		s->after[s->nafter++] = id.job;
	}
	return 0;
}

/* "speculation" ("default", "on", "off") and the overrides (0 = the cluster's value). */
static int speculation_decode(const msgpack_object *o, struct job_speculation *x,
			      struct mpr_err *e)
{
	int64_t v[5] = { 0 }, min_ms = 0;
	char mode[16] = "default";
	int m = 0;

	if (mpr_str(o, "speculation", false, mode, sizeof mode, e) < 0 ||
	    mpr_int(o, "spec_slow_task_pct", false, 0, 99, &v[0], e) < 0 ||
	    mpr_int(o, "spec_slow_node_pct", false, 0, 99, &v[1], e) < 0 ||
	    mpr_int(o, "spec_cap_pct", false, 0, 100, &v[2], e) < 0 ||
	    mpr_int(o, "spec_multiplier_pct", false, 0, 10000, &v[3], e) < 0 ||
	    mpr_int(o, "spec_quantile_pct", false, 0, 100, &v[4], e) < 0 ||
	    mpr_int(o, "spec_min_runtime_ms", false, 0, 86400000, &min_ms, e) < 0)
		return -1;
	while (m < SPECULATE_MODE_MAX && strcmp(mode, spec_mode_names[m]) != 0)
		m++;
	if (m == SPECULATE_MODE_MAX)
		return mpr_fail(e, "speculation", "must be \"default\", \"on\" or \"off\"");
	if (v[3] != 0 && v[3] < 100)
		return mpr_fail(e, "spec_multiplier_pct", "must be 0 (the cluster's) or 100..10000");
	*x = (struct job_speculation){ m, (int32_t)v[0], (int32_t)v[1], (int32_t)v[2],
				       (int32_t)v[3], (int32_t)v[4], min_ms };
	return 0;
}

/* One task's preferred nodes: distinct names of 1..PROTO_NAME_MAX-1 characters. */
static int prefer_task_decode(const msgpack_object *v, uint32_t i, struct task_pref *p,
			      struct mpr_err *e)
{
	char field[64];

	snprintf(field, sizeof field, "prefer[%u]", i);
	if (v->type != MSGPACK_OBJECT_ARRAY)
		return mpr_fail(e, field, "must be an array of node names");
	if (v->via.array.size > PROTO_MAX_PREFER)
		return mpr_fail(e, field, "has %u nodes, at most %d are allowed",
				v->via.array.size, PROTO_MAX_PREFER);
	p->nodes = xcalloc((size_t)v->via.array.size + 1, sizeof *p->nodes);
	for (uint32_t k = 0; k < v->via.array.size; k++) {
		const msgpack_object *n = &v->via.array.ptr[k];
		snprintf(field, sizeof field, "prefer[%u][%u]", i, k);
		if (n->type != MSGPACK_OBJECT_STR)
			return mpr_fail(e, field, "must be a node name (a string)");
		if (n->via.str.size == 0)
			return mpr_fail(e, field, "node name is empty");
		if (n->via.str.size >= PROTO_NAME_MAX)
			return mpr_fail(e, field, "node name too long (at most %d characters)",
					PROTO_NAME_MAX - 1);
		if (memchr(n->via.str.ptr, '\0', n->via.str.size) != NULL)
			return mpr_fail(e, field, "node name contains a NUL byte");
		char *name = xstrndup(n->via.str.ptr, n->via.str.size);
		for (int j = 0; j < p->n; j++)
			if (strcmp(p->nodes[j], name) == 0) {
				free(name);
				return mpr_fail(e, field, "node '%s' is listed twice", p->nodes[j]);
			}
		p->nodes[p->n++] = name;
	}
	return 0;
}

/* "prefer": at most one entry per task. What is decoded stays in s, for job_spec_free. */
static int prefer_decode(const msgpack_object *o, struct job_spec *s, struct mpr_err *e)
{
	const msgpack_object_array *a;

	if (mpr_array(o, "prefer", false, PROTO_MAX_TASKS, &a, e) < 0)
		return -1;
	if (a == NULL || a->size == 0)
		return 0;
	if (a->size > (uint32_t)s->ntasks)
		return mpr_fail(e, "prefer", "has %u entries but the job has %d task%s", a->size,
				s->ntasks, s->ntasks == 1 ? "" : "s");
	s->prefer = xcalloc(a->size, sizeof *s->prefer);
	s->nprefer = (int32_t)a->size;
	for (uint32_t i = 0; i < a->size; i++)
		if (prefer_task_decode(&a->ptr[i], i, &s->prefer[i], e) < 0)
			return -1;
	return 0;
}

/* Scalars and fixed-size strings of a spec, which allocate nothing. */
static int spec_scalars(const msgpack_object *o, struct job_spec *s, struct mpr_err *e)
{
	int64_t ntasks = 1, max_attempts = 0, priority = 0, time_limit_ms = 0;

	if (mpr_str(o, "name", false, s->name, sizeof s->name, e) < 0 ||
	    mpr_str(o, "queue", false, s->queue, sizeof s->queue, e) < 0 ||
	    mpr_str(o, "user", false, s->user, sizeof s->user, e) < 0 ||
	    mpr_str(o, "framework", false, s->framework, sizeof s->framework, e) < 0 ||
	    mpr_int(o, "ntasks", false, 1, PROTO_MAX_TASKS, &ntasks, e) < 0 ||
	    mpr_res(o, "res", false, &s->res, e) < 0 ||
	    mpr_int(o, "max_attempts", false, 0, 100, &max_attempts, e) < 0 ||
	    mpr_int(o, "priority", false, -1000, 1000, &priority, e) < 0 ||
	    mpr_bool(o, "gang", false, &s->gang, e) < 0 ||
	    mpr_int(o, "time_limit_ms", false, 0, PROTO_MAX_TIME_LIMIT_MS, &time_limit_ms, e) < 0 ||
	    after_decode(o, s, e) < 0 || speculation_decode(o, &s->speculation, e) < 0)
		return -1;
	s->ntasks = (int32_t)ntasks;
	s->max_attempts = (int32_t)max_attempts;
	s->priority = (int32_t)priority;
	s->time_limit_ms = time_limit_ms;
	return 0;
}

/* A job without a name is called after its command, as a shell would show it. */
static void default_name(struct job_spec *s)
{
	if (s->name[0] != '\0')
		return;
	const char *base = strrchr(s->argv[0], '/');
	base = base != NULL && base[1] != '\0' ? base + 1 : s->argv[0];
	snprintf(s->name, sizeof s->name, "%s", base);
}

int msg_decode_job_submit(const msgpack_object *o, struct job_spec *s, struct mpr_err *e)
{
	struct job_spec *r = xcalloc(1, sizeof *r);
	int ret = -1;

	if (spec_scalars(o, r, e) < 0 || proto_argv(o, &r->argv, &r->nargv, e) < 0)
		goto out;
	if (proto_env(o, &r->env, &r->nenv, e) < 0 ||
	    proto_path(o, "output_dir", &r->output_dir, e) < 0 ||
	    proto_path(o, "workdir", &r->workdir, e) < 0 || labels_decode(o, r, e) < 0 ||
	    prefer_decode(o, r, e) < 0) {
		job_spec_free(r);
		goto out;
	}
	default_name(r);
	*s = *r;
	ret = 0;
out:
	free(r);
	return ret;
}

static void prefer_free(struct task_pref *p, int32_t n)
{
	for (int32_t i = 0; p != NULL && i < n; i++) {
		for (int k = 0; k < p[i].n; k++)
			free(p[i].nodes[k]);
		free(p[i].nodes);
	}
	free(p);
}

void job_spec_free(struct job_spec *s)
{
	prefer_free(s->prefer, s->nprefer);
	s->prefer = NULL;
	s->nprefer = 0;
	mpr_strv_free(s->argv);
	mpr_strv_free(s->env);
	free(s->output_dir);
	free(s->workdir);
	mpr_strv_free(s->require_labels);
	mpr_strv_free(s->exclude_labels);
	s->argv = s->env = NULL;
	s->output_dir = s->workdir = NULL;
	s->require_labels = s->exclude_labels = NULL;
	s->nargv = s->nenv = s->nrequire_labels = s->nexclude_labels = 0;
}

static char **strv_copy(char *const *v, int n)
{
	char **c = xcalloc((size_t)n + 1, sizeof *c);
	for (int i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return c;
}

void job_spec_copy(struct job_spec *dst, const struct job_spec *src)
{
	*dst = *src;
	dst->argv = strv_copy(src->argv, src->argv ? src->nargv : 0);
	dst->env = strv_copy(src->env, src->env ? src->nenv : 0);
	dst->output_dir = xstrdup(src->output_dir ? src->output_dir : "");
	dst->workdir = xstrdup(src->workdir ? src->workdir : "");
	dst->require_labels = strv_copy(src->require_labels,
					src->require_labels ? src->nrequire_labels : 0);
	dst->exclude_labels = strv_copy(src->exclude_labels,
					src->exclude_labels ? src->nexclude_labels : 0);
	dst->nrequire_labels = src->require_labels ? src->nrequire_labels : 0;
	dst->nexclude_labels = src->exclude_labels ? src->nexclude_labels : 0;
	dst->nprefer = src->prefer != NULL ? src->nprefer : 0;
	dst->prefer = dst->nprefer > 0 ? xcalloc((size_t)dst->nprefer, sizeof *dst->prefer) : NULL;
	for (int32_t i = 0; i < dst->nprefer; i++) {
		dst->prefer[i].n = src->prefer[i].n;
		dst->prefer[i].nodes = strv_copy(src->prefer[i].nodes, src->prefer[i].n);
	}
}

void msg_encode_id_request(struct mpw *w, int type, uint64_t id, const struct msg_id_request *m)
{
	bool logs = type == MSG_LOGS_GET, kill = type == MSG_JOB_KILL;

	mpw_msg(w, type, id, 1 + (logs ? 2 : 0) + (kill ? 1 : 0));
	mpw_kid(w, "target", &m->id);
	if (logs) {
		mpw_kstr(w, "stream", m->stream[0] ? m->stream : "stdout");
		mpw_kint(w, "max_bytes", m->max_bytes);
	}
	if (kill)
		mpw_kstr(w, "reason", m->reason);
}

/* logs_get names a task (its latest attempt) or an attempt; the others name a job. */
int msg_decode_id_request(const msgpack_object *o, struct msg_id_request *m, struct mpr_err *e)
{
	struct msg_id_request r = { .max_bytes = 65536 };
	int64_t t = 0;

	mpr_int(o, "t", false, INT64_MIN, INT64_MAX, &t, NULL);
	if (mpr_id(o, "target", true, t == MSG_LOGS_GET ? NULL : "job", &r.id, e) < 0 ||
	    proto_stream(o, "stream", r.stream, e) < 0 ||
	    mpr_int(o, "max_bytes", false, 0, PROTO_MAX_LOG_BYTES, &r.max_bytes, e) < 0 ||
	    mpr_str(o, "reason", false, r.reason, sizeof r.reason, e) < 0)
		return -1;
	if (t == MSG_LOGS_GET && id_is_job(&r.id))
		return mpr_fail(e, "target", "must be a task or attempt id");
	*m = r;
	return 0;
}

void msg_encode_list_request(struct mpw *w, int type, uint64_t id,
			     const struct msg_list_request *m)
{
	/* name only when set: the request of a whole list stays as it was. */
	mpw_msg(w, type, id, m->name[0] != '\0' ? 5 : 4);
	mpw_kstr(w, "state", m->state);
	mpw_kstr(w, "queue", m->queue);
	mpw_kstr(w, "user", m->user);
	mpw_kint(w, "limit", m->limit);
	if (m->name[0] != '\0')
		mpw_kstr(w, "name", m->name);
}

int msg_decode_list_request(const msgpack_object *o, struct msg_list_request *m,
			    struct mpr_err *e)
{
	struct msg_list_request r = { 0 };

	if (mpr_str(o, "state", false, r.state, sizeof r.state, e) < 0 ||
	    mpr_str(o, "queue", false, r.queue, sizeof r.queue, e) < 0 ||
	    mpr_str(o, "user", false, r.user, sizeof r.user, e) < 0 ||
	    mpr_int(o, "limit", false, 0, INT64_MAX, &r.limit, e) < 0 ||
	    mpr_str(o, "name", false, r.name, sizeof r.name, e) < 0)
		return -1;
	for (const char *c = r.name; *c != '\0'; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return mpr_fail(e, "name", "must be a node name (no spaces or control "
					"characters)");
	*m = r;
	return 0;
}
