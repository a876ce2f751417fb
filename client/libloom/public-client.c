/*
 * The public client layer (include/loom.h): blocking connect, submit, status, kill, wait
 * and list, on the internal blocking connection (blocking.c) and proto.h's encoders.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "public-int.h"
#include "timeutil.h"
#include "xmalloc.h"

#define WAIT_POLL_MS 200

struct loom {
	struct loom_conn *c;
	char error[PROTO_REASON_MAX + 128];
};

struct loom *loom_connect(const char *addr, const char *name, char *err, size_t errlen)
{
	char why[PROTO_REASON_MAX + 256];
	struct loom_conn *c = loom_connect_blocking(loom_addr_choose(addr),
						    name != NULL ? name : "libloom", why,
						    sizeof why);

	if (c == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s", why);
		return NULL;
	}
	struct loom *l = xcalloc(1, sizeof *l);
	l->c = c;
	return l;
}

void loom_close(struct loom *l)
{
	if (l == NULL)
		return;
	loom_conn_close(l->c);
	free(l);
}

const char *loom_error(const struct loom *l)
{
	return l != NULL ? l->error : "no connection";
}

static int fail(struct loom *l, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct loom *l, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->error, sizeof l->error, fmt, ap);
	va_end(ap);
	return status;
}

/* loom_call, with the error text kept in l->error. reply must be destroyed by the caller. */
static int call(struct loom *l, int type, loom_build_fn build, const void *arg,
		msgpack_unpacked *reply)
{
	struct msg_error e;
	int st = loom_call(l->c, type, build, arg, reply, &e);

	l->error[0] = '\0';
	if (st == LOOM_EREPLY)
		pub_error_text(&e, l->error, sizeof l->error);
	else if (st != LOOM_OK)
		snprintf(l->error, sizeof l->error, "%s", e.message);
	return st;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : path;
}

/* The job_spec of r; its strings are borrowed from r (the encoder only reads them). */
static int spec_from(struct loom *l, const struct loom_job_req *r, struct job_spec *s)
{
	memset(s, 0, sizeof *s);
	if (r->argv == NULL || r->argv[0] == NULL || r->argv[0][0] == '\0')
		return fail(l, LOOM_EUSAGE, "%s", "argv: the job needs a command");
	pub_copy(s->name, sizeof s->name, r->name != NULL ? r->name : base_name(r->argv[0]));
	pub_copy(s->queue, sizeof s->queue, r->queue);
	pub_user(s->user, sizeof s->user);
	s->argv = (char **)r->argv;
	s->nargv = pub_strv_len((const char *const *)r->argv);
	s->env = (char **)r->env;
	s->nenv = pub_strv_len((const char *const *)r->env);
	s->ntasks = r->ntasks > 0 ? r->ntasks : 1;
	pub_res_in(&r->res, &s->res);
	s->max_attempts = r->max_attempts;
	s->priority = r->priority;
	s->gang = r->gang;
	s->time_limit_ms = r->time_limit_ms;
	s->output_dir = (char *)(r->output_dir != NULL ? r->output_dir : "");
	s->workdir = (char *)(r->workdir != NULL ? r->workdir : "");
	return LOOM_OK;
}

int loom_submit(struct loom *l, const struct loom_job_req *r, char *job_id, size_t len)
{
	struct job_spec s;
	msgpack_unpacked reply;
	struct mpr_err e;
	char id[64];
	int st;

	if (l == NULL || r == NULL)
		return LOOM_EUSAGE;
	if ((st = spec_from(l, r, &s)) != LOOM_OK)
		return st;
	st = call(l, MSG_JOB_SUBMIT, loom_build_job_submit, &s, &reply);
	if (st == LOOM_OK && mpr_str(&reply.data, "job", true, id, sizeof id, &e) < 0)
		st = fail(l, LOOM_ECONN, "rmd's reply has no job id: %s", e.msg);
	if (st == LOOM_OK && job_id != NULL && len > 0)
		snprintf(job_id, len, "%s", id);
	msgpack_unpacked_destroy(&reply);
	return st;
}

bool loom_job_final(const struct loom_job_status *s)
{
	return strcmp(s->state, "SUCCEEDED") == 0 || strcmp(s->state, "FAILED") == 0 ||
	       strcmp(s->state, "KILLED") == 0;
}

