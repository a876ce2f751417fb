/*
 * The queue tree: leaf queues hold jobs; every queue has a guaranteed and a maximum share
 * of its parent (per resource), a weight, running-job and per-user limits and a state.
 * queue.c builds trees and keeps the usage counts that the scheduler (sched.c) orders by
 * and preemption (preempt.c) restores guarantees from; conf-queues.c reads a tree from
 * rmd.conf. Pure: no I/O, no clock, no logging.
 *
 * Shares are fractions of the parent's, as YARN's capacity scheduler has them; the tree
 * derives absolute fractions of the cluster (guar[], maxs[]) from them. Usage counts are
 * the resources held by live attempts (what nodes have reserved for them), charged when
 * an attempt takes its reservation and released when it gives it back.
 */
#ifndef LOOM_RM_QUEUE_H
#define LOOM_RM_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resource.h"

/* The resources that fairness weighs: DRF over vcores, memory and gpus. */
enum { QR_VCORES, QR_MEM, QR_GPUS, QR_N };
extern const char *const qres_names[QR_N]; /* "vcores", "memory", "gpus" */

struct qres {
	int64_t v[QR_N]; /* vcores in thousandths, memory in MiB, gpus */
};

void qres_from_res(struct qres *q, const struct res *r);
void qres_add(struct qres *acc, const struct qres *r);
void qres_sub(struct qres *acc, const struct qres *r);
/* max over resources of use / total (resources with total 0 are skipped). */
double qres_dominant(const struct qres *use, const struct qres *total);

enum queue_state {
	QUEUE_RUNNING, /* accepts and runs jobs */
	QUEUE_STOPPED, /* refuses new jobs; the ones it has finish */
	QUEUE_STATE_MAX
};
extern const char *const queue_state_names[QUEUE_STATE_MAX];

/* How a leaf orders its jobs (after priority). */
enum queue_order {
	QORDER_AUTO, /* loom while any pending job declares a time limit, else fifo */
	QORDER_FIFO, /* submission order */
	QORDER_LOOM, /* batch-loom.c's key: short work per task first, aged by waiting */
	QORDER_MAX
};
extern const char *const queue_order_names[QORDER_MAX];

struct rm_job;

/* One user's standing in a leaf queue. */
struct queue_user {
	char *name;
	struct qres used;          /* held by the user's live attempts in this queue */
	int32_t running_jobs;      /* the user's jobs here that hold resources */
	struct rm_job *head, *tail; /* the user's jobs with tasks to place, in leaf order */
	uint32_t blocked_stamp;    /* sched.c scratch: no job of this user can go this pass */
	struct qres pass_used;     /* sched.c scratch: used plus what this pass placed */
};

/* What a queue's configuration says (conf-queues.c fills it; queue.c copies it). */
struct queue_conf {
	double guar_pct[QR_N];      /* guaranteed share of the parent's, per resource, 0-100 */
	double max_pct[QR_N];       /* maximum share of the parent's, per resource, 0-100 */
	double weight;              /* > 0: share of what is left over beyond guarantees */
	int32_t max_running_jobs;   /* jobs holding resources at once; 0 = no limit */
	int32_t user_max_running_jobs; /* per user; 0 = no limit */
	double user_max_pct;        /* a user may hold this % of the queue's maximum; 100 = all */
	enum queue_state state;
	bool preemptable;           /* its attempts over its guarantee may be taken back */
	enum queue_order order;
};

