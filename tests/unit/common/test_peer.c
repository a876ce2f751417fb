/*
 * Peers on a real event loop: messages both ways, the per-wake cap, over-limit and
 * malformed frames (the sender is told why, then the connection closes), closing from
 * inside a callback, sends after close, connecting over loopback, idle timeouts, and the
 * dispatch table's policy checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dispatch.h"
#include "frame.h"
#include "net.h"
#include "peer.h"
#include "proto.h"
#include "timeutil.h"

/* What one end saw. */
struct side {
	struct peer *p;
	int nmsg;
	int types[256];
	uint64_t ids[256];
	int nclose;
	char why[256];
	int nerr;
	struct msg_error err;
	int connected;             /* 1 ok, -1 failed */
	char connect_why[256];
	bool close_on_first;       /* peer_close inside on_msg */
	int send_in_close_rc;      /* peer_send from inside on_close */
};

static void on_msg(struct peer *p, int type, uint64_t id, const msgpack_object *o, void *arg)
{
	struct side *s = arg;
	struct mpr_err e;

	if (s->nmsg < 256) {
		s->types[s->nmsg] = type;
		s->ids[s->nmsg] = id;
	}
	s->nmsg++;
	if (type == MSG_ERROR && msg_decode_error(o, &s->err, &e) == 0)
		s->nerr++;
	if (s->close_on_first) {
		peer_close(p, "closed by handler");
		assert_true(peer_is_closed(p)); /* still valid memory until a later turn */
		peer_close(p, "again");         /* a no-op */
		assert_int_equal(s->nclose, 1);
	}
}

static void on_close(struct peer *p, const char *why, void *arg)
{
	struct side *s = arg;
	struct mpw w;

	s->nclose++;
	snprintf(s->why, sizeof s->why, "%s", why);
	mpw_init(&w);
	mpw_msg(&w, MSG_HELLO, 1, 0);
	s->send_in_close_rc = peer_send(p, &w);
	mpw_free(&w);
	s->p = NULL;
}

static void on_connect(struct peer *p, bool ok, const char *why, void *arg)
{
	struct side *s = arg;
	s->connected = ok ? 1 : -1;
	snprintf(s->connect_why, sizeof s->connect_why, "%s", why ? why : "");
	if (!ok)
		s->p = NULL;
}

static struct peer_cbs cbs_for(struct side *s)
{
	struct peer_cbs c = { on_msg, on_close, on_connect, s };
	return c;
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
}

/* Runs the loop until done(arg) or 5 seconds pass. */
static void run_until(struct event_base *base, bool (*done)(void *), void *arg)
{
	struct event *t = event_new(base, -1, EV_PERSIST, tick, NULL);
	struct timeval tv = { 0, 10000 };
	int64_t deadline = mono_ms() + 5000;

	event_add(t, &tv);
	while (!done(arg) && mono_ms() < deadline)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(t);
	assert_true(done(arg));
}