/* A job view (job_list's element, job_info's "job") into the public status. */
static void status_from(const msgpack_object *j, struct loom_job_status *out)
{
	struct mpr_err e;
	int64_t v;

	memset(out, 0, sizeof *out);
	mpr_str(j, "id", false, out->id, sizeof out->id, &e);
	mpr_str(j, "state", false, out->state, sizeof out->state, &e);
	mpr_str(j, "reason", false, out->reason, sizeof out->reason, &e);
	mpr_str(j, "name", false, out->name, sizeof out->name, &e);
	mpr_str(j, "queue", false, out->queue, sizeof out->queue, &e);
	mpr_str(j, "user", false, out->user, sizeof out->user, &e);
	mpr_double(j, "progress", false, 0, 1, &out->progress, &e);
	static const struct { const char *key; size_t off; } ints[] = {
		{ "ntasks", offsetof(struct loom_job_status, ntasks) },
		{ "tasks_done", offsetof(struct loom_job_status, tasks_done) },
		{ "tasks_running", offsetof(struct loom_job_status, tasks_running) },
		{ "tasks_pending", offsetof(struct loom_job_status, tasks_pending) },
		{ "tasks_failed", offsetof(struct loom_job_status, tasks_failed) },
	};
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
		if (mpr_int(j, ints[i].key, false, 0, INT32_MAX, &v, &e) == 0)
			*(int32_t *)((char *)out + ints[i].off) = (int32_t)v;
}

static int id_request(struct loom *l, const char *job_id, struct msg_id_request *m)
{
	memset(m, 0, sizeof *m);
	if (job_id == NULL || id_parse(job_id, &m->id) < 0 || !id_is_job(&m->id))
		return fail(l, LOOM_EUSAGE, "not a job id: '%s'", job_id ? job_id : "(null)");
	return LOOM_OK;
}

int loom_status(struct loom *l, const char *job_id, struct loom_job_status *out)
{
	struct msg_id_request m;
	msgpack_unpacked reply;
	int st;

	if (l == NULL || out == NULL)
		return LOOM_EUSAGE;
	if ((st = id_request(l, job_id, &m)) != LOOM_OK)
		return st;
	st = call(l, MSG_JOB_INFO, loom_build_id_request, &m, &reply);
	if (st == LOOM_OK) {
		const msgpack_object *j = mpr_get(&reply.data, "job");
		if (j != NULL && j->type == MSGPACK_OBJECT_MAP)
			status_from(j, out);
		else
			st = fail(l, LOOM_ECONN, "%s", "rmd's job_info reply has no job");
	}
	msgpack_unpacked_destroy(&reply);
	return st;
}

int loom_kill(struct loom *l, const char *job_id, const char *reason)
{
	struct msg_id_request m;
	msgpack_unpacked reply;
	int st;

	if (l == NULL)
		return LOOM_EUSAGE;
	if ((st = id_request(l, job_id, &m)) != LOOM_OK)
		return st;
	pub_copy(m.reason, sizeof m.reason, reason != NULL ? reason : "killed with libloom");
	st = call(l, MSG_JOB_KILL, loom_build_id_request, &m, &reply);
	msgpack_unpacked_destroy(&reply);
	return st;
}

int loom_wait(struct loom *l, const char *job_id, int64_t timeout_ms,
	      struct loom_job_status *out)
{
	struct loom_job_status s;
	int64_t start = mono_ms();
	int st;

	for (;;) {
		if ((st = loom_status(l, job_id, &s)) != LOOM_OK)
			return st;
		if (out != NULL)
			*out = s;
		if (loom_job_final(&s))
			return LOOM_OK;
		if (timeout_ms >= 0 && mono_ms() - start >= timeout_ms)
			return fail(l, LOOM_ETIMEOUT, "job %s did not end in time", job_id);
		loom_sleep(l->c, WAIT_POLL_MS);
	}
}

int loom_list(struct loom *l, const char *state_filter,
	      void (*fn)(const struct loom_job_status *, void *), void *arg)
{
	struct msg_list_request m = { .limit = 0 };
	struct loom_job_status s;
	msgpack_unpacked reply;
	int st;

	if (l == NULL || fn == NULL)
		return LOOM_EUSAGE;
	pub_copy(m.state, sizeof m.state, state_filter);
	st = call(l, MSG_JOB_LIST, loom_build_list_request, &m, &reply);
	const msgpack_object *jobs = st == LOOM_OK ? mpr_get(&reply.data, "jobs") : NULL;
	if (st == LOOM_OK && (jobs == NULL || jobs->type != MSGPACK_OBJECT_ARRAY))
		st = fail(l, LOOM_ECONN, "%s", "rmd's job_list reply has no jobs");
	for (uint32_t i = 0; st == LOOM_OK && i < jobs->via.array.size; i++) {
		if (jobs->via.array.ptr[i].type != MSGPACK_OBJECT_MAP)
			continue;
		status_from(&jobs->via.array.ptr[i], &s);
		fn(&s, arg);
	}
	msgpack_unpacked_destroy(&reply);
	return st;
}
