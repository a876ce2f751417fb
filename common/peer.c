/*
 * One connection, either end: a bufferevent, the framing of frame.c, decoding into a
 * msgpack object per message, a bounded send queue, and deferred freeing so that a peer
 * can be closed from inside any of its own callbacks.
 */
#include "peer.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "frame.h"
#include "log.h"
#include "net.h"
#include "proto.h"
#include "timeutil.h"
#include "xmalloc.h"

#define OUTBUF_DEFAULT (64u * 1024 * 1024)
#define MSGS_PER_WAKE_DEFAULT 64
#define FLUSH_TIMEOUT_MS 10000

struct peer {
	struct event_base *base;
	struct bufferevent *bev;
	struct event *more;      /* zero-timeout re-read when a wake-up hit its cap */
	char desc[96];
	struct peer_opts opts;
	struct peer_cbs cbs;
	int role;
	void *data;
	uint64_t next_id;
	bool connecting;
	bool closed;             /* on_close was called; only the free is left */
	bool flushing;           /* closing once the output is written */
	char flush_why[128];
};

static void peer_read_cb(struct bufferevent *bev, void *arg);
static void peer_write_cb(struct bufferevent *bev, void *arg);
static void peer_event_cb(struct bufferevent *bev, short what, void *arg);
static void peer_drain(struct peer *p);

static void peer_more_cb(evutil_socket_t fd, short what, void *arg)
{
	peer_drain(arg);
}

static struct peer *peer_new(struct event_base *base, int fd, const char *desc,
			     const struct peer_opts *opts, const struct peer_cbs *cbs)
{
	struct peer *p = xcalloc(1, sizeof *p);

	p->base = base;
	snprintf(p->desc, sizeof p->desc, "%s", desc);
	if (opts != NULL)
		p->opts = *opts;
	if (p->opts.max_frame == 0)
		p->opts.max_frame = FRAME_MAX_DEFAULT;
	if (p->opts.max_outbuf == 0)
		p->opts.max_outbuf = OUTBUF_DEFAULT;
	if (p->opts.max_msgs_per_wake <= 0)
		p->opts.max_msgs_per_wake = MSGS_PER_WAKE_DEFAULT;
	p->cbs = *cbs;
	p->next_id = 1;
	/* libevent 2.1 has no BEV_OPT_CLOSE_ON_EXEC: our sockets are made close-on-exec
	 * before they get here, so forked tasks never inherit them. */
	p->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	p->more = evtimer_new(base, peer_more_cb, p);
	if (p->bev == NULL || p->more == NULL)
		fatal("peer %s: cannot allocate its events", desc);
	bufferevent_setcb(p->bev, peer_read_cb, peer_write_cb, peer_event_cb, p);
	/* A whole frame fits; beyond that the kernel buffers, so a fast sender is slowed. */
	bufferevent_setwatermark(p->bev, EV_READ, 0, p->opts.max_frame + FRAME_HDR_LEN);
	if (p->opts.idle_timeout_ms > 0) {
		struct timeval tv = tv_from_ms(p->opts.idle_timeout_ms);
		bufferevent_set_timeouts(p->bev, &tv, NULL);
	}
	return p;
}

struct peer *peer_accept(struct event_base *base, int fd, const char *desc,
			 const struct peer_opts *opts, const struct peer_cbs *cbs)
{
	evutil_make_socket_nonblocking(fd);
	evutil_make_socket_closeonexec(fd);
	net_nodelay(fd);
	struct peer *p = peer_new(base, fd, desc, opts, cbs);
	bufferevent_enable(p->bev, EV_READ | EV_WRITE);
	return p;
}

