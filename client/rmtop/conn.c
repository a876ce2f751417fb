/*
 * rmtop's connection to rmd: connect, subscribe to the event stream, fetch what events
 * say changed, and reconnect with backoff when rmd goes away (saying so on screen).
 * Every request is asynchronous on rmtop's one event_base; nothing here blocks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "mpr.h"
#include "rmtop.h"
#include "timeutil.h"
#include "xmalloc.h"

#define FETCH_DELAY_MS 200     /* coalesces a burst of events into one fetch per part */
#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 5000
#define EVENT_BACKLOG 200

static void connect_now(struct top *t);

static void arm(struct event *ev, int64_t ms)
{
	struct timeval tv = tv_from_ms(ms);

	if (!evtimer_pending(ev, NULL))
		evtimer_add(ev, &tv);
}

void fetch_mark(struct top *t, unsigned parts)
{
	t->dirty |= parts;
	if (t->ready)
		arm(t->ev_fetch, t->once ? 0 : FETCH_DELAY_MS);
}

/* --once: done when every part came back. */
static void once_check(struct top *t)
{
	if (!t->once || t->inflight != 0 || (t->fetched & (F_CLUSTER | F_JOBS | F_NODES)) !=
						     (F_CLUSTER | F_JOBS | F_NODES))
		return;
	once_print(t, stdout);
	t->quit = true;
	event_base_loopbreak(t->base);
}

/* The end of one fetch: mark it done, fetch again if it became dirty meanwhile. */
static void fetched(struct top *t, unsigned part, int status, const struct msg_error *err)
{
	char b[PROTO_REASON_MAX + 64];

	t->inflight &= ~part;
	if (status == LOOM_OK)
		t->fetched |= part;
	else if (status == LOOM_EREPLY)
		snprintf(t->status, sizeof(t->status), "rmd: %s", error_text(err, b, sizeof(b)));
	if (t->dirty & part)
		fetch_mark(t, 0);
	once_check(t);
	if (!t->once)
		ui_draw(t);
}

static void on_cluster(struct loom_conn *c, int status, const msgpack_object *reply,
		       const struct msg_error *err, void *arg)
{
	struct top *t = arg;

	if (status == LOOM_OK)
		model_set_cluster(&t->m, reply);
	fetched(t, F_CLUSTER, status, err);
}

static void on_jobs(struct loom_conn *c, int status, const msgpack_object *reply,
		    const struct msg_error *err, void *arg)
{
	struct top *t = arg;

	if (status == LOOM_OK)
		model_set_jobs(&t->m, reply);
	fetched(t, F_JOBS, status, err);
}

static void on_nodes(struct loom_conn *c, int status, const msgpack_object *reply,
		     const struct msg_error *err, void *arg)
{
	struct top *t = arg;

	if (status == LOOM_OK) {
		model_set_nodes(&t->m, reply);
		if (t->detail && t->detail_is_node)
			detail_render_node(t);
	}
	fetched(t, F_NODES, status, err);
}

static void on_detail(struct loom_conn *c, int status, const msgpack_object *reply,
		      const struct msg_error *err, void *arg)
{
	struct top *t = arg;
	const msgpack_object *job = status == LOOM_OK ? view_map(reply, "job") : NULL;

	if (t->detail && !t->detail_is_node && job != NULL)
		detail_render_job(t, job);
	fetched(t, F_DETAIL, status, err);
}

/* The autoscaler's pools and nodes. An error (an rmd without autoscaling support, or one
 * that refuses) shows nothing rather than a complaint: the summary just has no line. */
static void on_autoscale(struct loom_conn *c, int status, const msgpack_object *reply,
			 const struct msg_error *err, void *arg)
{
	struct top *t = arg;

	if (status == LOOM_OK) {
		model_set_autoscale(&t->m, reply);
		if (t->detail && t->detail_is_node)
			detail_render_node(t);
	} else {
		if (status == LOOM_EREPLY && err->code == ERR_UNKNOWN_TYPE)
			t->as_unsupported = true;
		model_clear_autoscale(&t->m);
	}
	/* Not an error on the status line: rmtop works without the autoscaler's view. */
	fetched(t, F_AUTOSCALE, status == LOOM_EREPLY ? LOOM_OK : status, NULL);
}

