/* Protocol codec: the client requests naming a target (job_kill, job_info, logs_get)
 * and the list requests with their optional filters round-trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "proto_samples.h"
#include "proto_test_util.h"

static void test_rt_requests(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct msg_id_request r;
	struct msg_list_request l;
	struct loom_id job = { 42, -1, -1 }, task = { 42, 3, -1 };

	mpw_init(&w);
	enc_job_kill(&w);
	assert_int_equal(msg_decode_id_request(unpack(&w, &u, MSG_JOB_KILL, 11), &r, &e), 0);
	assert_id_equal(&r.id, &job);
	assert_string_equal(r.reason, "by hand");
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	struct msg_id_request info = { .id = job };
	msg_encode_id_request(&w, MSG_JOB_INFO, 14, &info);
	assert_int_equal(msg_decode_id_request(unpack(&w, &u, MSG_JOB_INFO, 14), &r, &e), 0);
	assert_id_equal(&r.id, &job);
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	enc_logs_get(&w);
	assert_int_equal(msg_decode_id_request(unpack(&w, &u, MSG_LOGS_GET, 12), &r, &e), 0);
	assert_id_equal(&r.id, &task);
	assert_string_equal(r.stream, "stderr");
	assert_int_equal(r.max_bytes, 100);
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	enc_list(&w);
	assert_int_equal(msg_decode_list_request(unpack(&w, &u, MSG_JOB_LIST, 13), &l, &e), 0);
	assert_string_equal(l.state, "RUNNING");
	assert_string_equal(l.queue, "research");
	assert_string_equal(l.user, "");
	assert_int_equal(l.limit, 20);
	msgpack_unpacked_destroy(&u);

	/* All filters are optional. */
	mpw_reset(&w);
	mpw_msg(&w, MSG_NODE_LIST, 15, 0);
	assert_int_equal(msg_decode_list_request(unpack(&w, &u, MSG_NODE_LIST, 15), &l, &e), 0);
	assert_string_equal(l.state, "");
	assert_string_equal(l.name, "");
	assert_int_equal(l.limit, 0);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

/* node_list's optional "name" (one node, whose live attempts the reply carries). */
static void test_list_name(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct msg_list_request l, one = { .name = "node-7" };
	static const char *const bad[] = { "node 7", "node\t7", "" };

	mpw_init(&w);
	msg_encode_list_request(&w, MSG_NODE_LIST, 16, &one);
	assert_int_equal(msg_decode_list_request(unpack(&w, &u, MSG_NODE_LIST, 16), &l, &e), 0);
	assert_string_equal(l.name, "node-7");
	msgpack_unpacked_destroy(&u);

	/* A bad name is refused, naming the field; "" means all nodes. */
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		mpw_reset(&w);
		mpw_msg(&w, MSG_NODE_LIST, 17, 1);
		mpw_kstr(&w, "name", bad[i]);
		int rc = msg_decode_list_request(unpack(&w, &u, MSG_NODE_LIST, 17), &l, &e);
		assert_int_equal(rc, bad[i][0] == '\0' ? 0 : -1);
		if (rc < 0)
			assert_string_equal(e.field, "name");
		msgpack_unpacked_destroy(&u);
	}

	/* Too long for a node name, or not a string. */
	char longname[PROTO_NAME_MAX + 8];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	mpw_reset(&w);
	mpw_msg(&w, MSG_NODE_LIST, 18, 1);
	mpw_kstr(&w, "name", longname);
	assert_int_equal(msg_decode_list_request(unpack(&w, &u, MSG_NODE_LIST, 18), &l, &e), -1);
	assert_string_equal(e.field, "name");
	msgpack_unpacked_destroy(&u);
	mpw_reset(&w);
	mpw_msg(&w, MSG_NODE_LIST, 19, 1);
	mpw_kint(&w, "name", 7);
	assert_int_equal(msg_decode_list_request(unpack(&w, &u, MSG_NODE_LIST, 19), &l, &e), -1);
	assert_string_equal(e.field, "name");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rt_requests),
		cmocka_unit_test(test_list_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
