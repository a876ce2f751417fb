/* The scheduling side of rmctl's views: the queue table of rmctl queues (indentation,
 * percentages, users of leaves, starving notes) and the marks of preempted and timed-out
 * attempts in rmctl job's task table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "timeutil.h"

/* One queue of a queue_list reply, with the fields the table shows. */
static void queue(struct mpw *w, const char *name, int depth, bool leaf, double guar,
		  double max, double share, int run, int pend, int preempted, int users,
		  double starving)
{
	mpw_map(w, 12);
	mpw_kstr(w, "name", name);
	mpw_kint(w, "depth", depth);
	mpw_kbool(w, "leaf", leaf);
	mpw_kstr(w, "state", "RUNNING");
	mpw_kdouble(w, "guarantee", guar);
	mpw_kdouble(w, "maximum", max);
	mpw_kdouble(w, "share", share);
	mpw_kint(w, "jobs_running", run);
	mpw_kint(w, "jobs_pending", pend);
	mpw_kint(w, "preempted", preempted);
	mpw_kdouble(w, "starving_s", starving);
	mpw_key(w, "users");
	mpw_array(w, (uint32_t)users);
	for (int i = 0; i < users; i++) {
		mpw_map(w, 1);
		mpw_kstr(w, "name", i == 0 ? "alice" : "bob");
	}
}

/* Unpacks w into u and renders it with fn into a static buffer. */
static char *render(struct mpw *w, msgpack_unpacked *u, void (*fn)(const msgpack_object *,
								   FILE *, int), const char *key)
{
	static char buf[8192];
	FILE *f = fmemopen(buf, sizeof buf, "w");

	msgpack_unpacked_init(u);
	assert_int_equal(msgpack_unpack_next(u, mpw_data(w), mpw_len(w), NULL),
			 MSGPACK_UNPACK_SUCCESS);
	fn(key != NULL ? mpr_get(&u->data, key) : &u->data, f, 0);
	fclose(f);
	return buf;
}

static void test_queue_table(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	char *s;

	mpw_init(&w);
	mpw_msg(&w, MSG_REPLY, 3, 3);
	mpw_kstr(&w, "default", "root.dev");
	mpw_kbool(&w, "preemption", true);
	mpw_key(&w, "queues");
	mpw_array(&w, 4);
	queue(&w, "root", 0, false, 1, 1, 0.75, 3, 2, 1, 0, 0);
	queue(&w, "prod", 1, false, 0.6, 1, 0.5, 2, 2, 0, 0, 0);
	queue(&w, "etl", 2, true, 0.6, 0.8, 0.125, 2, 2, 0, 2, 12);
	queue(&w, "dev", 1, true, 0.4, 0.5, 0.25, 1, 0, 1, 1, 0);
	s = render(&w, &u, queues_print, NULL);
	assert_memory_equal(s, "QUEUE    STATE    GUAR%  MAX%  USED%  RUNNING  PENDING  PREEMPTED"
			       "  USERS\n", 73);
	assert_non_null(strstr(s, "\nroot     RUNNING  100    100   75     3        2        1"
				  "          -\n")); /* inner queues have no users of their own */
	assert_non_null(strstr(s, "\n  prod   RUNNING  60     100   50     2        2        0"));
	assert_non_null(strstr(s, "\n    etl  RUNNING  60     80    12.5   2        2        0"
				  "          2\n"
				  "      below its guarantee with pending work for 12s\n"));
	assert_non_null(strstr(s, "\n  dev    RUNNING  40     50    25     1        0        1"
				  "          1\n"));
	assert_non_null(strstr(s, "\ndefault queue: root.dev, preemption: on\n"));
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

static void attempt(struct mpw *w, const char *id, const char *state, const char *mark,
		    const char *reason)
{
	int64_t now = wall_us();

	mpw_map(w, mark != NULL ? 7 : 6);
	mpw_kstr(w, "id", id);
	mpw_kstr(w, "node", "node-1");
	mpw_kstr(w, "state", state);
	mpw_kstr(w, "reason", reason);
	mpw_kint(w, "start_us", now - 10000000);
	mpw_kint(w, "end_us", now - 5000000);
	if (mark != NULL)
		mpw_kbool(w, mark, true);
}

/* A task preempted once, then timed out: both marked, both noted under the task. */
static void test_attempt_marks(void **state)
{
	struct mpw w;
	msgpack_unpacked u;
	char *s;

	mpw_init(&w);
	mpw_msg(&w, MSG_REPLY, 3, 1);
	mpw_key(&w, "job");
	mpw_map(&w, 2);
	mpw_kstr(&w, "id", "job-4");
	mpw_key(&w, "tasks");
	mpw_array(&w, 1);
	mpw_map(&w, 3);
	mpw_kint(&w, "index", 0);
	mpw_kstr(&w, "state", "FAILED");
	mpw_key(&w, "attempts");
	mpw_array(&w, 2);
	attempt(&w, "job-4.t0.a1", "KILLED", "preempted", "preempted for queue root.prod");
	attempt(&w, "job-4.t0.a2", "FAILED", "timed_out", "time limit of 10m reached");
	s = render(&w, &u, job_print_tasks, "job");
	assert_non_null(strstr(s, "\njob-4.t0  FAILED  2 timed out  node-1"));
	assert_non_null(strstr(s, "\n    job-4.t0.a1 PREEMPTED on node-1: preempted for queue "
				  "root.prod\n"
				  "    job-4.t0.a2 TIMED OUT on node-1: time limit of 10m reached\n"));
	msgpack_unpacked_destroy(&u);
	mpw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_table),
		cmocka_unit_test(test_attempt_marks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
