/*
 * Messages from node agents: registration (with the adoption of attempts an agent kept
 * while it was away), heartbeats, attempt status and commit results; and the two ways a
 * node leaves: its connection closes (it stays a member until expiry) or it expires.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "rm.h"
#include "timeutil.h"
#include "xmalloc.h"

/* The node registered on p's connection, or NULL after answering ERR_NOT_ALLOWED. */
static struct rm_node *registered(struct peer *p, uint64_t id)
{
	struct conn *c = peer_data(p);

	if (c->node == NULL)
		peer_send_error(p, id, ERR_NOT_ALLOWED, "t", "node_register must come first");
	return c->node;
}

/* Takes the node's connection away from it (the old one when replaced, or on loss). */
static void detach_peer(struct rm_node *n, const char *why)
{
	struct peer *old = n->peer;

	if (old == NULL)
		return;
	n->peer = NULL;
	((struct conn *)peer_data(old))->node = NULL;
	peer_close(old, why);
}

/* Copies what the agent says about itself onto the record. */
static void node_facts(struct rm_node *n, const struct msg_node_register *m)
{
	free(n->host);
	n->host = xstrdup(m->host);
	n->capacity = m->capacity;
	mpr_strv_free(n->labels);
	n->labels = xcalloc((size_t)m->nlabels + 1, sizeof(*n->labels));
	for (int i = 0; i < m->nlabels; i++)
		n->labels[i] = xstrdup(m->labels[i]);
	n->nlabels = m->nlabels;
}

/*
 * The agent lists the attempts it still has. Those rmd owns on this node are adopted and
 * their reports applied; the others are killed. Live attempts the agent did not list
 * are gone (never launched, or lost with the agent) and become LOST.
 */
static void adopt(struct rmd *rmd, struct rm_node *n, const struct msg_node_register *m)
{
	struct rm_attempt *a, *next;
	char why[PROTO_REASON_MAX];

	for (int i = 0; i < m->nattempts; i++) {
		a = cluster_attempt(&rmd->cl, &m->attempts[i].id);
		if (a == NULL || a->recovered) /* kept running through a restart of rmd */
			a = recover_adopt(rmd, n, &m->attempts[i].id);
		if (a != NULL && attempt_live(a) && a->node == n)
			a->mark = true;
		else
			place_send_kill(rmd, n, &m->attempts[i].id,
					"not owned by the resource manager",
					rmd->conf.kill_grace_ms);
	}
	snprintf(why, sizeof(why), "not reported by %s when it registered again", n->name);
	for (a = n->live_head; a != NULL; a = next) {
		next = a->node_next;
		if (!a->mark && a->state != ATT_ALLOCATED) /* nothing runs in an allocated one */
			outcome_ended(&rmd->cl, a, ATT_LOST, why);
	}
	for (int i = 0; i < m->nattempts; i++) {
		a = cluster_attempt(&rmd->cl, &m->attempts[i].id);
		if (a == NULL || !a->mark)
			continue;
		a->mark = false;
		if (!attempt_live(a)) /* ended meanwhile, e.g. its job failed */
			continue;
		if (a->kill_sent) /* stopped before the restart: the grace it had */
			place_send_kill(rmd, n, &a->id, a->reason, place_kill_grace(rmd, a));
		outcome_report(&rmd->cl, a, &m->attempts[i]);
	}
}

/* Moves a registering node into RUNNING (from NEW or LOST). */
static void node_up(struct rm_node *n, struct conn *c)
{
	if (n->state == NODE_NEW)
		node_set_state(n, NODE_RUNNING, "registered");
	else if (n->state == NODE_LOST)
		node_set_state(n, NODE_RUNNING, "re-registered");
	else
		log_info("node", "%s registered again from %s (%s)", n->name, peer_desc(c->peer),
			 node_state_names[n->state]);
}

void msg_node_register(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct conn *c = peer_data(p);
	struct msg_node_register m;
	struct mpr_err e;

	if (msg_decode_node_register(obj, &m, &e) < 0) {
		reply_bad(p, id, &e);
		return;
	}
	struct rm_node *n = cluster_find_node(&rmd->cl, m.name);
	if (c->node != NULL && c->node != n) {
		peer_send_error(p, id, ERR_CONFLICT, "name", "this connection registered as %s",
				c->node->name);
	} else if (n != NULL && n->state == NODE_DECOMMISSIONED) {
		peer_send_error(p, id, ERR_REJECTED, "name", "node %s is decommissioned", m.name);
	} else {
		if (n == NULL)
			n = cluster_add_node(&rmd->cl, m.name);
		if (n->peer != p)
			detach_peer(n, "replaced by a new registration of the node");
		n->peer = p;
		c->node = n;
		node_facts(n, &m);
		n->last_seen_ms = mono_ms();
		n->registered_us = wall_us();
		node_up(n, c);
		struct mpw *w = reply_begin(rmd, id, 3);
		mpw_kstr(w, "node", n->name);
		mpw_kint(w, "heartbeat_ms", rmd->conf.heartbeat_interval_ms);
		mpw_kint(w, "expiry_ms", rmd->conf.node_expiry_ms);
		reply_send(rmd, p);
		adopt(rmd, n, &m);
		recover_node_registered(rmd);
		rmd_later(rmd, LATER_SCHED);
	}
	msg_node_register_free(&m);
}

