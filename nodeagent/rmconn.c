/*
 * The connection to rmd: connect, HELLO (role node), NODE_REGISTER listing every attempt
 * the agent still holds, heartbeats every heartbeat_ms, and reports as attempts change.
 *
 * When rmd goes away the attempts keep running. The agent reconnects with exponential
 * backoff (reconnect_min doubling up to reconnect_max); reports that could not be sent
 * are marked pending, and the next NODE_REGISTER carries every attempt anyway, so rmd
 * learns all that happened while it was away.
 */
#include <event2/event.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "log.h"
#include "net.h"
#include "peer.h"
#include "timeutil.h"
#include "xmalloc.h"

#define HEARTBEAT_DEFAULT_MS 1000
#define REGISTER_TIMEOUT_MS 10000 /* connect + register must finish within this */

enum rc_state {
	RC_WAITING,     /* no connection; the retry timer is armed */
	RC_CONNECTING,  /* TCP connect in progress */
	RC_REGISTERING, /* HELLO and NODE_REGISTER sent, waiting for the reply */
	RC_REGISTERED,  /* heartbeating; reports go out as they happen */
	RC_STOPPED,     /* the agent is exiting: no reconnection */
};

struct rmconn {
	struct agent *ag;
	char host[256];
	int port;
	enum rc_state state;
	struct peer *peer;
	uint64_t gen;          /* counts connections, so old answers can be told apart */
	uint64_t hello_id, register_id;
	int64_t backoff_ms;
	int64_t heartbeat_ms;
	int64_t hb_seq;
	struct event *retry_ev, *hb_ev;
	struct mpw w;          /* reused for every message */
};

static void rc_connect(struct rmconn *rc);

static int rc_send(struct rmconn *rc)
{
	return rc->peer != NULL ? peer_send(rc->peer, &rc->w) : -1;
}

static void rc_retry_later(struct rmconn *rc)
{
	struct timeval tv = tv_from_ms(rc->backoff_ms);

	rc->state = RC_WAITING;
	evtimer_add(rc->retry_ev, &tv);
	rc->backoff_ms *= 2;
	if (rc->backoff_ms > rc->ag->conf.reconnect_max_ms)
		rc->backoff_ms = rc->ag->conf.reconnect_max_ms;
}

static int live_count(const struct agent *ag)
{
	const struct attempt *a;
	int n = 0;

	TAILQ_FOREACH(a, &ag->attempts, link)
		n += attempt_is_live(a);
	return n;
}

/* The connection is gone, or never came. p is already closed (or being closed). */
static void rc_lost(struct rmconn *rc, const char *why)
{
	char d[32];

	if (rc->state == RC_REGISTERED)
		log_warn("rmconn", "lost the connection to rmd (%s); %d attempt(s) keep running",
			 why, live_count(rc->ag));
	else if (rc->state != RC_STOPPED)
		log_info("rmconn", "cannot reach rmd at %s:%d (%s); retrying in %s", rc->host,
			 rc->port, why, fmt_duration_ms(rc->backoff_ms, d, sizeof d));
	rc->peer = NULL;
	evtimer_del(rc->hb_ev);
	if (rc->state == RC_STOPPED) {
		agent_check_stopped(rc->ag);
		return;
	}
	rc_retry_later(rc);
}

/* Closes the connection from our side (e.g. rmd refused the registration). */
static void rc_drop(struct rmconn *rc, const char *why)
{
	struct peer *p = rc->peer;

	rc_lost(rc, why);
	if (p != NULL)
		peer_close(p, why); /* on_close sees p != rc->peer and ignores it */
}

static void rc_on_close(struct peer *p, const char *why, void *arg)
{
	struct agent *ag = arg;

	if (ag->rm->peer == p)
		rc_lost(ag->rm, why);
}

static void rc_send_hello(struct rmconn *rc)
{
	struct msg_hello h = { .role = ROLE_NODE, .version = LOOM_PROTO_VERSION };

	snprintf(h.name, sizeof h.name, "%s", rc->ag->conf.name);
	rc->hello_id = peer_next_id(rc->peer);
	mpw_reset(&rc->w);
	msg_encode_hello(&rc->w, rc->hello_id, &h);
	rc_send(rc);
}

