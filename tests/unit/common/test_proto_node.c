/* Protocol codec, node side: message names, error and hello, and the node and attempt
 * messages (register, heartbeat, drain, launch, kill, status, commit, logs) round-trip. */
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

static void test_names(void **state)
{
#define MSG(id, name, wire)                                      \
	assert_string_equal(msg_type_name(MSG_##name), wire);    \
	assert_true(msg_type_known(id));
#include "msgtypes.def"
#undef MSG
	assert_string_equal(msg_type_name(999), "unknown");
	assert_false(msg_type_known(0));
	assert_int_equal(role_parse("node"), ROLE_NODE);
	assert_int_equal(role_parse("framework"), ROLE_FRAMEWORK);
	assert_int_equal(role_parse("admin"), -1);
	assert_string_equal(role_name(ROLE_CLIENT), "client");
	assert_string_equal(err_code_name(ERR_TOO_BIG), "too_big");
	assert_string_equal(err_code_name(99), "unknown");
	assert_string_equal(attempt_report_state_name(AR_LIMIT_KILLED), "limit_killed");
}

static void test_rt_error_hello(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct msg_error er;
	struct msg_hello h;

	mpw_init(&w);
	enc_error(&w);
	assert_int_equal(msg_decode_error(unpack(&w, &u, MSG_ERROR, 9), &er, &e), 0);
	assert_int_equal(er.code, ERR_BAD_REQUEST);
	assert_string_equal(er.field, "res.mem_mb");
	assert_string_equal(er.message, "must be >= 0");
	msgpack_unpacked_destroy(&u);
	mpw_reset(&w);
	enc_hello(&w);
	assert_int_equal(msg_decode_hello(unpack(&w, &u, MSG_HELLO, 1), &h, &e), 0);
	assert_int_equal(h.role, ROLE_NODE);
	assert_int_equal(h.version, LOOM_PROTO_VERSION);
	assert_string_equal(h.name, "node-1");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_rt_node(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct msg_node_register r;
	struct msg_node_heartbeat hb;

	mpw_init(&w);
	enc_register(&w);
	assert_int_equal(msg_decode_node_register(unpack(&w, &u, MSG_NODE_REGISTER, 2), &r, &e), 0);
	assert_string_equal(r.name, "node-1");
	assert_string_equal(r.host, "127.0.0.1");
	struct res want = sample_res();
	assert_res_equal(&r.capacity, &want);
	assert_int_equal(r.nlabels, 2);
	assert_string_equal(r.labels[1], "gpu");
	assert_int_equal(r.nattempts, 2);
	assert_report_equal(&r.attempts[0], &reports[0]);
	assert_report_equal(&r.attempts[1], &reports[1]);
	msg_node_register_free(&r);
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	enc_heartbeat(&w);
	assert_int_equal(msg_decode_node_heartbeat(unpack(&w, &u, MSG_NODE_HEARTBEAT, 0), &hb, &e),
			 0);
	assert_int_equal(hb.seq, 17);
	assert_res_equal(&hb.used, &want);
	assert_int_equal(hb.mem_used_mb, 900);
	assert_true(hb.load1 == 1.25);
	assert_int_equal(hb.nattempts, 2);
	assert_false(hb.healthy);
	assert_string_equal(hb.health_reason, "ERROR disk /data full");
	for (int i = 0; i < 2; i++) {
		assert_id_equal(&hb.attempts[i].id, &progress[i].id);
		assert_true(hb.attempts[i].progress == progress[i].progress);
		assert_int_equal(hb.attempts[i].rss_mb, progress[i].rss_mb);
	}
	msg_node_heartbeat_free(&hb);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

/* node_drain round trip; a heartbeat without health fields means healthy. */
static void test_rt_node_drain(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct msg_node_drain d;
	struct msg_node_heartbeat hb;

	mpw_init(&w);
	enc_node_drain(&w);
	assert_int_equal(msg_decode_node_drain(unpack(&w, &u, MSG_NODE_DRAIN, 12), &d, &e), 0);
	assert_string_equal(d.node, "node-2");
	assert_int_equal(d.timeout_ms, 30000);
	assert_string_equal(d.reason, "reboot");
	msgpack_unpacked_destroy(&u);
	mpw_reset(&w);
	mpw_msg(&w, MSG_NODE_DRAIN, 13, 1);
	mpw_kstr(&w, "node", "node-3");
	assert_int_equal(msg_decode_node_drain(unpack(&w, &u, MSG_NODE_DRAIN, 13), &d, &e), 0);
	assert_int_equal(d.timeout_ms, -1);
	assert_string_equal(d.reason, "");
	msgpack_unpacked_destroy(&u);
	mpw_reset(&w);
	mpw_msg(&w, MSG_NODE_HEARTBEAT, 0, 1);
	mpw_kint(&w, "seq", 3);
	assert_int_equal(msg_decode_node_heartbeat(unpack(&w, &u, MSG_NODE_HEARTBEAT, 0), &hb, &e),
			 0);
	assert_true(hb.healthy);
	assert_string_equal(hb.health_reason, "");
	msg_node_heartbeat_free(&hb);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_rt_launch_kill(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct msg_attempt_launch l;
	struct msg_attempt_kill k;
	struct loom_id aid = { 42, 7, 2 };

	mpw_init(&w);
	enc_launch(&w);
	assert_int_equal(msg_decode_attempt_launch(unpack(&w, &u, MSG_ATTEMPT_LAUNCH, 3), &l, &e),
			 0);
	assert_id_equal(&l.id, &aid);
	assert_int_equal(l.ntasks, 10);
	assert_int_equal(l.nargv, 3);
	assert_string_equal(l.argv[0], "/usr/bin/wc");
	assert_string_equal(l.argv[2], "");
	assert_null(l.argv[3]);
	assert_int_equal(l.nenv, 2);
	assert_string_equal(l.env[1], "B=");
	assert_null(l.env[2]);
	struct res want = sample_res();
	assert_res_equal(&l.res, &want);
	assert_string_equal(l.output_dir, "/data/out");
	assert_string_equal(l.workdir, "/tmp");
	assert_string_equal(l.user, "alice");
	assert_int_equal(l.kill_grace_ms, 5000);
	msg_attempt_launch_free(&l);
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	enc_kill(&w);
	assert_int_equal(msg_decode_attempt_kill(unpack(&w, &u, MSG_ATTEMPT_KILL, 4), &k, &e), 0);
	assert_id_equal(&k.id, &aid);
	assert_int_equal(k.grace_ms, 2000);
	assert_string_equal(k.reason, "job killed");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_rt_status_commit(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct msg_attempt_status s;
	struct msg_attempt_commit c;
	struct msg_attempt_committed cd;
	struct attempt_report want;
	struct loom_id aid = { 42, 7, 2 };

	mpw_init(&w);
	enc_status(&w);
	assert_int_equal(msg_decode_attempt_status(unpack(&w, &u, MSG_ATTEMPT_STATUS, 5), &s, &e),
			 0);
	sample_report(&want, 7);
	assert_report_equal(&s.r, &want);
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	enc_commit(&w);
	assert_int_equal(msg_decode_attempt_commit(unpack(&w, &u, MSG_ATTEMPT_COMMIT, 6), &c, &e),
			 0);
	assert_id_equal(&c.id, &aid);
	assert_true(c.commit);
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	enc_committed(&w);
	assert_int_equal(msg_decode_attempt_committed(unpack(&w, &u, MSG_ATTEMPT_COMMITTED, 7),
						      &cd, &e), 0);
	assert_id_equal(&cd.id, &aid);
	assert_true(cd.commit);
	assert_false(cd.ok);
	assert_true(cd.already);
	assert_string_equal(cd.reason, "part-00007 exists");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_rt_logs(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct msg_log_read r;
	struct msg_log_data d;
	struct loom_id aid = { 42, 7, 2 };

	mpw_init(&w);
	enc_log_read(&w);
	assert_int_equal(msg_decode_log_read(unpack(&w, &u, MSG_LOG_READ, 8), &r, &e), 0);
	assert_id_equal(&r.id, &aid);
	assert_string_equal(r.stream, "stderr");
	assert_int_equal(r.max_bytes, 4096);
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	enc_log_data(&w);
	assert_int_equal(msg_decode_log_data(unpack(&w, &u, MSG_LOG_DATA, 8), &d, &e), 0);
	assert_id_equal(&d.id, &aid);
	assert_true(d.ok);
	assert_int_equal(d.len, 4);
	assert_memory_equal(d.data, "a\0b\xff", 4);
	assert_int_equal(d.size, 123456);
	assert_string_equal(d.reason, "");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_rt_error_hello),
		cmocka_unit_test(test_rt_node),
		cmocka_unit_test(test_rt_node_drain),
		cmocka_unit_test(test_rt_launch_kill),
		cmocka_unit_test(test_rt_status_commit),
		cmocka_unit_test(test_rt_logs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
