/*
 * The figures of a replay, as the published tables define them: bounded slowdown with a
 * 10 s floor, utilization up to the last start (not the last end), and the arithmetic
 * mean over windows for the table cell. Also wait times (mean, p95 by nearest rank) and
 * makespan (first submit to last end). Printed for people or as one JSON object.
 */
#include "rmsim.h"

#include <stdlib.h>

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
}

void metrics_mean(const struct metrics *w, size_t n, struct metrics *mean)
{
	*mean = (struct metrics){ 0 };
	for (size_t i = 0; i < n; i++) {
		mean->jobs += w[i].jobs;
		mean->mean_wait += w[i].mean_wait / (double)n;
		mean->p95_wait += w[i].p95_wait / (double)n;
		mean->mean_bsld += w[i].mean_bsld / (double)n;
		mean->util += w[i].util / (double)n;
		mean->makespan += w[i].makespan / (double)n;
	}
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
	if (windows) {
		metrics_mean(w, n, &mean);
		text_row(f, "mean", &mean);
	}
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
		   "\"preemptions\":0", m->jobs, m->mean_wait, m->p95_wait, m->mean_bsld,
		m->util, m->makespan);
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
}
