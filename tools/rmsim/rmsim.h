/*
 * rmsim: replays Standard Workload Format traces through rmcore's batch policies (or, for
 * --policy drf, its scheduler and preemption on the real cluster) with a virtual clock,
 * following the conventions of the published tables described in
 * ../shared/traces/README.md. Internal header, sectioned by file.
 */
#ifndef LOOM_RMSIM_H
#define LOOM_RMSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "batch.h"
#include "core.h"
#include "resource.h"

/* ---- swf.c ------------------------------------------------------------------------- */

/* One kept job of a trace (times in seconds). */
struct swf_job {
	int64_t id;     /* field 1 */
	int64_t submit; /* field 2 */
	int64_t run;    /* field 4; -1 replaced by 10 */
	int64_t procs;  /* max(field 5, field 8), at least 1 */
	int64_t req;    /* field 9, or the run time when unknown */
	int32_t nodes;  /* ceil(procs / processors per node) */
	int64_t user;   /* field 12, -1 unknown */
	int64_t queue;  /* field 15, -1 unknown */
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
	int64_t submit, start, run, procs, queue;
};

/*
 * Replays jobs [first, first + len) of t on an empty machine of t->max_nodes nodes,
 * from the first job's submit time; out gets one entry per job, in trace order.
 */
void sim_window(const struct swf_trace *t, const struct batch_policy *pol, size_t first,
		size_t len, struct sim_out *out);

/* ---- metrics.c --------------------------------------------------------------------- */

/* One queue (SWF field 15) of a replay: processor-seconds it was delivered. */
struct qshare {
	int64_t queue;
	size_t jobs;
	double area;  /* processor-seconds run inside the utilization span */
	double share; /* area / all queues' area */
};

struct leafq;

struct metrics {
	size_t start, jobs;
	double mean_wait, p95_wait, mean_bsld, util, makespan;
	struct qshare *q; /* by queue number; NULL unless the jobs name two queues or more */
	size_t nq;
	uint64_t preemptions;  /* --policy drf; batch replays preempt nothing */
	struct leafq *lq;      /* --policy drf: the leaf queues (qstats.c), owned; else NULL */
	size_t nlq;
};

/* The figures of one replay; max_procs is the machine's processor count. The caller
 * fills preemptions and lq itself. */
void metrics_compute(const struct sim_out *o, size_t n, double max_procs, struct metrics *m);
/* The mean of each figure over n windows (jobs and preemptions: the totals; queue shares
 * and leaf figures: of the summed areas and times). Free with metrics_free. */
void metrics_mean(const struct metrics *w, size_t n, struct metrics *mean);
void metrics_free(struct metrics *m);
void metrics_print_text(FILE *f, const struct metrics *w, size_t n, bool windows);
void metrics_print_json(FILE *f, const char *trace, const char *policy,
			const struct metrics *w, size_t n);

/* ---- synth.c, arrivals.c: synthetic workloads --------------------------------------- */

/* The autoscale.* keys of a synthetic config (--autoscale), and processors per task. */
struct synth_as {
	int64_t min, max, max_step;
	int64_t grow_delay_ms, idle_timeout_ms, cooldown_ms, start_timeout_ms;
	int64_t boot_delay_ms, tick_ms;
	int64_t task_procs;
};

/* Builds a trace from the synthetic workload config at path (and, when as is not NULL,
 * its autoscale keys); -1 with err ("FILE:LINE: key: why") on a bad file. */
int synth_load(const char *path, struct swf_trace *t, struct synth_as *as, char *err,
	       size_t errlen);
/* Prints the config keys with their defaults and help, as a loadable file. */
void synth_dump_defaults(FILE *f);
/* Job arrival times (s, sorted) from a Google job_events (google) or Alibaba batch_task
 * extract; *out is malloc'd. */
int arrivals_load(const char *path, bool google, int64_t **out, size_t *n, char *err,
		  size_t errlen);

/* ---- simdrv.c: stand-in agents for rmcore's cluster on a virtual clock --------------- */

struct simdrv_run { /* an attempt that ends at end_us (seq: launch order, for ties) */
	int64_t end_us, start_us;
	uint64_t seq;
	struct loom_id id;
};

struct simdrv_kill { /* a kill asked at at_us; it takes effect after the attempt's grace */
	int64_t at_us;
	struct loom_id id;
};