/* ---- a node's detail: its live attempts, from a node_list of that node ------------ */

void node_detail_reset(struct top *t)
{
	free(t->natt);
	t->natt = NULL;
	t->nnatt = t->nd_capatt = 0;
	t->nd_scanned = false;
}

/* One attempt of the reply's "attempts" (rm/views-list.c) into the node detail. */
static void nd_add(struct top *t, const msgpack_object *o)
{
	const msgpack_object *spec = mpr_get(o, "speculative");
	struct top_natt n;

	memset(&n, 0, sizeof(n));
	view_str(o, "id", n.id, sizeof(n.id));
	view_str(o, "job", n.job, sizeof(n.job));
	view_str(o, "state", n.state, sizeof(n.state));
	view_double(o, "progress", &n.progress);
	view_int(o, "start_us", &n.start_us);
	n.copy = spec != NULL && spec->type == MSGPACK_OBJECT_BOOLEAN && spec->via.boolean;
	t->natt = xgrow(t->natt, &t->nd_capatt, t->nnatt + 1, sizeof(*t->natt));
	t->natt[t->nnatt++] = n;
}

/* The reply names the node it was asked about: one asked before the detail moved to
 * another node is dropped. */
static void on_node_detail(struct loom_conn *c, int status, const msgpack_object *reply,
			   const struct msg_error *err, void *arg)
{
	struct top *t = arg;
	const msgpack_object_array *nodes = status == LOOM_OK ? view_array(reply, "nodes") : NULL;
	const msgpack_object_array *atts = status == LOOM_OK ? view_array(reply, "attempts")
							      : NULL;
	char name[64] = "";

	if (nodes != NULL && nodes->size == 1)
		view_str(&nodes->ptr[0], "name", name, sizeof(name));
	if (t->detail && t->detail_is_node && status == LOOM_OK &&
	    (nodes == NULL || nodes->size == 0 || strcmp(name, t->detail_id) == 0)) {
		t->nnatt = 0;
		for (uint32_t i = 0; atts != NULL && i < atts->size; i++)
			nd_add(t, &atts->ptr[i]);
		t->nd_scanned = true;
		detail_render_node(t);
	}
	fetched(t, F_DETAIL, status, err);
}

/* The node_list request of the open node's detail. */
static void nd_request(struct top *t, struct mpw *w, uint64_t id)
{
	struct msg_list_request req;

	memset(&req, 0, sizeof(req));
	snprintf(req.name, sizeof(req.name), "%s", t->detail_id);
	loom_build_list_request(w, MSG_NODE_LIST, id, &req);
}

/* Sends one fetch request for part. */
static void fetch_part(struct top *t, unsigned part)
{
	struct mpw w;
	uint64_t id = loom_next_id(t->c);
	loom_reply_fn cb = NULL;

	mpw_init(&w);
	if (part == F_CLUSTER) {
		mpw_msg(&w, MSG_CLUSTER_INFO, id, 0);
		cb = on_cluster;
	} else if (part == F_JOBS || part == F_NODES) {
		struct msg_list_request req = { .limit = 0 };
		loom_build_list_request(&w, part == F_JOBS ? MSG_JOB_LIST : MSG_NODE_LIST, id, &req);
		cb = part == F_JOBS ? on_jobs : on_nodes;
	} else if (part == F_AUTOSCALE && !t->as_unsupported) {
		mpw_msg(&w, MSG_AUTOSCALE_INFO, id, 0);
		cb = on_autoscale;
	} else if (part == F_DETAIL && t->detail && t->detail_is_node) {
		nd_request(t, &w, id);
		cb = on_node_detail;
	} else if (part == F_DETAIL && t->detail && !t->detail_is_node) {
		struct msg_id_request req;
		memset(&req, 0, sizeof(req));
		if (id_parse(t->detail_id, &req.id) == 0) {
			loom_build_id_request(&w, MSG_JOB_INFO, id, &req);
			cb = on_detail;
		}
	}
	if (cb != NULL && loom_request(t->c, &w, cb, t) != 0)
		t->inflight |= part;
	mpw_free(&w);
}

static void fetch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct top *t = arg;

	if (!t->ready)
		return;
	for (unsigned part = 1; part <= F_AUTOSCALE; part <<= 1) {
		if (!(t->dirty & part) || (t->inflight & part))
			continue;
		t->dirty &= ~part;
		fetch_part(t, part);
	}
}

