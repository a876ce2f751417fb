/*
 * loom-mapreduce: the engine's model. A job has M map tasks and R reduce tasks; each task
 * runs as one or more attempts, one Loom container each (one CONTAINER_REQUEST of count 1
 * per attempt). A task is done when exactly one attempt is committed: the engine renames
 * that attempt's private output into place; every other attempt's output is discarded.
 */
#ifndef LOOM_MR_H
#define LOOM_MR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <loom.h>

enum mr_kind { MR_MAP, MR_REDUCE };

enum mr_tstate {
	T_WAITING,  /* not startable yet (a reduce before every map is committed) */
	T_ACTIVE,   /* has or wants attempts */
	T_DONE,     /* one attempt committed */
};

enum mr_astate {
	A_REQUESTED, /* container asked for; not allocated yet */
	A_LAUNCHED,  /* allocated and launched: the runner may be running */
	A_ENDED,     /* final event seen (or released/cancelled by us): nothing more to do */
};

/* One input byte range of a map's split. */
struct mr_seg {
	const char *path;
	uint64_t off, len;
};

struct mr_task;

struct mr_job;

struct mr_attempt {
	struct mr_job *job;
	struct mr_task *task;
	enum mr_astate state;
	int num;               /* 1, 2, ... within the task, for people */
	bool speculative;
	bool cancelled;        /* we no longer want it: release once its request is known */
	char request[64];      /* "job-12" once rmd replied */
	char container[64];    /* "job-12.t0.a1" once allocated */
	char node[128];
	int64_t launched_ms;
};

struct mr_task {
	enum mr_kind kind;
	int index;
	enum mr_tstate state;
	struct mr_attempt **att;
	size_t natt, attcap;
	int failures;          /* ends that count against --max-attempts */
	int64_t duration_ms;   /* the committed attempt's run time */
	struct mr_seg *segs;   /* maps: the split */
	size_t nsegs;
};

struct mr_opts {
	char **inputs;
	size_t ninputs;
	char **env;            /* extra KEY=VALUE for every task, NULL-terminated */
	size_t nenv;
	int64_t maps, reduces, max_attempts, mem_mb, spec_min_ms, priority;
	double vcores;
	const char *map_cmd, *reduce_cmd, *output, *workdir, *queue, *rm, *name, *task_bin;
	bool no_speculation, keep_shuffle;
};

/* An allocation that arrived before the reply naming its request. */
struct mr_early {
	char container[64], request[64], node[128];
};

struct mr_job {
	struct mr_opts o;
	char *shuffle;         /* <workdir>/shuffle */
	struct event_base *base;
	struct loom_fw *fw;
	struct event *tick;
	struct mr_task *maps, *reduces;
	int maps_done, reduces_done;
	struct mr_early *early;
	size_t nearly, earlycap;
	struct loom_fw_opts fo; /* kept to register again under the same name */
	struct loom_fw_cbs cbs;
	bool connected;        /* registered, and the connection is up */
	bool started;          /* the maps were asked for (by the first registration) */
	int64_t gone_ms;       /* when the connection dropped (0: it did not) */
	struct event *retry;   /* the next registration attempt */
	int exit_code;         /* -1 while running */
	bool stopping;
	int64_t start_ms, last_report_ms;
	char *last_report;
};

/* plan.c: the splits and the tasks. */
void plan_splits(struct mr_job *j);
/* The runner's argv for an attempt (free with strv_free). */
char **plan_argv(const struct mr_job *j, const struct mr_attempt *a);
void strv_free(char **v);
/* The attempt's private output path and its committed path (malloc'd). */
char *plan_attempt_path(const struct mr_job *j, const struct mr_attempt *a);
char *plan_final_path(const struct mr_job *j, const struct mr_task *t);

/* attempt.c: asking for containers, launching, ending. */
void attempt_request(struct mr_job *j, struct mr_task *t, bool speculative);
void attempt_allocated(struct mr_job *j, const char *request, const char *container,
		       const char *node);
void attempt_end(struct mr_job *j, struct mr_attempt *a, bool counts, const char *why);
void attempt_succeeded(struct mr_job *j, struct mr_attempt *a);
void attempt_release(struct mr_job *j, struct mr_attempt *a);
struct mr_attempt *attempt_by_container(struct mr_job *j, const char *container);
size_t task_live(const struct mr_task *t);
const char *task_name(const struct mr_task *t, char *buf, size_t len);

/* resume.c: registering again after the connection to rmd dropped. */
void resume_after_close(struct mr_job *j, const char *why);
void resume_reconcile(struct mr_job *j, const struct loom_container *live, size_t nlive);

/* events.c: the libloom callbacks. */
extern const struct loom_fw_cbs mr_callbacks;

/* commit.c: first successful attempt wins; duplicates are discarded. */
int commit_attempt(const struct mr_job *j, const struct mr_attempt *a);
void discard_attempt(const struct mr_job *j, const struct mr_attempt *a);

/* progress.c: the periodic tick (speculation, progress lines) and the end. */
void job_tick_start(struct mr_job *j);
void job_report(struct mr_job *j, bool force);
void job_finish(struct mr_job *j, int code, const char *why);
void job_log(const struct mr_job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* speculate.c */
void speculate(struct mr_job *j);

#endif
