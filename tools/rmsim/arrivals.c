/*
 * Arrival patterns from the cloud extracts in ../shared/traces/cloud/ (gzip or plain):
 *  - Google clusterdata-2011 job_events (no header): the SUBMIT events (type 0) with a
 *    timestamp inside the trace window (0 means "before the trace" and is skipped);
 *    timestamps are microseconds.
 *  - Alibaba 2017 batch_task (with or without the header row the extract added): a job
 *    arrives at the earliest create time of its tasks (seconds; may be negative).
 * The result is sorted seconds; errors name FILE:LINE.
 */
#include "rmsim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "xmalloc.h"

#define LINE_MAX_BYTES 4096

struct pair {
	int64_t job, t;
};

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->job != y->job)
		return (x->job > y->job) - (x->job < y->job);
	return (x->t > y->t) - (x->t < y->t);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Field k (0-based) of a comma-separated line as an integer; false when absent or bad. */
static bool field_int(const char *line, int k, int64_t *v)
{
	char *end;

	for (; k > 0; k--)
		if ((line = strchr(line, ',')) == NULL)
			return false;
		else
			line++;
	errno = 0;
	*v = strtoll(line, &end, 10);
	return end != line && errno == 0 && (*end == ',' || *end == '\n' || *end == '\r' ||
					     *end == '\0');
}

int arrivals_load(const char *path, bool google, int64_t **out, size_t *n, char *err,
		  size_t errlen)
{
	gzFile gz = gzopen(path, "rb");
	char line[LINE_MAX_BYTES];
	struct pair *p = NULL;
	size_t np = 0, cap = 0, lineno = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (gz == NULL) {
		snprintf(err, errlen, "%s: %s", path, errno ? strerror(errno) : "cannot open");
		return -1;
	}
	while (rc == 0 && gzgets(gz, line, sizeof(line)) != NULL) {
		int64_t t, type, job;
		lineno++;
		if (lineno == 1 && !google && strncmp(line, "task_create_time", 16) == 0)
			continue; /* the extract's header row */
		if (line[strspn(line, " \r\n")] == '\0')
			continue;
		if (google ? !field_int(line, 0, &t) || !field_int(line, 3, &type) ||
				     !field_int(line, 2, &job)
			   : !field_int(line, 0, &t) || !field_int(line, 2, &job)) {
			snprintf(err, errlen, "%s:%zu: expected %s", path, lineno,
				 google ? "timestamp,missing,job id,event type,... (integers)"
					: "create time,end time,job id,... (integers)");
			rc = -1;
			break;
		}
		if (google && (type != 0 || t == 0))
			continue;
		p = xgrow(p, &cap, np + 1, sizeof(*p));
		p[np++] = (struct pair){ job, google ? t / 1000000 : t };
	}
	int zerr;
	gzerror(gz, &zerr);
	if (rc == 0 && zerr != Z_OK) {
		snprintf(err, errlen, "%s: truncated or corrupt gzip file", path);
		rc = -1;
	}
	gzclose(gz);
	if (rc == 0 && np == 0) {
		snprintf(err, errlen, "%s: no job arrivals found", path);
		rc = -1;
	}
	if (rc == 0) {
		/* One arrival per job: its earliest time (a Google job is submitted again
		 * after it is evicted; an Alibaba job has many tasks). */
		qsort(p, np, sizeof(*p), cmp_pair);
		*out = xcalloc(np, sizeof(**out));
		for (size_t i = 0; i < np; i++)
			if (i == 0 || p[i].job != p[i - 1].job)
				(*out)[(*n)++] = p[i].t;
		qsort(*out, *n, sizeof(**out), cmp_i64);
	}
	free(p);
	return rc;
}
