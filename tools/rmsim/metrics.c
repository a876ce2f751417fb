/*
 * The figures of a replay, as the published tables define them: bounded slowdown with a
 * 10 s floor, utilization up to the last start (not the last end), and the arithmetic
 * mean over windows for the table cell. Also wait times (mean, p95 by nearest rank),
 * makespan (first submit to last end) and, when the jobs name two queues or more (SWF
 * field 15), each queue's share of the processor-seconds delivered in the utilization
 * span. SWF carries no guarantees, so there is none to compare a share with; batch
 * replays preempt nothing. A --policy drf replay brings its own preemption count and
 * leaf queue figures (qstats.c), which replace the SWF queue shares. Printed for people
 * or as one JSON object.
 */
#include "rmsim.h"

#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

#define BSLD_FLOOR_S 10.0

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile pct (1..100) of v[0..n), which it sorts. */
static double percentile(double *v, size_t n, size_t pct)
{
	size_t rank = (pct * n + 99) / 100; /* ceil(pct% of n) */

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return v[rank > 0 ? rank - 1 : 0];
}

/* The qshare of queue q in m, added (kept sorted by queue number) when absent. */
static struct qshare *qslot(struct metrics *m, size_t *cap, int64_t q)
{
	size_t i = 0;

	while (i < m->nq && m->q[i].queue < q)
		i++;
	if (i < m->nq && m->q[i].queue == q)
		return &m->q[i];
	m->q = xgrow(m->q, cap, m->nq + 1, sizeof(*m->q));
	memmove(&m->q[i + 1], &m->q[i], (m->nq - i) * sizeof(*m->q));
	m->nq++;
	m->q[i] = (struct qshare){ .queue = q };
	return &m->q[i];
}

static void shares(struct metrics *m)
{
	double total = 0;

	for (size_t i = 0; i < m->nq; i++)
		total += m->q[i].area;
	for (size_t i = 0; i < m->nq; i++)
		m->q[i].share = total > 0 ? m->q[i].area / total : 0;
}

/* Per-queue processor-seconds inside [t0, t1]; none kept for a single queue. */
static void queue_shares(const struct sim_out *o, size_t n, int64_t t0, int64_t t1,
			 struct metrics *m)
{
	size_t cap = 0;

	m->q = NULL;
	m->nq = 0;
	for (size_t i = 0; i < n; i++) {
		struct qshare *q = qslot(m, &cap, o[i].queue);
		int64_t a = o[i].start > t0 ? o[i].start : t0;
		int64_t b = o[i].start + o[i].run < t1 ? o[i].start + o[i].run : t1;
		q->jobs++;
		if (b > a)
			q->area += (double)(b - a) * (double)o[i].procs;
	}
	if (m->nq < 2) {
		free(m->q);
		m->q = NULL;
		m->nq = 0;
	}
	shares(m);
}

void metrics_free(struct metrics *m)
{
	free(m->q);
	m->q = NULL;
	m->nq = 0;
	qstats_free(m->lq, m->nlq);
	m->lq = NULL;
	m->nlq = 0;
}

void metrics_compute(const struct sim_out *o, size_t n, double max_procs, struct metrics *m)
{
	double *wait = xcalloc(n ? n : 1, sizeof(*wait));
	double sum_wait = 0, sum_bsld = 0, area = 0;
	int64_t last_start = o[0].submit, last_end = o[0].submit;

	for (size_t i = 0; i < n; i++) {
		double run = (double)o[i].run, b;
		wait[i] = (double)(o[i].start - o[i].submit);
		b = (wait[i] + run) / (run > BSLD_FLOOR_S ? run : BSLD_FLOOR_S);
		sum_wait += wait[i];
		sum_bsld += b > 1 ? b : 1;
		area += run * (double)o[i].procs;
		if (o[i].start > last_start)
			last_start = o[i].start;
		if (o[i].start + o[i].run > last_end)
			last_end = o[i].start + o[i].run;
	}
	m->jobs = n;
	m->mean_wait = sum_wait / (double)n;
	m->mean_bsld = sum_bsld / (double)n;
	/* One job, or all starting at once, spans no time: call that idle rather than NaN. */
	m->util = last_start > o[0].submit
		? area / ((double)(last_start - o[0].submit) * max_procs) : 0;
	m->makespan = (double)(last_end - o[0].submit);
	m->p95_wait = percentile(wait, n, 95);
	free(wait);
	queue_shares(o, n, o[0].submit, last_start, m);
}

