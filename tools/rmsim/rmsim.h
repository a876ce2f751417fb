/*
 * rmsim: replays Standard Workload Format traces through rmcore's batch policies with a
 * virtual clock, following the conventions of the published tables described in
 * ../shared/traces/README.md. Internal header, sectioned by file.
 */
#ifndef LOOM_RMSIM_H
#define LOOM_RMSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "batch.h"

/* ---- swf.c ------------------------------------------------------------------------- */

/* One kept job of a trace (times in seconds). */
struct swf_job {
	int64_t id;     /* field 1 */
	int64_t submit; /* field 2 */
	int64_t run;    /* field 4; -1 replaced by 10 */
	int64_t procs;  /* max(field 5, field 8), at least 1 */
	int64_t req;    /* field 9, or the run time when unknown */
	int32_t nodes;  /* ceil(procs / processors per node) */
	size_t line;    /* in the file, for messages */
};

struct swf_trace {
	struct swf_job *jobs;  /* kept jobs, sorted by job number */
	size_t njobs;
	size_t nrecords;       /* job lines read */
	int64_t max_nodes, max_procs, max_jobs, max_records, unix_start; /* -1 if absent */
	int nqueues, npartitions; /* Queue: and Partition: header lines */
	double ppn;            /* processors per node: MaxProcs / MaxNodes */
};

/* Reads path (gzip or plain). On error fills err ("FILE:LINE: why") and returns -1. */
int swf_load(const char *path, struct swf_trace *t, char *err, size_t errlen);
void swf_free(struct swf_trace *t);

/* ---- sim.c ------------------------------------------------------------------------- */

/* What happened to one job in a replay. */
struct sim_out {
	int64_t submit, start, run, procs;
};

/*
 * Replays jobs [first, first + len) of t on an empty machine of t->max_nodes nodes,
 * from the first job's submit time; out gets one entry per job, in trace order.
 */
void sim_window(const struct swf_trace *t, const struct batch_policy *pol, size_t first,
		size_t len, struct sim_out *out);

/* ---- metrics.c --------------------------------------------------------------------- */

struct metrics {
	size_t start, jobs;
	double mean_wait, p95_wait, mean_bsld, util, makespan;
};

/* The figures of one replay; max_procs is the machine's processor count. */
void metrics_compute(const struct sim_out *o, size_t n, double max_procs, struct metrics *m);
/* The mean of each figure over n windows (jobs: the total). */
void metrics_mean(const struct metrics *w, size_t n, struct metrics *mean);
void metrics_print_text(FILE *f, const struct metrics *w, size_t n, bool windows);
void metrics_print_json(FILE *f, const char *trace, const char *policy,
			const struct metrics *w, size_t n);

#endif
