/*
 * Cluster events: what changed, when, to what (a node lost, a job finished, an attempt
 * placed or failed). The state setters report every change here with one call each; the
 * core stays free of clocks and sockets because it only hands the event to a sink that
 * the driver installs (rmd stamps it, keeps it in a bounded ring and streams it to
 * subscribers; the simulator and the unit tests may install none).
 *
 * Why a process-wide sink rather than a field of struct cluster: the node and attempt
 * setters do not receive the cluster, and one process drives one cluster.
 */
#ifndef LOOM_RM_EVENTS_H
#define LOOM_RM_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "id.h"
#include "proto.h"

struct rm_node;
struct rm_attempt;

enum cev_kind {
	CEV_JOB_SUBMITTED,  /* a job was accepted */
	CEV_JOB_STATE,      /* a job changed state */
	CEV_NODE_STATE,     /* a node changed state (registered, lost, drained ...) */
	CEV_ATTEMPT_PLACED, /* an attempt was placed on a node */
	CEV_ATTEMPT_STATE,  /* an attempt changed state (running, failed, lost ...) */
	CEV_SNAPSHOT,       /* not a change: marks the end of a subscriber's backlog */
	CEV_AUTOSCALE,      /* an autoscaler decision or hook outcome (id: the pool) */
	CEV_ATTEMPT_PREEMPTED, /* an attempt is being killed to give its queue's room back */
	CEV_ATTEMPT_TIMED_OUT, /* an attempt is being killed at its job's time limit */
	CEV_KIND_MAX
};
extern const char *const cev_kind_names[CEV_KIND_MAX];

#define CEV_TEXT_MAX 256

struct cluster_event {
	uint64_t seq;             /* 1, 2, 3 ... in the order of the changes */
	int64_t time_us;          /* wall clock, stamped by the sink */
	enum cev_kind kind;
	char id[ID_BUFSZ];        /* job-4, job-4.t2.a1, or the node's name */
	char node[PROTO_NAME_MAX];/* the node involved, "" if none */
	char from[16], to[16];    /* state names; "" when not a transition */
	char text[CEV_TEXT_MAX];  /* the reason, for people (truncated) */
};

/* ---- emission (called by the setters) --------------------------------------------- */

typedef void (*cev_sink_fn)(void *arg, struct cluster_event *ev);
/* Installs the sink (NULL: events are dropped). ev is only valid during the call. */
void cev_set_sink(cev_sink_fn fn, void *arg);
/* Sees the records themselves, before the change is made (a->state and n->state are
 * still the old ones): rmd's frameworks (framework.c) turn their containers' changes
 * into container events. NULL: none. */
struct cev_observer {
	void (*attempt)(void *arg, enum cev_kind kind, const struct rm_attempt *a, int to,
			const char *reason);
	void (*node)(void *arg, const struct rm_node *n, int to, const char *reason);
	void *arg;
};
void cev_set_observer(const struct cev_observer *o);
void cev_node(const struct rm_node *n, int to, const char *reason);
void cev_job(enum cev_kind kind, uint64_t job, int from, int to, const char *reason);
void cev_attempt(enum cev_kind kind, const struct rm_attempt *a, int to, const char *reason);
/* what: "add", "drain", "remove", "hook_ok", "hook_failed" ...; node may be NULL. */
void cev_autoscale(const char *pool, const char *node, const char *what, const char *text);

/* ---- the ring: the last cap events, oldest dropped first ----------------------------- */

struct cev_ring {
	struct cluster_event *ev;
	size_t cap;
	uint64_t first;    /* seq of the oldest kept event */
	uint64_t last;     /* seq of the newest event (0: none yet) */
};

void cev_ring_init(struct cev_ring *r, size_t cap);
void cev_ring_free(struct cev_ring *r);
/* Copies ev in with the next seq (also written back to ev->seq); drops the oldest. */
void cev_ring_push(struct cev_ring *r, struct cluster_event *ev);
/* The event with this seq, or NULL when it was dropped or has not happened. */
const struct cluster_event *cev_ring_get(const struct cev_ring *r, uint64_t seq);

#endif