void metrics_mean(const struct metrics *w, size_t n, struct metrics *mean)
{
	size_t cap = 0;

	*mean = (struct metrics){ 0 };
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < w[i].nq; k++) {
			struct qshare *q = qslot(mean, &cap, w[i].q[k].queue);
			q->jobs += w[i].q[k].jobs;
			q->area += w[i].q[k].area;
		}
		qstats_merge(&mean->lq, &mean->nlq, w[i].lq, w[i].nlq);
		mean->preemptions += w[i].preemptions;
		mean->jobs += w[i].jobs;
		mean->mean_wait += w[i].mean_wait / (double)n;
		mean->p95_wait += w[i].p95_wait / (double)n;
		mean->mean_bsld += w[i].mean_bsld / (double)n;
		mean->util += w[i].util / (double)n;
		mean->makespan += w[i].makespan / (double)n;
	}
	shares(mean);
}

static void text_row(FILE *f, const char *label, const struct metrics *m)
{
	fprintf(f, "%-8s %7zu %12.0f %12.0f %12.2f %8.3f %12.0f\n", label, m->jobs,
		m->mean_wait, m->p95_wait, m->mean_bsld, m->util, m->makespan);
}

void metrics_print_text(FILE *f, const struct metrics *w, size_t n, bool windows)
{
	struct metrics mean;
	char label[32];

	fprintf(f, "%-8s %7s %12s %12s %12s %8s %12s\n", windows ? "start" : "", "jobs",
		"mean_wait_s", "p95_wait_s", "mean_bsld", "util", "makespan_s");
	for (size_t i = 0; i < n; i++) {
		snprintf(label, sizeof(label), "%zu", w[i].start);
		text_row(f, windows ? label : "all", &w[i]);
	}
	metrics_mean(w, n, &mean);
	if (windows)
		text_row(f, "mean", &mean);
	if (mean.nlq > 0) {
		qstats_print_text(f, mean.lq, mean.nlq, mean.preemptions);
		metrics_free(&mean);
		return;
	}
	if (mean.nq > 0)
		fprintf(f, "queue share of processor-seconds delivered (the workload sets no guarantees;"
			   " preemptions 0):\n");
	for (size_t i = 0; i < mean.nq; i++)
		fprintf(f, "  queue %-6lld %7zu jobs %6.1f%%\n", (long long)mean.q[i].queue,
			mean.q[i].jobs, 100 * mean.q[i].share);
	metrics_free(&mean);
}

/* A JSON string: the trace path is the only text that comes from outside. */
static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_fields(FILE *f, const struct metrics *m)
{
	fprintf(f, "\"jobs\":%zu,\"mean_wait_s\":%.4f,\"p95_wait_s\":%.4f,"
		   "\"mean_bounded_slowdown\":%.4f,\"utilization\":%.6f,\"makespan_s\":%.4f,"
		   "\"preemptions\":%llu", m->jobs, m->mean_wait, m->p95_wait, m->mean_bsld,
		m->util, m->makespan, (unsigned long long)m->preemptions);
	if (m->nlq > 0) {
		fputc(',', f);
		qstats_print_json(f, m->lq, m->nlq);
		return;
	}
	if (m->nq == 0)
		return;
	fputs(",\"queues\":[", f);
	for (size_t i = 0; i < m->nq; i++)
		fprintf(f, "%s{\"queue\":%lld,\"jobs\":%zu,\"share\":%.6f}", i ? "," : "",
			(long long)m->q[i].queue, m->q[i].jobs, m->q[i].share);
	fputc(']', f);
}

void metrics_print_json(FILE *f, const char *trace, const char *policy,
			const struct metrics *w, size_t n)
{
	struct metrics mean;

	metrics_mean(w, n, &mean);
	fputs("{\"trace\":", f);
	json_string(f, trace);
	fputs(",\"policy\":", f);
	json_string(f, policy);
	fputc(',', f);
	json_fields(f, &mean);
	fputs(",\"windows\":[", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s{\"start\":%zu,", i ? "," : "", w[i].start);
		json_fields(f, &w[i]);
		fputc('}', f);
	}
	fputs("]}\n", f);
	metrics_free(&mean);
}
