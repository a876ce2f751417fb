/* A cluster driven by stub cluster_ops that record what the core asked for. */
#ifndef LOOM_TEST_RM_FIXTURE_H
#define LOOM_TEST_RM_FIXTURE_H

#include "core.h"

struct fx {
	struct cluster cl;
	struct sched_result sr;
	int64_t now;
	int nlaunch, nkill, ncommit, nschedule;
	struct rm_attempt *launched[64]; /* the first 64 launches */
	struct rm_attempt *last_commit_attempt;
	bool last_commit;
	struct queue_tree qt; /* a tree being built (fx_tree_begin .. fx_tree_end) */
	int nallocated;       /* ops->allocated calls (framework jobs' placements) */
	struct rm_attempt *allocated[64];
};

void fx_init(struct fx *f);
void fx_free(struct fx *f);
/* cmocka setup and teardown around one static fixture. */
int fx_setup(void **state);
int fx_teardown(void **state);
/* A RUNNING, connected node with vcores (whole) and mem_mb. */
struct rm_node *fx_node(struct fx *f, const char *name, int vcores, int64_t mem_mb);
/* Gives node n one more label. */
void fx_node_label(struct rm_node *n, const char *label);
/* Makes job j require (exclude false) or exclude a node label. */
void fx_job_label(struct rm_job *j, bool exclude, const char *label);
/* A job of ntasks tasks of 1 vcore and 100 MiB each. */
struct rm_job *fx_job(struct fx *f, int ntasks, int priority, int max_attempts);
/* ---- queues (call fx_tree_begin, then fx_queue for each queue, then fx_tree_end) --- */
/* Starts a new tree with just root. */
void fx_tree_begin(struct fx *f);
/* Adds queue name under parent (a path, NULL = root) with guar_pct and max_pct for every
 * resource; returns its configuration to adjust before fx_tree_end. */
struct queue_conf *fx_queue(struct fx *f, const char *parent, const char *name, double guar_pct,
			    double max_pct);
/* Derives the tree (default leaf dflt) and installs it in the cluster. */
void fx_tree_end(struct fx *f, const char *dflt);
/* The queue at path in the cluster's tree. */
struct rm_queue *fx_q(struct fx *f, const char *path);

/* A job's shape; zeroes mean: 1 task, 1 vcore, 100 MiB, default queue, user "". */
struct fx_jobopt {
	const char *queue, *user;
	int ntasks, priority, vcores;
	int64_t mem_mb;
	bool gang;
	int64_t time_limit_ms;
};
struct rm_job *fx_job_opt(struct fx *f, const struct fx_jobopt *o);
/* Task task of j prefers node name (one more preferred node). */
void fx_prefer(struct rm_job *j, int task, const char *name);
/* Attempt a exits 0 and commits: its resources are released. */
void fx_finish(struct fx *f, struct rm_attempt *a);
/* How many of the first 64 launches were of job j. */
int fx_launched_of(const struct fx *f, const struct rm_job *j);

/* One placement pass, carried out; returns the number of placements. */
size_t fx_pass(struct fx *f);
/* An agent's report on a: state (AR_*), exit code, signal. */
void fx_report(struct fx *f, struct rm_attempt *a, int state, int exit_code, int signal);

/* A job owned by framework (spec.framework) of ntasks 1-vcore, 100 MiB containers. */
struct rm_job *fx_fw_job(struct fx *f, const char *framework, int ntasks);

#endif
