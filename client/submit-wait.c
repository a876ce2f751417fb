/*
 * rmsubmit --wait: follows a job until it ends. It polls JOB_INFO every WAIT_POLL_MS,
 * which is cheap for one job and simple; when rmd grows an event stream this becomes a
 * subscription. On a terminal the progress is one line redrawn in place on stderr;
 * otherwise a line is printed when the job's state changes.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "timeutil.h"

/* The job's counters as the progress line shows them. */
static void read_progress(const msgpack_object *job, const char *id, char *state, size_t len,
			  int64_t started_ms, struct job_progress *p)
{
	int64_t submit_us = 0;

	memset(p, 0, sizeof *p);
	p->id = id;
	p->state = view_str(job, "state", state, len);
	view_int(job, "ntasks", &p->ntasks);
	view_int(job, "tasks_done", &p->done);
	view_int(job, "tasks_running", &p->running);
	view_int(job, "tasks_failed", &p->failed);
	if (!view_double(job, "progress", &p->progress))
		p->progress = -1;
	if (view_int(job, "submit_us", &submit_us) && submit_us > 0)
		p->elapsed_ms = (wall_us() - submit_us) / 1000;
	else
		p->elapsed_ms = mono_ms() - started_ms;
}

static bool state_final(const char *s)
{
	return strcmp(s, "SUCCEEDED") == 0 || strcmp(s, "FAILED") == 0 ||
	       strcmp(s, "KILLED") == 0;
}

/* The last word: "job-7 SUCCEEDED in 12.3s" or "job-7 FAILED: <reason>". */
static int report_end(const msgpack_unpacked *reply, const msgpack_object *job,
		      const struct job_progress *p, bool json)
{
	char reason[PROTO_REASON_MAX], el[FMT_BUFSZ];
	int64_t sub = 0, end = 0;
	bool ok = strcmp(p->state, "SUCCEEDED") == 0;

	int64_t ms = view_int(job, "submit_us", &sub) && view_int(job, "end_us", &end) &&
				     sub > 0 && end >= sub
			     ? (end - sub) / 1000
			     : p->elapsed_ms;
	view_str(job, "reason", reason, sizeof reason);
	if (ok || strcmp(reason, "-") == 0)
		fprintf(stderr, "%s %s in %s\n", p->id, p->state, fmt_elapsed(ms, el, sizeof el));
	else
		fprintf(stderr, "%s %s: %s\n", p->id, p->state, reason);
	if (json)
		print_json(&reply->data, stdout);
	return ok ? EXIT_OK : EXIT_FAIL;
}

/* After a lost connection: tries again until WAIT_RECONNECT_MS passed (rmd restarts keep
 * every accepted job, so waiting on is worth it). */
static struct loom_conn *reconnect(const char *addr, const char *why)
{
	int64_t deadline = mono_ms() + WAIT_RECONNECT_MS;
	char err[1024];

	fprintf(stderr, "rmsubmit: %s; reconnecting\n", why);
	while (mono_ms() < deadline) {
		struct loom_conn *c = loom_connect_blocking(addr, "rmsubmit", err, sizeof err);
		if (c != NULL)
			return c;
		usleep(500 * 1000);
	}
	fprintf(stderr, "rmsubmit: %s\n", err);
	return NULL;
}

/* What one --wait carries from poll to poll. */
struct waiter {
	const char *id;
	bool json, tty;
	int64_t started_ms;
	char last[32];                    /* the state shown last, for plain lines */
	char why[PROTO_REASON_MAX + 64];  /* why the last poll failed */
	int rc;                           /* the exit code once the job ended */
};

/* One poll: 1 when the job ended (w->rc set), 0 to go on, -1 when rmd cannot be asked. */
static int poll_once(struct loom_conn *c, struct waiter *w)
{
	struct msg_id_request req = { .max_bytes = 0 };
	struct msg_error e;
	msgpack_unpacked reply;
	struct job_progress p;
	char state[32], line[256];
	int done = 0;

	id_parse(w->id, &req.id);
	int st = loom_call(c, MSG_JOB_INFO, loom_build_id_request, &req, &reply, &e);
	if (st != LOOM_OK) {
		error_text(&e, w->why, sizeof w->why);
		msgpack_unpacked_destroy(&reply);
		if (st != LOOM_EREPLY)
			return -1;
		if (w->tty)
			fputs("\r\033[K", stderr);
		fprintf(stderr, "rmsubmit: %s: %s\n", w->id, w->why);
		w->rc = EXIT_FAIL;
		return 1;
	}
	const msgpack_object *job = view_map(&reply.data, "job");
	read_progress(job, w->id, state, sizeof state, w->started_ms, &p);
	fmt_progress_line(&p, line, sizeof line);
	if (w->tty)
		fprintf(stderr, "\r%s\033[K", line);
	else if (strcmp(state, w->last) != 0 && !state_final(state)) /* report_end says that */
		fprintf(stderr, "%s\n", line);
	snprintf(w->last, sizeof w->last, "%s", state);
	if (state_final(state)) {
		if (w->tty)
			fputs("\r\033[K", stderr);
		w->rc = report_end(&reply, job, &p, w->json);
		done = 1;
	}
	msgpack_unpacked_destroy(&reply);
	return done;
}

int submit_wait(struct loom_conn **c, const char *addr, const char *job, bool json)
{
	struct waiter w = { .id = job, .json = json, .tty = isatty(STDERR_FILENO),
			    .started_ms = mono_ms(), .rc = EXIT_OK };
	int r;

	while ((r = poll_once(*c, &w)) <= 0) {
		if (r < 0) {
			if (w.tty)
				fputs("\r\033[K", stderr);
			loom_conn_close(*c);
			*c = reconnect(addr, w.why);
			if (*c == NULL)
				return EXIT_NOCONN;
			continue;
		}
		loom_sleep(*c, WAIT_POLL_MS);
	}
	return w.rc;
}
