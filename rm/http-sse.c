/*
 * /api/v1/events: the event stream as server-sent events (text/event-stream). Each
 * response is one more subscriber of the event stream (event-stream.c): it gets the last
 * `backlog` events, a "snapshot" marker, then every event as it happens, each as
 *   id: <seq>\nevent: <kind>\ndata: {json}\n\n
 * A stream whose unsent bytes pass event_queue_max is ended with an "error" event. A
 * comment line every 15 s keeps idle streams (and the proxies between) open and finds
 * clients that went away.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

#define SSE_KEEPALIVE_MS 15000

struct sse_sub {
	struct ev_sub s;
	struct rmd *rmd;
	struct evhttp_request *req;
	struct evhttp_connection *conn;
	struct sse_sub *next;
};

static void kstr(struct evbuffer *b, const char *key, const char *v, bool comma)
{
	evbuffer_add_printf(b, "%s\"%s\":", comma ? "," : "", key);
	json_write_string(b, v, strlen(v));
}

static int sse_send(struct ev_sub *s, const struct cluster_event *ev)
{
	struct sse_sub *x = (struct sse_sub *)s;
	struct evbuffer *b = evbuffer_new();

	evbuffer_add_printf(b, "id: %llu\nevent: %s\ndata: {\"seq\":%llu,\"time_us\":%lld",
			    (unsigned long long)ev->seq, cev_kind_names[ev->kind],
			    (unsigned long long)ev->seq, (long long)ev->time_us);
	kstr(b, "kind", cev_kind_names[ev->kind], true);
	kstr(b, "object", ev->id, true);
	kstr(b, "node", ev->node, true);
	kstr(b, "from", ev->from, true);
	kstr(b, "to", ev->to, true);
	kstr(b, "text", ev->text, true);
	evbuffer_add(b, "}\n\n", 3);
	evhttp_send_reply_chunk(x->req, b);
	evbuffer_free(b);
	return 0;
}

static size_t sse_queued(const struct ev_sub *s)
{
	const struct sse_sub *x = (const struct sse_sub *)s;
	struct bufferevent *bev = evhttp_connection_get_bufferevent(x->conn);

	return bev != NULL ? evbuffer_get_length(bufferevent_get_output(bev)) : 0;
}

/* Forgets x everywhere; the request is not touched. */
static void sse_forget(struct sse_sub *x)
{
	struct rm_http *h = x->rmd->http;

	events_unsubscribe(x->rmd, &x->s);
	for (struct sse_sub **pp = &h->sse; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	}
	free(x);
}

/* Ends the stream with an "error" event saying why. */
static void sse_drop(struct ev_sub *s, const char *why)
{
	struct sse_sub *x = (struct sse_sub *)s;
	struct evbuffer *b = evbuffer_new();

	log_warn("http", "ending an event stream: %s", why);
	evhttp_connection_set_closecb(x->conn, NULL, NULL);
	evbuffer_add_printf(b, "event: error\ndata: {");
	kstr(b, "error", why, false);
	evbuffer_add(b, "}\n\n", 3);
	evhttp_send_reply_chunk(x->req, b);
	evbuffer_free(b);
	evhttp_send_reply_end(x->req);
	sse_forget(x);
}

/* The client went away: libevent frees the request after this. */
static void sse_closed(struct evhttp_connection *conn, void *arg)
{
	sse_forget(arg);
}

static void keepalive_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rmd *rmd = arg;

	for (struct sse_sub *x = rmd->http->sse; x != NULL; x = x->next) {
		struct evbuffer *b = evbuffer_new();
		evbuffer_add_printf(b, ": keepalive\n\n");
		evhttp_send_reply_chunk(x->req, b);
		evbuffer_free(b);
	}
}

void sse_start(struct rmd *rmd)
{
	struct timeval tv = tv_from_ms(SSE_KEEPALIVE_MS);

	rmd->http->keepalive = event_new(rmd->base, -1, EV_PERSIST, keepalive_cb, rmd);
	event_add(rmd->http->keepalive, &tv);
}

void sse_stop(struct rmd *rmd)
{
	while (rmd->http->sse != NULL)
		sse_drop(&rmd->http->sse->s, "rmd is shutting down");
	event_free(rmd->http->keepalive);
}

/* ?backlog=N: how many past events to send first (default 0). */
static int backlog_param(struct evhttp_request *req, uint64_t *out)
{
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq q;
	int rc = 0;

	*out = 0;
	TAILQ_INIT(&q);
	if (query == NULL)
		return 0;
	if (evhttp_parse_query_str(query, &q) < 0)
		rc = -1;
	for (struct evkeyval *kv = q.tqh_first; rc == 0 && kv != NULL; kv = kv->next.tqe_next) {
		char *end;
		long long v = strtoll(kv->value, &end, 10);
		if (strcmp(kv->key, "backlog") != 0 || *end != '\0' || kv->value[0] == '\0' ||
		    v < 0 || v > PROTO_MAX_EVENT_BACKLOG)
			rc = -1;
		*out = (uint64_t)v;
	}
	evhttp_clear_headers(&q);
	return rc;
}

void api_events(struct rmd *rmd, struct evhttp_request *req, const char *tail)
{
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	uint64_t backlog;

	if (backlog_param(req, &backlog) < 0) {
		http_error(req, 400, "the only parameter is backlog=N (0 .. %d)",
			   PROTO_MAX_EVENT_BACKLOG);
		return;
	}
	struct sse_sub *x = xcalloc(1, sizeof(*x));
	x->rmd = rmd;
	x->req = req;
	x->conn = evhttp_request_get_connection(req);
	x->s.send = sse_send;
	x->s.queued = sse_queued;
	x->s.drop = sse_drop;
	x->next = rmd->http->sse;
	rmd->http->sse = x;
	evhttp_add_header(hdr, "Content-Type", "text/event-stream");
	evhttp_add_header(hdr, "Cache-Control", "no-cache");
	evhttp_send_reply_start(req, 200, "OK");
	evhttp_connection_set_closecb(x->conn, sse_closed, x);
	events_subscribe(rmd, &x->s, backlog);
}
