/*
 * The placement pass's private state, shared by the files that make it up:
 * sched.c (the pass, the walk over queues and users), sched-order.c (the order of a
 * queue's children and of a user's jobs), sched-unit.c (one unit of a job:
 * its limits, then its tasks), sched-node.c (node search, preferred nodes, delay
 * scheduling), sched-gang.c (gangs, reservations, EASY shadow times) and sched-reason.c
 * (the reasons a waiting job gives). Nothing outside them includes this header.
 */
#ifndef LOOM_RM_SCHED_PASS_H
#define LOOM_RM_SCHED_PASS_H

#include "core.h"

#define NOFIT_MAX 16
#define LOC_SCAN 64 /* unplaced tasks of a job that delay scheduling looks at */
#define SKY_BUCKETS 256

/* A queue's or a user's standing in one pass, found by pointer (sched.c). */
struct sched_slot {
	const void *key;
	uint32_t stamp;            /* the slot is empty unless this is the pass's stamp */
	int32_t new_running;       /* jobs that start running in this pass */
	int8_t loom;               /* leaf: -1 not known yet, 0 fifo, 1 loom order */
	bool sorted;               /* user under loom order: seg holds its jobs, sorted */
	struct rm_job *next;       /* user under fifo order: the first job not yet blocked */
	size_t seg, nseg, pos;     /* user under loom order: its jobs in scratch->sorted */
	bool kready;               /* inner queue: its children's order is in scratch->ckeys */
	size_t kseg, ohead, oend;  /* ... at kseg; [ohead, oend) not known to be blocked */
	bool resv_fresh;           /* reservation holder: made or moved this pass */
};

/* A child's place in its parent's order (sched.c): class 0 below its guarantee. */
struct sched_ckey {
	double key;
	int cls;
	int32_t idx; /* in the parent's children[] */
};

/* A task of a job chosen out of order in this pass (sched-unit.c). */
struct sched_chosen {
	const struct rm_job *job;
	int32_t task;
	uint32_t stamp;
};

/* Lookup tables and arrays kept between passes (sched_result.scratch). */
struct sched_scratch {
	struct sched_slot *slots;  /* open addressing, capslots a power of two */
	size_t capslots, nslots;
	uint32_t slots_stamp;
	int32_t *names;            /* node name hash: index in cl->nodes, -1 empty */
	size_t capnames, nnamed;   /* nnamed: cl->nnodes when it was built */
	struct sched_chosen *chosen;
	size_t capchosen, nchosen;
	uint32_t chosen_stamp;
	struct rm_job **sorted;
	size_t nsorted, capsorted;
	int32_t *unit;             /* a gang's tasks ... */
	size_t capunit;
	int32_t *unit_ix;          /* ... and their nodes in a trial */
	size_t capunit_ix;
	struct sched_rank *rank;   /* nodes ranked for a reservation */
	size_t caprank;
	struct sched_end *ends;    /* live attempts of a node by expected end */
	size_t capends;
	struct sched_ckey *ckeys;  /* children's keys of the inner queues walked this pass */
	size_t nckeys, capckeys;
	size_t *act;               /* indexes in out->nodes with vcores and memory free */
	size_t capact;
	long *actpos;              /* by index in out->nodes: its place in act, or -1 */
	size_t capactpos;
	struct sched_text *texts;  /* "no room" reasons formatted this pass, by shape */
};

#define TEXTS_CAP 64 /* a hash by shape; a shape that finds its place taken goes without */

struct sched_text {
	uint32_t stamp; /* of the pass that formatted it */
	int64_t vcores_m, mem_mb, gpus;
	char text[112];
};

struct sched_rank {
	size_t ix;
	int64_t now, ever; /* tasks that fit its free space now, its capacity */
};

struct sched_end {
	int64_t end_us; /* by its job's time limit */
	struct res res;
};

struct pass {
	struct cluster *cl;
	struct sched_result *out;
	struct sched_scratch *s;
	uint32_t stamp;
	int64_t now;
	struct res nofit[NOFIT_MAX]; /* shapes that fit on no node any more this pass */
	int nnofit;
	struct res everfit[NOFIT_MAX]; /* shapes some member node could hold (no labels) */
	int neverfit;
	int32_t members;             /* member nodes, for the exclusion fallback */
	size_t nlive;                /* nodes with something free */
	size_t nact;                 /* nodes in s->act */
	/* mem_by_v[b]: the most memory free on a node with at least b whole vcores free, as
	 * the pass started (placements only lower it: a filter that errs towards looking) */
	int64_t mem_by_v[SKY_BUCKETS];
	size_t cursor;               /* next fit: where the next search starts */
	int32_t nheld;               /* reservations marked in this pass */
};