struct peer *peer_connect(struct event_base *base, const char *host, int port,
			  const struct peer_opts *opts, const struct peer_cbs *cbs)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *ai;
	char portstr[16], desc[96];

	if (port <= 0 || port > 65535)
		return NULL;
	snprintf(portstr, sizeof portstr, "%d", port);
	if (getaddrinfo(host && host[0] ? host : "127.0.0.1", portstr, &hints, &ai) != 0)
		return NULL;
	snprintf(desc, sizeof desc, "%s:%d", host && host[0] ? host : "127.0.0.1", port);
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		freeaddrinfo(ai);
		return NULL;
	}
	net_nodelay(fd);
	struct peer *p = peer_new(base, fd, desc, opts, cbs);
	p->connecting = true;
	/* Failures, even immediate ones, arrive later through peer_event_cb. */
	if (bufferevent_socket_connect(p->bev, ai->ai_addr, (int)ai->ai_addrlen) < 0) {
		freeaddrinfo(ai);
		bufferevent_free(p->bev);
		event_free(p->more);
		free(p);
		return NULL;
	}
	freeaddrinfo(ai);
	bufferevent_enable(p->bev, EV_READ | EV_WRITE);
	return p;
}

static void peer_free_cb(evutil_socket_t fd, short what, void *arg)
{
	struct peer *p = arg;

	bufferevent_free(p->bev);
	event_free(p->more);
	free(p);
}

void peer_close(struct peer *p, const char *why)
{
	if (p->closed)
		return;
	p->closed = true;
	bufferevent_disable(p->bev, EV_READ | EV_WRITE);
	bufferevent_setcb(p->bev, NULL, NULL, NULL, NULL);
	event_del(p->more);
	log_debug("peer", "%s: closed: %s", p->desc, why);
	if (p->cbs.on_close != NULL)
		p->cbs.on_close(p, why, p->cbs.arg);
	/* Never freed here: the caller may be deep inside one of this peer's callbacks. */
	struct timeval zero = { 0, 0 };
	if (event_base_once(p->base, -1, EV_TIMEOUT, peer_free_cb, p, &zero) < 0)
		log_error("peer", "%s: cannot schedule its free; leaking it", p->desc);
}

void peer_close_after_flush(struct peer *p, const char *why)
{
	if (p->closed || p->flushing)
		return;
	if (evbuffer_get_length(bufferevent_get_output(p->bev)) == 0) {
		peer_close(p, why);
		return;
	}
	p->flushing = true;
	snprintf(p->flush_why, sizeof p->flush_why, "%s", why);
	bufferevent_disable(p->bev, EV_READ);
	/* An other end that never reads must not keep us waiting for ever. */
	struct timeval flush_tv = tv_from_ms(FLUSH_TIMEOUT_MS);
	bufferevent_set_timeouts(p->bev, NULL, &flush_tv);
}

