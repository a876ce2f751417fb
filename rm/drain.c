/*
 * Draining a node (pure, rmcore): DRAINING takes no new work while its attempts finish;
 * after the drain timeout the attempts still starting or running are killed and their
 * tasks placed elsewhere, as KILLED (never counted against max attempts, like LOST);
 * with no live attempt left the node is DECOMMISSIONED. Attempts already committing
 * are left to finish, so that a partition is never committed twice. rmctl drain and,
 * later, the autoscaler's release both come through rm_node_drain.
 */
#include <stdio.h>

#include "core.h"
#include "log.h"

/* DECOMMISSIONED once empty; moves what still runs once the deadline passed. */
static void drain_check(struct cluster *cl, struct rm_node *n, int64_t now)
{
	struct rm_attempt *a, *next;
	char why[PROTO_REASON_MAX];

	if (n->state != NODE_DRAINING)
		return;
	if (n->nlive > 0 && now >= n->health.drain_deadline_us) {
		snprintf(why, sizeof(why), "node %s drained: drain timeout passed; moved elsewhere",
			 n->name);
		for (a = n->live_head; a != NULL; a = next) {
			next = a->node_next;
			if (a->state == ATT_COMMITTING)
				continue;
			attempt_kill(cl, a, why);
			outcome_ended(cl, a, ATT_KILLED, why);
		}
	}
	if (n->nlive == 0 &&
	    node_set_state(n, NODE_DECOMMISSIONED, "drained: no attempts left") == 0)
		cluster_journal(cl, JOURNAL_NODE_DECOMMISSIONED, n); /* survives a restart */
}

int rm_node_drain(struct cluster *cl, struct rm_node *n, int64_t timeout_ms, const char *reason,
		  char *err, size_t errlen)
{
	char why[PROTO_REASON_MAX];
	int64_t now = cluster_now(cl);
	int64_t tmo = timeout_ms < 0 ? cl->fc.drain_timeout_us : timeout_ms * 1000;

	switch (n->state) {
	case NODE_RUNNING:
	case NODE_UNHEALTHY:
		snprintf(why, sizeof(why), "draining: %s", reason);
		node_set_state(n, NODE_DRAINING, why);
		break;
	case NODE_DRAINING:
		log_info("node", "%s: %s drained again; the new timeout applies", __func__, n->name);
		break;
	case NODE_LOST:
		snprintf(why, sizeof(why), "drained while lost: %s", reason);
		if (node_set_state(n, NODE_DECOMMISSIONED, why) == 0)
			cluster_journal(cl, JOURNAL_NODE_DECOMMISSIONED, n);
		return 0;
	default:
		snprintf(err, errlen, "node %s is %s and cannot be drained", n->name,
			 node_state_names[n->state]);
		return -1;
	}
	n->health.drain_deadline_us = now + tmo;
	drain_check(cl, n, now);
	return 0;
}

int rm_node_undrain(struct cluster *cl, struct rm_node *n, char *err, size_t errlen)
{
	if (n->state != NODE_DRAINING) {
		snprintf(err, errlen, "node %s is %s, not DRAINING", n->name,
			 node_state_names[n->state]);
		return -1;
	}
	node_set_state(n, NODE_RUNNING, "drain cancelled");
	n->health.drain_deadline_us = 0;
	node_health_apply(cl, n); /* unhealthy or excluded meanwhile: says so at once */
	cl->ops->schedule(cl->arg);
	return 0;
}

/* A cluster-wide exclusion whose cool-down is over. */
static void cooldown_check(struct cluster *cl, struct rm_node *n, int64_t now)
{
	if (n->health.excluded_until_us == 0 || now < n->health.excluded_until_us)
		return;
	log_info("node", "%s: cool-down of its exclusion is over", n->name);
	n->health.excluded_until_us = 0;
	node_health_apply(cl, n);
}

void nodes_failures_tick(struct cluster *cl)
{
	int64_t now = cluster_now(cl);

	for (size_t i = 0; i < cl->nnodes; i++) {
		drain_check(cl, cl->nodes[i], now);
		cooldown_check(cl, cl->nodes[i], now);
	}
}