/* Which parts an event touches (an attempt on the open node's detail asks for it again). */
static unsigned event_parts(struct top *t, const struct msg_event *ev)
{
	unsigned parts = F_CLUSTER;

	if (strcmp(ev->kind, "snapshot") == 0)
		return F_ALL;
	if (strncmp(ev->kind, "job", 3) == 0 || strncmp(ev->kind, "attempt", 7) == 0)
		parts |= F_JOBS;
	if (strncmp(ev->kind, "node", 4) == 0 || strncmp(ev->kind, "attempt", 7) == 0)
		parts |= F_NODES;
	/* The autoscaler's view: on its own events (nodes added, drained, released; hook
	 * results) and, while rmd has pools, on whatever changes demand or idleness. */
	if (strcmp(ev->kind, "autoscale") == 0)
		parts |= F_AUTOSCALE | F_NODES;
	else if (t->m.npools > 0)
		parts |= F_AUTOSCALE;
	if (t->detail && !t->detail_is_node &&
	    strncmp(ev->object, t->detail_id, strlen(t->detail_id)) == 0)
		parts |= F_DETAIL;
	if (t->detail && t->detail_is_node && strncmp(ev->kind, "attempt", 7) == 0 &&
	    strcmp(ev->node, t->detail_id) == 0)
		parts |= F_DETAIL;
	return parts;
}

static void on_event(struct loom_conn *c, int type, const msgpack_object *obj, void *arg)
{
	struct top *t = arg;
	struct msg_event ev;
	struct mpr_err e;

	if (type != MSG_EVENT || msg_decode_event(obj, &ev, &e) < 0)
		return;
	if (strcmp(ev.kind, "snapshot") != 0)
		model_add_event(&t->m, &ev);
	fetch_mark(t, event_parts(t, &ev));
}

static void on_subscribed(struct loom_conn *c, int status, const msgpack_object *reply,
			  const struct msg_error *err, void *arg)
{
	struct top *t = arg;

	t->subscribed = status == LOOM_OK;
	if (status == LOOM_EREPLY && err->code == ERR_UNKNOWN_TYPE) {
		/* An rmd without the event stream: the tick polls every second instead. */
		snprintf(t->conn_msg, sizeof(t->conn_msg), "connected to %s (no event stream: "
			 "polling)", t->addr);
	} else if (status == LOOM_EREPLY) {
		snprintf(t->conn_msg, sizeof(t->conn_msg), "event stream: %.200s", err->message);
	}
}

static void on_ready(struct loom_conn *c, void *arg)
{
	struct top *t = arg;
	struct msg_events_subscribe m = { .backlog = EVENT_BACKLOG };
	struct mpw w;

	t->ready = true;
	t->as_unsupported = false; /* a restarted rmd may be a newer one */
	t->backoff_ms = BACKOFF_MIN_MS;
	snprintf(t->conn_msg, sizeof(t->conn_msg), "%s %s", t->ever_connected ? "reconnected to"
						     : "connected to", t->addr);
	t->ever_connected = true;
	if (!t->once) {
		mpw_init(&w);
		msg_encode_events_subscribe(&w, loom_next_id(c), &m);
		loom_request(c, &w, on_subscribed, t);
		mpw_free(&w);
	}
	fetch_mark(t, F_ALL);
}

static void on_close(struct loom_conn *c, const char *why, void *arg)
{
	struct top *t = arg;
	char d[32];

	t->ready = t->subscribed = false;
	t->inflight = 0;
	loom_conn_free(c); /* safe in a libloom callback */
	t->c = NULL;
	if (t->once) {
		fprintf(stderr, "rmtop: %s\n", why);
		t->exit_code = EXIT_NOCONN;
		t->quit = true;
		event_base_loopbreak(t->base);
		return;
	}
	snprintf(t->conn_msg, sizeof(t->conn_msg), "%s; reconnecting in %s", why,
		 fmt_dur(t->backoff_ms < 1000 ? 1000 : t->backoff_ms, d, sizeof(d)));
	arm(t->ev_reconnect, t->backoff_ms);
	t->backoff_ms = t->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : t->backoff_ms * 2;
	ui_draw(t);
}

