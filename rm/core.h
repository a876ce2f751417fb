/*
 * rmcore: the resource manager's records (nodes, jobs, tasks, attempts), their state
 * setters, the bookkeeping that follows an attempt's end, and the placement core. Nothing
 * here touches a socket or reads a clock: the daemon (rmd) and the simulator drive it
 * through struct cluster_ops, which supplies the time and carries launches, kills and
 * commits to the nodes. The setters log one line per change; nothing else does I/O.
 *
 * Ownership: the cluster owns nodes and jobs; a job owns its tasks, a task its attempts.
 * Nodes are never freed before the cluster (their names outlive connections).
 */
#ifndef LOOM_RM_CORE_H
#define LOOM_RM_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "failures.h"
#include "proto.h"
#include "queue.h"

/* ---- states ----------------------------------------------------------------------- */

enum node_state {
	NODE_NEW,            /* record created, registration in progress */
	NODE_RUNNING,        /* registered and heartbeating: takes work */
	NODE_UNHEALTHY,      /* reachable but excluded from placement */
	NODE_DRAINING,       /* finishing its attempts, takes no new work */
	NODE_DECOMMISSIONED, /* removed from service by an administrator */
	NODE_LOST,           /* heartbeats stopped for node_expiry */
	NODE_STATE_MAX
};

enum job_state {
	JOB_PENDING,   /* accepted, no attempt has run yet */
	JOB_RUNNING,   /* at least one attempt has started */
	JOB_SUCCEEDED, /* every task committed */
	JOB_FAILED,    /* a task ran out of attempts, or a dependency failed */
	JOB_KILLED,    /* killed on request */
	JOB_STATE_MAX
};

enum task_state {
	TASK_PENDING,    /* waiting for placement (first time or after a failure) */
	TASK_RUNNING,    /* has a live attempt */
	TASK_COMMITTING, /* one attempt exited 0 and is committing its output */
	TASK_SUCCEEDED,  /* exactly one attempt committed */
	TASK_FAILED,     /* attempts exhausted */
	TASK_KILLED,     /* its job was killed or failed */
	TASK_STATE_MAX
};

enum attempt_state {
	ATT_STARTING,   /* launch sent, not yet reported running */
	ATT_RUNNING,    /* the process runs */
	ATT_COMMITTING, /* exited 0; told to commit, awaiting the result */
	ATT_SUCCEEDED,  /* its output is the task's */
	ATT_FAILED,     /* exited non-zero, signalled, failed to launch or to commit */
	ATT_KILLED,     /* stopped by the resource manager (not counted as a failure) */
	ATT_LOST,       /* its node was lost (not counted as a failure) */
	/* Last: stored states keep their numbers. A framework's container: placed, holding
	 * its node's resources, nothing runs until the framework launches it. */
	ATT_ALLOCATED,
	ATT_STATE_MAX
};

extern const char *const node_state_names[NODE_STATE_MAX];
extern const char *const job_state_names[JOB_STATE_MAX];
extern const char *const task_state_names[TASK_STATE_MAX];
extern const char *const attempt_state_names[ATT_STATE_MAX];

/* ---- records ---------------------------------------------------------------------- */

struct peer;
struct rm_job;
struct rm_task;

struct rm_attempt {
	struct loom_id id;
	struct rm_job *job;
	struct rm_task *task;
	struct rm_node *node;
	enum attempt_state state;
	bool holds_res;   /* its resources are reserved on node */
	bool kill_sent;   /* rmd asked the agent to stop it */
	bool mark;        /* scratch: reported by its node on re-registration */
	bool recovered;   /* rebuilt from the state store, fate unknown: adoptable (recover.c) */
	bool speculative; /* a copy started by speculate.c beside a straggler */
	bool preempted;   /* taken back by preempt.c: killed with preempt_grace, not counted */
	bool timed_out;   /* ran past its job's time limit: killed, its task fails */
	int exit_code;
	int signal;
	double progress;  /* -1 until the task reports */
	int64_t start_us, end_us, rss_mb;
	char *reason;     /* NULL = none */
	char *log_tail;   /* NULL = none */
	/* A framework container's launch (attempt_launch); NULL for the built-in runner's,
	 * which run their job's argv. */
	char **argv, **env, *workdir;
	int nargv, nenv;
	struct rm_attempt *node_prev, *node_next; /* the node's live attempts */
};

