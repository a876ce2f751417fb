/*
 * Node failures, the daemon side: the failure settings handed to the core, heartbeats
 * feeding the detector and the agent's health verdict, the cron that ends drains and
 * cool-downs, and the administrators' node_drain and node_undrain. The decisions
 * themselves live in rmcore (detect.c, nodehealth.c, drain.c).
 */
#include <stdio.h>

#include "log.h"
#include "rm.h"
#include "timeutil.h"

void health_configure(struct rmd *rmd)
{
	const struct rm_conf *c = &rmd->conf;
	struct fail_conf *fc = &rmd->cl.fc;
	int kind = detect_kind_parse(c->failure_detector);

	if (kind < 0)
		fatal("failure_detector: '%s' is not \"expiry\" or \"phi\"", c->failure_detector);
	fc->det = (struct detect_conf){
		.kind = (enum detector_kind)kind,
		.expiry_ms = c->node_expiry_ms,
		.phi_threshold = (double)c->phi_threshold,
		.window = (int32_t)c->phi_window,
		.min_std_ms = c->phi_min_stddev_ms,
		.pause_ms = c->phi_pause_ms,
		.first_ms = c->heartbeat_interval_ms,
	};
	fc->job_node_failures = (int32_t)c->job_node_failures;
	fc->node_failures = (int32_t)c->node_failures;
	fc->node_failure_window_us = c->node_failure_window_ms * 1000;
	fc->node_cooldown_us = c->node_cooldown_ms * 1000;
	fc->drain_timeout_us = c->drain_timeout_ms * 1000;
	log_info("rmd", "failure detector: %s", kind == DETECT_PHI ? "phi accrual" : "expiry");
}

void health_heartbeat(struct rmd *rmd, struct rm_node *n, const struct msg_node_heartbeat *m)
{
	detect_arrival(&n->health.hb, &rmd->cl.fc.det, mono_ms());
	node_health_report(&rmd->cl, n, m->healthy, m->health_reason);
}

void health_tick(struct rmd *rmd)
{
	nodes_failures_tick(&rmd->cl);
}

/* The node named in a drain request, or NULL after answering the error. */
static struct rm_node *drain_target(struct rmd *rmd, struct peer *p, uint64_t id,
				    const msgpack_object *obj, struct msg_node_drain *m)
{
	struct mpr_err e;
	struct rm_node *n;

	if (msg_decode_node_drain(obj, m, &e) < 0) {
		reply_bad(p, id, &e);
		return NULL;
	}
	if ((n = cluster_find_node(&rmd->cl, m->node)) == NULL)
		peer_send_error(p, id, ERR_NOT_FOUND, "node", "node %s not found", m->node);
	return n;
}

/* Both replies say what became of the node: {node, state, reason}. */
static void reply_node(struct rmd *rmd, struct peer *p, uint64_t id, const struct rm_node *n)
{
	struct mpw *w = reply_begin(rmd, id, 3);

	mpw_kstr(w, "node", n->name);
	mpw_kstr(w, "state", node_state_names[n->state]);
	mpw_kstr(w, "reason", n->reason);
	reply_send(rmd, p);
}

void msg_node_drain(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct msg_node_drain m;
	struct rm_node *n = drain_target(rmd, p, id, obj, &m);
	char err[PROTO_REASON_MAX];

	if (n == NULL)
		return;
	if (rm_node_drain(&rmd->cl, n, m.timeout_ms, m.reason[0] ? m.reason : "drained with rmctl",
			  err, sizeof(err)) < 0) {
		peer_send_error(p, id, ERR_CONFLICT, "node", "%s", err);
		return;
	}
	reply_node(rmd, p, id, n);
}

void msg_node_undrain(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct msg_node_drain m;
	struct rm_node *n = drain_target(rmd, p, id, obj, &m);
	char err[PROTO_REASON_MAX];

	if (n == NULL)
		return;
	if (rm_node_undrain(&rmd->cl, n, err, sizeof(err)) < 0) {
		peer_send_error(p, id, ERR_CONFLICT, "node", "%s", err);
		return;
	}
	reply_node(rmd, p, id, n);
}