void msg_node_heartbeat(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct rm_node *n = registered(p, id);
	struct msg_node_heartbeat m;
	struct mpr_err e;

	if (n == NULL)
		return;
	if (msg_decode_node_heartbeat(obj, &m, &e) < 0) {
		reply_bad(p, id, &e);
		return;
	}
	n->last_seen_ms = mono_ms();
	n->hb_seq = m.seq;
	n->reported_used = m.used;
	n->mem_used_mb = m.mem_used_mb;
	n->load1 = m.load1;
	health_heartbeat(rmd, n, &m);
	for (int i = 0; i < m.nattempts; i++) {
		struct rm_attempt *a = cluster_attempt(&rmd->cl, &m.attempts[i].id);
		if (a == NULL || a->node != n || !attempt_live(a))
			continue;
		if (m.attempts[i].progress >= 0)
			a->progress = m.attempts[i].progress;
		a->rss_mb = m.attempts[i].rss_mb;
	}
	msg_node_heartbeat_free(&m);
}

/* The live attempt named in a report from node n, or NULL (answered or ignored). */
static struct rm_attempt *reported_attempt(struct rmd *rmd, struct peer *p, uint64_t id,
					   struct rm_node *n, const struct loom_id *aid)
{
	struct rm_attempt *a = cluster_attempt(&rmd->cl, aid);
	char s[ID_BUFSZ];

	id_format(aid, s, sizeof(s));
	if (a == NULL) {
		log_warn("attempt", "%s reported unknown attempt %s", n->name, s);
		peer_send_error(p, id, ERR_NOT_FOUND, "attempt", "attempt %s not found", s);
		return NULL;
	}
	if (a->node != n) {
		log_warn("attempt", "%s reported %s, which was placed on %s", n->name, s,
			 a->node->name);
		peer_send_error(p, id, ERR_CONFLICT, "attempt", "%s was placed on %s", s,
				a->node->name);
		return NULL;
	}
	if (!attempt_live(a)) {
		log_debug("attempt", "%s: report from %s after it ended (%s); ignored", s, n->name,
			  attempt_state_names[a->state]);
		return NULL;
	}
	return a;
}

void msg_attempt_status(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct rm_node *n = registered(p, id);
	struct msg_attempt_status m;
	struct mpr_err e;
	struct rm_attempt *a;

	if (n == NULL)
		return;
	if (msg_decode_attempt_status(obj, &m, &e) < 0) {
		reply_bad(p, id, &e);
		return;
	}
	n->last_seen_ms = mono_ms();
	if ((a = reported_attempt(rmd, p, id, n, &m.r.id)) != NULL)
		outcome_report(&rmd->cl, a, &m.r);
}

void msg_attempt_committed(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct rm_node *n = registered(p, id);
	struct msg_attempt_committed m;
	struct mpr_err e;
	struct rm_attempt *a;

	if (n == NULL)
		return;
	if (msg_decode_attempt_committed(obj, &m, &e) < 0) {
		reply_bad(p, id, &e);
		return;
	}
	n->last_seen_ms = mono_ms();
	if ((a = reported_attempt(rmd, p, id, n, &m.id)) == NULL)
		return;
	if (m.commit && !m.ok && m.already)
		outcome_already_committed(&rmd->cl, a);
	else
		outcome_committed(&rmd->cl, a, m.commit, m.ok, m.reason);
}

void node_disconnected(struct rmd *rmd, struct conn *c, const char *why)
{
	struct rm_node *n = c->node;

	c->node = NULL;
	if (n->peer != c->peer)
		return;
	n->peer = NULL;
	log_info("node", "%s disconnected (%s); takes no work until it registers again",
		 n->name, why);
}

void nodes_check_expiry(struct rmd *rmd)
{
	int64_t now = mono_ms();
	char why[96];

	for (size_t i = 0; i < rmd->cl.nnodes; i++) {
		struct rm_node *n = rmd->cl.nodes[i];
		if (!node_member(n) ||
		    !detect_dead(&n->health.hb, &rmd->cl.fc.det, n->last_seen_ms, now, why,
				 sizeof(why)))
			continue;
		detach_peer(n, why);
		node_lost(&rmd->cl, n, why);
	}
}
