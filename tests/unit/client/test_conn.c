/*
 * libloom against a fake rmd (a child process on a loopback port): the blocking layer's
 * connect, replies, errors, timeouts and lost connections, and the asynchronous layer's
 * matching of replies to requests by id.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loom-conn.h"
#include "net.h"
#include "peer.h"

static pid_t fake_pid;
static char fake_addr[64];

/* The fake rmd's answers: submit -> job-7, job_info -> not found, cluster_info -> never,
 * node_list -> hang up, job_list -> {"echo": request id}, queue_list -> a one-queue tree,
 * queue_reload -> refused as a bad file would be. */
static void fake_msg(struct peer *p, int type, uint64_t id, const msgpack_object *o, void *a)
{
	struct mpw w;

	mpw_init(&w);
	switch (type) {
	case MSG_HELLO:
		mpw_msg(&w, MSG_REPLY, id, 1);
		mpw_kint(&w, "version", LOOM_PROTO_VERSION);
		break;
	case MSG_JOB_SUBMIT:
		mpw_msg(&w, MSG_REPLY, id, 1);
		mpw_kstr(&w, "job", "job-7");
		break;
	case MSG_JOB_INFO:
		msg_encode_error(&w, id, ERR_NOT_FOUND, "target", "no job job-99");
		break;
	case MSG_JOB_LIST:
		mpw_msg(&w, MSG_REPLY, id, 1);
		mpw_kuint(&w, "echo", id);
		break;
	case MSG_QUEUE_LIST:
		mpw_msg(&w, MSG_REPLY, id, 2);
		mpw_kstr(&w, "default", "root.default");
		mpw_key(&w, "queues");
		mpw_array(&w, 1);
		mpw_map(&w, 1);
		mpw_kstr(&w, "path", "root");
		break;
	case MSG_QUEUE_RELOAD:
		msg_encode_error(&w, id, ERR_REJECTED, "",
				 "rmd.conf:12: queues.prod.guarantee: must be 0..100; nothing changed");
		break;
	case MSG_NODE_LIST:
		peer_close(p, "asked to");
		mpw_free(&w);
		return;
	default: /* cluster_info: silence */
		mpw_free(&w);
		return;
	}
	peer_send(p, &w);
	mpw_free(&w);
}

static void fake_close(struct peer *p, const char *why, void *arg)
{
}

static void fake_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
			int len, void *arg)
{
	struct peer_cbs cbs = { fake_msg, fake_close, NULL, NULL };
	peer_accept(evconnlistener_get_base(l), fd, "client", NULL, &cbs);
}

static int setup(void **state)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(fd, 16) < 0)
		return -1;
	snprintf(fake_addr, sizeof fake_addr, "127.0.0.1:%d", net_local_port(fd));
	fake_pid = fork();
	if (fake_pid == 0) {
		struct event_base *base = event_base_new();
		evutil_make_socket_nonblocking(fd);
		evconnlistener_new(base, fake_accept, NULL, LEV_OPT_CLOSE_ON_FREE, -1, fd);
		event_base_dispatch(base);
		_exit(0);
	}
	close(fd);
	return fake_pid < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	kill(fake_pid, SIGKILL);
	waitpid(fake_pid, NULL, 0);
	return 0;
}

static void test_refused(void **state)
{
	char err[512];

	assert_null(loom_connect_blocking("127.0.0.1:1", "test", err, sizeof err));
	assert_string_equal(err, "cannot connect to rmd at 127.0.0.1:1: Connection refused "
				 "(is rmd running? set --rm or LOOM_RM)");
	assert_null(loom_connect_blocking("127.0.0.1", "test", err, sizeof err));
	assert_non_null(strstr(err, "bad rmd address"));
}

static void test_reply_and_error(void **state)
{
	char err[512];
	struct loom_conn *c = loom_connect_blocking(fake_addr, "test", err, sizeof err);
	struct job_spec spec = { .ntasks = 1, .nargv = 1 };
	char *argv[] = { "true", NULL };
	struct msg_id_request req = { .id = { 99, -1, -1 } };
	msgpack_unpacked reply;
	struct msg_error e;
	char job[16];
	struct mpr_err me;

	assert_non_null(c);
	spec.argv = argv;
	assert_int_equal(loom_call(c, MSG_JOB_SUBMIT, loom_build_job_submit, &spec, &reply, &e),
			 LOOM_OK);
	assert_int_equal(mpr_str(&reply.data, "job", true, job, sizeof job, &me), 0);
	assert_string_equal(job, "job-7");
	msgpack_unpacked_destroy(&reply);

	assert_int_equal(loom_call(c, MSG_JOB_INFO, loom_build_id_request, &req, &reply, &e),
			 LOOM_EREPLY);
	assert_int_equal(e.code, ERR_NOT_FOUND);
	assert_string_equal(e.field, "target");
	assert_string_equal(e.message, "no job job-99");
	msgpack_unpacked_destroy(&reply);
	loom_conn_close(c);
}

