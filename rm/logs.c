/*
 * LOGS_GET: rmd proxies a client's request for an attempt's stdout or stderr to the node
 * that ran it (LOG_READ) and forwards the answer (LOG_DATA). Requests wait in a small
 * table keyed by rmd's own request id until the node answers, a side disconnects, or
 * log_timeout passes; the client always gets exactly one answer while it is connected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rm.h"
#include "timeutil.h"
#include "xmalloc.h"

/* The attempt a logs_get names (a task means its newest attempt), or NULL (answered). */
static struct rm_attempt *log_target(struct rmd *rmd, struct peer *p, uint64_t id,
				     const struct loom_id *target)
{
	struct rm_job *j = cluster_job(&rmd->cl, target->job);
	char s[ID_BUFSZ];
	struct rm_attempt *a = NULL;

	id_format(target, s, sizeof(s));
	if (j != NULL && target->task < j->spec.ntasks)
		a = id_is_task(target) ? task_last_attempt(&j->tasks[target->task])
				       : cluster_attempt(&rmd->cl, target);
	if (a == NULL)
		peer_send_error(p, id, ERR_NOT_FOUND, "target", "%s not found%s", s,
				j != NULL && id_is_task(target) ? " (no attempt yet)" : "");
	return a;
}

void msg_logs_get(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct msg_id_request m;
	struct mpr_err e;
	struct rm_attempt *a;

	if (msg_decode_id_request(obj, &m, &e) < 0) {
		reply_bad(p, id, &e);
		return;
	}
	if ((a = log_target(rmd, p, id, &m.id)) == NULL)
		return;
	struct rm_node *n = a->node;
	if (n->peer == NULL) {
		peer_send_error(p, id, ERR_UNAVAILABLE, "target",
				"node %s, which holds the log, is not connected", n->name);
		return;
	}
	struct log_req *r = xcalloc(1, sizeof(*r));
	r->rid = ++rmd->log_seq;
	r->client = p;
	r->client_id = id;
	r->node_peer = n->peer;
	r->attempt = a->id;
	r->deadline_ms = mono_ms() + rmd->conf.log_timeout_ms;
	snprintf(r->node, sizeof(r->node), "%s", n->name);
	snprintf(r->stream, sizeof(r->stream), "%s", m.stream);
	r->next = rmd->logs;
	rmd->logs = r;

	struct msg_log_read lr = { .id = a->id, .max_bytes = m.max_bytes };
	snprintf(lr.stream, sizeof(lr.stream), "%s", m.stream);
	mpw_reset(&rmd->w);
	msg_encode_log_read(&rmd->w, r->rid, &lr);
	peer_send(n->peer, &rmd->w); /* a failure closes the node: logs_peer_closed answers */
}

/* Unlinks and returns the request with rmd's id rid sent to node_peer, or NULL. */
static struct log_req *take(struct rmd *rmd, uint64_t rid, struct peer *node_peer)
{
	for (struct log_req **pp = &rmd->logs; *pp != NULL; pp = &(*pp)->next) {
		struct log_req *r = *pp;
		if (r->rid == rid && r->node_peer == node_peer) {
			*pp = r->next;
			return r;
		}
	}
	return NULL;
}

void msg_log_data(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct msg_log_data m;
	struct mpr_err e;
	struct log_req *r = take(rmd, id, p);

	if (r == NULL) {
		log_debug("logs", "%s: log_data %llu answers no waiting request", peer_desc(p),
			  (unsigned long long)id);
		return;
	}
	if (msg_decode_log_data(obj, &m, &e) < 0) {
		reply_bad(p, id, &e);
		peer_send_error(r->client, r->client_id, ERR_INTERNAL, "",
				"node %s sent a bad answer: %s: %s", r->node, e.field, e.msg);
	} else if (!m.ok) {
		peer_send_error(r->client, r->client_id, ERR_NOT_FOUND, "target", "%s: %s",
				r->node, m.reason[0] ? m.reason : "log not available");
	} else {
		struct mpw *w = reply_begin(rmd, r->client_id, 5);
		mpw_kid(w, "attempt", &r->attempt);
		mpw_kstr(w, "node", r->node);
		mpw_kstr(w, "stream", r->stream);
		mpw_key(w, "data");
		mpw_bin(w, m.data, m.len);
		mpw_kint(w, "size", m.size);
		reply_send(rmd, r->client);
	}
	free(r);
}

/* Moves the requests for which match() holds out of the table, so that answering them
 * (which may close a peer and re-enter here) never walks a list being changed. */
static struct log_req *take_all(struct rmd *rmd, bool (*match)(const struct log_req *,
							       const void *), const void *arg)
{
	struct log_req **pp = &rmd->logs, *out = NULL;

	while (*pp != NULL) {
		struct log_req *r = *pp;
		if (!match(r, arg)) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		r->next = out;
		out = r;
	}
	return out;
}

static bool involves(const struct log_req *r, const void *p)
{
	return r->client == p || r->node_peer == p;
}

void logs_peer_closed(struct rmd *rmd, struct peer *p)
{
	struct log_req *r = take_all(rmd, involves, p), *next;

	for (; r != NULL; r = next) {
		next = r->next;
		if (r->client != p)
			peer_send_error(r->client, r->client_id, ERR_UNAVAILABLE, "target",
					"node %s disconnected before sending the log", r->node);
		free(r);
	}
}

static bool expired(const struct log_req *r, const void *now)
{
	return r->deadline_ms <= *(const int64_t *)now;
}

void logs_check_timeouts(struct rmd *rmd)
{
	int64_t now = mono_ms();
	struct log_req *r = take_all(rmd, expired, &now), *next;

	for (; r != NULL; r = next) {
		next = r->next;
		log_warn("logs", "node %s did not answer log request %llu in time", r->node,
			 (unsigned long long)r->rid);
		peer_send_error(r->client, r->client_id, ERR_UNAVAILABLE, "target",
				"node %s did not send the log within %.1fs", r->node,
				(double)rmd->conf.log_timeout_ms / 1000.0);
		free(r);
	}
}

void logs_free(struct rmd *rmd)
{
	while (rmd->logs != NULL) {
		struct log_req *r = rmd->logs;
		rmd->logs = r->next;
		free(r);
	}
}
