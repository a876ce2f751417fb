/* Time limits (limits.c, outcome.c): attempts past their job's limit are killed with a
 * reason that says so, and their task fails at once (no other attempt), as Slurm's
 * TIMEOUT; attempts not yet running and jobs without a limit are left alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

#define S 1000000LL /* a second in microseconds */

static struct rm_job *job_limited(struct fx *f, int ntasks, int64_t limit_ms)
{
	struct rm_job *j = fx_job(f, ntasks, 0, 3);

	j->spec.time_limit_ms = limit_ms;
	return j;
}

/* Places task i of j on n; reports it running since start_us unless that is -1. */
static struct rm_attempt *place(struct fx *f, struct rm_job *j, int32_t i, struct rm_node *n,
				int64_t start_us)
{
	struct placement p = { .job = j, .task = i, .node = n };
	struct sched_result r = { .pl = &p, .npl = 1 };
	struct attempt_report rep = { .state = AR_RUNNING, .progress = -1 };
	struct rm_attempt *a;

	cluster_apply(&f->cl, &r);
	a = task_last_attempt(&j->tasks[i]);
	if (start_us >= 0) {
		rep.id = a->id;
		rep.start_us = start_us;
		outcome_report(&f->cl, a, &rep);
	}
	return a;
}

static void test_format(void **state)
{
	char b[64];

	(void)state;
	assert_string_equal(time_limit_format(600000, b, sizeof(b)), "10m");
	assert_string_equal(time_limit_format(5400000, b, sizeof(b)), "1h30m");
	assert_string_equal(time_limit_format(45000, b, sizeof(b)), "45s");
	assert_string_equal(time_limit_format(1500, b, sizeof(b)), "1s500ms");
	assert_string_equal(time_limit_format(2 * 86400000LL, b, sizeof(b)), "2d");
	assert_int_equal(job_time_limit_us(&(struct rm_job){ .spec.time_limit_ms = 7 }), 7000);
}

static void test_kills_at_limit(void **state)
{
	struct fx *f = *state;
	struct rm_node *n = fx_node(f, "node-1", 4, 1000);
	struct rm_job *j = job_limited(f, 3, 600000), *free_j = fx_job(f, 1, 0, 1);
	struct rm_attempt *a0, *a1, *a2;
	int64_t next;

	a0 = place(f, j, 0, n, 10 * S);
	a1 = place(f, j, 1, n, 70 * S);
	a2 = place(f, j, 2, n, -1); /* launched, not yet running: its clock has not started */
	place(f, free_j, 0, n, 1 * S);
	f->now = 310 * S;
	assert_int_equal(cluster_time_limits(&f->cl, &next), 0);
	assert_int_equal(next, 610 * S);
	f->now = 610 * S;
	assert_int_equal(cluster_time_limits(&f->cl, &next), 1);
	assert_int_equal(next, 670 * S);
	assert_true(a0->timed_out && a0->kill_sent);
	assert_false(a1->timed_out || a2->timed_out);
	assert_string_equal(a0->reason, "exceeded its time limit of 10m");
	assert_int_equal(f->nkill, 1);
	assert_int_equal(j->ntimed_out, 1);
	assert_int_equal(f->cl.timed_out_total, 1);
	/* Asked once: a second look during the grace period kills nothing more. */
	assert_int_equal(cluster_time_limits(&f->cl, &next), 0);
	assert_int_equal(f->nkill, 1);
}

static void test_task_fails_without_retry(void **state)
{
	struct fx *f = *state;
	struct rm_node *n = fx_node(f, "node-1", 4, 1000);
	struct rm_job *j = job_limited(f, 2, 600000);
	struct rm_attempt *a = place(f, j, 0, n, 10 * S), *b = place(f, j, 1, n, 10 * S);
	int64_t next;

	f->now = 700 * S;
	assert_int_equal(cluster_time_limits(&f->cl, &next), 2);
	fx_report(f, a, AR_KILLED, 0, 15); /* the agent's answer to the kill */
	assert_int_equal(a->state, ATT_FAILED);
	assert_string_equal(a->reason, "exceeded its time limit of 10m");
	assert_int_equal(a->task->state, TASK_FAILED);
	assert_int_equal(a->task->nattempts, 1); /* max_attempts 3, yet no other attempt */
	assert_int_equal(j->state, JOB_FAILED);
	assert_string_equal(j->reason, "task job-1.t0 exceeded its time limit of 10m");
	assert_int_equal(n->health.nfail, 0); /* no fault of the node's */
	assert_int_equal(j->nexcl, 0);
	fx_report(f, b, AR_EXITED, 0, 9);
	assert_false(attempt_live(b));
	assert_false(job_has_unplaced(j));
}

static void test_running_without_start_time(void **state)
{
	struct fx *f = *state;
	struct rm_node *n = fx_node(f, "node-1", 4, 1000);
	struct rm_job *j = job_limited(f, 1, 1000);
	struct rm_attempt *a = place(f, j, 0, n, 0); /* the agent gave no start time */
	int64_t next;

	assert_int_equal(a->start_us, f->now); /* rmd's clock stands in */
	f->now += 999000;
	assert_int_equal(cluster_time_limits(&f->cl, &next), 0);
	f->now += 1000;
	assert_int_equal(cluster_time_limits(&f->cl, &next), 1);
	assert_int_equal(next, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test_setup_teardown(test_kills_at_limit, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_task_fails_without_retry, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_running_without_start_time, fx_setup,
						fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
