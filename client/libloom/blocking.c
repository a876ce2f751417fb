/*
 * The blocking layer for command-line tools: a connection with its own event_base, and
 * calls that run that loop until their reply, an error or a timeout arrives.
 */
#include <stdio.h>
#include <string.h>

#include "loom-int.h"
#include "timeutil.h"
#include "xmalloc.h"

/* Where one loom_call collects its outcome. */
struct call_state {
	bool done;
	int status;
	msgpack_unpacked *reply_out;
	struct msg_error *err_out;
};

struct loom_conn *loom_connect_blocking(const char *addr, const char *progname, char *err,
					size_t errlen)
{
	struct event_base *base = event_base_new();
	struct loom_conn_opts opts = { .name = progname, .role = ROLE_CLIENT };
	struct loom_conn *c;

	if (base == NULL) {
		snprintf(err, errlen, "cannot create an event loop");
		return NULL;
	}
	c = loom_conn_new(base, addr, &opts, NULL, err, errlen);
	if (c == NULL) {
		event_base_free(base);
		return NULL;
	}
	c->own_base = base;
	/* The connect timer bounds this loop. */
	while (c->state == LOOM_CONNECTING)
		event_base_loop(base, EVLOOP_ONCE);
	if (c->state != LOOM_READY) {
		snprintf(err, errlen, "%s (is rmd running? set --rm or LOOM_RM)", c->close_reason);
		loom_conn_close(c);
		return NULL;
	}
	return c;
}

/*
 * Copies a reply out of the peer's read buffer (the object given to the callback dies when
 * the callback returns): pack it again, then unpack with an unpacker, whose zone keeps a
 * reference to the bytes (msgpack_unpack_next would point into a buffer we free).
 */
static void copy_reply(const msgpack_object *obj, msgpack_unpacked *out)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_unpacker up;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_object(&pk, *obj);
	if (msgpack_unpacker_init(&up, sb.size) &&
	    msgpack_unpacker_reserve_buffer(&up, sb.size)) {
		memcpy(msgpack_unpacker_buffer(&up), sb.data, sb.size);
		msgpack_unpacker_buffer_consumed(&up, sb.size);
		msgpack_unpacker_next(&up, out);
		msgpack_unpacker_destroy(&up);
	}
	msgpack_sbuffer_destroy(&sb);
}

static void call_done(struct loom_conn *c, int status, const msgpack_object *reply,
		      const struct msg_error *err, void *arg)
{
	struct call_state *st = arg;

	st->done = true;
	st->status = status;
	if (reply != NULL)
		copy_reply(reply, st->reply_out);
	if (err != NULL)
		*st->err_out = *err;
}

static void call_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct call_state *st = arg;

	st->done = true;
	st->status = LOOM_ETIMEOUT;
}

static int call_fail(struct msg_error *err_out, int status, const char *why)
{
	/* Cut to fit: the close reason can be longer than a message. */
	size_t n = strnlen(why, sizeof err_out->message - 1);

	err_out->code = 0;
	err_out->field[0] = '\0';
	memcpy(err_out->message, why, n);
	err_out->message[n] = '\0';
	return status;
}

int loom_call(struct loom_conn *c, int type, loom_build_fn build, const void *arg,
	      msgpack_unpacked *reply_out, struct msg_error *err_out)
{
	struct call_state st = { .reply_out = reply_out, .err_out = err_out };
	struct mpw w;
	uint64_t id;
	char d[32];

	msgpack_unpacked_init(reply_out);
	memset(err_out, 0, sizeof *err_out);
	if (c->own_base == NULL)
		return call_fail(err_out, LOOM_EUSAGE, "loom_call needs loom_connect_blocking");
	if (c->state != LOOM_READY)
		return call_fail(err_out, LOOM_ECONN, c->close_reason[0] ? c->close_reason
									 : "not connected to rmd");
	mpw_init(&w);
	id = loom_next_id(c);
	if (build != NULL)
		build(&w, type, id, arg);
	else
		mpw_msg(&w, type, id, 0);
	if (loom_request(c, &w, call_done, &st) == 0) {
		mpw_free(&w);
		if (c->state != LOOM_READY)
			return call_fail(err_out, LOOM_ECONN, c->close_reason);
		return call_fail(err_out, LOOM_EUSAGE, "request is not a message map");
	}
	mpw_free(&w);

	struct event *timer = evtimer_new(c->own_base, call_timeout, &st);
	struct timeval tv = tv_from_ms(c->call_timeout_ms);
	evtimer_add(timer, &tv);
	while (!st.done)
		event_base_loop(c->own_base, EVLOOP_ONCE);
	event_free(timer);
	if (st.status == LOOM_ETIMEOUT) {
		loom_cancel(c, id);
		snprintf(err_out->message, sizeof err_out->message,
			 "no reply from rmd at %s to %s within %s", c->addr, msg_type_name(type),
			 fmt_duration_ms(c->call_timeout_ms, d, sizeof d));
	}
	return st.status;
}

void loom_set_call_timeout(struct loom_conn *c, int64_t ms)
{
	c->call_timeout_ms = ms > 0 ? ms : LOOM_CALL_TIMEOUT_MS;
}

static void sleep_done(evutil_socket_t fd, short what, void *arg)
{
	*(bool *)arg = true;
}

void loom_sleep(struct loom_conn *c, int64_t ms)
{
	bool done = false;
	struct event *timer = evtimer_new(c->base, sleep_done, &done);
	struct timeval tv = tv_from_ms(ms);

	evtimer_add(timer, &tv);
	while (!done)
		event_base_loop(c->base, EVLOOP_ONCE);
	event_free(timer);
}

void loom_conn_close(struct loom_conn *c)
{
	struct event_base *base;

	if (c == NULL)
		return;
	base = c->own_base;
	loom_conn_free(c);
	if (base == NULL)
		return;
	/* The peer frees itself on a later loop turn: give it that turn before the base goes. */
	event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_free(base);
}