struct rm_task {
	int32_t index;
	enum task_state state;
	int32_t nattempts;     /* attempts[i] has number i + 1 */
	int32_t capattempts;
	int32_t nlive;         /* attempts STARTING, RUNNING or COMMITTING */
	int32_t nfailed;       /* attempts that count against max_attempts */
	struct rm_attempt **attempts;
	struct rm_attempt *committer; /* the attempt told to commit, if any */
	char *reason;
};

struct rm_job {
	uint64_t id;
	struct job_spec spec;  /* max_attempts already defaulted */
	enum job_state state;
	char *reason;
	int64_t submit_us, start_us, end_us;
	struct rm_task *tasks; /* spec.ntasks of them */
	int32_t cursor;        /* tasks [cursor, ntasks) were never placed */
	int32_t *requeue;      /* [rq_head, nrequeue): sorted indexes of tasks waiting again */
	size_t rq_head, nrequeue, caprequeue;
	int32_t ntask_state[TASK_STATE_MAX];
	int32_t nlive;         /* live attempts */
	bool queued;           /* on the cluster's pending queue */
	int32_t spec_launched, spec_won, spec_wasted; /* speculative copies (speculate.c) */
	uint32_t spec_stamp;   /* scratch of speculate.c: seen in the current pass */
	struct job_excl *excl; /* failures per node (failures.h) */
	size_t nexcl, capexcl;
	struct rm_job *q_prev, *q_next;
	/* queues (queue.c) and the scheduler's state of the job (sched.c) */
	struct rm_queue *queue;    /* its leaf */
	struct queue_user *qu;     /* its user's record in the leaf */
	struct rm_job *u_prev, *u_next; /* the user's jobs with tasks to place */
	int32_t nheld;             /* attempts holding a node reservation */
	int32_t nooo;              /* tasks at or past cursor placed out of order (locality) */
	uint32_t sched_stamp;      /* sched.c scratch: cannot go further this pass */
	double order_key;          /* sched.c scratch: the leaf's order (loom key) */
	uint32_t it_stamp;         /* sched.c scratch: the it_* fields belong to this pass */
	int32_t it_cur, it_ooo;    /* ... next cursor task to look at; tasks chosen out of order */
	int32_t it_placed;         /* ... units placed this pass */
	size_t it_rq;              /* ... next requeue entry to look at */
	int64_t loc_since_us;      /* delay scheduling: waiting for a preferred node since */
	struct rm_node **resv;     /* nodes reserved for it (gang, or a task that fits nowhere) */
	int32_t nresv, capresv;
	int64_t resv_start_us;     /* when the reservation should be free (EASY shadow); 0 = unknown */
	uint64_t resv_sig;         /* sched.c scratch: the reserved nodes' state resv_start_us is of */
	int32_t npreempted;        /* attempts taken back by preemption */
	int32_t ntimed_out;        /* attempts killed at the time limit */
};

struct rm_node {
	char *name;
	char *host;
	enum node_state state;
	char *reason;
	struct res capacity;
	struct res used;          /* reserved by placements */
	struct res reported_used; /* as the agent last said */
	int64_t mem_used_mb;
	double load1;
	int64_t hb_seq;
	char **labels;            /* NULL-terminated */
	int nlabels;
	struct peer *peer;        /* NULL while disconnected: not schedulable */
	int64_t last_seen_ms;     /* monotonic, of the last registration or heartbeat */
	int64_t registered_us;
	int32_t nlive;
	struct rm_attempt *live_head;
	double spec_speed;        /* speculate.c: its attempts' mean speed against their jobs' */
	int32_t spec_nspeed;      /* ... from this many samples (0 = unknown) */
	struct node_health health; /* detector, health check, exclusion, drain */
	uint32_t sched_stamp;     /* sched.c scratch: sched_ix and sched_resv are this pass's */
	int32_t sched_ix;         /* ... its index in sched_result.nodes */
	struct rm_job *sched_resv; /* ... the job that reserved it, or NULL */
};

