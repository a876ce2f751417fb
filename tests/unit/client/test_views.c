/* Reading rmd's views defensively and showing them: missing fields, the task table of
 * rmctl job with failure notes, JSON without the envelope. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "timeutil.h"

static void attempt(struct mpw *w, const char *id, const char *state, int code, int sig,
		    const char *reason, int64_t start, int64_t end, const char *tail)
{
	mpw_map(w, 9);
	mpw_kstr(w, "id", id);
	mpw_kstr(w, "node", "node-2");
	mpw_kstr(w, "state", state);
	mpw_kint(w, "exit_code", code);
	mpw_kint(w, "signal", sig);
	mpw_kstr(w, "reason", reason);
	mpw_kint(w, "start_us", start);
	mpw_kint(w, "end_us", end);
	mpw_kstr(w, "log_tail", tail);
}

/* A REPLY to job_info: job-7, task 0 succeeded, task 1 failed twice, task 2 pending. */
static void build_job(struct mpw *w)
{
	int64_t now = wall_us(), start = now - 65000000, end = now - 5000000;

	mpw_msg(w, MSG_REPLY, 9, 1);
	mpw_key(w, "job");
	mpw_map(w, 3);
	mpw_kstr(w, "id", "job-7");
	mpw_kstr(w, "state", "FAILED");
	mpw_key(w, "tasks");
	mpw_array(w, 3);
	mpw_map(w, 4);
	mpw_kint(w, "index", 0);
	mpw_kstr(w, "state", "SUCCEEDED");
	mpw_kstr(w, "reason", "");
	mpw_key(w, "attempts");
	mpw_array(w, 1);
	attempt(w, "job-7.t0.a1", "SUCCEEDED", 0, 0, "", start, end, "");
	mpw_map(w, 4);
	mpw_kint(w, "index", 1);
	mpw_kstr(w, "state", "FAILED");
	mpw_kstr(w, "reason", "failed after 2 attempts");
	mpw_key(w, "attempts");
	mpw_array(w, 2);
	attempt(w, "job-7.t1.a1", "FAILED", 3, 0, "exit code 3", start, end,
		"reading input\nboom: bad row 12");
	attempt(w, "job-7.t1.a2", "FAILED", 0, 9, "killed by signal 9", start, end, "");
	mpw_map(w, 2); /* a task rmd described sparingly: everything else is "-" */
	mpw_kint(w, "index", 2);
	mpw_kstr(w, "state", "PENDING");
}

static char *render_tasks(const msgpack_object *job)
{
	static char buf[8192];
	FILE *f = fmemopen(buf, sizeof buf, "w");

	job_print_tasks(job, f, 0);
	fclose(f);
	return buf;
}

static void test_task_table(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	char *s, *l;

	mpw_init(&w);
	build_job(&w);
	msgpack_unpacked_init(&u);
	assert_int_equal(msgpack_unpack_next(&u, mpw_data(&w), mpw_len(&w), NULL),
			 MSGPACK_UNPACK_SUCCESS);
	s = render_tasks(mpr_get(&u.data, "job"));
	assert_memory_equal(s, "TASK      STATE      ATTEMPT  NODE    EXIT   STARTED", 52);
	assert_non_null(l = strstr(s, "\njob-7.t0  SUCCEEDED  1        node-2  0      1m0"));
	assert_non_null(strstr(l, "  1m00s     -\n"));
	assert_non_null(l = strstr(s, "\njob-7.t1  FAILED     2        node-2  sig 9  "));
	assert_non_null(strstr(l, "failed after 2 attempts\n"
				  "    job-7.t1.a1 FAILED on node-2: exit code 3\n"
				  "        reading input\n"
				  "        boom: bad row 12\n"
				  "    job-7.t1.a2 FAILED on node-2: killed by signal 9\n"));
	assert_non_null(strstr(s, "\njob-7.t2  PENDING    -        -       -      -"));
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_defensive_getters(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	char b[64];
	int64_t v = 42;
	double d = 1.5;
	struct res r;

	mpw_init(&w);
	mpw_map(&w, 4);
	mpw_kint(&w, "name", 5); /* wrong type */
	mpw_kstr(&w, "reason", "");
	mpw_kstr(&w, "state", "RUNNING");
	mpw_kdouble(&w, "progress", 0.25);
	msgpack_unpacked_init(&u);
	msgpack_unpack_next(&u, mpw_data(&w), mpw_len(&w), NULL);
	assert_string_equal(view_str(&u.data, "name", b, sizeof b), "-");
	assert_string_equal(view_str(&u.data, "reason", b, sizeof b), "-");
	assert_string_equal(view_str(&u.data, "missing", b, sizeof b), "-");
	assert_string_equal(view_str(&u.data, "state", b, 4), "RUN"); /* cut, not refused */
	assert_false(view_int(&u.data, "missing", &v));
	assert_int_equal(v, 42);
	assert_false(view_int(&u.data, "state", &v));
	assert_true(view_double(&u.data, "progress", &d));
	assert_true(d == 0.25);
	assert_false(view_res(&u.data, "res", &r));
	assert_null(view_array(&u.data, "tasks"));
	assert_string_equal(view_strlist(&u.data, "labels", ",", b, sizeof b), "-");
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_json_without_envelope(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	mpw_init(&w);
	mpw_msg(&w, MSG_REPLY, 77, 1);
	mpw_kstr(&w, "job", "job-7");
	msgpack_unpacked_init(&u);
	msgpack_unpack_next(&u, mpw_data(&w), mpw_len(&w), NULL);
	print_json(&u.data, f);
	fclose(f);
	assert_non_null(strstr(buf, "\"job\""));
	assert_non_null(strstr(buf, "\"job-7\""));
	assert_null(strstr(buf, "\"t\""));
	assert_null(strstr(buf, "\"id\""));
	free(buf);
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void test_error_text(void **state)
{
	struct msg_error e = { .code = ERR_BAD_REQUEST, .field = "ntasks" };
	char b[256];

	snprintf(e.message, sizeof e.message, "must be 1..1000000");
	assert_string_equal(error_text(&e, b, sizeof b), "ntasks: must be 1..1000000");
	snprintf(e.message, sizeof e.message, "ntasks is too large");
	assert_string_equal(error_text(&e, b, sizeof b), "ntasks is too large");
	e.code = ERR_NOT_FOUND; /* the field would only repeat the message */
	snprintf(e.field, sizeof e.field, "target");
	snprintf(e.message, sizeof e.message, "no job job-9");
	assert_string_equal(error_text(&e, b, sizeof b), "no job job-9");
	e.field[0] = '\0';
	snprintf(e.message, sizeof e.message, "unknown queue 'x' (known: default)");
	assert_string_equal(error_text(&e, b, sizeof b), "unknown queue 'x' (known: default)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_task_table),
		cmocka_unit_test(test_defensive_getters),
		cmocka_unit_test(test_json_without_envelope),
		cmocka_unit_test(test_error_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
