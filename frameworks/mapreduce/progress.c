/* loom-mapreduce: progress lines on stderr, the periodic tick, and the end of the job. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mr.h"
#include "util.h"

#define TICK_MS 250
#define REPORT_EVERY_MS 5000  /* a summary line at least this often, even with no change */
#define STOP_WAIT_S 5         /* how long the end waits for rmd to confirm unregistering */

void job_log(const struct mr_job *j, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "[%7.2f] loom-mapreduce: ", (double)(mr_now_ms() - j->start_ms) / 1000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int64_t count_running(const struct mr_task *v, int64_t n)
{
	int64_t r = 0;

	for (int64_t i = 0; i < n; i++)
		for (size_t k = 0; k < v[i].natt; k++)
			r += v[i].att[k]->state == A_LAUNCHED;
	return r;
}

void job_report(struct mr_job *j, bool force)
{
	char *line = mr_asprintf("maps %d/%" PRId64 " committed (%" PRId64 " running), "
				 "reduces %d/%" PRId64 " committed (%" PRId64 " running)",
				 j->maps_done, j->o.maps, count_running(j->maps, j->o.maps),
				 j->reduces_done, j->o.reduces,
				 count_running(j->reduces, j->o.reduces));
	int64_t now = mr_now_ms();

	if (force || j->last_report == NULL || strcmp(line, j->last_report) != 0 ||
	    now - j->last_report_ms >= REPORT_EVERY_MS) {
		job_log(j, "%s", line);
		j->last_report_ms = now;
		free(j->last_report);
		j->last_report = line;
	} else {
		free(line);
	}
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct mr_job *j = arg;

	speculate(j);
	job_report(j, false);
}

void job_tick_start(struct mr_job *j)
{
	struct timeval tv = { 0, TICK_MS * 1000 };

	j->tick = event_new(j->base, -1, EV_PERSIST, on_tick, j);
	event_add(j->tick, &tv);
}

/*
 * Attempt outputs nobody committed (losers, lost nodes' leftovers) go away at the end, and
 * so does the shuffle: an engine is not restartable, so a failed job's map outputs are of
 * no use to the next run (--keep-shuffle keeps them for a look).
 */
static void clean_up(struct mr_job *j)
{
	char *paths[2] = { mr_asprintf("%s/_attempts", j->o.output),
			   j->o.keep_shuffle ? mr_asprintf("%s/_attempts", j->shuffle) :
					       mr_strdup(j->shuffle) };

	for (int i = 0; i < 2; i++) {
		if (mr_rm_rf(paths[i]) < 0)
			job_log(j, "cannot remove %s: %s", paths[i], strerror(errno));
		free(paths[i]);
	}
}

void job_finish(struct mr_job *j, int code, const char *why)
{
	struct timeval tv = { STOP_WAIT_S, 0 };

	if (j->stopping)
		return;
	j->stopping = true;
	j->exit_code = code;
	job_report(j, true);
	job_log(j, "%s: %s", code == 0 ? "done" : "FAILED", why);
	clean_up(j);
	if (j->tick)
		event_del(j->tick);
	/* closed() breaks the loop once rmd confirms; the timeout covers a silent rmd */
	if (loom_fw_stop(j->fw) != LOOM_OK)
		event_base_loopbreak(j->base);
	else
		event_base_loopexit(j->base, &tv);
}