/* Speculation parameters (speculate.c), the cluster's; a job may override each. */
struct spec_conf {
	bool enabled;           /* for jobs that do not say (as Hadoop: on) */
	int32_t slow_task_pct;  /* LATE SlowTaskThreshold: percentile of the job's rates */
	int32_t slow_node_pct;  /* LATE SlowNodeThreshold: percentile of the nodes' speeds */
	int32_t cap_pct;        /* LATE SpeculativeCap: live copies, % of the cluster's slots */
	int32_t multiplier_pct; /* Spark: runtime over multiplier/100 x the median duration */
	int32_t quantile_pct;   /* Spark: ... once this % of the job's tasks finished */
	int64_t min_runtime_us; /* no attempt is judged before it ran this long */
};

/* Scheduler parameters (sched.c, preempt.c), from rmd.conf. */
struct sched_conf {
	int64_t locality_wait_us;  /* delay scheduling: wait this long for a preferred node */
	bool preemption;           /* take capacity back for queues below their guarantee */
	int64_t preempt_after_us;  /* ... once they have waited this long for it */
	int64_t preempt_grace_ms;  /* SIGTERM to SIGKILL for a preempted attempt */
	int64_t default_estimate_us; /* loom order: the run time assumed without --time */
};

/* Facts the state store must keep (cluster_ops.journal); obj is what changed. */
enum journal_kind {
	JOURNAL_JOB_ENDED,           /* a job: SUCCEEDED, FAILED or KILLED */
	JOURNAL_TASK_COMMITTED,      /* the attempt whose output became its task's */
	JOURNAL_ATTEMPT_ENDED,       /* an attempt: FAILED, KILLED or LOST */
	JOURNAL_NODE_DECOMMISSIONED, /* a node */
	JOURNAL_ATTEMPT_STOPPING,    /* an attempt: kill sent, preempted or timed_out */
};

/* What the core needs from its driver: the time and the way to the nodes. */
struct cluster_ops {
	int64_t (*now_us)(void *arg); /* wall clock, microseconds */
	void (*launch)(void *arg, struct rm_attempt *a);
	void (*kill)(void *arg, struct rm_attempt *a, const char *reason);
	void (*commit)(void *arg, struct rm_attempt *a, bool commit);
	void (*schedule)(void *arg);  /* capacity or work changed: run a placement pass soon */
	/* Optional (NULL: nothing is kept): records a change that must survive a restart. */
	void (*journal)(void *arg, enum journal_kind k, const void *obj);
	/* Optional: a framework job's attempt was placed (ALLOCATED); its owner is told. */
	void (*allocated)(void *arg, struct rm_attempt *a);
};

struct cluster {
	const struct cluster_ops *ops;
	void *arg;
	int32_t default_max_attempts;
	size_t completed_kept;
	struct rm_node **nodes;
	size_t nnodes, capnodes;
	struct rm_job **jobs;    /* by id; NULL once dropped */
	uint8_t *gone;           /* final state + 1 of dropped jobs, by id */
	uint64_t next_job;       /* the next id to assign (from 1) */
	size_t capjobs;
	struct rm_job *q_head, *q_tail; /* jobs with tasks to place, in FIFO order */
	uint64_t *finished;      /* ring of finished job ids, oldest first */
	size_t fin_head, fin_n, fin_cap;
	int32_t njob_state[JOB_STATE_MAX];
	uint32_t rr;             /* placement rotation over nodes */
	struct spec_conf spec;   /* speculation (speculate.c) */
	uint32_t spec_stamp;     /* speculate.c: the current pass */
	uint64_t spec_launched;  /* speculative copies started since rmd started */
	struct fail_conf fc;     /* failure detection, exclusion, drain (failures.h) */
	struct queue_tree qt;    /* queues (queue.c); a tree of one leaf "default" when not configured */
	struct sched_conf sc;    /* scheduler parameters */
	struct qres total;       /* schedulable capacity, as the last pass saw it */
	uint32_t pass_stamp;     /* sched.c: the current pass */
	uint64_t preempted_total; /* attempts taken back since rmd started */
	uint64_t timed_out_total; /* attempts killed at their time limit since rmd started */
};

