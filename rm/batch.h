/*
 * Whole-node batch scheduling over one job queue: the policies of the published batch
 * scheduling tables (FCFS, SJF, F1; without backfilling, with the RLScheduler authors'
 * conservative backfilling, and textbook EASY), and Loom's own (batch-loom.c, with the
 * online estimate correction of batch-est.c). Pure and I/O-free: the driver (rmsim
 * with a virtual clock, later rmd with the real one) submits jobs, reports their ends
 * and calls batch_pass() after every event with the time; the pass says what starts.
 *
 * The queue and the running set are ordered lists that are re-sorted in place with a
 * stable sort, exactly as the reference simulator does, because ties in those orders
 * decide which job goes first and the published figures depend on them.
 */
#ifndef LOOM_RM_BATCH_H
#define LOOM_RM_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A job as the scheduler sees it. The driver owns it; times are in seconds. */
struct batch_job {
	int64_t submit; /* s: arrival time */
	int64_t req;    /* r: requested time (the user's estimate); never the real run time */
	int64_t procs;  /* n: processors asked for */
	int32_t nodes;  /* whole nodes it takes (at least 1) */
	int64_t start;  /* set by the pass that starts it; -1 while queued */
	double f1;      /* the F1 key, computed by batch_submit() */
	int64_t user;   /* who submitted it (-1 unknown): whose history corrects req */
	int64_t est;    /* loom: the corrected estimate (<= req), set at submit */
	double key;     /* loom: queue key of the last pass; while running, its expected end */
	size_t id;      /* the driver's handle; the scheduler does not read it */
};

/* One user's recent jobs, for the online estimate correction (batch-est.c). */
struct batch_user {
	int64_t user;   /* -1: free slot */
	double ratio[2]; /* actual / requested time of their last two finished jobs */
	int n;          /* how many of ratio[] are known (0..2) */
};

/* Per-user history: an open-addressing hash table, grown at half full. */
struct batch_est {
	struct batch_user *slot;
	size_t cap, n;
};

struct batch_policy;

struct batch {
	const struct batch_policy *pol;
	int32_t nodes, free;            /* machine size and nodes free now */
	struct batch_job **queue;       /* waiting jobs, in list order */
	size_t nqueue, capqueue;
	struct batch_job **run;         /* running jobs, in list order (see batch_finish) */
	size_t nrun, caprun;
	struct batch_job *head;         /* chosen head still waiting for nodes, or NULL */
	int64_t reserve;                /* its reservation time (conservative backfilling) */
	struct batch_job **started;     /* what the last pass started, in order */
	size_t nstarted, capstarted;
	struct batch_job **scratch;     /* merge buffer for the stable sorts */
	size_t capscratch;
	struct batch_est est;           /* what finished jobs taught (loom) */
};

/* Queue order: negative when a goes before b; 0 keeps the list order (stable). */
typedef int (*batch_cmp_fn)(const struct batch_job *a, const struct batch_job *b);

/* A policy: one row of batch_policies[]. */
struct batch_policy {
	const char *name;
	const char *help;
	batch_cmp_fn order;                           /* which queued job is the head */
	void (*pass)(struct batch *b, int64_t now);   /* strict, backfilling or EASY */
	/*
	 * False: the driver runs a pass after every single event, as the reference
	 * simulator of the published tables does. True: once per instant, after all the
	 * events at that time, as a discrete-event scheduler usually is (textbook EASY).
	 */
	bool per_instant;
};

extern const struct batch_policy batch_policies[];
extern const size_t batch_npolicies;
/* The policy called name, or NULL. */
const struct batch_policy *batch_policy_find(const char *name);

/* The queue orders, exported for tests and for policies built on them. */
int batch_cmp_fcfs(const struct batch_job *a, const struct batch_job *b);
int batch_cmp_sjf(const struct batch_job *a, const struct batch_job *b);
int batch_cmp_f1(const struct batch_job *a, const struct batch_job *b);
/* F1 (Carastan-Santos & de Camargo, SC'17): log10(r)*n + 870*log10(s), 0 read as 0.1. */
double batch_f1_key(int64_t submit, int64_t req, int64_t procs);

void batch_init(struct batch *b, const struct batch_policy *pol, int32_t nodes);
void batch_free(struct batch *b);
/* Appends j to the queue. j->nodes must be between 1 and b->nodes. */
void batch_submit(struct batch *b, struct batch_job *j);
/*
 * j ended at now: its nodes are free again, and its run time joins its user's history.
 * The running list keeps its order, so a driver that must pick among jobs ending at the
 * same instant takes the first in b->run, as the reference simulator does.
 */
void batch_finish(struct batch *b, struct batch_job *j, int64_t now);
/* Starts what the policy allows at time now; returns how many (listed in b->started). */
size_t batch_pass(struct batch *b, int64_t now);

/* ---- batch-backfill.c: the passes that start jobs out of order ---------------------- */

/* The RLScheduler authors' backfilling: conservative, reservation computed once. */
void batch_pass_greedy(struct batch *b, int64_t now);
/* Textbook EASY: shadow time and extra nodes re-evaluated at every pass. */
void batch_pass_easy(struct batch *b, int64_t now);

/* ---- batch-loom.c: Loom's default policy ----------------------------------------- */

/* EASY over the loom order, with corrected estimates and a bounded slack (see the file). */
void batch_pass_loom(struct batch *b, int64_t now);
/* The loom queue key of j at now: lower goes first. */
double batch_loom_key(const struct batch_job *j, int64_t now);

/* ---- batch-est.c: online runtime-estimate correction ------------------------------ */

/* Learns that one of user's jobs asked for req seconds and ran run. */
void batch_est_learn(struct batch_est *e, int64_t user, int64_t req, int64_t run);
/* The predicted run time of a new job of user asking for req (never above req). */
int64_t batch_est_predict(const struct batch_est *e, int64_t user, int64_t req);
void batch_est_free(struct batch_est *e);

/* Shared by the batch*.c files. */
void batch_sort(struct batch *b, struct batch_job **a, size_t n, batch_cmp_fn cmp);
void batch_start(struct batch *b, struct batch_job *j, int64_t now);
bool batch_fits(const struct batch *b, const struct batch_job *j);
/* Sets b->head to the first job in the policy's order unless one is chosen; false when
 * the queue is empty. */
bool batch_pick_head(struct batch *b);
/* Sorts the running list by estimated end (start + r) in place and returns the earliest
 * time at which j's nodes would be free if every job ran exactly as long as it asked;
 * *extra gets the nodes free beyond j's at that time. */
int64_t batch_shadow(struct batch *b, const struct batch_job *j, int64_t now, int32_t *extra);

#endif
