/* Protocol codec: every decoder names the field it rejects (wrong type, missing, out of
 * range, too long, bad array element), leaves its output untouched on failure, and says
 * why in words a person can act on. */
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

enum mut { M_DROP, M_SET };

struct reject {
	const char *codec;  /* name in codecs[] */
	const char *path;   /* field to change */
	enum mut how;
	msgpack_object val; /* for M_SET */
	const char *field;  /* what the error must name */
};

static char *too_long_name, *too_long_reason;

/* Finds the codec by name, encodes it, applies one mutation and expects the given field. */
static void check_reject(const struct reject *r)
{
	const struct codec *c = NULL;
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e = { "", "" };
	struct mpr_err e0;
	int t;
	uint64_t id;

	for (size_t i = 0; i < ncodecs; i++)
		if (strcmp(codecs[i].name, r->codec) == 0)
			c = &codecs[i];
	assert_non_null(c);
	mpw_init(&w);
	c->enc(&w);
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, mpw_data(&w), mpw_len(&w), &e0), 0);
	assert_int_equal(msg_envelope(&u.data, &t, &id, &e0), 0);
	assert_int_equal(c->dec(&u.data, &e0), 0); /* the sample itself is fine */
	const char *dot = strrchr(r->path, '.');
	if (r->how == M_DROP) {
		char parent[64];
		if (dot != NULL) {
			snprintf(parent, sizeof parent, "%.*s", (int)(dot - r->path), r->path);
			drop(at(&u.data, parent), dot + 1);
		} else {
			drop(&u.data, r->path);
		}
	} else {
		*at(&u.data, r->path) = r->val;
	}
	if (c->dec(&u.data, &e) != -1)
		fail_msg("%s: %s accepted", r->codec, r->path);
	if (strcmp(e.field, r->field) != 0)
		fail_msg("%s: %s: field '%s' (%s), want '%s'", r->codec, r->path, e.field, e.msg,
			 r->field);
	assert_true(e.msg[0] != '\0');
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_rejects(void **state)
{
	too_long_name = long_string(PROTO_NAME_MAX);
	too_long_reason = long_string(PROTO_REASON_MAX);
	const struct reject cases[] = {
		{ "error", "code", M_SET, o_str("x"), "code" },
		{ "error", "code", M_DROP, { 0 }, "code" },
		{ "hello", "role", M_SET, o_str("admin"), "role" },
		{ "hello", "role", M_DROP, { 0 }, "role" },
		{ "hello", "version", M_SET, o_int(-1), "version" },
		{ "hello", "name", M_SET, o_str(too_long_name), "name" },
		{ "node_register", "name", M_SET, o_str(""), "name" },
		{ "node_register", "capacity", M_DROP, { 0 }, "capacity" },
		{ "node_register", "capacity.mem_mb", M_SET, o_int(-1), "capacity.mem_mb" },
		{ "node_register", "capacity.custom.fpga", M_SET, o_str("2"),
		  "capacity.custom.fpga" },
		{ "node_register", "labels", M_SET, o_int(3), "labels" },
		{ "node_register", "attempts", M_SET, o_str("x"), "attempts" },
		{ "node_register", "host", M_SET, o_int(1), "host" },
		{ "node_heartbeat", "seq", M_SET, o_int(-1), "seq" },
		{ "node_heartbeat", "seq", M_DROP, { 0 }, "seq" },
		{ "node_heartbeat", "load1", M_SET, o_str("high"), "load1" },
		{ "node_heartbeat", "used.gpus", M_SET, o_double(1.5), "used.gpus" },
		{ "node_heartbeat", "healthy", M_SET, o_int(1), "healthy" },
		{ "node_heartbeat", "health_reason", M_SET, o_str(too_long_reason),
		  "health_reason" },
		{ "node_drain", "node", M_SET, o_str(""), "node" },
		{ "node_drain", "node", M_DROP, { 0 }, "node" },
		{ "node_drain", "timeout_ms", M_SET, o_int(-2), "timeout_ms" },
		{ "node_drain", "reason", M_SET, o_str(too_long_reason), "reason" },
		{ "attempt_launch", "attempt", M_SET, o_str("job-42.t7"), "attempt" },
		{ "attempt_launch", "attempt", M_SET, o_str("nonsense"), "attempt" },
		{ "attempt_launch", "attempt", M_DROP, { 0 }, "attempt" },
		{ "attempt_launch", "ntasks", M_SET, o_int(0), "ntasks" },
		{ "attempt_launch", "ntasks", M_SET, o_int(PROTO_MAX_TASKS + 1), "ntasks" },
		{ "attempt_launch", "argv", M_DROP, { 0 }, "argv" },
		{ "attempt_launch", "res.vcores_m", M_SET, o_int(-1000), "res.vcores_m" },
		{ "attempt_launch", "res.mem_mb", M_SET, o_int(-1), "res.mem_mb" },
		{ "attempt_launch", "output_dir", M_SET, o_str("relative/dir"), "output_dir" },
		{ "attempt_launch", "workdir", M_SET, o_str("tmp"), "workdir" },
		{ "attempt_launch", "kill_grace_ms", M_SET, o_int(-5), "kill_grace_ms" },
		{ "attempt_launch", "user", M_SET, o_str(too_long_name), "user" },
		{ "attempt_kill", "grace_ms", M_SET, o_str("soon"), "grace_ms" },
		{ "attempt_kill", "reason", M_SET, o_str(too_long_reason), "reason" },
		{ "attempt_status", "state", M_SET, o_int(6), "state" },
		{ "attempt_status", "state", M_SET, o_int(0), "state" },
		{ "attempt_status", "progress", M_SET, o_double(1.5), "progress" },
		{ "attempt_status", "exit_code", M_SET, o_int(256), "exit_code" },
		{ "attempt_status", "attempt", M_SET, o_str("job-0.t1.a1"), "attempt" },
		{ "attempt_status", "log_tail", M_SET, o_str(too_long_reason), "log_tail" },
		{ "attempt_commit", "commit", M_SET, o_int(1), "commit" },
		{ "attempt_commit", "commit", M_DROP, { 0 }, "commit" },
		{ "attempt_committed", "ok", M_DROP, { 0 }, "ok" },
		{ "log_read", "stream", M_SET, o_str("stdin"), "stream" },
		{ "log_read", "max_bytes", M_SET, o_int(PROTO_MAX_LOG_BYTES + 1), "max_bytes" },
		{ "log_data", "data", M_SET, o_int(4), "data" },
		{ "log_data", "size", M_SET, o_int(-4), "size" },
		{ "job_submit", "argv", M_DROP, { 0 }, "argv" },
		{ "job_submit", "argv", M_SET, o_str("/bin/ls"), "argv" },
		{ "job_submit", "ntasks", M_SET, o_int(0), "ntasks" },
		{ "job_submit", "ntasks", M_SET, o_str("10"), "ntasks" },
		{ "job_submit", "max_attempts", M_SET, o_int(101), "max_attempts" },
		{ "job_submit", "max_attempts", M_SET, o_int(-1), "max_attempts" },
		{ "job_submit", "priority", M_SET, o_int(1001), "priority" },
		{ "job_submit", "priority", M_SET, o_int(-1001), "priority" },
		{ "job_submit", "res.mem_mb", M_SET, o_int(-1), "res.mem_mb" },
		{ "job_submit", "res", M_SET, o_int(3), "res" },
		{ "job_submit", "output_dir", M_SET, o_str("out"), "output_dir" },
		{ "job_submit", "workdir", M_SET, o_bool(true), "workdir" },
		{ "job_submit", "name", M_SET, o_str(too_long_name), "name" },
		{ "job_submit", "queue", M_SET, o_int(0), "queue" },
		{ "job_submit", "after", M_SET, o_str("job-3"), "after" },
		{ "job_submit", "speculation", M_SET, o_str("maybe"), "speculation" },
		{ "job_submit", "speculation", M_SET, o_bool(true), "speculation" },
		{ "job_submit", "spec_multiplier_pct", M_SET, o_int(50), "spec_multiplier_pct" },
		{ "job_submit", "spec_slow_task_pct", M_SET, o_int(100), "spec_slow_task_pct" },
		{ "job_submit", "spec_min_runtime_ms", M_SET, o_int(-1), "spec_min_runtime_ms" },
		{ "job_submit", "require_labels", M_SET, o_str("ssd"), "require_labels" },
		{ "job_submit", "exclude_labels", M_SET, o_int(1), "exclude_labels" },
		{ "job_kill", "target", M_SET, o_str("job-42.t1"), "target" },
		{ "job_kill", "target", M_DROP, { 0 }, "target" },
		{ "job_kill", "reason", M_SET, o_int(1), "reason" },
		{ "logs_get", "target", M_SET, o_str("job-42"), "target" },
		{ "logs_get", "max_bytes", M_SET, o_int(-1), "max_bytes" },
		{ "job_list", "limit", M_SET, o_int(-1), "limit" },
		{ "job_list", "state", M_SET, o_str("A-STATE-NAME-THAT-IS-FAR-TOO-LONG"), "state" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_reject(&cases[i]);
	free(too_long_name);
	free(too_long_reason);
}

/* Decodes a message built by hand with mpw and expects field to be named. */
static void expect_field(struct mpw *w, int (*dec)(const msgpack_object *, struct mpr_err *),
			 const char *field)
{
	msgpack_unpacked u;
	struct mpr_err e = { "", "" };
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, mpw_data(w), mpw_len(w), &e), 0);
	assert_int_equal(dec(&u.data, &e), -1);
	assert_string_equal(e.field, field);
	msgpack_unpacked_destroy(&u);
	mpw_reset(w);
}