/* ---- cluster.c -------------------------------------------------------------------- */

void cluster_init(struct cluster *cl, const struct cluster_ops *ops, void *arg);
void cluster_free(struct cluster *cl);
int64_t cluster_now(const struct cluster *cl);
/* Adds a job with the next id; the spec is copied. */
struct rm_job *cluster_add_job(struct cluster *cl, const struct job_spec *spec);
struct rm_job *cluster_job(const struct cluster *cl, uint64_t id);
/* The attempt named by id, or NULL. */
struct rm_attempt *cluster_attempt(const struct cluster *cl, const struct loom_id *id);
/* Drops the oldest finished jobs beyond completed_kept (those with no live attempts). */
void cluster_trim(struct cluster *cl);
/* The state of job id, also for dropped jobs; -1 when the id was never assigned. */
int cluster_job_state(const struct cluster *cl, uint64_t id);
/* Hands a change to ops->journal, if the driver keeps one. */
void cluster_journal(struct cluster *cl, enum journal_kind k, const void *obj);
/*
 * Installs a new queue tree (a reload): every job moves to the leaf of the same path (or
 * else of the same leaf name), with its usage and place in line. Refused whole (-1, err says which job and
 * queue) when an unfinished job's leaf is not a leaf of t; t is then the caller's to
 * free. On success the old tree is freed and t is emptied into cl->qt. (queue.c)
 */
int cluster_set_queues(struct cluster *cl, struct queue_tree *t, char *err, size_t errlen);
/* Recovery: makes ids below upto valid slots (new ones empty) and next_job >= upto. */
void cluster_reserve_ids(struct cluster *cl, uint64_t upto);

/* ---- node.c ----------------------------------------------------------------------- */

bool node_transition_legal(enum node_state from, enum node_state to);
/* The one setter: asserts legality, logs "old -> new" with caller and reason. Returns -1
 * (state unchanged) for an illegal transition in builds without assertions. */
#define node_set_state(n, s, reason) node_set_state_(n, s, reason, __func__)
int node_set_state_(struct rm_node *n, enum node_state s, const char *reason,
		    const char *caller);
struct rm_node *cluster_find_node(const struct cluster *cl, const char *name);
/* A new record in state NEW. */
struct rm_node *cluster_add_node(struct cluster *cl, const char *name);
bool node_schedulable(const struct rm_node *n);
/* True when the labels (NULL-terminated; a node's or an autoscale pool's) hold every
 * label s requires and none it excludes; labels_unmet names the first that fails, or NULL. */
bool labels_ok(char *const *labels, const struct job_spec *s);
const char *labels_unmet(char *const *labels, const struct job_spec *s);
/* labels_ok over n's labels. */
bool node_labels_ok(const struct rm_node *n, const struct job_spec *s);
/* Against the member nodes (none: NULL and *nomatch false): the first label s requires
 * that no member node has, or NULL; *nomatch is true when no member node passes
 * node_labels_ok. */
const char *job_missing_label(const struct cluster *cl, const struct job_spec *s,
			      bool *nomatch);
/* True for states that count as members (not LOST, not DECOMMISSIONED). */
bool node_member(const struct rm_node *n);
void node_link_attempt(struct rm_node *n, struct rm_attempt *a);
void node_unlink_attempt(struct rm_node *n, struct rm_attempt *a);
/* Marks n LOST: its live attempts become LOST and their tasks wait again. */
void node_lost(struct cluster *cl, struct rm_node *n, const char *reason);
void node_free(struct rm_node *n);

/* ---- job.c ------------------------------------------------------------------------ */