/* Lets deferred frees run, then frees the base (LeakSanitizer checks the rest). */
static void finish(struct event_base *base)
{
	for (int i = 0; i < 5; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_free(base);
}

static void pair(int fds[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
}

static void send_msg(struct peer *p, int type, uint64_t id, size_t pad)
{
	struct mpw w;
	mpw_init(&w);
	mpw_msg(&w, type, id, pad ? 1 : 0);
	if (pad) {
		char *s = calloc(1, pad + 1);
		memset(s, 'p', pad);
		mpw_kstr(&w, "pad", s);
		free(s);
	}
	assert_int_equal(peer_send(p, &w), 0);
	mpw_free(&w);
}

static struct side *A, *B;

static bool b_has_100(void *arg)
{
	return B->nmsg >= 100 && A->nmsg >= 1;
}

static bool both_closed(void *arg)
{
	return A->nclose == 1 && B->nclose == 1;
}

static void test_exchange(void **state)
{
	struct side a = { 0 }, b = { 0 };
	struct event_base *base = event_base_new();
	struct peer_opts small = { .max_msgs_per_wake = 3 };
	int fds[2];

	A = &a, B = &b;
	pair(fds);
	struct peer_cbs ca = cbs_for(&a), cb = cbs_for(&b);
	a.p = peer_accept(base, fds[0], "a", NULL, &ca);
	b.p = peer_accept(base, fds[1], "b", &small, &cb);
	assert_string_equal(peer_desc(a.p), "a");
	for (int i = 0; i < 100; i++)
		send_msg(a.p, MSG_JOB_INFO, peer_next_id(a.p), (size_t)i * 10);
	send_msg(b.p, MSG_REPLY, 77, 0);
	run_until(base, b_has_100, NULL);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(b.types[i], MSG_JOB_INFO);
		assert_int_equal(b.ids[i], (uint64_t)i + 1);
	}
	assert_int_equal(a.types[0], MSG_REPLY);
	assert_int_equal(a.ids[0], 77);
	peer_set_role(b.p, ROLE_CLIENT);
	assert_int_equal(peer_role(b.p), ROLE_CLIENT);
	peer_set_data(b.p, &b);
	assert_ptr_equal(peer_data(b.p), &b);
	peer_close(a.p, "done");
	run_until(base, both_closed, NULL);
	assert_string_equal(a.why, "done");
	assert_non_null(strstr(b.why, "closed by the other end"));
	assert_int_equal(a.send_in_close_rc, -1); /* send after close fails */
	finish(base);
}

static bool b_closed_a_told(void *arg)
{
	return B->nclose == 1 && A->nerr == 1 && A->nclose == 1;
}

/* Over-limit frame: B tells A (ERR_TOO_BIG), then B closes; A sees the error, then EOF. */
static void test_too_big(void **state)
{
	struct side a = { 0 }, b = { 0 };
	struct event_base *base = event_base_new();
	struct peer_opts tiny = { .max_frame = 64 };
	int fds[2];

	A = &a, B = &b;
	pair(fds);
	struct peer_cbs ca = cbs_for(&a), cb = cbs_for(&b);
	a.p = peer_accept(base, fds[0], "a", NULL, &ca);
	b.p = peer_accept(base, fds[1], "b", &tiny, &cb);
	send_msg(a.p, MSG_JOB_LIST, 1, 10);  /* fits */
	send_msg(a.p, MSG_JOB_LIST, 2, 200); /* does not */
	send_msg(a.p, MSG_JOB_LIST, 3, 10);  /* never read */
	run_until(base, b_closed_a_told, NULL);
	assert_int_equal(b.nmsg, 1);
	assert_int_equal(a.err.code, ERR_TOO_BIG);
	assert_non_null(strstr(b.why, "over the limit"));
	finish(base);
}

static bool b_closed(void *arg)
{
	return B->nclose == 1;
}

/* Reads everything the other end wrote to a raw fd and returns the first frame's error. */
static int read_error_code(int fd)
{
	struct evbuffer *in = evbuffer_new();
	char buf[4096], *body;
	size_t len;
	ssize_t n;
	int code = -1;

	while ((n = read(fd, buf, sizeof buf)) > 0)
		evbuffer_add(in, buf, (size_t)n);
	assert_int_equal(n, 0); /* EOF: the peer closed */
	if (frame_pull(in, FRAME_MAX_DEFAULT, &body, &len) == FRAME_READY) {
		msgpack_unpacked u;
		struct mpr_err e;
		struct msg_error m;
		int t;
		uint64_t id;
		msgpack_unpacked_init(&u);
		if (mpr_unpack(&u, body, len, &e) == 0 && msg_envelope(&u.data, &t, &id, &e) == 0 &&
		    t == MSG_ERROR && msg_decode_error(&u.data, &m, &e) == 0)
			code = m.code;
		msgpack_unpacked_destroy(&u);
		free(body);
	}
	evbuffer_free(in);
	return code;
}

/* Writes raw bytes into a peer and returns the error code it answered before closing. */
static int raw_exchange(const void *bytes, size_t len, const struct peer_opts *opts)
{
	struct side b = { 0 };
	struct event_base *base = event_base_new();
	int fds[2];

	B = &b;
	pair(fds);
	struct peer_cbs cb = cbs_for(&b);
	b.p = peer_accept(base, fds[1], "b", opts, &cb);
	assert_int_equal(write(fds[0], bytes, len), (ssize_t)len);
	run_until(base, b_closed, NULL);
	finish(base);
	int code = read_error_code(fds[0]);
	close(fds[0]);
	assert_int_equal(b.nmsg, 0);
	return code;
}

static void test_garbage(void **state)
{
	/* a frame holding a byte that is never msgpack */
	assert_int_equal(raw_exchange("\0\0\0\1\xc1", 5, NULL), ERR_MALFORMED);
	/* valid msgpack, but an array */
	assert_int_equal(raw_exchange("\0\0\0\2\x91\x01", 6, NULL), ERR_MALFORMED);
	/* a map without t */
	assert_int_equal(raw_exchange("\0\0\0\4\x81\xa1x\x01", 8, NULL), ERR_MALFORMED);
	/* two objects in one frame */
	assert_int_equal(raw_exchange("\0\0\0\5\x81\xa1t\x01\x80", 9, NULL), ERR_MALFORMED);
	/* an empty frame */
	assert_int_equal(raw_exchange("\0\0\0\0", 4, NULL), ERR_TOO_BIG);
	/* an announced length over the limit, with no body sent */
	struct peer_opts tiny = { .max_frame = 100 };
	assert_int_equal(raw_exchange("\0\0\1\0", 4, &tiny), ERR_TOO_BIG);
}

static bool b_closed_once(void *arg)
{
	return B->nclose == 1;
}

/* peer_close inside on_msg: no further messages, on_close once, no use after free. */
static void test_close_in_on_msg(void **state)
{
	struct side a = { 0 }, b = { .close_on_first = true };
	struct event_base *base = event_base_new();
	int fds[2];

	A = &a, B = &b;
	pair(fds);
	struct peer_cbs ca = cbs_for(&a), cb = cbs_for(&b);
	a.p = peer_accept(base, fds[0], "a", NULL, &ca);
	b.p = peer_accept(base, fds[1], "b", NULL, &cb);
	for (int i = 0; i < 10; i++)
		send_msg(a.p, MSG_JOB_LIST, (uint64_t)i, 0);
	run_until(base, b_closed_once, NULL);
	assert_int_equal(b.nmsg, 1);
	assert_string_equal(b.why, "closed by handler");
	run_until(base, both_closed, NULL);
	finish(base);
}

static void test_outbuf_limit(void **state)
{
	struct side a = { 0 };
	struct event_base *base = event_base_new();
	struct peer_opts small = { .max_outbuf = 1000 };
	int fds[2];

	pair(fds);
	struct peer_cbs ca = cbs_for(&a);
	a.p = peer_accept(base, fds[0], "a", &small, &ca);
	send_msg(a.p, MSG_JOB_LIST, 1, 500);
	assert_true(peer_outbuf_len(a.p) > 500);
	struct mpw w;
	mpw_init(&w);
	mpw_msg(&w, MSG_JOB_LIST, 2, 1);
	mpw_kstr(&w, "pad", "................................................................"
			    "................................................................"
			    "................................................................"
			    "................................................................"
			    "................................................................"
			    "................................................................"
			    "................................................................"
			    "................................................................");
	assert_int_equal(peer_send(a.p, &w), -1);
	mpw_free(&w);
	assert_int_equal(a.nclose, 1);
	assert_non_null(strstr(a.why, "send queue"));
	finish(base);
	close(fds[1]);
}

static bool a_closed(void *arg)
{
	return A->nclose == 1;
}

static void test_idle_timeout(void **state)
{
	struct side a = { 0 };
	struct event_base *base = event_base_new();
	struct peer_opts idle = { .idle_timeout_ms = 50 };
	int fds[2];

	A = &a;
	pair(fds);
	struct peer_cbs ca = cbs_for(&a);
	a.p = peer_accept(base, fds[0], "a", &idle, &ca);
	run_until(base, a_closed, NULL);
	assert_non_null(strstr(a.why, "idle"));
	finish(base);
	close(fds[1]);
}

/* A loopback listener that wraps each accepted socket in a peer for side B. */
static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	static struct peer_cbs cb;
	cb = cbs_for(B);
	B->p = peer_accept(arg, fd, "accepted", NULL, &cb);
}