/* Arrays and nested entries: the failing element is named with its index. */
static void test_rejects_nested(void **state)
{
	struct mpw w;
	char *argv_empty0[] = { "", "x" };
	char *argv_ok[] = { "/bin/true" };
	char *env_bad[] = { "A=1", "=novalue" };
	char *env_nokey[] = { "JUSTKEY" };

	mpw_init(&w);
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 1);
	mpw_kstrv(&w, "argv", argv_empty0, 2);
	expect_field(&w, dec_submit, "argv");
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 1);
	mpw_kstrv(&w, "argv", NULL, 0);
	expect_field(&w, dec_submit, "argv");
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 2);
	mpw_kstrv(&w, "argv", argv_ok, 1);
	mpw_kstrv(&w, "env", env_bad, 2);
	expect_field(&w, dec_submit, "env[1]");
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 2);
	mpw_kstrv(&w, "argv", argv_ok, 1);
	mpw_kstrv(&w, "env", env_nokey, 1);
	expect_field(&w, dec_submit, "env[0]");
	/* argv element of the wrong type */
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 1);
	mpw_key(&w, "argv");
	mpw_array(&w, 2);
	mpw_str(&w, "/bin/ls");
	mpw_int(&w, 5);
	expect_field(&w, dec_submit, "argv[1]");
	/* after: not a job id */
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 2);
	mpw_kstrv(&w, "argv", argv_ok, 1);
	char *after[] = { "job-3", "job-3.t1" };
	mpw_kstrv(&w, "after", after, 2);
	expect_field(&w, dec_submit, "after[1]");
	/* too many after entries */
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 2);
	mpw_kstrv(&w, "argv", argv_ok, 1);
	mpw_key(&w, "after");
	mpw_array(&w, PROTO_MAX_DEPS + 1);
	for (int i = 0; i <= PROTO_MAX_DEPS; i++)
		mpw_str(&w, "job-1");
	expect_field(&w, dec_submit, "after");
	/* labels: an empty one, one too long, too many, one both required and excluded */
	char *lab_empty[] = { "ssd", "" };
	char lab_long[PROTO_LABEL_MAX + 1];
	memset(lab_long, 'x', PROTO_LABEL_MAX);
	lab_long[PROTO_LABEL_MAX] = '\0';
	char *lab_toolong[] = { lab_long };
	char *lab_ssd[] = { "ssd" };
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 2);
	mpw_kstrv(&w, "argv", argv_ok, 1);
	mpw_kstrv(&w, "require_labels", lab_empty, 2);
	expect_field(&w, dec_submit, "require_labels[1]");
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 2);
	mpw_kstrv(&w, "argv", argv_ok, 1);
	mpw_kstrv(&w, "exclude_labels", lab_toolong, 1);
	expect_field(&w, dec_submit, "exclude_labels[0]");
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 2);
	mpw_kstrv(&w, "argv", argv_ok, 1);
	mpw_key(&w, "require_labels");
	mpw_array(&w, PROTO_MAX_LABELS + 1);
	for (int i = 0; i <= PROTO_MAX_LABELS; i++)
		mpw_str(&w, "ssd");
	expect_field(&w, dec_submit, "require_labels");
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 3);
	mpw_kstrv(&w, "argv", argv_ok, 1);
	mpw_kstrv(&w, "require_labels", lab_ssd, 1);
	mpw_kstrv(&w, "exclude_labels", lab_ssd, 1);
	expect_field(&w, dec_submit, "exclude_labels");
	/* a custom resource with a bad name */
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 2);
	mpw_kstrv(&w, "argv", argv_ok, 1);
	mpw_key(&w, "res");
	mpw_map(&w, 1);
	mpw_key(&w, "custom");
	mpw_map(&w, 1);
	mpw_kint(&w, "", 1);
	expect_field(&w, dec_submit, "res.custom");
	/* heartbeat entry 1 has a task id where an attempt id belongs */
	mpw_msg(&w, MSG_NODE_HEARTBEAT, 0, 2);
	mpw_kint(&w, "seq", 1);
	mpw_key(&w, "attempts");
	mpw_array(&w, 2);
	struct loom_id a = id_attempt(1, 0, 1), t = id_task(1, 0);
	mpw_map(&w, 1);
	mpw_kid(&w, "attempt", &a);
	mpw_map(&w, 1);
	mpw_kid(&w, "attempt", &t);
	expect_field(&w, dec_heartbeat, "attempts[1].attempt");
	/* register: report 0 has no state */
	mpw_msg(&w, MSG_NODE_REGISTER, 0, 4);
	mpw_kstr(&w, "name", "n");
	mpw_kstr(&w, "host", "h");
	struct res r = { 0 };
	mpw_kres(&w, "capacity", &r);
	mpw_key(&w, "attempts");
	mpw_array(&w, 1);
	mpw_map(&w, 1);
	mpw_kid(&w, "attempt", &a);
	expect_field(&w, dec_register, "attempts[0].state");
	/* register: a label too long */
	char *labels[] = { "ok",
			   "a-label-that-goes-on-and-on-and-on-well-past-sixty-four-bytes-total" };
	mpw_msg(&w, MSG_NODE_REGISTER, 0, 4);
	mpw_kstr(&w, "name", "n");
	mpw_kstr(&w, "host", "h");
	mpw_kres(&w, "capacity", &r);
	mpw_kstrv(&w, "labels", labels, 2);
	expect_field(&w, dec_register, "labels[1]");
	/* strings with NUL bytes are refused */
	mpw_msg(&w, MSG_HELLO, 0, 3);
	mpw_kstr(&w, "role", "client");
	mpw_kint(&w, "version", 1);
	mpw_key(&w, "name");
	mpw_strn(&w, "a\0b", 3);
	expect_field(&w, dec_hello, "name");
	mpw_free(&w);
}

