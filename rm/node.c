/*
 * Node records: one per node name, kept for the life of the daemon, with the one state
 * setter and the loss of a node (its attempts become LOST and their tasks wait again).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "events.h"
#include "log.h"
#include "xmalloc.h"

const char *const node_state_names[NODE_STATE_MAX] = {
	[NODE_NEW] = "NEW",
	[NODE_RUNNING] = "RUNNING",
	[NODE_UNHEALTHY] = "UNHEALTHY",
	[NODE_DRAINING] = "DRAINING",
	[NODE_DECOMMISSIONED] = "DECOMMISSIONED",
	[NODE_LOST] = "LOST",
};

/* legal[from] is the bit set of states reachable from it. */
#define B(s) (1u << (s))
static const unsigned node_legal[NODE_STATE_MAX] = {
	[NODE_NEW] = B(NODE_RUNNING) | B(NODE_LOST),
	[NODE_RUNNING] = B(NODE_UNHEALTHY) | B(NODE_DRAINING) | B(NODE_DECOMMISSIONED) |
			 B(NODE_LOST),
	[NODE_UNHEALTHY] = B(NODE_RUNNING) | B(NODE_DRAINING) | B(NODE_DECOMMISSIONED) |
			   B(NODE_LOST),
	[NODE_DRAINING] = B(NODE_RUNNING) | B(NODE_DECOMMISSIONED) | B(NODE_LOST),
	[NODE_DECOMMISSIONED] = 0,
	[NODE_LOST] = B(NODE_RUNNING) | B(NODE_DECOMMISSIONED),
};
#undef B

bool node_transition_legal(enum node_state from, enum node_state to)
{
	if ((unsigned)from >= NODE_STATE_MAX || (unsigned)to >= NODE_STATE_MAX)
		return false;
	return (node_legal[from] & (1u << to)) != 0;
}

int node_set_state_(struct rm_node *n, enum node_state s, const char *reason,
		    const char *caller)
{
	if (!node_transition_legal(n->state, s)) {
		log_error("node", "%s: illegal transition of %s: %s -> %s (%s)", caller, n->name,
			  node_state_names[n->state], node_state_names[s], reason);
		assert(!"illegal node state transition");
		return -1;
	}
	log_info("node", "%s: %s %s -> %s: %s", caller, n->name, node_state_names[n->state],
		 node_state_names[s], reason);
	cev_node(n, s, reason);
	n->state = s;
	free(n->reason);
	n->reason = xstrdup(reason);
	return 0;
}

struct rm_node *cluster_find_node(const struct cluster *cl, const char *name)
{
	for (size_t i = 0; i < cl->nnodes; i++)
		if (strcmp(cl->nodes[i]->name, name) == 0)
			return cl->nodes[i];
	return NULL;
}

struct rm_node *cluster_add_node(struct cluster *cl, const char *name)
{
	struct rm_node *n = xcalloc(1, sizeof(*n));

	n->name = xstrdup(name);
	n->host = xstrdup("");
	n->reason = xstrdup("registering");
	n->state = NODE_NEW;
	n->labels = xcalloc(1, sizeof(*n->labels));
	cl->nodes = xgrow(cl->nodes, &cl->capnodes, cl->nnodes + 1, sizeof(*cl->nodes));
	cl->nodes[cl->nnodes++] = n;
	return n;
}

bool node_schedulable(const struct rm_node *n)
{
	return n->state == NODE_RUNNING && n->peer != NULL;
}

bool node_member(const struct rm_node *n)
{
	return n->state != NODE_LOST && n->state != NODE_DECOMMISSIONED;
}

static bool has_label(char *const *labels, const char *label)
{
	for (size_t i = 0; labels != NULL && labels[i] != NULL; i++)
		if (strcmp(labels[i], label) == 0)
			return true;
	return false;
}

static bool node_has_label(const struct rm_node *n, const char *label)
{
	return has_label(n->labels, label);
}

const char *labels_unmet(char *const *labels, const struct job_spec *s)
{
	for (int i = 0; s->require_labels != NULL && i < s->nrequire_labels; i++)
		if (!has_label(labels, s->require_labels[i]))
			return s->require_labels[i];
	for (int i = 0; s->exclude_labels != NULL && i < s->nexclude_labels; i++)
		if (has_label(labels, s->exclude_labels[i]))
			return s->exclude_labels[i];
	return NULL;
}

bool labels_ok(char *const *labels, const struct job_spec *s)
{
	return labels_unmet(labels, s) == NULL;
}

bool node_labels_ok(const struct rm_node *n, const struct job_spec *s)
{
	return labels_ok(n->labels, s);
}

const char *job_missing_label(const struct cluster *cl, const struct job_spec *s,
			      bool *nomatch)
{
	bool any = false, match = false;

	for (size_t k = 0; k < cl->nnodes; k++) {
		if (!node_member(cl->nodes[k]))
			continue;
		any = true;
		match = match || node_labels_ok(cl->nodes[k], s);
	}
	*nomatch = any && !match;
	for (int i = 0; any && s->require_labels != NULL && i < s->nrequire_labels; i++) {
		bool found = false;
		for (size_t k = 0; k < cl->nnodes && !found; k++)
			found = node_member(cl->nodes[k]) &&
				node_has_label(cl->nodes[k], s->require_labels[i]);
		if (!found)
			return s->require_labels[i];
	}
	return NULL;
}

void node_link_attempt(struct rm_node *n, struct rm_attempt *a)
{
	a->node_prev = NULL;
	a->node_next = n->live_head;
	if (n->live_head != NULL)
		n->live_head->node_prev = a;
	n->live_head = a;
	n->nlive++;
}

void node_unlink_attempt(struct rm_node *n, struct rm_attempt *a)
{
	if (a->node_prev != NULL)
		a->node_prev->node_next = a->node_next;
	else if (n->live_head == a)
		n->live_head = a->node_next;
	else
		return; /* not linked */
	if (a->node_next != NULL)
		a->node_next->node_prev = a->node_prev;
	a->node_prev = a->node_next = NULL;
	n->nlive--;
}

void node_lost(struct cluster *cl, struct rm_node *n, const char *reason)
{
	char why[PROTO_REASON_MAX];

	if (node_set_state(n, NODE_LOST, reason) < 0)
		return;
	detect_reset(&n->health.hb); /* if it returns, its silence is no sample */
	snprintf(why, sizeof(why), "node %s lost: %s", n->name, reason);
	while (n->live_head != NULL)
		outcome_ended(cl, n->live_head, ATT_LOST, why);
	cl->ops->schedule(cl->arg);
}

void node_free(struct rm_node *n)
{
	if (n == NULL)
		return;
	free(n->name);
	free(n->host);
	free(n->reason);
	mpr_strv_free(n->labels);
	node_health_free(&n->health);
	free(n);
}
