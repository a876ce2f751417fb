/*
 * The event stream in rmd: the sink the core's setters report to (it stamps each event
 * and keeps it in a bounded ring), the subscribers (client connections here, HTTP SSE
 * responses in http-sse.c), and events_subscribe.
 *
 * Events are sent at the end of the loop turn, not inside the setters: a setter runs in
 * the middle of other work (a reply half built, a node being lost), and one flush per
 * turn batches a burst. A subscriber whose unsent bytes pass event_queue_max, or that
 * fell so far behind that the ring dropped what it had not yet received, is dropped with
 * the reason; the loop never waits for anyone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "log.h"
#include "rm.h"
#include "timeutil.h"
#include "xmalloc.h"

struct rm_events {
	struct cev_ring ring;
	struct ev_sub *subs;
	struct mpw w;          /* for event messages: rmd->w may be half written */
};

/* A client connection that subscribed. */
struct tcp_sub {
	struct ev_sub s;
	struct rmd *rmd;
	struct peer *p;
	uint64_t req_id;       /* of events_subscribe: the final ERROR answers it */
};

static void sink(void *arg, struct cluster_event *ev)
{
	struct rmd *rmd = arg;

	ev->time_us = wall_us();
	cev_ring_push(&rmd->events->ring, ev);
	metrics_note_event(rmd, ev);
	if (rmd->events->subs != NULL)
		rmd_later(rmd, LATER_EVENTS);
}

void events_start(struct rmd *rmd)
{
	rmd->events = xcalloc(1, sizeof(*rmd->events));
	cev_ring_init(&rmd->events->ring, (size_t)rmd->conf.events_kept);
	mpw_init(&rmd->events->w);
	cev_set_sink(sink, rmd);
}

void events_stop(struct rmd *rmd)
{
	if (rmd->events == NULL)
		return;
	cev_set_sink(NULL, NULL);
	while (rmd->events->subs != NULL)
		rmd->events->subs->drop(rmd->events->subs, "rmd is shutting down");
	cev_ring_free(&rmd->events->ring);
	mpw_free(&rmd->events->w);
	free(rmd->events);
	rmd->events = NULL;
}

uint64_t events_last_seq(const struct rmd *rmd)
{
	return rmd->events->ring.last;
}

const struct cev_ring *events_ring(const struct rmd *rmd)
{
	return &rmd->events->ring;
}

/* Sends what s has not had yet; returns -1 when s was dropped. */
static int flush_one(struct rmd *rmd, struct ev_sub *s)
{
	const struct cev_ring *r = &rmd->events->ring;
	size_t max = (size_t)rmd->conf.event_queue_max_mb << 20;
	char why[128];

	if (s->next < r->first) {
		snprintf(why, sizeof(why), "event subscriber too slow: %llu events dropped by "
			 "the ring (events_kept)", (unsigned long long)(r->first - s->next));
		s->drop(s, why);
		return -1;
	}
	for (; s->next <= r->last; s->next++) {
		size_t q = s->queued(s);
		if (q > max) {
			snprintf(why, sizeof(why), "event subscriber too slow: %zu bytes unsent "
				 "(event_queue_max)", q);
			s->drop(s, why);
			return -1;
		}
		if (s->send(s, cev_ring_get(r, s->next)) < 0) {
			s->drop(s, "cannot send events");
			return -1;
		}
	}
	return 0;
}

void events_flush(struct rmd *rmd)
{
	struct ev_sub *s, *next;

	if (rmd->events == NULL)
		return;
	for (s = rmd->events->subs; s != NULL; s = next) {
		next = s->next_sub;
		flush_one(rmd, s);
	}
}

void events_subscribe(struct rmd *rmd, struct ev_sub *s, uint64_t backlog)
{
	const struct cev_ring *r = &rmd->events->ring;
	uint64_t kept = r->last >= r->first ? r->last - r->first + 1 : 0;
	struct cluster_event mark = { .seq = r->last, .kind = CEV_SNAPSHOT };

	s->next = r->last + 1 - (backlog < kept ? backlog : kept);
	s->prev_sub = NULL;
	s->next_sub = rmd->events->subs;
	if (s->next_sub != NULL)
		s->next_sub->prev_sub = s;
	rmd->events->subs = s;
	if (flush_one(rmd, s) < 0)
		return;
	mark.time_us = wall_us();
	snprintf(mark.text, sizeof(mark.text), "live events follow");
	if (s->send(s, &mark) < 0)
		s->drop(s, "cannot send events");
}

