/*
 * A client connection to rmd on the caller's event_base: connect (with a timeout), HELLO,
 * requests matched to replies by id, unsolicited messages to on_event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loom-int.h"
#include "peer.h"
#include "timeutil.h"
#include "xmalloc.h"

static void conn_closed(struct loom_conn *c, const char *why);

/* Holds c across callbacks into user code; release frees it if it was freed meanwhile. */
static void conn_hold(struct loom_conn *c)
{
	c->busy++;
}

static void conn_destroy(struct loom_conn *c)
{
	struct loom_req *r, *next;

	for (r = c->pending; r != NULL; r = next) {
		next = r->next;
		free(r);
	}
	if (c->connect_timer != NULL)
		event_free(c->connect_timer);
	free(c);
}

/* Returns false when c was freed (the caller must not touch it any more). */
static bool conn_release(struct loom_conn *c)
{
	if (--c->busy > 0 || !c->doomed)
		return !c->doomed;
	conn_destroy(c);
	return false;
}

static struct loom_req *req_take(struct loom_conn *c, uint64_t id)
{
	for (struct loom_req **pp = &c->pending; *pp != NULL; pp = &(*pp)->next) {
		struct loom_req *r = *pp;
		if (r->id == id) {
			*pp = r->next;
			return r;
		}
	}
	return NULL;
}

/* Calls a request's callback with a failure that did not come from rmd. */
static void req_fail(struct loom_conn *c, struct loom_req *r, int status, const char *why)
{
	struct msg_error err = { .code = 0 };
	snprintf(err.message, sizeof err.message, "%s", why);
	r->cb(c, status, NULL, &err, r->arg);
}

/* A REPLY or ERROR: hand it to the request it answers, if we still wait for one. */
static void on_answer(struct loom_conn *c, int type, uint64_t id, const msgpack_object *obj)
{
	struct msg_error err = { .code = ERR_INTERNAL };
	struct mpr_err e;

	if (type == MSG_ERROR && msg_decode_error(obj, &err, &e) < 0)
		snprintf(err.message, sizeof err.message, "unreadable error from rmd: %s: %s",
			 e.field, e.msg);
	if (id == c->hello_id && c->hello_id != 0) {
		if (type == MSG_ERROR) {
			char why[sizeof c->close_reason];
			snprintf(why, sizeof why, "rmd refused HELLO: %s", err.message);
			conn_closed(c, why);
		}
		return;
	}
	if (id == 0 && type == MSG_ERROR) {
		/* Not an answer: rmd says why it is about to close the connection. */
		snprintf(c->fatal_error, sizeof c->fatal_error, "%s", err.message);
		return;
	}
	struct loom_req *r = req_take(c, id);
	if (r == NULL)
		return; /* cancelled, or timed out: drop it */
	r->cb(c, type == MSG_REPLY ? LOOM_OK : LOOM_EREPLY, type == MSG_REPLY ? obj : NULL,
	      type == MSG_ERROR ? &err : NULL, r->arg);
	free(r);
}

static void on_msg(struct peer *p, int type, uint64_t id, const msgpack_object *obj, void *arg)
{
	struct loom_conn *c = arg;

	if (c->doomed || c->state == LOOM_CLOSED)
		return;
	conn_hold(c);
	if (type == MSG_REPLY || type == MSG_ERROR)
		on_answer(c, type, id, obj);
	else if (c->cbs.on_event != NULL)
		c->cbs.on_event(c, type, obj, c->cbs.arg);
	conn_release(c);
}

/*
 * The one place a connection ends: every waiting request fails with the reason, then
 * on_close. Called for a lost connection, a failed connect or a refused HELLO.
 */
static void conn_closed(struct loom_conn *c, const char *why)
{
	struct loom_req *r;

	if (c->state == LOOM_CLOSED)
		return;
	if (c->state == LOOM_CONNECTING)
		snprintf(c->close_reason, sizeof c->close_reason, "cannot connect to rmd at %s: %s",
			 c->addr, why);
	else if (c->fatal_error[0] != '\0')
		snprintf(c->close_reason, sizeof c->close_reason, "rmd closed the connection: %s",
			 c->fatal_error);
	else if (c->state == LOOM_READY && strncmp(why, "rmd ", 4) != 0)
		snprintf(c->close_reason, sizeof c->close_reason, "lost connection to rmd at %s: %s",
			 c->addr, why);
	else
		snprintf(c->close_reason, sizeof c->close_reason, "%s", why);
	c->state = LOOM_CLOSED;
	if (c->connect_timer != NULL)
		evtimer_del(c->connect_timer);
	if (c->peer != NULL) {
		struct peer *p = c->peer;
		c->peer = NULL;
		if (!peer_is_closed(p))
			peer_close(p, why);
	}
	conn_hold(c);
	while (!c->doomed && (r = c->pending) != NULL) {
		c->pending = r->next;
		req_fail(c, r, LOOM_ECONN, c->close_reason);
		free(r);
	}
	if (!c->doomed && c->cbs.on_close != NULL)
		c->cbs.on_close(c, c->close_reason, c->cbs.arg);
	conn_release(c);
}

static void on_peer_close(struct peer *p, const char *why, void *arg)
{
	struct loom_conn *c = arg;

	if (c->peer == p)
		c->peer = NULL; /* the peer frees itself; never touch it again */
	if (c->doomed)
		return;
	conn_closed(c, why != NULL && why[0] != '\0' ? why : "connection closed");
}