struct rm_queue {
	char *name;                 /* the last component: "etl" */
	char *path;                 /* from the root: "root.prod.etl" */
	struct rm_queue *parent;    /* NULL for root */
	struct rm_queue **children;
	size_t nchildren;
	struct queue_conf c;
	/* derived by queue_tree_derive */
	double guar[QR_N], maxs[QR_N]; /* absolute fractions of the cluster */
	int depth;
	/* usage, kept by queue_charge / queue_release (the whole subtree's) */
	struct qres used;
	int32_t running_jobs;       /* jobs holding resources */
	int32_t pending_jobs;       /* jobs with tasks to place (leaf: its own; inner: subtree) */
	/* leaf only */
	struct queue_user **users;  /* by first appearance; jobs point at them, kept till freed */
	size_t nusers, capusers;
	/* scheduler state (sched.c, preempt.c) */
	struct qres pass_used;      /* used plus this pass's placements */
	uint32_t blocked_stamp;     /* nothing in this subtree can go this pass */
	bool starving;              /* leaf: a job waited for room (not for a limit) this pass */
	struct qres demand;         /* leaf: what its waiting jobs could use now, this pass */
	int64_t starved_since_us;   /* below guarantee with demand since; 0 = not */
	struct rm_job *resv_job;    /* leaf: the job holding this queue's reservation */
	/* counters for views and metrics */
	uint64_t preempted;         /* attempts taken back from this queue */
	uint64_t submitted;
};

struct queue_tree {
	struct rm_queue *root;
	struct rm_queue **leaves;   /* in depth-first order */
	size_t nleaves;
	struct rm_queue *dflt;      /* the default leaf for jobs that name none */
	struct rm_queue **all;      /* every queue, depth-first, root first */
	size_t nall;
};

/* ---- building (conf-queues.c uses these; tests build trees by hand) --------------- */

/* A tree with just "root" (100% guaranteed and maximum, weight 1, RUNNING). */
void queue_tree_init(struct queue_tree *t);
/* Adds a child of parent named name with configuration c; returns it. */
struct rm_queue *queue_add(struct queue_tree *t, struct rm_queue *parent, const char *name,
			   const struct queue_conf *c);
/* Defaults for a queue that says nothing: guaranteed 0, maximum 100, weight 1, no
 * limits, RUNNING, preemptable, order auto. */
void queue_conf_defaults(struct queue_conf *c);
/*
 * Fills leaves, all, depth and the absolute shares, and picks the default leaf (the one
 * named dflt, by path or last component; NULL or "": the only leaf, or "default").
 * Returns -1 with a message when the tree is wrong: children's guarantees over 100% of
 * their parent in some resource, a guarantee above the maximum, no or an unknown
 * default, two leaves sharing a name.
 */
int queue_tree_derive(struct queue_tree *t, const char *dflt, char *err, size_t errlen);
void queue_tree_free(struct queue_tree *t);

/* ---- lookups ---------------------------------------------------------------------- */

/* The queue by full path ("root.prod.etl") or, for leaves, by unique last component
 * ("etl"); "" means the default leaf. NULL when none. */
struct rm_queue *queue_find(const struct queue_tree *t, const char *name);
bool queue_is_leaf(const struct rm_queue *q);
/* The user's record in leaf q, created on first use. */
struct queue_user *queue_user_get(struct rm_queue *q, const char *user);

/* ---- usage (called where an attempt takes or gives back its node reservation) ------ */

/* A live attempt of job j took its reservation: charges j's leaf, its ancestors and its
 * user; the job counts as running from its first holding attempt. */
void queue_charge(struct rm_job *j);
void queue_release(struct rm_job *j);
/* Links j into (out of) its user's list of jobs with tasks to place, in leaf order
 * (priority desc, then id), and counts it pending along the path. job.c's queue calls. */
void queue_link_job(struct rm_job *j);
void queue_unlink_job(struct rm_job *j);

/* ---- fairness keys (sched.c orders children and users by these) ------------------- */

/* max over resources of used / (guar x total), or HUGE_VAL when the guarantee is 0. */
double queue_guar_ratio(const struct rm_queue *q, const struct qres *used,
			const struct qres *total);
/* used's dominant share of total divided by the weight. */
double queue_fair_key(const struct rm_queue *q, const struct qres *used,
		      const struct qres *total);
/* True when adding r to used keeps q within its maximum share of total. On false,
 * *which names the resource that would go over. */
bool queue_within_max(const struct rm_queue *q, const struct qres *used, const struct qres *r,
		      const struct qres *total, int *which);

#endif