/* NODE_REGISTER: capacity, labels and a report for every attempt still held. */
static void rc_send_register(struct rmconn *rc)
{
	struct agent *ag = rc->ag;
	struct msg_node_register *m = xcalloc(1, sizeof *m);
	struct attempt *a;

	snprintf(m->name, sizeof m->name, "%s", ag->conf.name);
	snprintf(m->host, sizeof m->host, "%s", ag->host);
	m->capacity.vcores_m = ag->conf.vcores_m;
	m->capacity.mem_mb = ag->conf.memory_mb;
	m->capacity.gpus = ag->conf.gpus;
	for (char **l = ag->conf.labels; l != NULL && *l != NULL && m->nlabels < PROTO_MAX_LABELS;
	     l++)
		snprintf(m->labels[m->nlabels++], PROTO_LABEL_MAX, "%s", *l);
	m->attempts = xcalloc((size_t)ag->nattempts + 1, sizeof *m->attempts);
	TAILQ_FOREACH(a, &ag->attempts, link) {
		attempt_snapshot(a, &m->attempts[m->nattempts++]);
		a->pending = false;
	}
	rc->register_id = peer_next_id(rc->peer);
	mpw_reset(&rc->w);
	msg_encode_node_register(&rc->w, rc->register_id, m);
	rc_send(rc);
	log_info("rmconn", "registering with rmd at %s:%d as %s (%d attempt(s) held)", rc->host,
		 rc->port, m->name, m->nattempts);
	msg_node_register_free(m);
	free(m);
}

static void rc_on_connect(struct peer *p, bool ok, const char *why, void *arg)
{
	struct rmconn *rc = ((struct agent *)arg)->rm;

	if (rc->peer != p)
		return;
	if (!ok) {
		rc_lost(rc, why); /* the peer closed itself */
		return;
	}
	rc->state = RC_REGISTERING;
	rc_send_hello(rc);
	if (rc->peer != NULL)
		rc_send_register(rc);
}

/* The retry timer doubles as the deadline for connecting and registering. */
static void rc_connect(struct rmconn *rc)
{
	struct peer_opts o = { .max_frame = (size_t)rc->ag->conf.max_frame_mb << 20 };
	struct peer_cbs cbs = { msgrm_on_msg, rc_on_close, rc_on_connect, rc->ag };
	struct timeval tv = tv_from_ms(REGISTER_TIMEOUT_MS);

	rc->gen++;
	rc->state = RC_CONNECTING;
	rc->peer = peer_connect(rc->ag->base, rc->host, rc->port, &o, &cbs);
	if (rc->peer == NULL)
		rc_lost(rc, "cannot start connecting (address lookup failed?)");
	else
		evtimer_add(rc->retry_ev, &tv);
}

static void rc_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rmconn *rc = arg;

	if (rc->state == RC_WAITING)
		rc_connect(rc);
	else if (rc->state == RC_CONNECTING || rc->state == RC_REGISTERING)
		rc_drop(rc, "no answer from rmd within 10 s");
}

/* ---- heartbeats --------------------------------------------------------------------- */

static void rc_heartbeat_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rmconn *rc = arg;
	struct msg_node_heartbeat m;

	if (rc->state != RC_REGISTERED)
		return;
	heartbeat_build(rc->ag, ++rc->hb_seq, &m);
	mpw_reset(&rc->w);
	msg_encode_node_heartbeat(&rc->w, peer_next_id(rc->peer), &m);
	rc_send(rc);
	msg_node_heartbeat_free(&m);
}

/* ---- replies from rmd --------------------------------------------------------------- */

/* Registered: every attempt rmd has not heard about yet is reported now. */
static void rc_registered(struct rmconn *rc, const msgpack_object *o)
{
	struct agent *ag = rc->ag;
	struct attempt *a, *next;
	struct mpr_err e;
	int64_t hb = HEARTBEAT_DEFAULT_MS;

	if (mpr_int(o, "heartbeat_ms", false, 10, 3600 * 1000, &hb, &e) < 0)
		log_warn("rmconn", "register reply: %s %s; heartbeat every %lld ms", e.field,
			 e.msg, (long long)hb);
	rc->state = RC_REGISTERED;
	evtimer_del(rc->retry_ev);
	rc->heartbeat_ms = hb;
	rc->backoff_ms = ag->conf.reconnect_min_ms;
	log_info("rmconn", "registered with rmd as %s; heartbeat every %lld ms", ag->conf.name,
		 (long long)hb);
	struct timeval tv = tv_from_ms(hb);
	event_del(rc->hb_ev);
	event_add(rc->hb_ev, &tv);
	for (a = TAILQ_FIRST(&ag->attempts); a != NULL; a = next) {
		next = TAILQ_NEXT(a, link); /* reports never free the attempt synchronously */
		if (a->pending)
			rmconn_report(a);
		else
			attempt_reported(a);
	}
}

void rmconn_on_reply(struct agent *ag, uint64_t id, const msgpack_object *o)
{
	struct rmconn *rc = ag->rm;

	if (rc->state == RC_REGISTERING && id == rc->register_id)
		rc_registered(rc, o);
}

