/*
 * The task table of `rmctl job`: one row per task with its latest attempt, and under it
 * every failed attempt with the last lines of its stderr, indented, so that why a task
 * failed is on the screen without a second command; preempted and timed-out attempts get
 * a line there too.
 */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "mpr.h"
#include "timeutil.h"

#define TAIL_INDENT "        "

static bool flag(const msgpack_object *at, const char *key)
{
	const msgpack_object *v = mpr_get(at, key);
	return v != NULL && v->type == MSGPACK_OBJECT_BOOLEAN && v->via.boolean;
}

/* "3" for an exit code, "sig 9" for a signal; "-" while running, or for an attempt that
 * was killed, lost, preempted or timed out (its exit code would say nothing). */
static void exit_cell(struct table *t, const msgpack_object *at)
{
	int64_t code, sig = 0;
	char st[32];
	bool stopped = flag(at, "preempted") || flag(at, "timed_out");

	view_str(at, "state", st, sizeof st);
	if (view_int(at, "signal", &sig) && sig > 0)
		table_cellf(t, "sig %lld", (long long)sig);
	else if (!stopped && (strcmp(st, "SUCCEEDED") == 0 || strcmp(st, "FAILED") == 0 ||
			      strcmp(st, "COMMITTING") == 0) && view_int(at, "exit_code", &code))
		table_cellf(t, "%lld", (long long)code);
	else
		table_cell(t, NULL);
}

/* STARTED as an age, DURATION up to the end or up to now. */
static void time_cells(struct table *t, const msgpack_object *at, int64_t now)
{
	char b[FMT_BUFSZ];
	int64_t start = 0, end = 0;

	view_int(at, "start_us", &start);
	view_int(at, "end_us", &end);
	if (start <= 0) {
		table_cell(t, NULL);
		table_cell(t, NULL);
		return;
	}
	table_cellf(t, "%s ago", fmt_age(now, start, b, sizeof b));
	table_cell(t, fmt_dur(((end > 0 ? end : now) - start) / 1000, b, sizeof b));
}

/* What set an attempt apart: "spec", "preempted", "timed out" (or ""). */
static const char *attempt_mark(const msgpack_object *at)
{
	if (flag(at, "preempted"))
		return " preempted";
	if (flag(at, "timed_out"))
		return " timed out";
	return flag(at, "speculative") ? " spec" : "";
}

/* Attempt number of "job-7.t3.a2" (its .aN), or the index in the list when unreadable;
 * with its mark: "2 spec", "1 preempted". */
static void attempt_cell(struct table *t, const msgpack_object *at, uint32_t i)
{
	char id[ID_BUFSZ];
	struct loom_id lid;

	if (id_parse(view_str(at, "id", id, sizeof id), &lid) == 0 && id_is_attempt(&lid))
		table_cellf(t, "%d%s", lid.attempt, attempt_mark(at));
	else
		table_cellf(t, "%u%s", i + 1, attempt_mark(at));
}

/* "    job-7.t3.a1 FAILED on node-2: exit code 3" and, for a failure, its log tail,
 * indented; what is "FAILED", "PREEMPTED" or "TIMED OUT". */
static void attempt_note(struct table *t, const msgpack_object *at, const char *what)
{
	char id[ID_BUFSZ], node[PROTO_NAME_MAX], reason[PROTO_REASON_MAX];
	char tail[PROTO_REASON_MAX + 8], line[PROTO_REASON_MAX + 512];

	snprintf(line, sizeof line, "    %s %s on %s: %s", view_str(at, "id", id, sizeof id),
		 what, view_str(at, "node", node, sizeof node),
		 view_str(at, "reason", reason, sizeof reason));
	table_note(t, line);
	if (strcmp(what, "FAILED") != 0 ||
	    strcmp(view_str(at, "log_tail", tail, sizeof tail), "-") == 0)
		return;
	char *save = NULL;
	for (char *l = strtok_r(tail, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		snprintf(line, sizeof line, TAIL_INDENT "%s", l);
		table_note(t, line);
	}
}

/* A note under the task for each attempt that failed, was preempted or timed out. */
static void note_attempt(struct table *t, const msgpack_object *at)
{
	char st[32];

	if (flag(at, "preempted"))
		attempt_note(t, at, "PREEMPTED");
	else if (flag(at, "timed_out"))
		attempt_note(t, at, "TIMED OUT");
	else if (strcmp(view_str(at, "state", st, sizeof st), "FAILED") == 0)
		attempt_note(t, at, "FAILED");
}

static void task_row(struct table *t, const char *job_id, const msgpack_object *task,
		     int64_t now)
{
	const msgpack_object_array *ats = view_array(task, "attempts");
	const msgpack_object *last = ats != NULL && ats->size > 0 ? &ats->ptr[ats->size - 1]
								    : NULL;
	char b[PROTO_REASON_MAX];
	int64_t index = -1;

	table_row(t);
	if (view_int(task, "index", &index))
		table_cellf(t, "%s.t%lld", job_id, (long long)index);
	else
		table_cell(t, NULL);
	table_cell(t, view_str(task, "state", b, sizeof b));
	if (last == NULL) {
		for (int i = 0; i < 5; i++)
			table_cell(t, NULL);
		table_cell(t, view_str(task, "reason", b, sizeof b));
		return;
	}
	attempt_cell(t, last, ats->size - 1);
	table_cell(t, view_str(last, "node", b, sizeof b));
	exit_cell(t, last);
	time_cells(t, last, now);
	if (strcmp(view_str(task, "reason", b, sizeof b), "-") == 0)
		view_str(last, "reason", b, sizeof b);
	table_cell(t, b);
	for (uint32_t i = 0; i < ats->size; i++)
		note_attempt(t, &ats->ptr[i]);
}

void job_print_tasks(const msgpack_object *job, FILE *out, int width)
{
	static const char *const hdr[] = { "TASK",    "STATE",   "ATTEMPT",  "NODE",
					   "EXIT",    "STARTED", "DURATION", "REASON" };
	const msgpack_object_array *tasks = view_array(job, "tasks");
	struct table *t = table_new(hdr, 8);
	char id[ID_BUFSZ];
	int64_t now = wall_us();

	view_str(job, "id", id, sizeof id);
	for (uint32_t i = 0; tasks != NULL && i < tasks->size; i++)
		task_row(t, id, &tasks->ptr[i], now);
	table_print(t, out, width);
	table_free(t);
}