static void peer_write_cb(struct bufferevent *bev, void *arg)
{
	struct peer *p = arg;

	if (p->flushing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		peer_close(p, p->flush_why);
}

/* A failed connect is reported by on_connect alone; the peer is then already closed. */
static void peer_connect_failed(struct peer *p, const char *why)
{
	p->closed = true;
	bufferevent_disable(p->bev, EV_READ | EV_WRITE);
	bufferevent_setcb(p->bev, NULL, NULL, NULL, NULL);
	if (p->cbs.on_connect != NULL)
		p->cbs.on_connect(p, false, why, p->cbs.arg);
	else if (p->cbs.on_close != NULL)
		p->cbs.on_close(p, why, p->cbs.arg);
	struct timeval zero = { 0, 0 };
	if (event_base_once(p->base, -1, EV_TIMEOUT, peer_free_cb, p, &zero) < 0)
		log_error("peer", "%s: cannot schedule its free; leaking it", p->desc);
}

static void peer_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct peer *p = arg;
	char why[160];

	if (what & BEV_EVENT_CONNECTED) {
		p->connecting = false;
		if (p->cbs.on_connect != NULL)
			p->cbs.on_connect(p, true, NULL, p->cbs.arg);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT && p->flushing)
		snprintf(why, sizeof why, "%s (not all of it sent)", p->flush_why);
	else if (what & BEV_EVENT_TIMEOUT)
		snprintf(why, sizeof why, "idle for %lld ms", (long long)p->opts.idle_timeout_ms);
	else if (what & BEV_EVENT_EOF)
		snprintf(why, sizeof why, "connection closed by the other end");
	else
		snprintf(why, sizeof why, "%s",
			 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	if (p->connecting)
		peer_connect_failed(p, why);
	else
		peer_close(p, why);
}

/* A fatal protocol error: tell the other end why, then close once that is written. */
static void peer_fatal(struct peer *p, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void peer_fatal(struct peer *p, int code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_warn("peer", "%s: %s; closing", p->desc, msg);
	peer_send_error(p, 0, code, "", "%s", msg);
	peer_close_after_flush(p, msg);
}

/* Decodes one frame and hands it to on_msg. */
static void peer_handle(struct peer *p, const char *body, size_t len)
{
	msgpack_unpacked u;
	struct mpr_err e;
	int type;
	uint64_t id;

	msgpack_unpacked_init(&u);
	if (mpr_unpack(&u, body, len, &e) < 0)
		peer_fatal(p, ERR_MALFORMED, "malformed message: %s", e.msg);
	else if (msg_envelope(&u.data, &type, &id, &e) < 0)
		peer_fatal(p, ERR_MALFORMED, "malformed message: %s%s%s", e.field,
			   e.field[0] ? " " : "", e.msg);
	else if (p->cbs.on_msg != NULL)
		p->cbs.on_msg(p, type, id, &u.data, p->cbs.arg);
	msgpack_unpacked_destroy(&u);
}

/* Handles up to max_msgs_per_wake frames; more are left for a later loop turn. */
static void peer_drain(struct peer *p)
{
	struct evbuffer *in = bufferevent_get_input(p->bev);

	for (int n = 0; !p->closed && !p->flushing; n++) {
		char *body;
		size_t len;
		if (n == p->opts.max_msgs_per_wake) {
			/* Let other peers run first; a zero timeout waits for the next turn. */
			struct timeval zero = { 0, 0 };
			if (evbuffer_get_length(in) >= FRAME_HDR_LEN)
				evtimer_add(p->more, &zero);
			return;
		}
		switch (frame_pull(in, p->opts.max_frame, &body, &len)) {
		case FRAME_NEED_MORE:
			return;
		case FRAME_TOO_BIG:
			peer_fatal(p, ERR_TOO_BIG, "frame of %zu bytes is over the limit of %zu",
				   len, p->opts.max_frame);
			return;
		case FRAME_EMPTY:
			peer_fatal(p, ERR_TOO_BIG, "empty frame");
			return;
		case FRAME_READY:
			peer_handle(p, body, len);
			free(body);
			break;
		}
	}
}

static void peer_read_cb(struct bufferevent *bev, void *arg)
{
	peer_drain(arg);
}

int peer_send(struct peer *p, const struct mpw *w)
{
	if (p->closed || p->flushing)
		return -1;
	struct evbuffer *out = bufferevent_get_output(p->bev);
	if (evbuffer_get_length(out) + mpw_len(w) + FRAME_HDR_LEN > p->opts.max_outbuf) {
		log_warn("peer", "%s: send queue over %zu bytes; closing", p->desc,
			 p->opts.max_outbuf);
		peer_close(p, "send queue over its limit");
		return -1;
	}
	if (frame_push(out, mpw_data(w), mpw_len(w)) < 0)
		return -1;
	return 0;
}

int peer_send_error(struct peer *p, uint64_t id, int code, const char *field, const char *fmt,
		    ...)
{
	char msg[PROTO_REASON_MAX];
	struct mpw w;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	mpw_init(&w);
	msg_encode_error(&w, id, code, field, msg);
	int rc = peer_send(p, &w);
	mpw_free(&w);
	return rc;
}

bool peer_is_closed(const struct peer *p)
{
	return p->closed || p->flushing;
}

const char *peer_desc(const struct peer *p)
{
	return p->desc;
}

int peer_role(const struct peer *p)
{
	return p->role;
}

void peer_set_role(struct peer *p, int role)
{
	p->role = role;
}

void *peer_data(const struct peer *p)
{
	return p->data;
}

void peer_set_data(struct peer *p, void *data)
{
	p->data = data;
}

uint64_t peer_next_id(struct peer *p)
{
	return p->next_id++;
}

size_t peer_outbuf_len(const struct peer *p)
{
	return evbuffer_get_length(bufferevent_get_output(p->bev));
}