bool job_transition_legal(enum job_state from, enum job_state to);
#define job_set_state(cl, j, s, reason) job_set_state_(cl, j, s, reason, __func__)
int job_set_state_(struct cluster *cl, struct rm_job *j, enum job_state s, const char *reason,
		   const char *caller);
bool job_finished(const struct rm_job *j);
/* Checks a spec against the cluster; fills field and msg and returns -1 when refused. */
int job_validate(const struct cluster *cl, const struct job_spec *s, char *field,
		 size_t fieldlen, char *msg, size_t msglen);
/* The label part of job_validate: refuses a job no member node's labels could match. */
int job_validate_labels(const struct cluster *cl, const struct job_spec *s, char *field,
			size_t fieldlen, char *msg, size_t msglen);
/* Ends j as FAILED or KILLED: kills its live attempts, its other tasks become KILLED. */
void job_end(struct cluster *cl, struct rm_job *j, enum job_state s, const char *reason);
/* Called when a task succeeded: the job succeeds with its last task. */
void job_task_succeeded(struct cluster *cl, struct rm_job *j);
/* Sets a job's reason without a state change (e.g. "waiting for nodes to register"). */
void job_set_reason(struct rm_job *j, const char *reason);
/* Mean over tasks: 1 for done, the live attempt's progress if running, else 0. */
double job_progress(const struct rm_job *j);
void job_queue_add(struct cluster *cl, struct rm_job *j);
void job_queue_remove(struct cluster *cl, struct rm_job *j);
bool job_has_unplaced(const struct rm_job *j);
/* How many tasks wait for placement (re-queued ones and those never placed). */
int64_t job_unplaced(const struct rm_job *j);
/* Books task ti (PENDING, waiting for placement) as placed, in or out of order; false
 * when it is not waiting. */
bool job_take_unplaced(struct rm_job *j, int32_t ti);

enum dep_status { DEPS_READY, DEPS_WAIT, DEPS_FAILED };
/* Whether j's "after" jobs all succeeded; on DEPS_FAILED *bad names the failed one. */
enum dep_status job_deps(const struct cluster *cl, const struct rm_job *j, uint64_t *bad);
void job_free(struct rm_job *j);

/* ---- task.c ----------------------------------------------------------------------- */

bool task_transition_legal(enum task_state from, enum task_state to);
#define task_set_state(j, t, s, reason) task_set_state_(j, t, s, reason, __func__)
int task_set_state_(struct rm_job *j, struct rm_task *t, enum task_state s, const char *reason,
		    const char *caller);
bool task_finished(const struct rm_task *t);
/* Puts a task back to wait for placement (sorted by index) and queues its job. */
void task_requeue(struct cluster *cl, struct rm_job *j, struct rm_task *t, const char *reason);
/* True while the task may try again: counted failures < max_attempts. */
bool task_may_retry(const struct rm_task *t, int32_t max_attempts);
/* True when the attempt's failure counts against max_attempts. */
bool attempt_counts_as_failure(const struct rm_attempt *a);
/* The newest attempt, or NULL. */
struct rm_attempt *task_last_attempt(const struct rm_task *t);
/* True when an attempt of t failed on node n (placement prefers other nodes then). */
bool task_failed_on(const struct rm_task *t, const struct rm_node *n);

/* ---- attempt.c -------------------------------------------------------------------- */

bool attempt_transition_legal(enum attempt_state from, enum attempt_state to);
#define attempt_set_state(a, s, reason) attempt_set_state_(a, s, reason, __func__)
int attempt_set_state_(struct rm_attempt *a, enum attempt_state s, const char *reason,
		       const char *caller);
bool attempt_live(const struct rm_attempt *a);
/* True for a job a framework owns (its attempts are containers; see outcome.c). */
bool job_is_framework(const struct rm_job *j);
/* Creates the next attempt of task t on node n, resources reserved: STARTING and launched
 * for the built-in runner, ALLOCATED (ops->allocated told) for a framework's job. */
struct rm_attempt *attempt_start(struct cluster *cl, struct rm_job *j, struct rm_task *t,
				 struct rm_node *n);