static bool connected_and_heard(void *arg)
{
	return A->connected == 1 && B->nmsg == 1;
}

static bool connect_failed(void *arg)
{
	return A->connected == -1;
}

static void test_connect(void **state)
{
	struct side a = { 0 }, b = { 0 };
	struct event_base *base = event_base_new();
	char err[128];

	A = &a, B = &b;
	int lfd = net_listen("127.0.0.1", 0, err, sizeof err);
	assert_true(lfd >= 0);
	int port = net_local_port(lfd);
	struct event *lev = event_new(base, lfd, EV_READ | EV_PERSIST, on_accept, base);
	event_add(lev, NULL);
	struct peer_cbs ca = cbs_for(&a);
	a.p = peer_connect(base, "127.0.0.1", port, NULL, &ca);
	assert_non_null(a.p);
	send_msg(a.p, MSG_HELLO, 1, 0); /* queued until connected */
	run_until(base, connected_and_heard, NULL);
	assert_int_equal(b.types[0], MSG_HELLO);
	peer_close(b.p, "bye");
	run_until(base, both_closed, NULL);
	event_free(lev);
	close(lfd);

	/* nothing listens on a port that was just closed */
	struct side c = { 0 };
	A = &c;
	struct peer_cbs cc = cbs_for(&c);
	c.p = peer_connect(base, "127.0.0.1", port, NULL, &cc);
	assert_non_null(c.p);
	run_until(base, connect_failed, NULL);
	assert_int_equal(c.nclose, 0); /* reported by on_connect alone */
	assert_true(c.connect_why[0] != '\0');
	assert_null(peer_connect(base, "no.such.host.invalid", 1, NULL, &cc));
	assert_null(peer_connect(base, "127.0.0.1", 0, NULL, &cc));
	finish(base);
}