/* How one attempt to place a unit ended. */
enum unit_result {
	UNIT_PLACED,  /* placements added */
	UNIT_DONE,    /* nothing left to place this pass */
	UNIT_LIMIT,   /* a dependency, limit or label holds it back (reason set) */
	UNIT_NOROOM,  /* no node has room now (reason set) */
};

/* sched.c */
struct sched_slot *sched_slot(struct pass *p, const void *key);
void sched_add_dep_failed(struct sched_result *out, struct rm_job *j, uint64_t bad);
/* Books a placement of task ti of j on out->nodes[ix] (free, usage, pass counts). */
void sched_place(struct pass *p, struct rm_job *j, int32_t ti, size_t ix);

/* sched-order.c */
/* The child of inner queue q to serve next, or NULL when all are blocked. */
struct rm_queue *sched_child_pick(struct pass *p, struct rm_queue *q);
/* c's usage grew: it moves back in its parent's order. */
void sched_child_moved(struct pass *p, struct rm_queue *c);
/* User u's first job in leaf q not blocked in this pass, in the leaf's order. */
struct rm_job *sched_pick_job(struct pass *p, struct rm_queue *q, struct queue_user *u);

/* sched-unit.c */
enum unit_result sched_unit(struct pass *p, struct rm_job *j);
/* The next task of j to place this pass (-1: none); *it is advanced past it. */
struct sched_it {
	size_t rq;
	int32_t cur;
};
void sched_it_start(struct pass *p, struct rm_job *j, struct sched_it *it);
int32_t sched_it_next(const struct pass *p, const struct rm_job *j, struct sched_it *it);
/* Marks task ti of j taken in this pass (in order when it is the head). */
void sched_it_take(struct pass *p, struct rm_job *j, int32_t ti);
bool sched_exclusion_strict(const struct pass *p, const struct rm_job *j);

/* sched-node.c */
/* True when out->nodes[ix] may take one task of j asking want now. */
bool sched_node_ok(const struct pass *p, const struct rm_job *j, size_t ix, bool strict,
		   const struct res *want);
/* Next fit from *cursor for task t of j: an index into out->nodes or -1. Avoids nodes
 * where t failed when it can; *resv_skipped tells whether a reservation was in the way. */
long sched_find_node(struct pass *p, const struct rm_job *j, const struct rm_task *t,
		     bool strict, size_t *cursor, bool *resv_skipped);
/* One task of a job that is not a gang (delay scheduling for preferred nodes). */
enum unit_result sched_single(struct pass *p, struct rm_job *j, bool strict);
/* The index in out->nodes of the node named name, or -1 (not schedulable this pass). */
long sched_node_named(struct pass *p, const char *name);

/* sched-gang.c */
enum unit_result sched_gang(struct pass *p, struct rm_job *j, bool strict);
/* Marks the nodes of every leaf's reservation (pass start). */
void sched_resv_mark(struct pass *p);
/* A job that waits for room: reserves nodes for it when its leaf has no reservation. */
void sched_resv_take(struct pass *p, struct rm_job *j, int64_t ntasks, bool strict);
/* No node has room now for ntasks of j (nfit of them fit): reason, starvation and
 * reservation. Returns UNIT_NOROOM. */
enum unit_result sched_no_room(struct pass *p, struct rm_job *j, int64_t nfit, int64_t ntasks,
			       bool strict);
/* j placed: its reservation is no longer needed. */
void sched_resv_drop(struct pass *p, struct rm_job *j);
/* True when out->nodes[ix], reserved for holder, keeps room for holder's part after
 * want is taken from it (EASY's extra resources). */
bool sched_resv_spare(const struct pass *p, const struct rm_job *holder, size_t ix,
		      const struct res *want);
/* True when j may take want from out->nodes[ix], reserved for holder: j is the holder,
 * the node keeps room for the holder's part, j ends before the shadow time (EASY
 * backfill), or j's leaf is below its guarantee and the holder's is not. */
bool sched_resv_allows(const struct pass *p, const struct rm_job *j,
		       const struct rm_job *holder, size_t ix, const struct res *want);
bool sched_below_guarantee(const struct pass *p, const struct rm_queue *q);

/* sched-reason.c */
/* Sets j's reason unless it already says that. */
void sched_reason(struct rm_job *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "no node has room for (2 vcores, 4096M) now", formatted once a pass per shape. */
void sched_reason_room(struct pass *p, struct rm_job *j);
/* "(2 vcores, 4096M)" */
char *sched_res_text(const struct res *r, char *buf, size_t len);
/* Appends ", reserved node-1, node-2 (free by 12:04:05)" style text for j's reservation. */
void sched_resv_text(const struct rm_job *j, char *buf, size_t len);
/* Records that j's leaf waits for room: starving, and its demand. */
void sched_starving(struct pass *p, struct rm_job *j, int64_t ntasks);

#endif