/* A framework launches argv (env, workdir "" = its own) in an ALLOCATED attempt: it is
 * STARTING and ops->launch sends it. The strings are copied onto the attempt. */
void attempt_launch(struct cluster *cl, struct rm_attempt *a, char *const *argv, int nargv,
		    char *const *env, int nenv, const char *workdir);
/* Stops an attempt: asks its node to kill it (once) and remembers why. An ALLOCATED one
 * has no process: it ends KILLED at once. */
void attempt_kill(struct cluster *cl, struct rm_attempt *a, const char *reason);
/* Kills the live attempts of t except keep. */
void task_kill_others(struct cluster *cl, struct rm_task *t, struct rm_attempt *keep,
		      const char *reason);
void attempt_free(struct rm_attempt *a);

/* What rmd tells an attempt that exited 0 (the pure half of the decision). */
enum exit_decision { EXIT_COMMIT, EXIT_DISCARD };
enum exit_decision attempt_exit_decision(const struct rm_task *t, const struct rm_attempt *a);
/* A human reason for a report: "exit code 3", "killed by signal 9", or the agent's. */
void attempt_report_reason(const struct attempt_report *r, char *buf, size_t len);

/* ---- outcome.c: what follows an agent's report ------------------------------------ */

/* Applies a report (from attempt_status or a re-registration) to a live attempt. */
void outcome_report(struct cluster *cl, struct rm_attempt *a, const struct attempt_report *r);
/* Applies attempt_committed. */
/* The agent found the task's partition in place: an earlier attempt committed it but its
 * answer was lost (rmd crashed, or the node was lost mid-commit). The task is done. */
void outcome_already_committed(struct cluster *cl, struct rm_attempt *a);
void outcome_committed(struct cluster *cl, struct rm_attempt *a, bool commit, bool ok,
		       const char *reason);
/* The attempt ended as s (FAILED, KILLED, LOST): release, then retry or fail its task. */
void outcome_ended(struct cluster *cl, struct rm_attempt *a, enum attempt_state s,
		   const char *reason);
/* A framework job after a restart: rmd does not place its containers again, so a task
 * whose container ended, or was not found again, is final; the job may be done. */
void outcome_fw_recovered(struct cluster *cl, struct rm_job *j);

/* ---- sched.c: queue-aware placement, no I/O ---------------------------------------- */

struct placement {
	struct rm_job *job;
	int32_t task;
	struct rm_node *node;
};

/* A schedulable node as one pass sees it. */
struct sched_node {
	struct rm_node *node;
	struct res free;
};

struct sched_result {
	struct sched_node *nodes;   /* scratch, kept between passes */
	size_t nnodes, capnodes;
	struct placement *pl;
	size_t npl, cappl;
	struct rm_job **dep_failed; /* jobs to fail: a dependency failed */
	uint64_t *dep_bad;          /* ... and which one */
	size_t ndep, capdep;
	int64_t wake_us;            /* a pass should run again by then (locality waits); 0 = no need */
	struct sched_scratch *scratch; /* sched.c: lookup tables kept between passes */
};

/*
 * One pass: serves the leaf queues by hierarchical DRF (below-guarantee queues first,
 * then weighted dominant share; inside a leaf, users by dominant share, then priority
 * and the leaf's order), within maximum shares and running-job and user limits; places
 * gang jobs whole or reserves nodes for them; waits up to locality_wait for preferred
 * nodes; lets jobs with time limits backfill around reservations (EASY). Changes no
 * record except the scheduler's own state: cl->rr, the pass stamps, cl->total, the
 * queues' pass fields, and jobs' reasons, reservations and locality timers.
 */
void sched_pass(struct cluster *cl, struct sched_result *out);

/* A placement policy. */
struct sched_policy {
	const char *name;
	void (*pass)(struct cluster *cl, struct sched_result *out);
};
extern const struct sched_policy sched_queues;
/* j left the pending queue (placed whole, finished, moved): drops its reservation. */
void sched_forget(struct rm_job *j);
void sched_result_reset(struct sched_result *r);
void sched_result_free(struct sched_result *r);
/* Carries out a pass's result: attempts started, dependents failed. */
void cluster_apply(struct cluster *cl, const struct sched_result *r);