void events_unsubscribe(struct rmd *rmd, struct ev_sub *s)
{
	if (s->prev_sub != NULL)
		s->prev_sub->next_sub = s->next_sub;
	else if (rmd->events->subs == s)
		rmd->events->subs = s->next_sub;
	if (s->next_sub != NULL)
		s->next_sub->prev_sub = s->prev_sub;
	s->prev_sub = s->next_sub = NULL;
}

/* ---- client connections ------------------------------------------------------------ */

static int tcp_send(struct ev_sub *s, const struct cluster_event *ev)
{
	struct tcp_sub *t = (struct tcp_sub *)s;
	struct mpw *w = &t->rmd->events->w;
	struct msg_event m = { .seq = ev->seq, .time_us = ev->time_us };

	snprintf(m.kind, sizeof(m.kind), "%s", cev_kind_names[ev->kind]);
	snprintf(m.object, sizeof(m.object), "%s", ev->id);
	snprintf(m.node, sizeof(m.node), "%s", ev->node);
	snprintf(m.from, sizeof(m.from), "%s", ev->from);
	snprintf(m.to, sizeof(m.to), "%s", ev->to);
	snprintf(m.text, sizeof(m.text), "%s", ev->text);
	mpw_reset(w);
	msg_encode_event(w, &m);
	return peer_send(t->p, w);
}

static size_t tcp_queued(const struct ev_sub *s)
{
	return peer_outbuf_len(((const struct tcp_sub *)s)->p);
}

/* Tells the subscriber why (after what it already has queued), then closes. */
static void tcp_drop(struct ev_sub *s, const char *why)
{
	struct tcp_sub *t = (struct tcp_sub *)s;
	struct peer *p = t->p;

	events_unsubscribe(t->rmd, s);
	log_warn("events", "dropping subscriber %s: %s", peer_desc(p), why);
	if (!peer_is_closed(p)) {
		peer_send_error(p, t->req_id, ERR_UNAVAILABLE, "", "%s", why);
		peer_close_after_flush(p, why);
	}
	free(t);
}

static struct tcp_sub *tcp_find(struct rmd *rmd, const struct peer *p)
{
	for (struct ev_sub *s = rmd->events->subs; s != NULL; s = s->next_sub)
		if (s->send == tcp_send && ((struct tcp_sub *)s)->p == p)
			return (struct tcp_sub *)s;
	return NULL;
}

void events_peer_closed(struct rmd *rmd, struct peer *p)
{
	struct tcp_sub *t;

	if (rmd->events == NULL || (t = tcp_find(rmd, p)) == NULL)
		return;
	events_unsubscribe(rmd, &t->s);
	free(t);
}

void msg_events_subscribe(struct peer *p, uint64_t id, const msgpack_object *obj, void *ctx)
{
	struct rmd *rmd = ctx;
	struct msg_events_subscribe m;
	struct mpr_err e;

	if (msg_decode_events_subscribe(obj, &m, &e) < 0) {
		reply_bad(p, id, &e);
		return;
	}
	if (tcp_find(rmd, p) != NULL) {
		peer_send_error(p, id, ERR_CONFLICT, "", "already subscribed to events");
		return;
	}
	const struct cev_ring *r = &rmd->events->ring;
	struct mpw *w = reply_begin(rmd, id, 2);
	mpw_kuint(w, "seq", r->last);
	mpw_kuint(w, "first", r->first);
	reply_send(rmd, p);

	struct tcp_sub *t = xcalloc(1, sizeof(*t));
	t->rmd = rmd;
	t->p = p;
	t->req_id = id;
	t->s.send = tcp_send;
	t->s.queued = tcp_queued;
	t->s.drop = tcp_drop;
	events_subscribe(rmd, &t->s, (uint64_t)m.backlog);
}
