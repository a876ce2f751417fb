/*
 * One connection, either end: framing, decoding into a msgpack object, a bounded send
 * queue, and a callback per message. rmd, nodeagent and every client use this same code
 * (as tmux's proc.c serves both its server and client).
 *
 * Lifetime: a peer is never freed inside its own callbacks. peer_close() marks it closed,
 * calls close_cb once, and frees it on a later loop turn. After peer_close() the caller
 * must drop its pointer.
 */
#ifndef LOOM_PEER_H
#define LOOM_PEER_H

#include <event2/event.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "mpw.h"

struct peer;

/* A whole, well-formed message: a map with an integer "t". obj lives until return. */
typedef void (*peer_msg_cb)(struct peer *p, int type, uint64_t id, const msgpack_object *obj,
			    void *arg);
/* The connection is gone (EOF, error, bad frame, peer_close). Called exactly once. */
typedef void (*peer_close_cb)(struct peer *p, const char *why, void *arg);
/* An outgoing connection finished connecting (ok) or failed (why says how). A failure is
 * reported here only, not also through on_close (unless on_connect is NULL): the peer is
 * then already closed and freed after the callback, so drop the pointer. */
typedef void (*peer_connect_cb)(struct peer *p, bool ok, const char *why, void *arg);

struct peer_opts {
	size_t max_frame;       /* frames over this close the connection; 0 = default */
	size_t max_outbuf;      /* unsent bytes over this close the connection; 0 = 64 MiB */
	int max_msgs_per_wake;  /* messages handled per read wake-up; 0 = 64 */
	int64_t idle_timeout_ms;/* close when nothing is read for this long; 0 = never */
};

struct peer_cbs {
	peer_msg_cb on_msg;
	peer_close_cb on_close;
	peer_connect_cb on_connect; /* only for peer_connect */
	void *arg;
};

/* Wraps an accepted socket (made non-blocking here). desc names it in logs ("127.0.0.1:5123"). */
struct peer *peer_accept(struct event_base *base, int fd, const char *desc,
			 const struct peer_opts *opts, const struct peer_cbs *cbs);
/* Starts connecting to host:port; on_connect reports the outcome. NULL only on bad args. */
struct peer *peer_connect(struct event_base *base, const char *host, int port,
			  const struct peer_opts *opts, const struct peer_cbs *cbs);

/* Queues one frame holding w's bytes. Returns -1 if the peer is closed or over its limit
 * (the peer is then closed). */
int peer_send(struct peer *p, const struct mpw *w);
/* Sends ERROR for request id and keeps the connection. */
int peer_send_error(struct peer *p, uint64_t id, int code, const char *field, const char *fmt,
		    ...) __attribute__((format(printf, 5, 6)));
/* Closes now: on_close(why) is called, the memory is freed on a later loop turn. */
void peer_close(struct peer *p, const char *why);
/* Closes once everything queued is written (used after a fatal ERROR reply). */
void peer_close_after_flush(struct peer *p, const char *why);
bool peer_is_closed(const struct peer *p);

const char *peer_desc(const struct peer *p);
int peer_role(const struct peer *p);
void peer_set_role(struct peer *p, int role);
void *peer_data(const struct peer *p);
void peer_set_data(struct peer *p, void *data);
/* The next request id for messages this side originates (1, 2, 3 ...). */
uint64_t peer_next_id(struct peer *p);
size_t peer_outbuf_len(const struct peer *p);

#endif