static void reconnect_cb(evutil_socket_t fd, short what, void *arg)
{
	connect_now(arg);
}

static void connect_now(struct top *t)
{
	struct loom_conn_opts opts = { .name = "rmtop" };
	struct loom_conn_cbs cbs = { on_ready, on_close, on_event, t };
	char err[256];

	t->c = loom_conn_new(t->base, t->addr, &opts, &cbs, err, sizeof(err));
	if (t->c == NULL) {
		snprintf(t->conn_msg, sizeof(t->conn_msg), "%s", err);
		if (t->once) {
			fprintf(stderr, "rmtop: %s\n", err);
			t->exit_code = EXIT_NOCONN;
			t->quit = true;
			event_base_loopbreak(t->base);
			return;
		}
		arm(t->ev_reconnect, BACKOFF_MAX_MS);
	}
}

void conn_start(struct top *t)
{
	t->backoff_ms = BACKOFF_MIN_MS;
	t->ev_fetch = evtimer_new(t->base, fetch_cb, t);
	t->ev_reconnect = evtimer_new(t->base, reconnect_cb, t);
	snprintf(t->conn_msg, sizeof(t->conn_msg), "connecting to %s", t->addr);
	connect_now(t);
}

void conn_stop(struct top *t)
{
	if (t->c != NULL)
		loom_conn_free(t->c);
	t->c = NULL;
	event_free(t->ev_fetch);
	event_free(t->ev_reconnect);
	node_detail_reset(t);
}

static void on_kill(struct loom_conn *c, int status, const msgpack_object *reply,
		    const struct msg_error *err, void *arg)
{
	struct top *t = arg;
	char b[PROTO_REASON_MAX + 64], id[64], st[32];

	if (status == LOOM_OK)
		snprintf(t->status, sizeof(t->status), "%s %s", view_str(reply, "job", id, 64),
			 view_str(reply, "state", st, sizeof(st)));
	else
		snprintf(t->status, sizeof(t->status), "kill: %s", error_text(err, b, sizeof(b)));
	fetch_mark(t, F_JOBS | F_CLUSTER | F_DETAIL);
	ui_draw(t);
}

void conn_kill_job(struct top *t, const char *job)
{
	struct msg_id_request req;
	struct mpw w;

	if (!t->ready) {
		snprintf(t->status, sizeof(t->status), "kill: not connected to rmd");
		return;
	}
	memset(&req, 0, sizeof(req));
	if (id_parse(job, &req.id) < 0)
		return;
	mpw_init(&w);
	loom_build_id_request(&w, MSG_JOB_KILL, loom_next_id(t->c), &req);
	loom_request(t->c, &w, on_kill, t);
	mpw_free(&w);
	snprintf(t->status, sizeof(t->status), "killing %s ...", job);
}

static void on_drain(struct loom_conn *c, int status, const msgpack_object *reply,
		     const struct msg_error *err, void *arg)
{
	struct top *t = arg;
	char b[PROTO_REASON_MAX + 64], n[64], st[32];

	if (status == LOOM_OK)
		snprintf(t->status, sizeof(t->status), "%s %s", view_str(reply, "node", n, 64),
			 view_str(reply, "state", st, sizeof(st)));
	else if (status == LOOM_EREPLY && err->code == ERR_UNKNOWN_TYPE)
		snprintf(t->status, sizeof(t->status), "drain: not supported by this rmd");
	else
		snprintf(t->status, sizeof(t->status), "drain: %s", error_text(err, b, sizeof(b)));
	fetch_mark(t, F_NODES | F_CLUSTER);
	ui_draw(t);
}

void conn_drain_node(struct top *t, const char *node)
{
	struct msg_node_drain req = { .timeout_ms = -1 };
	struct mpw w;

	if (!t->ready) {
		snprintf(t->status, sizeof(t->status), "drain: not connected to rmd");
		return;
	}
	snprintf(req.node, sizeof(req.node), "%s", node);
	snprintf(req.reason, sizeof(req.reason), "drained with rmtop");
	mpw_init(&w);
	msg_encode_node_drain(&w, MSG_NODE_DRAIN, loom_next_id(t->c), &req);
	loom_request(t->c, &w, on_drain, t);
	mpw_free(&w);
	snprintf(t->status, sizeof(t->status), "draining %s ...", node);
}
