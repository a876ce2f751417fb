/*
 * Node failures, the pure half (rmcore): when a silent node is declared dead (fixed expiry
 * or phi accrual), when a node whose attempts keep failing is excluded (for one job, or
 * for the whole cluster for a cool-down), what the agent's health check makes of a node,
 * and draining a node before it is decommissioned. core.h embeds the small structs below
 * in its records; the functions take the cluster and its time, and do no I/O.
 */
#ifndef LOOM_RM_FAILURES_H
#define LOOM_RM_FAILURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cluster;
struct rm_node;
struct rm_job;
struct rm_attempt;

/* ---- detect.c: is a silent node dead? -------------------------------------------- */

enum detector_kind { DETECT_EXPIRY, DETECT_PHI };

#define DETECT_WINDOW_MAX 10000

struct detect_conf {
	enum detector_kind kind;
	int64_t expiry_ms;    /* expiry: silence longer than this is death */
	double phi_threshold; /* phi: suspicion at or above this is death */
	int32_t window;       /* phi: inter-arrival samples kept (2 .. DETECT_WINDOW_MAX) */
	int64_t min_std_ms;   /* phi: floor of the standard deviation */
	int64_t pause_ms;     /* phi: acceptable pause, added to the mean interval */
	int64_t first_ms;     /* phi: the interval expected before any sample (heartbeat) */
};

/* Heartbeat arrivals of one node: a ring of inter-arrival times with running sums. */
struct hb_history {
	int32_t *iv;          /* malloc'd on the first sample, window entries */
	int32_t n, head, cap;
	double sum, sumsq;
	int64_t last_ms;      /* monotonic time of the last heartbeat, 0 = none yet */
};

/* Records a heartbeat that arrived at now_ms. */
void detect_arrival(struct hb_history *h, const struct detect_conf *c, int64_t now_ms);
/* Forgets every sample (a node that was lost starts afresh when it returns). */
void detect_reset(struct hb_history *h);
void detect_free(struct hb_history *h);
/* Phi (-log10 of the probability that a heartbeat is still to come) after silence since
 * last_ms; 0 when there are no samples yet. */
double detect_phi(const struct hb_history *h, const struct detect_conf *c, int64_t silent_ms);
/* True when a node last heard from at last_seen_ms is dead at now_ms; why says so. */
bool detect_dead(const struct hb_history *h, const struct detect_conf *c,
		 int64_t last_seen_ms, int64_t now_ms, char *why, size_t len);
/* "expiry" or "phi" -> kind; -1 for anything else. */
int detect_kind_parse(const char *s);

/* ---- nodehealth.c: exclusion, health verdicts, node state from both ---------------- */

struct fail_conf {
	struct detect_conf det;
	int32_t job_node_failures;  /* a job's failures on one node that exclude it; 0 = off */
	int32_t node_failures;      /* failures on one node, any job, that exclude it; 0 = off */
	int64_t node_failure_window_us;
	int64_t node_cooldown_us;   /* how long a cluster-wide exclusion lasts */
	int64_t drain_timeout_us;   /* default time a drain waits before moving attempts */
};

/* Per node: what failures and health say about it. */
struct node_health {
	struct hb_history hb;
	bool agent_unhealthy;       /* the agent's health check failed */
	char *agent_reason;         /* its text (malloc'd), NULL when healthy */
	int64_t *fail_us;           /* ring of the last node_failures failure times */
	int32_t nfail, fail_head;
	int64_t excluded_until_us;  /* cluster-wide exclusion ends then; 0 = not excluded */
	char *excluded_reason;      /* "excluded: 10 attempt failures in 5m" */
	int64_t drain_deadline_us;  /* DRAINING: live attempts are moved after this */
};

/* Per job and node: failures of the job's attempts there. */
struct job_excl {
	struct rm_node *node;
	int32_t failures;
	bool excluded;              /* failures reached job_node_failures */
};

/* An attempt of a job failed on its node: counts it for the job and for the node, and
 * excludes the node (for the job, or cluster-wide) when a limit is reached. */
void failures_attempt_failed(struct cluster *cl, struct rm_attempt *a);
/* True when placement must skip n for j (see nodehealth.c for the fallback). */
bool job_node_excluded(const struct rm_job *j, const struct rm_node *n);
/* The number of nodes excluded for j. */
int32_t job_excluded_count(const struct rm_job *j);
void job_excl_free(struct rm_job *j);
/* The agent's health check said healthy or not (reason: its text). */
void node_health_report(struct cluster *cl, struct rm_node *n, bool healthy,
			const char *reason);
/* Moves n between RUNNING and UNHEALTHY to match its health and exclusion. */
void node_health_apply(struct cluster *cl, struct rm_node *n);
void node_health_free(struct node_health *h);

/* ---- drain.c: no new work, attempts finish or move, then DECOMMISSIONED ------------ */

/*
 * Drains n: it takes no new work; its running attempts may finish for timeout_ms (< 0:
 * the configured drain_timeout), then those still running are killed and placed again
 * without counting as failures; once none is left the node is DECOMMISSIONED. A LOST node
 * is decommissioned at once. Returns -1 with err for a node that cannot be drained.
 * This is the path the autoscaler takes to release a node.
 */
int rm_node_drain(struct cluster *cl, struct rm_node *n, int64_t timeout_ms, const char *reason,
		  char *err, size_t errlen);
/* A DRAINING node takes work again. -1 with err for any other state. */
int rm_node_undrain(struct cluster *cl, struct rm_node *n, char *err, size_t errlen);
/* Periodic (rmd's cron, the simulator's clock): drains that finished or timed out,
 * exclusions whose cool-down is over. */
void nodes_failures_tick(struct cluster *cl);

#endif