struct simdrv {
	struct cluster cl;
	struct sched_result sr;   /* for the owner's passes */
	int64_t now;              /* virtual time, microseconds */
	int64_t last_end_us;      /* of the last completion simdrv_step handled */
	uint64_t nkills;          /* kills asked for */
	bool early_running;       /* report RUNNING right after launch (simdrv_report_started)
				   * rather than just before the exit */
	struct simdrv_run *heap;  /* running attempts by end time */
	size_t nheap, capheap;
	uint64_t seq;
	struct loom_id *commits;  /* asked for since the last simdrv_commits */
	size_t ncommits, capcommits;
	struct simdrv_kill *kills; /* kills not yet in effect, in the order asked */
	size_t nkill, capkills;
	struct loom_id *started;  /* launched since the last simdrv_report_started */
	size_t nstarted, capstarted;
	/* the owner's: how long an attempt runs (us) and, optionally, a look at each launch */
	int64_t (*run_us)(void *owner, const struct rm_attempt *a);
	void (*launched)(void *owner, const struct rm_attempt *a);
	void *owner;
};

/* A cluster (cluster_init's defaults) driven by d's agents. */
void simdrv_init(struct simdrv *d, int64_t (*run_us)(void *, const struct rm_attempt *),
		 void (*launched)(void *, const struct rm_attempt *), void *owner);
void simdrv_free(struct simdrv *d);
/* A registered node of the given capacity (added, or back again). */
void simdrv_node_up(struct simdrv *d, const char *name, int64_t vcores_m, int64_t mem_mb);
/* What is due by d->now: runs end (RUNNING, exit 0), kills take effect (KILLED), then
 * the commits asked for succeed. */
void simdrv_step(struct simdrv *d);
/* The commits asked for since the last call succeed. */
void simdrv_commits(struct simdrv *d);
/* The attempts launched since the last call report RUNNING (early_running only). */
void simdrv_report_started(struct simdrv *d);
/* The next instant a run ends or a kill takes effect; INT64_MAX when none will. */
int64_t simdrv_next(const struct simdrv *d);

/* ---- qstats.c: each leaf queue's share over time against its guarantee (drf) ------- */

/* One leaf of one replay (or, after qstats_merge, of several). */
struct leafq {
	char *path;            /* "root.q1" */
	double guar;           /* guaranteed fraction of the cluster's vcores */
	size_t jobs;
	double wait_sum;       /* s, submission to (last) start, over its jobs */
	double span;           /* s observed */
	double share_area;     /* dominant share x s */
	double waiting;        /* s it had jobs waiting */
	double below;          /* ... of which below its guarantee */
	double *ttg;           /* s from falling below the guarantee with jobs waiting to */
	size_t nttg, capttg;   /* reaching it or having none waiting, one per episode */
	uint64_t preempted;    /* attempts taken back from it */
	int64_t since_us;      /* scratch: below with jobs waiting since; -1 = not */
};

/* The leaves of cl's tree, in depth-first order, with nothing observed yet. */
struct leafq *qstats_new(const struct cluster *cl, size_t *n);
/* The state after an instant, held from now_us until until_us. */
void qstats_observe(struct leafq *lq, size_t n, const struct cluster *cl, int64_t now_us,
		    int64_t until_us);
/* Closes open episodes at end_us and takes the leaves' preemption counts. */
void qstats_finish(struct leafq *lq, size_t n, const struct cluster *cl, int64_t end_us);
/* Adds src's figures (same tree) into dst, which may start empty (*ndst 0). */
void qstats_merge(struct leafq **dst, size_t *ndst, const struct leafq *src, size_t n);
void qstats_free(struct leafq *lq, size_t n);
void qstats_print_text(FILE *f, const struct leafq *lq, size_t n, uint64_t preemptions);
void qstats_print_json(FILE *f, const struct leafq *lq, size_t n);

/* ---- drfsim.c: --policy drf, the queue-aware scheduler on rmcore's cluster --------- */

/*
 * Replays jobs [first, first + len) of t through rmcore's cluster, sched_pass and
 * preempt_pass on t->max_nodes nodes, with the queue tree of queues_path (NULL: one
 * leaf). out gets one entry per job, in trace order; *lq the leaves' figures and
 * *preempted the attempts taken back. Returns -1 with err when the queue file is bad
 * or the replay stalls.
 */
int drf_window(const struct swf_trace *t, const char *queues_path, size_t first, size_t len,
	       struct sim_out *out, struct leafq **lq, size_t *nlq, uint64_t *preempted,
	       char *err, size_t errlen);
/* Reads queues_path once, to refuse a bad file before any replay. */
int drf_check_queues(const char *queues_path, char *err, size_t errlen);

