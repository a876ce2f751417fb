/*
 * rmctl job ID: one job in full. A block of fields, then one row per task showing its
 * latest attempt; under a task, its failed attempts with the tail of their stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "timeutil.h"
#include "xmalloc.h"

static void field(const char *name, const char *value)
{
	printf("%-14s%s\n", name, value != NULL && value[0] != '\0' ? value : "-");
}

/* "3m05s ago (2026-11-27T01:02:03Z)", or "-". */
static char *when(const msgpack_object *job, const char *key, int64_t now, char *buf,
		  size_t len)
{
	char age[FMT_BUFSZ], wall[FMT_BUFSZ];
	int64_t us = 0;

	if (!view_int(job, key, &us) || us <= 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s ago (%s)", fmt_age(now, us, age, sizeof age),
			 fmt_wall_us(us, wall, sizeof wall));
	return buf;
}

static char *tasks_line(const msgpack_object *job, char *buf, size_t len)
{
	int64_t n = -1, done = -1, run = -1, pend = -1, fail = -1;

	view_int(job, "ntasks", &n);
	view_int(job, "tasks_done", &done);
	view_int(job, "tasks_running", &run);
	view_int(job, "tasks_pending", &pend);
	view_int(job, "tasks_failed", &fail);
	snprintf(buf, len, "%lld total, %lld done, %lld running, %lld pending, %lld failed",
		 (long long)n, (long long)done, (long long)run, (long long)pend, (long long)fail);
	return buf;
}

static char *res_line(const msgpack_object *job, char *buf, size_t len)
{
	char vc[FMT_BUFSZ], mem[FMT_BUFSZ];
	struct res r;

	if (!view_res(job, "res", &r))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s vcores, %s memory, %lld gpus per task",
			 fmt_vcores(r.vcores_m, vc, sizeof vc), fmt_mem(r.mem_mb, mem, sizeof mem),
			 (long long)r.gpus);
	return buf;
}

/* The command line as it could be typed again. */
static char *argv_line(const msgpack_object *job, char *buf, size_t len)
{
	const msgpack_object_array *a = view_array(job, "argv");
	uint32_t n = 0;
	char **words = xcalloc(a != NULL ? a->size + 1 : 1, sizeof *words);

	for (uint32_t i = 0; a != NULL && i < a->size; i++)
		if (a->ptr[i].type == MSGPACK_OBJECT_STR)
			words[n++] = xstrndup(a->ptr[i].via.str.ptr, a->ptr[i].via.str.size);
	if (n == 0)
		snprintf(buf, len, "-");
	else
		fmt_argv(words, (int)n, buf, len);
	for (uint32_t i = 0; i < n; i++)
		free(words[i]);
	free(words);
	return buf;
}

/* "default: 2 copies launched, 1 won, 1 wasted". */
static char *spec_line(const msgpack_object *job, char *buf, size_t len)
{
	int64_t launched = 0, won = 0, wasted = 0;
	char mode[16];

	view_int(job, "spec_launched", &launched);
	view_int(job, "spec_won", &won);
	view_int(job, "spec_wasted", &wasted);
	snprintf(buf, len, "%s: %lld cop%s launched, %lld won, %lld wasted",
		 view_str(job, "speculation", mode, sizeof mode), (long long)launched,
		 launched == 1 ? "y" : "ies", (long long)won, (long long)wasted);
	return buf;
}

static bool view_bool(const msgpack_object *o, const char *key)
{
	const msgpack_object *v = mpr_get(o, key);
	return v != NULL && v->type == MSGPACK_OBJECT_BOOLEAN && v->via.boolean;
}

/* "10m", or "none". */
static char *limit_line(const msgpack_object *job, char *buf, size_t len)
{
	int64_t ms = 0;

	if (!view_int(job, "time_limit_ms", &ms) || ms <= 0)
		snprintf(buf, len, "none");
	else
		fmt_dur(ms, buf, len);
	return buf;
}

/* "2 preempted, 1 timed out" (attempts the job lost to other queues or to its limit). */
static char *lost_line(const msgpack_object *job, char *buf, size_t len)
{
	int64_t pre = 0, to = 0;

	view_int(job, "preempted", &pre);
	view_int(job, "timed_out", &to);
	snprintf(buf, len, "%lld preempted, %lld timed out", (long long)pre, (long long)to);
	return buf;
}

/* "node-1, node-2, expected free in 3m05s (2026-11-27T01:02:03Z)", or "-". */
static char *reservation_line(const msgpack_object *job, char *buf, size_t len)
{
	char nodes[1024], in[FMT_BUFSZ], wall[FMT_BUFSZ];
	int64_t start_ms = 0, now_ms = wall_us() / 1000;

	if (strcmp(view_strlist(job, "reserved_nodes", ", ", nodes, sizeof nodes), "-") == 0)
		snprintf(buf, len, "-");
	else if (!view_int(job, "reserved_start_ms", &start_ms) || start_ms <= 0)
		snprintf(buf, len, "%s, start unknown", nodes);
	else if (start_ms <= now_ms)
		snprintf(buf, len, "%s, expected free now", nodes);
	else
		snprintf(buf, len, "%s, expected free in %s (%s)", nodes,
			 fmt_dur(start_ms - now_ms, in, sizeof in),
			 fmt_wall_us(start_ms * 1000, wall, sizeof wall));
	return buf;
}

