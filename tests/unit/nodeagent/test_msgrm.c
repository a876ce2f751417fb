/*
 * Messages from rmd through the agent's dispatch table, over a real peer on a socketpair:
 * a bad message is answered with an ERROR naming the field, and nothing crashes or acts.
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent.h"
#include "frame.h"
#include "log.h"
#include "peer.h"
#include "xmalloc.h"

static struct agent ag;
static char root[64];
static struct peer *peer;
static int far_end = -1;

static void on_close(struct peer *p, const char *why, void *arg)
{
}

static int setup(void **state)
{
	char err[256], *wd;
	int sv[2];

	log_open("test", LL_ERROR, NULL);
	snprintf(root, sizeof root, "/tmp/agent-msgrm-XXXXXX");
	if (mkdtemp(root) == NULL)
		return -1;
	wd = xasprintf("work_dir=%s/work", root);
	char *over[] = { wd };
	if (agent_conf_load(&ag.conf, NULL, over, 1, err, sizeof err) < 0 ||
	    agent_conf_resolve(&ag.conf, err, sizeof err) < 0)
		return -1;
	free(wd);
	agent_init(&ag);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	struct peer_cbs cbs = { .on_close = on_close };
	peer = peer_accept(ag.base, sv[0], "test", NULL, &cbs);
	far_end = sv[1];
	evutil_make_socket_nonblocking(far_end); /* "nothing was written" must not block */
	return 0;
}

static int teardown(void **state)
{
	char err[256];

	peer_close(peer, "done");
	close(far_end);
	agent_cleanup(&ag);
	return remove_tree(root, err, sizeof err);
}

/* Feeds one message (built by w) to the agent's dispatcher. */
static void deliver(struct mpw *w)
{
	msgpack_unpacked u;
	struct mpr_err e;
	int type;
	uint64_t id;

	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, mpw_data(w), mpw_len(w), &e), 0);
	assert_int_equal(msg_envelope(&u.data, &type, &id, &e), 0);
	msgrm_on_msg(peer, type, id, &u.data, &ag);
	msgpack_unpacked_destroy(&u);
}

/* The next ERROR the agent wrote, or false when it wrote nothing. */
static bool read_error(struct msg_error *m, uint64_t *id)
{
	struct evbuffer *in = evbuffer_new();
	char *body;
	size_t len;
	bool found = false;

	event_base_loop(ag.base, EVLOOP_NONBLOCK); /* flush the peer's output */
	usleep(10000);
	evbuffer_read(in, far_end, 65536);
	if (frame_pull(in, FRAME_MAX_DEFAULT, &body, &len) == FRAME_READY) {
		msgpack_unpacked u;
		struct mpr_err e;
		int type;
		msgpack_unpacked_init(&u);
		assert_int_equal(mpr_unpack(&u, body, len, &e), 0);
		assert_int_equal(msg_envelope(&u.data, &type, id, &e), 0);
		assert_int_equal(type, MSG_ERROR);
		assert_int_equal(msg_decode_error(&u.data, m, &e), 0);
		msgpack_unpacked_destroy(&u);
		free(body);
		found = true;
	}
	evbuffer_free(in);
	return found;
}

static void test_launch_without_argv(void **state)
{
	struct mpw w;
	struct msg_error m;
	uint64_t id;
	struct loom_id aid = id_attempt(9, 0, 1);
	struct res r = { .vcores_m = 1000, .mem_mb = 64 };

	mpw_init(&w);
	mpw_msg(&w, MSG_ATTEMPT_LAUNCH, 77, 3);
	mpw_kid(&w, "attempt", &aid);
	mpw_kint(&w, "ntasks", 1);
	mpw_kres(&w, "res", &r);
	deliver(&w);
	mpw_free(&w);
	assert_true(read_error(&m, &id));
	assert_int_equal(id, 77);
	assert_int_equal(m.code, ERR_BAD_REQUEST);
	assert_string_equal(m.field, "argv");
	assert_null(attempt_find(&ag, &aid)); /* nothing half-started */
}

static void test_kill_with_bad_id(void **state)
{
	struct mpw w;
	struct msg_error m;
	uint64_t id;

	mpw_init(&w);
	mpw_msg(&w, MSG_ATTEMPT_KILL, 5, 2);
	mpw_kstr(&w, "attempt", "job-1/../../etc");
	mpw_kint(&w, "grace_ms", 10);
	deliver(&w);
	mpw_free(&w);
	assert_true(read_error(&m, &id));
	assert_int_equal(m.code, ERR_BAD_REQUEST);
	assert_string_equal(m.field, "attempt");
}

static void test_log_read_bad_stream(void **state)
{
	struct mpw w;
	struct msg_error m;
	uint64_t id;
	struct loom_id aid = id_attempt(9, 0, 1);

	mpw_init(&w);
	mpw_msg(&w, MSG_LOG_READ, 6, 2);
	mpw_kid(&w, "attempt", &aid);
	mpw_kstr(&w, "stream", "../../etc/passwd");
	deliver(&w);
	mpw_free(&w);
	assert_true(read_error(&m, &id));
	assert_string_equal(m.field, "stream");
}

static void test_unknown_type_and_bad_error(void **state)
{
	struct mpw w;
	struct msg_error m;
	uint64_t id;

	mpw_init(&w);
	mpw_msg(&w, MSG_JOB_SUBMIT, 8, 0);
	deliver(&w);
	assert_true(read_error(&m, &id));
	assert_int_equal(m.code, ERR_UNKNOWN_TYPE);
	/* A malformed ERROR is logged, never answered (no ping-pong). */
	mpw_reset(&w);
	mpw_msg(&w, MSG_ERROR, 9, 1);
	mpw_kstr(&w, "code", "not a number");
	deliver(&w);
	mpw_free(&w);
	assert_false(read_error(&m, &id));
}

static void test_commit_unknown_attempt(void **state)
{
	struct mpw w;
	struct msg_error m;
	uint64_t id;
	struct loom_id aid = id_attempt(123, 4, 1);

	/* Without a registered connection the answer is dropped; this must simply not crash. */
	mpw_init(&w);
	mpw_msg(&w, MSG_ATTEMPT_COMMIT, 10, 2);
	mpw_kid(&w, "attempt", &aid);
	mpw_kbool(&w, "commit", true);
	deliver(&w);
	mpw_free(&w);
	assert_false(read_error(&m, &id));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_launch_without_argv),
		cmocka_unit_test(test_kill_with_bad_id),
		cmocka_unit_test(test_log_read_bad_stream),
		cmocka_unit_test(test_unknown_type_and_bad_error),
		cmocka_unit_test(test_commit_unknown_attempt),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