/* ---- autosim.c: --autoscale, fixed against autoscaled on rmcore's cluster ---------- */

struct asim_out {
	size_t tasks, jobs_failed;
	double node_s;          /* node-seconds paid for (asked for to removed) */
	int32_t peak;           /* most nodes paid for at once */
	double mean_wait_s, p95_wait_s, makespan_s; /* wait: submission to task launch */
	uint64_t kills, grows, drains;
};

/* Replays t on t->max_nodes fixed nodes, then on one pool autoscaled by as_decide. */
void asim_run(const struct swf_trace *t, const struct synth_as *as, struct asim_out *fixed,
	      struct asim_out *scaled);
void asim_print(FILE *f, bool json, const char *src, const struct swf_trace *t,
		const struct synth_as *as, const struct asim_out *fx, const struct asim_out *sc);

/* ---- csv.c: header-named columns, FILE:LINE errors ---------------------------------- */

struct csv {
	const char *path;
	FILE *f;
	size_t line;          /* of the row just read */
	char *buf;
	size_t cap;
	char **field;         /* the current row's fields */
	int ncols;            /* the header's field count */
	int *col;             /* wanted column i is field col[i] */
	char *err;
	size_t errlen;
};

/* Opens path and finds the columns named want[] in its header row; -1 and err filled
 * when the file or a column is missing. csv_close() is needed either way. */
int csv_open(struct csv *c, const char *path, const char *const *want, size_t nwant,
	     char *err, size_t errlen);
/* Reads the next row: 1, 0 at the end, -1 on error (a row with the wrong field count). */
int csv_next(struct csv *c);
const char *csv_str(const struct csv *c, size_t i);
/* Wanted column i as a non-negative integer (-1 when empty and optional). */
int csv_int(struct csv *c, size_t i, const char *name, bool optional, int64_t *v);
/* Fills the error as "FILE:LINE: ..." and returns -1. */
int csv_fail(struct csv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void csv_close(struct csv *c);

/* ---- pods-load.c, pods.c: multi-resource replay ------------------------------------- */

#define PODS_MAX_GPUS 16

struct pod {
	struct res want;        /* gpus in thousandths of a GPU (see pods-load.c) */
	int32_t ngpu;           /* whole GPUs, or 0 */
	int32_t share_m;        /* a share of one GPU in thousandths, or 0 */
	int64_t arrive, leave;  /* creation and deletion time */
	int64_t dur;            /* deletion - scheduled time; -1 if never scheduled */
	size_t line;
	int32_t node;           /* where it runs in the replay, -1 not placed */
	uint32_t gpus;          /* which of the node's GPUs it holds (bit mask) */
	int64_t start;
};

struct pnode {
	struct res cap, free;   /* gpus in thousandths */
	int32_t ngpu;
	int32_t gpu_free[PODS_MAX_GPUS]; /* thousandths free on each GPU */
};

struct pods {
	struct pod *pod;
	size_t npods;
	struct pnode *node;
	size_t nnodes;
	struct res total;       /* the cluster's capacity */
};

/* A packing policy: one row of packings[]. */
struct packing {
	const char *name, *help;
	/* Lower is better; the first node wins ties. */
	double (*score)(const struct pnode *n, const struct pod *p);
	bool tight_gpu;         /* a GPU share goes on the fullest GPU that takes it */
};

struct pods_stats {
	size_t pods, placed, waited, unplaced;
	size_t unplaced_kind[3]; /* ... of which whole-GPU pods, GPU shares, no GPU */
	double wait_sum;        /* s, over the pods that waited */
	int64_t span;           /* first to last arrival: the measured span */
	double cpu_mean, gpu_mean, cpu_peak, gpu_peak; /* allocated shares */
};

extern const struct packing packings[];
extern const size_t npackings;
const struct packing *packing_find(const char *name);
int pods_load(struct pods *w, const char *pods_path, const char *nodes_path, char *err,
	      size_t errlen);
void pods_free(struct pods *w);
/* Replays every pod on an empty cluster (sorting w->pod by arrival) with packing pk;
 * with hold, placed pods never end. */
void pods_replay(struct pods *w, const struct packing *pk, bool hold, struct pods_stats *st);
void pods_print_head(FILE *f, const char *path, const struct pods *w);
void pods_print_row(FILE *f, const char *name, const struct pods_stats *st);
void pods_print_json(FILE *f, const char *name, const struct pods_stats *st, bool first);

#endif