static void test_timeout_then_lost(void **state)
{
	char err[512], want[256];
	struct loom_conn *c = loom_connect_blocking(fake_addr, "test", err, sizeof err);
	struct msg_list_request lr = { .limit = 0 };
	msgpack_unpacked reply;
	struct msg_error e;

	assert_non_null(c);
	loom_set_call_timeout(c, 200);
	assert_int_equal(loom_call(c, MSG_CLUSTER_INFO, NULL, NULL, &reply, &e), LOOM_ETIMEOUT);
	assert_non_null(strstr(e.message, "no reply from rmd"));
	msgpack_unpacked_destroy(&reply);
	/* The connection is still good after a timeout. */
	assert_int_equal(loom_call(c, MSG_JOB_LIST, loom_build_list_request, &lr, &reply, &e),
			 LOOM_OK);
	msgpack_unpacked_destroy(&reply);
	/* rmd hangs up: the call fails, and so does the next one, at once. */
	assert_int_equal(loom_call(c, MSG_NODE_LIST, loom_build_list_request, &lr, &reply, &e),
			 LOOM_ECONN);
	snprintf(want, sizeof want, "lost connection to rmd at %s: connection closed by the "
				    "other end", fake_addr);
	assert_string_equal(e.message, want);
	msgpack_unpacked_destroy(&reply);
	assert_int_equal(loom_state(c), LOOM_CLOSED);
	assert_int_equal(loom_call(c, MSG_JOB_LIST, loom_build_list_request, &lr, &reply, &e),
			 LOOM_ECONN);
	msgpack_unpacked_destroy(&reply);
	loom_conn_close(c);
}

/* queue_list and queue_reload, blocking and asynchronous. */
static void test_queues(void **state)
{
	char err[512];
	struct loom_conn *c = loom_connect_blocking(fake_addr, "test", err, sizeof err);
	msgpack_unpacked reply;
	struct msg_error e;
	char def[64];
	struct mpr_err me;

	assert_non_null(c);
	assert_int_equal(loom_queue_list_call(c, &reply, &e), LOOM_OK);
	assert_int_equal(mpr_str(&reply.data, "default", true, def, sizeof def, &me), 0);
	assert_string_equal(def, "root.default");
	msgpack_unpacked_destroy(&reply);
	assert_int_equal(loom_queue_reload_call(c, &reply, &e), LOOM_EREPLY);
	assert_int_equal(e.code, ERR_REJECTED);
	assert_non_null(strstr(e.message, "; nothing changed"));
	msgpack_unpacked_destroy(&reply);
	loom_conn_close(c);
}

static void test_reload_decode(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct loom_queue_reload r;
	struct mpr_err e;

	mpw_init(&w);
	mpw_msg(&w, MSG_REPLY, 1, 3);
	mpw_kint(&w, "queues", 5);
	mpw_kint(&w, "leaves", 3);
	mpw_kstr(&w, "default", "root.dev");
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, mpw_data(&w), mpw_len(&w), &e), 0);
	assert_int_equal(loom_queue_reload_decode(&u.data, &r, &e), 0);
	assert_int_equal(r.queues, 5);
	assert_int_equal(r.leaves, 3);
	assert_string_equal(r.default_leaf, "root.dev");
	msgpack_unpacked_destroy(&u);
	mpw_reset(&w);
	mpw_msg(&w, MSG_REPLY, 1, 1);
	mpw_kint(&w, "queues", 5);
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, mpw_data(&w), mpw_len(&w), &e), 0);
	assert_int_equal(loom_queue_reload_decode(&u.data, &r, &e), -1);
	assert_string_equal(e.field, "default");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

/* The asynchronous layer: requests in flight at once, each reply to its own callback. */
struct async_state {
	int replies;
	uint64_t want[3], got[3];
	bool closed;
	int queue_replies;
};

static void async_reply(struct loom_conn *c, int status, const msgpack_object *reply,
			const struct msg_error *err, void *arg)
{
	struct async_state *st = loom_base(c) != NULL ? arg : NULL;
	uint64_t echo = 0;
	struct mpr_err e;

	assert_int_equal(status, LOOM_OK);
	assert_int_equal(mpr_uint(reply, "echo", true, UINT64_MAX, &echo, &e), 0);
	st->got[st->replies++] = echo;
	if (st->replies == 3)
		loom_conn_free(c); /* inside its own callback: must be safe */
}

static void queue_list_reply(struct loom_conn *c, int status, const msgpack_object *reply,
			     const struct msg_error *err, void *arg)
{
	assert_int_equal(status, LOOM_OK);
	assert_non_null(mpr_get(reply, "queues"));
	(*(int *)arg)++;
}

static void async_ready(struct loom_conn *c, void *arg)
{
	struct async_state *st = arg;
	struct msg_list_request lr = { .limit = 0 };
	struct mpw w;

	assert_int_not_equal(loom_queue_list(c, queue_list_reply, &st->queue_replies), 0);
	for (int i = 0; i < 3; i++) {
		mpw_init(&w);
		uint64_t id = loom_next_id(c);
		msg_encode_list_request(&w, MSG_JOB_LIST, id, &lr);
		st->want[i] = loom_request(c, &w, async_reply, st);
		assert_int_equal(st->want[i], id);
		mpw_free(&w);
	}
	/* A request with an id this connection never handed out is refused. */
	mpw_init(&w);
	msg_encode_list_request(&w, MSG_JOB_LIST, 1000, &lr);
	assert_int_equal(loom_request(c, &w, async_reply, st), 0);
	mpw_free(&w);
}

static void test_async(void **state)
{
	struct event_base *base = event_base_new();
	struct async_state st = { 0 };
	struct loom_conn_cbs cbs = { .on_ready = async_ready, .arg = &st };
	char err[256];
	struct loom_conn *c = loom_conn_new(base, fake_addr, NULL, &cbs, err, sizeof err);

	assert_non_null(c);
	assert_int_equal(loom_state(c), LOOM_CONNECTING);
	while (st.replies < 3)
		event_base_loop(base, EVLOOP_ONCE);
	for (int i = 0; i < 3; i++)
		assert_int_equal(st.got[i], st.want[i]); /* rmd answers in order */
	assert_int_equal(st.queue_replies, 1);
	event_base_loop(base, EVLOOP_NONBLOCK);      /* the peer's deferred free */
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_reply_and_error),
		cmocka_unit_test(test_timeout_then_lost),
		cmocka_unit_test(test_queues),
		cmocka_unit_test(test_reload_decode),
		cmocka_unit_test(test_async),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