/* "3 of 8 tasks" name preferred nodes; "-" when none does. */
static char *prefer_line(const msgpack_object *job, char *buf, size_t len)
{
	const msgpack_object_array *tasks = view_array(job, "tasks");
	uint32_t n = 0;

	for (uint32_t i = 0; tasks != NULL && i < tasks->size; i++) {
		const msgpack_object_array *p = view_array(&tasks->ptr[i], "prefer");
		n += p != NULL && p->size > 0;
	}
	if (n == 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%u of %u tasks name preferred nodes", n, tasks->size);
	return buf;
}

/* The scheduling fields: queue, gang, time limit, what was lost, the reservation. */
static void print_sched(const msgpack_object *job)
{
	char b[2048];

	field("Queue:", view_str(job, "queue", b, sizeof b));
	field("Gang:", view_bool(job, "gang") ? "yes (all tasks start together)" : "no");
	field("Time limit:", limit_line(job, b, sizeof b));
	field("Interrupted:", lost_line(job, b, sizeof b));
	field("Reservation:", reservation_line(job, b, sizeof b));
	field("Prefers:", prefer_line(job, b, sizeof b));
}

static void print_header(const msgpack_object *job)
{
	char b[4096], id[PROTO_NAME_MAX], name[PROTO_NAME_MAX], state[32];
	int64_t now = wall_us(), v;
	double p;

	snprintf(b, sizeof b, "%s (%s)", view_str(job, "id", id, sizeof id),
		 view_str(job, "name", name, sizeof name));
	field("Job:", b);
	field("State:", view_str(job, "state", state, sizeof state));
	/* Why a job waits is what its owner asks first: it gets its own name. */
	field(strcmp(state, "PENDING") == 0 ? "Waiting:" : "Reason:",
	      view_str(job, "reason", b, sizeof b));
	field("User:", view_str(job, "user", b, sizeof b));
	print_sched(job);
	snprintf(b, sizeof b, "%lld", view_int(job, "priority", &v) ? (long long)v : 0LL);
	field("Priority:", b);
	field("Tasks:", tasks_line(job, b, sizeof b));
	if (view_double(job, "progress", &p) && p >= 0)
		snprintf(b, sizeof b, "%d%%", (int)(p * 100));
	else
		snprintf(b, sizeof b, "-");
	field("Progress:", b);
	field("Resources:", res_line(job, b, sizeof b));
	snprintf(b, sizeof b, "%lld", view_int(job, "max_attempts", &v) ? (long long)v : 0LL);
	field("Max attempts:", strcmp(b, "0") == 0 ? "cluster default" : b);
	field("Speculation:", spec_line(job, b, sizeof b));
	field("Command:", argv_line(job, b, sizeof b));
	field("Env:", view_strlist(job, "env", " ", b, sizeof b));
	field("Output:", view_str(job, "output_dir", b, sizeof b));
	field("Workdir:", view_str(job, "workdir", b, sizeof b));
	field("After:", view_strlist(job, "after", ", ", b, sizeof b));
	field("Labels:", view_strlist(job, "require_labels", ", ", b, sizeof b));
	field("Not labels:", view_strlist(job, "exclude_labels", ", ", b, sizeof b));
	field("Submitted:", when(job, "submit_us", now, b, sizeof b));
	field("Started:", when(job, "start_us", now, b, sizeof b));
	field("Ended:", when(job, "end_us", now, b, sizeof b));
}

static int cmd_job_exec(struct rmctl *ctx, const struct cmd_args *a)
{
	struct msg_id_request req = { .max_bytes = 0 };
	msgpack_unpacked reply;
	const msgpack_object *job;
	int rc;

	if (id_parse(a->argv[0], &req.id) < 0 || !id_is_job(&req.id)) {
		fprintf(stderr, "rmctl job: '%s' is not a job id (e.g. job-7)\n", a->argv[0]);
		return EXIT_USAGE;
	}
	rc = rmctl_call(ctx, MSG_JOB_INFO, loom_build_id_request, &req, &reply);
	if (rc == EXIT_OK && ctx->json) {
		print_json(&reply.data, stdout);
	} else if (rc == EXIT_OK && (job = rmctl_payload(&reply, "job")) != NULL) {
		print_header(job);
		putchar('\n');
		job_print_tasks(job, stdout, term_width(STDOUT_FILENO));
	} else if (rc == EXIT_OK) {
		rc = EXIT_FAIL;
	}
	msgpack_unpacked_destroy(&reply);
	return rc;
}

const struct cmd_entry cmd_job_entry = {
	.name = "job",
	.usage = "ID",
	.summary = "show one job: its fields, tasks, attempts and failures",
	.opts = "",
	.longopts = NULL,
	.min_args = 1,
	.max_args = 1,
	.exec = cmd_job_exec,
};