/* ---- dispatch --------------------------------------------------------------------- */

static int handled;

static void h_hello(struct peer *p, uint64_t id, const msgpack_object *o, void *ctx)
{
	struct msg_hello h;
	struct mpr_err e;
	assert_int_equal(msg_decode_hello(o, &h, &e), 0);
	peer_set_role(p, h.role);
	handled++;
}

static void h_submit(struct peer *p, uint64_t id, const msgpack_object *o, void *ctx)
{
	handled++;
}

static const struct dispatch_entry table[] = {
	{ MSG_HELLO, 0, h_hello },
	{ MSG_JOB_SUBMIT, ROLE_CLIENT | ROLE_FRAMEWORK, h_submit },
	{ MSG_NODE_HEARTBEAT, ROLE_NODE, h_submit },
};

static void on_dispatch(struct peer *p, int type, uint64_t id, const msgpack_object *o,
			void *arg)
{
	dispatch(table, sizeof table / sizeof table[0], p, type, id, o, NULL);
}

static bool a_has_3_errors(void *arg)
{
	return A->nerr >= 3 && handled >= 3;
}

static void test_dispatch(void **state)
{
	struct side a = { 0 }, b = { 0 };
	struct event_base *base = event_base_new();
	int fds[2];
	struct mpw w;

	A = &a, B = &b;
	handled = 0;
	pair(fds);
	struct peer_cbs ca = cbs_for(&a), cb = { on_dispatch, on_close, NULL, &b };
	a.p = peer_accept(base, fds[0], "a", NULL, &ca);
	b.p = peer_accept(base, fds[1], "b", NULL, &cb);
	send_msg(a.p, MSG_JOB_SUBMIT, 1, 0); /* before hello */
	mpw_init(&w);
	struct msg_hello h = { .role = ROLE_CLIENT, .version = 1 };
	msg_encode_hello(&w, 2, &h);
	peer_send(a.p, &w);
	mpw_free(&w);
	send_msg(a.p, MSG_JOB_SUBMIT, 3, 0);     /* allowed */
	send_msg(a.p, MSG_NODE_HEARTBEAT, 4, 0); /* not for clients */
	send_msg(a.p, 999, 5, 0);                /* unknown */
	send_msg(a.p, MSG_JOB_SUBMIT, 6, 0);     /* allowed */
	run_until(base, a_has_3_errors, NULL);
	assert_int_equal(handled, 3);
	assert_int_equal(a.nmsg, 3);
	assert_int_equal(a.ids[0], 1);
	assert_int_equal(a.ids[1], 4);
	assert_int_equal(a.ids[2], 5);
	assert_int_equal(a.err.code, ERR_UNKNOWN_TYPE);
	assert_int_equal(peer_role(b.p), ROLE_CLIENT);
	peer_close(a.p, "done");
	run_until(base, both_closed, NULL);
	finish(base);
}

static bool a_has_need_hello(void *arg)
{
	return A->nerr >= 1;
}

static void test_dispatch_codes(void **state)
{
	struct side a = { 0 }, b = { 0 };
	struct event_base *base = event_base_new();
	int fds[2];

	A = &a, B = &b;
	pair(fds);
	struct peer_cbs ca = cbs_for(&a), cb = { on_dispatch, on_close, NULL, &b };
	a.p = peer_accept(base, fds[0], "a", NULL, &ca);
	b.p = peer_accept(base, fds[1], "b", NULL, &cb);
	send_msg(a.p, MSG_NODE_HEARTBEAT, 1, 0);
	run_until(base, a_has_need_hello, NULL);
	assert_int_equal(a.err.code, ERR_NEED_HELLO);
	peer_set_role(b.p, ROLE_CLIENT);
	a.nerr = 0;
	send_msg(a.p, MSG_NODE_HEARTBEAT, 2, 0);
	run_until(base, a_has_need_hello, NULL);
	assert_int_equal(a.err.code, ERR_NOT_ALLOWED);
	assert_non_null(strstr(a.err.message, "client"));
	peer_close(b.p, "done");
	run_until(base, both_closed, NULL);
	finish(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exchange),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_close_in_on_msg),
		cmocka_unit_test(test_outbuf_limit),
		cmocka_unit_test(test_idle_timeout),
		cmocka_unit_test(test_connect),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_dispatch_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
