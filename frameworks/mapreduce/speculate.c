/*
 * loom-mapreduce: stragglers. Once 75% of the current phase's tasks are committed, a task
 * whose only attempt has run longer than 1.5x the median run time of the committed ones
 * (and at least --spec-min) gets one speculative copy; the first to commit wins and the
 * other is released. One copy per task at most, so a slow cluster is not flooded.
 */
#include <stdlib.h>

#include "mr.h"
#include "util.h"

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a > b) - (a < b);
}

/* Median run time of the committed tasks of v[0..n), or -1 when too few are done. */
static int64_t done_median(const struct mr_task *v, int64_t n)
{
	int64_t *d = mr_calloc((size_t)n, sizeof *d), nd = 0, med = -1;

	for (int64_t i = 0; i < n; i++)
		if (v[i].state == T_DONE)
			d[nd++] = v[i].duration_ms;
	if (nd > 0 && nd * 4 >= n * 3) {
		qsort(d, (size_t)nd, sizeof *d, cmp_i64);
		med = nd % 2 ? d[nd / 2] : (d[nd / 2 - 1] + d[nd / 2]) / 2;
	}
	free(d);
	return med;
}

static bool was_speculated(const struct mr_task *t)
{
	for (size_t i = 0; i < t->natt; i++)
		if (t->att[i]->speculative)
			return true;
	return false;
}

/* The launched attempt of a task that has exactly one live attempt, else NULL. */
static const struct mr_attempt *sole_running(const struct mr_task *t)
{
	const struct mr_attempt *run = NULL;

	if (task_live(t) != 1)
		return NULL;
	for (size_t i = 0; i < t->natt; i++)
		if (t->att[i]->state == A_LAUNCHED && !t->att[i]->cancelled)
			run = t->att[i];
	return run;
}

void speculate(struct mr_job *j)
{
	bool maps = j->maps_done < j->o.maps;
	struct mr_task *v = maps ? j->maps : j->reduces;
	int64_t n = maps ? j->o.maps : j->o.reduces, med, limit, now = mr_now_ms();
	char tn[32];

	if (j->o.no_speculation || j->stopping || !j->connected || (med = done_median(v, n)) < 0)
		return;
	limit = med * 3 / 2 > j->o.spec_min_ms ? med * 3 / 2 : j->o.spec_min_ms;
	for (int64_t i = 0; i < n; i++) {
		const struct mr_attempt *a;
		if (v[i].state != T_ACTIVE || was_speculated(&v[i]) ||
		    (a = sole_running(&v[i])) == NULL || now - a->launched_ms <= limit)
			continue;
		job_log(j, "%s is a straggler (running %.1f s, median %.1f s): speculative copy",
			task_name(&v[i], tn, sizeof tn), (double)(now - a->launched_ms) / 1000,
			(double)med / 1000);
		attempt_request(j, &v[i], true);
	}
}
