/* The framework messages (400-406) and job_spec's framework field round-trip
 * (malformed fields: test_proto_fw_malformed.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"
#include "proto_test_util.h"

static void test_names(void **state)
{
	assert_string_equal(msg_type_name(MSG_FRAMEWORK_REGISTER), "framework_register");
	assert_string_equal(msg_type_name(MSG_CONTAINER_REQUEST), "container_request");
	assert_string_equal(msg_type_name(MSG_CONTAINER_LAUNCH), "container_launch");
	assert_string_equal(msg_type_name(MSG_CONTAINER_RELEASE), "container_release");
	assert_string_equal(msg_type_name(MSG_FRAMEWORK_UNREGISTER), "framework_unregister");
	assert_string_equal(msg_type_name(MSG_CONTAINER_EVENT), "container_event");
	assert_string_equal(msg_type_name(MSG_NODE_EVENT), "node_event");
	assert_int_equal(MSG_FRAMEWORK_REGISTER, 400);
	assert_int_equal(MSG_NODE_EVENT, 406);
}

static void test_register(void **state)
{
	struct msg_fw_register in = { .name = "mr-host-1", .queue = "root.batch", .user = "ann" };
	struct msg_fw_register out;
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;

	mpw_init(&w);
	msg_encode_fw_register(&w, 3, &in);
	assert_int_equal(msg_decode_fw_register(unpack_any(&w, &u, MSG_FRAMEWORK_REGISTER),
						&out, &e), 0);
	assert_string_equal(out.name, "mr-host-1");
	assert_string_equal(out.queue, "root.batch");
	assert_string_equal(out.user, "ann");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_registered(void **state)
{
	struct fw_container c[2] = {
		{ .id = id_attempt(12, 3, 1), .request = id_job(12), .node = "n1", .host = "h1",
		  .state = "RUNNING", .res = { .vcores_m = 1000, .mem_mb = 64 } },
		{ .id = id_attempt(12, 4, 1), .request = id_job(12), .node = "n2",
		  .state = "ALLOCATED" },
	};
	struct loom_id reqs[1] = { id_job(12) };
	struct msg_fw_registered in = { .name = "fw", .resumed = true, .ncontainers = 2,
					.containers = c, .nrequests = 1, .requests = reqs }, out;
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;

	mpw_init(&w);
	msg_encode_fw_registered(&w, 3, &in);
	assert_int_equal(msg_decode_fw_registered(unpack_any(&w, &u, MSG_REPLY), &out, &e), 0);
	assert_true(out.resumed);
	assert_int_equal(out.ncontainers, 2);
	assert_int_equal(out.containers[0].id.task, 3);
	assert_string_equal(out.containers[0].state, "RUNNING");
	assert_string_equal(out.containers[0].host, "h1");
	assert_int_equal(out.containers[0].res.mem_mb, 64);
	assert_string_equal(out.containers[1].state, "ALLOCATED");
	assert_int_equal(out.nrequests, 1);
	assert_int_equal(out.requests[0].job, 12);
	msg_fw_registered_free(&out);
	msgpack_unpacked_destroy(&u);

	snprintf(c[1].state, sizeof(c[1].state), "DONE"); /* not a live state */
	mpw_reset(&w);
	msg_encode_fw_registered(&w, 3, &in);
	assert_int_equal(msg_decode_fw_registered(unpack_any(&w, &u, MSG_REPLY), &out, &e), -1);
	assert_string_equal(e.field, "containers[1].state");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_request(void **state)
{
	char *req[] = { "ssd", NULL }, *pref[] = { "n1", "n2", NULL };
	struct msg_container_request in = {
		.count = 3, .res = { .vcores_m = 2000, .mem_mb = 512 }, .gang = true,
		.priority = 5, .time_limit_ms = 60000, .require_labels = req,
		.nrequire_labels = 1, .prefer = pref, .nprefer = 2, .name = "maps" }, out;
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct loom_id rid = id_job(12), rout;

	mpw_init(&w);
	msg_encode_container_request(&w, 4, &in);
	assert_int_equal(msg_decode_container_request(unpack_any(&w, &u, MSG_CONTAINER_REQUEST),
						      &out, &e), 0);
	assert_int_equal(out.count, 3);
	assert_int_equal(out.res.vcores_m, 2000);
	assert_true(out.gang);
	assert_int_equal(out.priority, 5);
	assert_int_equal(out.time_limit_ms, 60000);
	assert_int_equal(out.nrequire_labels, 1);
	assert_string_equal(out.require_labels[0], "ssd");
	assert_int_equal(out.nexclude_labels, 0);
	assert_int_equal(out.nprefer, 2);
	assert_string_equal(out.prefer[1], "n2");
	assert_string_equal(out.name, "maps");
	msg_container_request_free(&out);
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	msg_encode_container_requested(&w, 4, &rid);
	assert_int_equal(msg_decode_container_requested(unpack_any(&w, &u, MSG_REPLY), &rout,
							&e), 0);
	assert_int_equal(rout.job, 12);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_launch_release(void **state)
{
	char *argv[] = { "sh", "-c", "", NULL }, *env[] = { "A=1", NULL };
	struct msg_container_launch in = { .container = id_attempt(12, 3, 1), .argv = argv,
					   .nargv = 3, .env = env, .nenv = 1, .workdir = "/tmp" };
	struct msg_container_launch out;
	struct msg_container_release rin = { .target = id_job(12), .whole = true }, rout;
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;

	mpw_init(&w);
	msg_encode_container_launch(&w, 5, &in);
	assert_int_equal(msg_decode_container_launch(unpack_any(&w, &u, MSG_CONTAINER_LAUNCH), &out,
						     &e), 0);
	assert_int_equal(out.container.attempt, 1);
	assert_int_equal(out.nargv, 3);
	assert_string_equal(out.argv[2], ""); /* empty arguments are arguments */
	assert_string_equal(out.env[0], "A=1");
	assert_string_equal(out.workdir, "/tmp");
	msg_container_launch_free(&out);
	msgpack_unpacked_destroy(&u);

	mpw_reset(&w);
	msg_encode_container_release(&w, 6, &rin);
	assert_int_equal(msg_decode_container_release(unpack_any(&w, &u, MSG_CONTAINER_RELEASE),
						      &rout, &e), 0);
	assert_true(rout.whole);
	assert_int_equal(rout.target.job, 12);
	msgpack_unpacked_destroy(&u);
	rin = (struct msg_container_release){ .target = id_attempt(12, 0, 2) };
	mpw_reset(&w);
	msg_encode_container_release(&w, 6, &rin);
	assert_int_equal(msg_decode_container_release(unpack_any(&w, &u, MSG_CONTAINER_RELEASE),
						      &rout, &e), 0);
	assert_false(rout.whole);
	assert_int_equal(rout.target.attempt, 2);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_events(void **state)
{
	struct msg_container_event in = { .kind = CONT_EXITED, .container = id_attempt(12, 3, 1),
					  .request = id_job(12), .node = "n1", .host = "h",
					  .res = { .vcores_m = 1000 }, .exit_code = 3,
					  .signal = 0, .reason = "exit code 3" }, out;
	struct msg_node_event nin = { .node = "n2", .state = "LOST", .reason = "gone" }, nout;
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;

	mpw_init(&w);
	for (int k = 0; k < CONT_KIND_MAX; k++) {
		in.kind = k;
		in.grace_ms = k == CONT_PREEMPTING ? 10000 : 0;
		mpw_reset(&w);
		msg_encode_container_event(&w, &in);
		assert_int_equal(msg_decode_container_event(unpack_any(&w, &u, MSG_CONTAINER_EVENT),
							    &out, &e), 0);
		assert_int_equal(out.kind, k);
		assert_int_equal(out.exit_code, 3);
		assert_int_equal(out.grace_ms, in.grace_ms);
		assert_string_equal(out.reason, "exit code 3");
		assert_int_equal(out.request.job, 12);
		msgpack_unpacked_destroy(&u);
	}
	mpw_reset(&w);
	msg_encode_node_event(&w, &nin);
	assert_int_equal(msg_decode_node_event(unpack_any(&w, &u, MSG_NODE_EVENT), &nout, &e), 0);
	assert_string_equal(nout.node, "n2");
	assert_string_equal(nout.state, "LOST");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

/* job_spec's framework survives the codec (and so the WAL, which stores job_submit maps). */
static void test_spec_framework(void **state)
{
	char *argv[] = { "<container>", NULL };
	struct job_spec in = { .argv = argv, .nargv = 1, .ntasks = 2, .max_attempts = 1,
			       .framework = "mr-1" }, out, copy;
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;

	mpw_init(&w);
	msg_encode_job_submit(&w, 1, &in);
	assert_int_equal(msg_decode_job_submit(unpack_any(&w, &u, MSG_JOB_SUBMIT), &out, &e), 0);
	assert_string_equal(out.framework, "mr-1");
	job_spec_copy(&copy, &out);
	assert_string_equal(copy.framework, "mr-1");
	job_spec_free(&copy);
	job_spec_free(&out);
	msgpack_unpacked_destroy(&u);

	in.framework[0] = '\0'; /* absent or "": the built-in runner */
	mpw_reset(&w);
	msg_encode_job_submit(&w, 1, &in);
	assert_int_equal(msg_decode_job_submit(unpack_any(&w, &u, MSG_JOB_SUBMIT), &out, &e), 0);
	assert_string_equal(out.framework, "");
	job_spec_free(&out);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_registered),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_launch_release),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_spec_framework),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