/* A decoder's output is untouched when it fails. */
static void test_no_half_fill(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct job_spec s;
	char *argv[] = { "/bin/true" };

	memset(&s, 0xab, sizeof s);
	mpw_init(&w);
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 3);
	mpw_kstrv(&w, "argv", argv, 1);
	mpw_kstr(&w, "output_dir", "/ok");
	mpw_kstr(&w, "workdir", "bad");
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, mpw_data(&w), mpw_len(&w), &e), 0);
	assert_int_equal(msg_decode_job_submit(&u.data, &s, &e), -1);
	assert_string_equal(e.field, "workdir");
	for (size_t i = 0; i < sizeof s; i++)
		assert_int_equal(((unsigned char *)&s)[i], 0xab);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

/* The error reads as the reply a person would get. */
static void test_error_text(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	struct mpr_err e;
	struct job_spec s;
	char *argv[] = { "/bin/true" };
	struct res r = { .mem_mb = -1 };

	mpw_init(&w);
	mpw_msg(&w, MSG_JOB_SUBMIT, 1, 2);
	mpw_kstrv(&w, "argv", argv, 1);
	mpw_kres(&w, "res", &r);
	msgpack_unpacked_init(&u);
	assert_int_equal(mpr_unpack(&u, mpw_data(&w), mpw_len(&w), &e), 0);
	assert_int_equal(msg_decode_job_submit(&u.data, &s, &e), -1);
	assert_string_equal(e.field, "res.mem_mb");
	assert_string_equal(e.msg, "must be >= 0");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_rejects_nested),
		cmocka_unit_test(test_no_half_fill),
		cmocka_unit_test(test_error_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