static void send_hello(struct loom_conn *c)
{
	struct msg_hello h = { .role = c->role, .version = LOOM_PROTO_VERSION };
	struct mpw w;

	snprintf(h.name, sizeof h.name, "%s", c->name);
	c->hello_id = loom_next_id(c);
	mpw_init(&w);
	msg_encode_hello(&w, c->hello_id, &h);
	peer_send(c->peer, &w);
	mpw_free(&w);
}

static void on_connect(struct peer *p, bool ok, const char *why, void *arg)
{
	struct loom_conn *c = arg;

	if (c->doomed || c->state != LOOM_CONNECTING)
		return;
	if (!ok) {
		conn_closed(c, why != NULL ? why : "connect failed");
		return;
	}
	evtimer_del(c->connect_timer);
	/* rmd handles messages in order, so requests may follow HELLO at once; a refused
	 * HELLO closes the connection and fails them with rmd's reason. */
	send_hello(c);
	if (c->peer == NULL || c->state == LOOM_CLOSED)
		return;
	c->state = LOOM_READY;
	if (c->cbs.on_ready != NULL) {
		conn_hold(c);
		c->cbs.on_ready(c, c->cbs.arg);
		conn_release(c);
	}
}

static void on_connect_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct loom_conn *c = arg;
	char why[64], d[32];

	snprintf(why, sizeof why, "no answer after %s", fmt_duration_ms(c->connect_timeout_ms, d,
									  sizeof d));
	conn_closed(c, why);
}

struct loom_conn *loom_conn_new(struct event_base *base, const char *addr,
				const struct loom_conn_opts *opts, const struct loom_conn_cbs *cbs,
				char *err, size_t errlen)
{
	char host[PROTO_NAME_MAX];
	int port;

	if (loom_addr_parse(addr, host, sizeof host, &port, err, errlen) < 0)
		return NULL;
	struct loom_conn *c = xcalloc(1, sizeof *c);
	c->base = base;
	c->state = LOOM_CONNECTING;
	snprintf(c->addr, sizeof c->addr, "%s", addr);
	snprintf(c->name, sizeof c->name, "%s", opts && opts->name ? opts->name : "libloom");
	c->role = opts && opts->role ? opts->role : ROLE_CLIENT;
	c->connect_timeout_ms = opts && opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms
								     : LOOM_CONNECT_TIMEOUT_MS;
	c->call_timeout_ms = LOOM_CALL_TIMEOUT_MS;
	if (cbs != NULL)
		c->cbs = *cbs;
	c->connect_timer = evtimer_new(base, on_connect_timeout, c);
	struct timeval tv = tv_from_ms(c->connect_timeout_ms);
	evtimer_add(c->connect_timer, &tv);

	struct peer_cbs pc = { on_msg, on_peer_close, on_connect, c };
	c->peer = peer_connect(base, host, port, NULL, &pc);
	if (c->peer == NULL) {
		/* The syntax was checked above: the name did not resolve (or no socket). */
		snprintf(err, errlen, "cannot connect to rmd at %s: cannot resolve '%s'", addr,
			 host);
		conn_destroy(c);
		return NULL;
	}
	return c;
}

void loom_conn_free(struct loom_conn *c)
{
	if (c == NULL || c->doomed)
		return;
	c->doomed = true; /* silences our peer callbacks from here on */
	if (c->peer != NULL) {
		struct peer *p = c->peer;
		c->peer = NULL;
		if (!peer_is_closed(p))
			peer_close(p, "closed by client");
	}
	if (c->busy == 0)
		conn_destroy(c);
}

enum loom_state loom_state(const struct loom_conn *c)
{
	return c->state;
}

const char *loom_close_reason(const struct loom_conn *c)
{
	return c->close_reason;
}

const char *loom_addr(const struct loom_conn *c)
{
	return c->addr;
}

struct event_base *loom_base(const struct loom_conn *c)
{
	return c->base;
}

uint64_t loom_next_id(struct loom_conn *c)
{
	return ++c->next_id;
}

uint64_t loom_request(struct loom_conn *c, const struct mpw *msg, loom_reply_fn cb, void *arg)
{
	msgpack_unpacked u;
	struct mpr_err e;
	int type;
	uint64_t id = 0;

	if (c->state != LOOM_READY || c->doomed || cb == NULL)
		return 0;
	/* Read the id back from the message itself, so the table and the wire agree. */
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, mpw_data(msg), mpw_len(msg), NULL) != MSGPACK_UNPACK_SUCCESS ||
	    msg_envelope(&u.data, &type, &id, &e) < 0 || id == 0 || id > c->next_id) {
		msgpack_unpacked_destroy(&u);
		return 0;
	}
	msgpack_unpacked_destroy(&u);
	for (struct loom_req *q = c->pending; q != NULL; q = q->next)
		if (q->id == id)
			return 0; /* that id is already waiting for its reply */
	if (peer_send(c->peer, msg) < 0)
		return 0; /* the peer closed; on_close reports why */
	struct loom_req *r = xcalloc(1, sizeof *r);
	r->id = id;
	r->cb = cb;
	r->arg = arg;
	r->next = c->pending;
	c->pending = r;
	return id;
}

void loom_cancel(struct loom_conn *c, uint64_t id)
{
	free(req_take(c, id));
}
