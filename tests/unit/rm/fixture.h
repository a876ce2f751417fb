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
/* One placement pass, carried out; returns the number of placements. */
size_t fx_pass(struct fx *f);
/* An agent's report on a: state (AR_*), exit code, signal. */
void fx_report(struct fx *f, struct rm_attempt *a, int state, int exit_code, int signal);

#endif