void rmconn_on_error(struct agent *ag, uint64_t id, const struct msg_error *m)
{
	struct rmconn *rc = ag->rm;
	char why[PROTO_REASON_MAX + 256];

	snprintf(why, sizeof why, "rmd refused %s: %s (%s%s%s)",
		 id == rc->hello_id ? "hello" : "the registration", m->message,
		 err_code_name(m->code), m->field[0] ? ", field " : "", m->field);
	if (rc->state == RC_REGISTERING && (id == rc->hello_id || id == rc->register_id)) {
		log_error("rmconn", "%s", why);
		rc_drop(rc, why);
		return;
	}
	/* E.g. a report on an attempt rmd has already forgotten: nothing to undo here. */
	log_msg(m->code == ERR_NOT_FOUND ? LL_DEBUG : LL_WARN, "rmconn",
		"rmd: error on request %llu: %s (%s%s%s)", (unsigned long long)id, m->message,
		err_code_name(m->code), m->field[0] ? ", field " : "", m->field);
}

/* ---- outgoing reports --------------------------------------------------------------- */

bool rmconn_send_report(struct agent *ag, const struct attempt_report *r)
{
	struct rmconn *rc = ag->rm;
	struct msg_attempt_status m = { *r };

	if (rc == NULL || rc->state != RC_REGISTERED)
		return false;
	mpw_reset(&rc->w);
	msg_encode_attempt_status(&rc->w, peer_next_id(rc->peer), &m);
	return rc_send(rc) == 0;
}

void rmconn_report(struct attempt *a)
{
	struct attempt_report r;

	attempt_snapshot(a, &r);
	if (!rmconn_send_report(a->ag, &r)) {
		a->pending = true; /* told in the next NODE_REGISTER, or once it is answered */
		return;
	}
	a->pending = false;
	attempt_reported(a);
}

void rmconn_send_committed(struct agent *ag, uint64_t reqid,
			   const struct msg_attempt_committed *m)
{
	struct rmconn *rc = ag->rm;

	if (rc == NULL || rc->state != RC_REGISTERED)
		return;
	mpw_reset(&rc->w);
	msg_encode_attempt_committed(&rc->w, reqid, m);
	rc_send(rc);
}

void rmconn_send_log_data(struct agent *ag, uint64_t reqid, uint64_t conn_gen,
			  const struct msg_log_data *m)
{
	struct rmconn *rc = ag->rm;

	if (rc == NULL || rc->peer == NULL || rc->gen != conn_gen)
		return; /* asked on a connection that is gone: nobody waits for the answer */
	mpw_reset(&rc->w);
	msg_encode_log_data(&rc->w, reqid, m);
	rc_send(rc);
}

/* ---- life cycle --------------------------------------------------------------------- */

int rmconn_start(struct agent *ag, char *err, size_t errlen)
{
	struct rmconn *rc = xcalloc(1, sizeof *rc);

	ag->rm = rc;
	rc->ag = ag;
	mpw_init(&rc->w);
	rc->retry_ev = evtimer_new(ag->base, rc_retry_cb, rc);
	rc->hb_ev = event_new(ag->base, -1, EV_PERSIST, rc_heartbeat_cb, rc);
	rc->backoff_ms = ag->conf.reconnect_min_ms;
	rc->state = RC_STOPPED;
	if (net_parse_hostport(ag->conf.rm, rc->host, sizeof rc->host, &rc->port, err,
			       errlen) < 0)
		return -1;
	if (rc->host[0] == '\0')
		snprintf(rc->host, sizeof rc->host, "127.0.0.1");
	rc_connect(rc);
	return 0;
}

void rmconn_stop(struct agent *ag)
{
	struct rmconn *rc = ag->rm;

	if (rc == NULL || rc->state == RC_STOPPED)
		return;
	rc->state = RC_STOPPED;
	evtimer_del(rc->retry_ev);
	evtimer_del(rc->hb_ev);
	if (rc->peer != NULL)
		peer_close_after_flush(rc->peer, "node agent stopping"); /* on_close follows */
}

void rmconn_free(struct agent *ag)
{
	struct rmconn *rc = ag->rm;

	if (rc == NULL)
		return;
	rc->state = RC_STOPPED;
	if (rc->peer != NULL) {
		struct peer *p = rc->peer;
		rc->peer = NULL;
		peer_close(p, "node agent exiting"); /* freed by the loop's last turn */
	}
	event_free(rc->retry_ev);
	event_free(rc->hb_ev);
	mpw_free(&rc->w);
	free(rc);
	ag->rm = NULL;
}

bool rmconn_registered(const struct agent *ag)
{
	return ag->rm != NULL && ag->rm->state == RC_REGISTERED;
}

bool rmconn_active(const struct agent *ag)
{
	return ag->rm != NULL && ag->rm->peer != NULL;
}

uint64_t rmconn_gen(const struct agent *ag)
{
	return ag->rm != NULL ? ag->rm->gen : 0;
}
