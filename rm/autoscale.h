/*
 * The autoscaler's policy (pure, rmcore): node pools, the nodes each pool started, and one
 * decision function from (cluster, time) to actions. It reads no clock and runs nothing;
 * rmd (autoscale-run.c) carries the actions out through hooks (hooks.c) and rm_node_drain,
 * and tells the policy how they ended, so the simulator can drive the very same code.
 *
 * A pool node goes STARTING (asked of a hook, not registered yet) -> UP (registered) ->
 * DRAINING (idle past idle_timeout, drained through rm_node_drain) -> RELEASING (the remove
 * hook runs) -> forgotten. A STARTING node that does not register within start_timeout
 * is given up (RELEASING) so that its demand is asked again.
 */
#ifndef LOOM_RM_AUTOSCALE_H
#define LOOM_RM_AUTOSCALE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "resource.h"

#define AS_TEXT_MAX 256

struct as_pool_conf {
	char *name;
	char **labels;          /* NULL-terminated; handed to the hook (its nodes' labels) */
	struct res node;        /* the resources of one node of the pool */
	int32_t min, max, max_step;
	int64_t grow_delay_us, idle_timeout_us, cooldown_us, start_timeout_us;
	char *hook;             /* executable: hook add POOL COUNT | hook remove POOL NODE... */
	int64_t hook_timeout_us;
	int32_t hook_retries;   /* runs after the first failed one */
};

enum as_node_state { ASN_STARTING, ASN_UP, ASN_DRAINING, ASN_RELEASING, ASN_STATE_MAX };
extern const char *const as_node_state_names[ASN_STATE_MAX];

struct as_node {
	char *name;
	enum as_node_state state;
	int64_t since_us;       /* when it entered its state (STARTING: when it was asked for) */
	int64_t idle_since_us;  /* UP: the last time it had live attempts (or came up) */
};

struct as_pool {
	struct as_pool_conf c;
	struct as_node *nodes;
	size_t nnodes, capnodes;
	int32_t requested;       /* asked of add hooks still running (names not known yet) */
	int64_t demand_since_us; /* pending demand unmet by running and starting nodes; 0: none */
	int64_t last_action_us;  /* the last grow or drain (cooldown) */
	int64_t hold_until_us;   /* an add failed for good: no new ask before this (cooldown) */
	int32_t demand_tasks;    /* of the last decision: tasks waiting that this pool fits */
	int32_t demand_nodes;    /* ... and the nodes they need, bin-packed */
	char decision[AS_TEXT_MAX];
	int64_t decision_us;
	char hook_result[AS_TEXT_MAX];
	int64_t hook_us;
	uint64_t grows, drains, releases, giveups, hook_failures;
};

struct as_state {
	struct as_pool *pools;
	size_t npools;
};

enum as_kind { AS_ADD, AS_DRAIN, AS_REMOVE, AS_KIND_MAX };
extern const char *const as_kind_names[AS_KIND_MAX];

struct as_action {
	enum as_kind kind;
	size_t pool;
	int32_t count;          /* AS_ADD: nodes to ask for */
	char *node;             /* AS_DRAIN, AS_REMOVE: owned copy of the node's name */
	char reason[AS_TEXT_MAX];
};

struct as_result {
	struct as_action *a;
	size_t n, cap;
};

/* ---- autoscale.c ------------------------------------------------------------------ */

void as_pool_conf_free(struct as_pool_conf *c);
void as_state_free(struct as_state *s);
void as_result_reset(struct as_result *r);
void as_result_free(struct as_result *r);

/* Nodes of size node that n tasks of res need, first-fit over bins (free[] of cap bins,
 * *nbins used so far); returns the bins used after, or cap + 1 when they do not fit. */
int32_t as_binpack(struct res *bins, int32_t nbins, int32_t cap, const struct res *node,
		   const struct res *res, int64_t n);
/* The first pool whose node fits spec's res and whose labels satisfy its required and
 * excluded labels (labels_ok), or -1. */
int as_pool_for(const struct as_state *s, const struct job_spec *spec);
/* For refusals: the first pool whose node fits spec's res (*pool, -1 when none) and the
 * first of spec's labels its nodes' labels do not satisfy (labels_unmet), or NULL. */
const char *as_pool_unmet(const struct as_state *s, const struct job_spec *spec, int *pool);
/* The pool that started node `name`, or NULL (then *idx is untouched). */
struct as_pool *as_node_pool(struct as_state *s, const char *name, size_t *idx);

/*
 * One decision at time now: follows the pool nodes' registration and drain, asks for
 * nodes for the pending demand (grow_delay, max, max_step, nodes starting counted),
 * drains idle nodes (idle_timeout, min, cooldown) and gives up nodes not registered
 * within start_timeout. Fills out (reset first); changes only s and pending jobs' reasons.
 */
void as_decide(struct as_state *s, struct cluster *cl, int64_t now, struct as_result *out);
/* An add hook for `asked` nodes of pool p ended: names[0..n) are starting (asked at
 * asked_us); ok false means it failed for good and the demand will be asked again. */
void as_add_done(struct as_pool *p, int32_t asked, char **names, size_t n, int64_t asked_us);
/* The remove hook for node name ended (either way): the pool forgets it. */
void as_released(struct as_pool *p, const char *name);
/* Why a pool node is not being released now; "" when it is (draining or releasing). */
void as_node_why(const struct as_pool *p, const struct as_node *an, const struct cluster *cl,
		 int64_t now, char *buf, size_t len);
/* Counts of the pool's nodes by state (STARTING includes requested). */
void as_pool_counts(const struct as_pool *p, int32_t counts[ASN_STATE_MAX]);

#endif
