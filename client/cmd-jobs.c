/*
 * rmctl jobs: the job table. By default it shows the jobs still to finish (PENDING,
 * RUNNING), as squeue and yarn application -list do; --all adds finished ones.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "timeutil.h"
#include "xmalloc.h"

static const char *const job_states[] = { "PENDING", "RUNNING", "SUCCEEDED", "FAILED",
					  "KILLED", NULL };

/* The filters: rmd applies them too, but the client does not rely on it. */
struct jobs_filter {
	char state[32]; /* "" = any */
	const char *user;
	bool all;
};

static bool job_wanted(const msgpack_object *job, const struct jobs_filter *f)
{
	char state[32], user[PROTO_NAME_MAX];

	view_str(job, "state", state, sizeof state);
	if (f->user != NULL && strcmp(view_str(job, "user", user, sizeof user), f->user) != 0)
		return false;
	if (f->state[0] != '\0')
		return strcmp(state, f->state) == 0;
	return f->all || strcmp(state, "PENDING") == 0 || strcmp(state, "RUNNING") == 0;
}

static void job_row(struct table *t, const msgpack_object *job, int64_t now)
{
	char b[PROTO_REASON_MAX], age[FMT_BUFSZ];
	int64_t n = 0, done = 0, running = 0, submit = 0;
	double prog;

	table_row(t);
	table_cell(t, view_str(job, "id", b, sizeof b));
	table_cell(t, view_str(job, "name", b, sizeof b));
	table_cell(t, view_str(job, "user", b, sizeof b));
	table_cell(t, view_str(job, "queue", b, sizeof b));
	table_cell(t, view_str(job, "state", b, sizeof b));
	if (view_int(job, "ntasks", &n) && view_int(job, "tasks_done", &done))
		table_cellf(t, "%lld/%lld", (long long)done, (long long)n);
	else
		table_cell(t, NULL);
	if (view_int(job, "tasks_running", &running))
		table_cellf(t, "%lld", (long long)running);
	else
		table_cell(t, NULL);
	if (view_double(job, "progress", &prog) && prog >= 0)
		table_cellf(t, "%d%%", (int)(prog * 100));
	else
		table_cell(t, NULL);
	view_int(job, "submit_us", &submit);
	table_cell(t, fmt_age(now, submit, age, sizeof age));
	table_cell(t, view_str(job, "reason", b, sizeof b));
}

static void print_table(const msgpack_object_array *jobs, const struct jobs_filter *f)
{
	static const char *const hdr[] = { "JOB",     "NAME",     "USER", "QUEUE", "STATE",
					   "TASKS",   "RUNNING",  "PROGRESS", "AGE", "REASON" };
	struct table *t = table_new(hdr, 10);
	int64_t now = wall_us();
	int shown = 0;

	for (uint32_t i = 0; i < jobs->size; i++) {
		if (job_wanted(&jobs->ptr[i], f)) {
			job_row(t, &jobs->ptr[i], now);
			shown++;
		}
	}
	table_print(t, stdout, term_width(STDOUT_FILENO));
	table_free(t);
	if (shown == 0 && !f->all && f->state[0] == '\0' && isatty(STDERR_FILENO))
		fprintf(stderr, "(no pending or running jobs; --all shows finished ones)\n");
}

/* {"jobs": [the wanted ones]}: a shallow copy sharing the reply's objects. */
static void print_filtered_json(const msgpack_object_array *jobs, const struct jobs_filter *f)
{
	msgpack_object *kept = xcalloc(jobs->size + 1, sizeof *kept);
	msgpack_object_kv kv;
	msgpack_object map = { .type = MSGPACK_OBJECT_MAP };
	uint32_t n = 0;

	for (uint32_t i = 0; i < jobs->size; i++)
		if (job_wanted(&jobs->ptr[i], f))
			kept[n++] = jobs->ptr[i];
	kv.key = (msgpack_object){ .type = MSGPACK_OBJECT_STR,
				   .via.str = { .size = 4, .ptr = "jobs" } };
	kv.val = (msgpack_object){ .type = MSGPACK_OBJECT_ARRAY,
				   .via.array = { .size = n, .ptr = kept } };
	map.via.map.size = 1;
	map.via.map.ptr = &kv;
	print_json(&map, stdout);
	free(kept);
}

/* --state: one of the job states, in any case. */
static int parse_state(const char *s, char *out, size_t len)
{
	char up[32];
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < sizeof up; i++)
		up[i] = (char)toupper((unsigned char)s[i]);
	up[i] = '\0';
	for (const char *const *st = job_states; *st != NULL; st++) {
		if (strcmp(*st, up) == 0) {
			snprintf(out, len, "%s", up);
			return 0;
		}
	}
	fprintf(stderr, "rmctl jobs: unknown state '%s' (PENDING, RUNNING, SUCCEEDED, FAILED, "
			"KILLED)\n", s);
	return -1;
}

static int cmd_jobs_exec(struct rmctl *ctx, const struct cmd_args *a)
{
	struct jobs_filter f = { .user = a->opt['u'], .all = a->opt['a'] != NULL };
	struct msg_list_request req = { .limit = 0 };
	msgpack_unpacked reply;
	const msgpack_object *jobs;
	int rc;

	if (a->opt['s'] != NULL && parse_state(a->opt['s'], f.state, sizeof f.state) < 0)
		return EXIT_USAGE;
	snprintf(req.state, sizeof req.state, "%s", f.state);
	snprintf(req.user, sizeof req.user, "%s", f.user ? f.user : "");
	rc = rmctl_call(ctx, MSG_JOB_LIST, loom_build_list_request, &req, &reply);
	if (rc == EXIT_OK && (jobs = rmctl_payload(&reply, "jobs")) != NULL &&
	    jobs->type == MSGPACK_OBJECT_ARRAY) {
		if (ctx->json)
			print_filtered_json(&jobs->via.array, &f);
		else
			print_table(&jobs->via.array, &f);
	} else if (rc == EXIT_OK) {
		rc = EXIT_FAIL;
	}
	msgpack_unpacked_destroy(&reply);
	return rc;
}

static const struct option jobs_longopts[] = {
	{ "state", required_argument, NULL, 's' },
	{ "user", required_argument, NULL, 'u' },
	{ "all", no_argument, NULL, 'a' },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_jobs_entry = {
	.name = "jobs",
	.usage = "[--state S] [--user U] [--all]",
	.summary = "list jobs (pending and running ones unless --all or --state)",
	.opts = "s:u:a",
	.longopts = jobs_longopts,
	.min_args = 0,
	.max_args = 0,
	.exec = cmd_jobs_exec,
};