/* ---- preempt.c: taking capacity back for queues below their guarantee, no I/O ------- */

struct preempt_result {
	struct rm_attempt **victims; /* youngest first within each starving queue's take */
	size_t nvictims, capvictims;
	struct rm_queue **for_q;     /* the starving leaf each victim is taken for */
	size_t capfor;
	int64_t wake_us;             /* a starving queue becomes eligible then; 0 = none */
};

/*
 * After sched_pass (which marks the leaves that waited for room): leaves below their
 * guarantee that have been starving for preempt_after take back what they miss, up to
 * their guarantee and their demand, from the youngest live attempts of preemptable
 * queues over their guarantee, never taking a victim queue below its guarantee. Attempts
 * already being killed count as freed. Gang jobs' attempts are never victims.
 */
void preempt_pass(struct cluster *cl, struct preempt_result *out);
/* Kills the victims (preempt_grace, a reason naming the queue they make room for), marks
 * them preempted and counts them. Their tasks are placed again, not counted as failed. */
void preempt_apply(struct cluster *cl, const struct preempt_result *r);
void preempt_result_free(struct preempt_result *r);

/* ---- limits.c: time limits (--time) ----------------------------------------------- */

/* The running time limit of j's attempts in microseconds; 0 = none. */
int64_t job_time_limit_us(const struct rm_job *j);
/* A limit for people: "10m", "1h30m", "45s", "1s500ms". Returns buf. */
char *time_limit_format(int64_t ms, char *buf, size_t len);
/* Kills the live attempts that ran past their job's time limit (timed_out, a reason that
 * says so; their tasks fail without another attempt). Returns how many; *next_us is the
 * next deadline of a live attempt (0 = none). */
int32_t cluster_time_limits(struct cluster *cl, int64_t *next_us);

/* ---- speculate.c: copies of stragglers (LATE, Spark's rule), no I/O --------------- */

enum spec_rule { SPEC_LATE, SPEC_SPARK };

/* One copy to start: task `task` of job beside its straggling attempt `orig`. */
struct spec_pick {
	struct rm_job *job;
	int32_t task;
	struct rm_node *node;
	struct rm_attempt *orig;
	struct rm_attempt *copy;  /* set by spec_apply */
	enum spec_rule rule;
	double left_s;            /* LATE: estimated seconds left; Spark: seconds run */
};

struct spec_cand;
struct spec_result {
	struct spec_pick *picks;
	size_t npicks, cappicks;
	struct sched_node *nodes;  /* scratch: schedulable nodes and what is free on them */
	size_t nnodes, capnodes;
	double *vals;              /* scratch: rates, durations, speeds */
	size_t capvals;
	struct spec_cand *cand;    /* scratch: one job's candidates */
	size_t capcand;
	struct rm_job **jobs;      /* scratch: the jobs with live attempts */
	size_t njobs, capjobs;
};

void spec_conf_defaults(struct spec_conf *c);
/* The job's parameters (the cluster's with its overrides); false when it is off. */
bool spec_job_conf(const struct spec_conf *c, const struct job_spec *s, struct spec_conf *out);
/* The pct-th percentile of v[0..n) by linear interpolation; sorts v. n > 0. */
double spec_percentile(double *v, size_t n, int32_t pct);
/* How many copies may run at once: cap_pct of the schedulable nodes' whole vcores (>= 1). */
int32_t spec_cap(const struct cluster *cl, int32_t cap_pct);
/* One pass over the running jobs: fills out->picks (LATE where attempts report progress,
 * else Spark's rule) from the free resources; changes only the nodes' speed estimates. */
void spec_pass(struct cluster *cl, struct spec_result *out);
/* Starts the picked copies and counts them on their jobs. */
void spec_apply(struct cluster *cl, struct spec_result *r);
void spec_result_free(struct spec_result *r);

#endif
