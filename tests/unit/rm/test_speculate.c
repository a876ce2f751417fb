/*
 * Speculation (speculate.c): hand-checked LATE ranking, the slow-task percentile, slow-node
 * avoidance, the cap, Spark's rule, and the counts of copies launched, won and wasted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

#define S 1000000LL /* one second in microseconds */

/* The shared fixture, with the clock past zero so that runtimes are positive. */
static int setup(void **state)
{
	fx_setup(state);
	((struct fx *)*state)->now = 100 * S;
	return 0;
}

/* Starts task ti of j on n, running for run_s seconds with progress p (-1: none). */
static struct rm_attempt *run_on(struct fx *f, struct rm_job *j, int ti, struct rm_node *n,
				 double run_s, double p)
{
	struct rm_attempt *a = attempt_start(&f->cl, j, &j->tasks[ti], n);
	fx_report(f, a, AR_RUNNING, 0, 0);
	a->start_us = f->now - (int64_t)(run_s * S);
	a->progress = p;
	return a;
}

/* Ends a with exit 0 and a committed output, after dur_s seconds. */
static void finish(struct fx *f, struct rm_attempt *a, double dur_s)
{
	a->start_us = f->now - (int64_t)(dur_s * S);
	a->end_us = f->now;
	fx_report(f, a, AR_EXITED, 0, 0);
	outcome_committed(&f->cl, a, true, true, "");
}

/* Marks every task of j placed (tests start attempts by hand). */
static void all_placed(struct fx *f, struct rm_job *j)
{
	j->cursor = j->spec.ntasks;
	job_queue_remove(&f->cl, j);
}

static size_t pass(struct fx *f, struct spec_result *r)
{
	spec_pass(&f->cl, r);
	return r->npicks;
}

static void test_percentile(void **state)
{
	double v[] = { 4, 1, 3, 2 }, one[] = { 7 };

	assert_true(spec_percentile(v, 4, 25) == 1.75);
	assert_true(spec_percentile(v, 4, 50) == 2.5);
	assert_true(spec_percentile(v, 4, 100) == 4);
	assert_true(spec_percentile(one, 1, 25) == 7);
}

/*
 * Five tasks at 10 s: progress 0.9, 0.2, 0.1, 0.8, 0.85 on nodes a..e, so rates 0.09,
 * 0.02, 0.01, 0.08, 0.085 and times left 1.1, 40, 90, 2.5, 1.8 s. Node speeds (rate over
 * the median 0.08): a 1.125, b 0.25, c 0.125, d 1, e 1.0625.
 */
static struct rm_job *late_setup(struct fx *f, struct rm_node **n, int vcores_b)
{
	static const double prog[] = { 0.9, 0.2, 0.1, 0.8, 0.85 };
	struct rm_job *j = fx_job(f, 5, 0, 0);
	const char *names[] = { "a", "b", "c", "d", "e" };

	for (int i = 0; i < 5; i++)
		n[i] = fx_node(f, names[i], i == 1 ? vcores_b : 2, 1000);
	for (int i = 0; i < 5; i++)
		run_on(f, j, i, n[i], 10, prog[i]);
	all_placed(f, j);
	return j;
}

/* slow_task_pct 50: threshold 0.08, candidates t2 (90 s left) then t1 (40 s); t2's copy
 * goes to the fastest node a, t1's to e once a is full; c (slow) takes nothing. */
static void test_late_ranking(void **state)
{
	struct fx *f = *state;
	struct spec_result r = { 0 };
	struct rm_node *n[5];

	late_setup(f, n, 2);
	f->cl.spec.slow_task_pct = 50;
	f->cl.spec.cap_pct = 100;
	assert_int_equal(pass(f, &r), 2);
	assert_int_equal(r.picks[0].task, 2);
	assert_ptr_equal(r.picks[0].node, n[0]);
	assert_true(r.picks[0].rule == SPEC_LATE);
	assert_true(r.picks[0].left_s > 89.9 && r.picks[0].left_s < 90.1);
	assert_int_equal(r.picks[1].task, 1);
	assert_ptr_equal(r.picks[1].node, n[4]);
	spec_result_free(&r);
}

/* The default 25th percentile of the rates is 0.02: only t2 (0.01) is below it. */
static void test_late_percentile_filter(void **state)
{
	struct fx *f = *state;
	struct spec_result r = { 0 };
	struct rm_node *n[5];

	late_setup(f, n, 2);
	f->cl.spec.cap_pct = 100;
	assert_int_equal(pass(f, &r), 1);
	assert_int_equal(r.picks[0].task, 2);
	spec_result_free(&r);
}

/* Only b and c have room. b (0.25) is not below the 25th percentile of the node speeds
 * (0.25), so t2 goes there; at the 50th percentile (1.0) both are slow: no copy. */
static void test_slow_node_avoided(void **state)
{
	struct fx *f = *state;
	struct spec_result r = { 0 };
	struct rm_node *n[5];

	late_setup(f, n, 2);
	f->cl.spec.cap_pct = 100;
	for (int i = 0; i < 5; i++)
		if (i != 1 && i != 2)
			n[i]->capacity.vcores_m = 1000; /* full with its one task */
	assert_int_equal(pass(f, &r), 1);
	assert_ptr_equal(r.picks[0].node, n[1]);
	f->cl.spec.slow_node_pct = 50;
	assert_int_equal(pass(f, &r), 0);
	spec_result_free(&r);
}

/* Never beside the original: with room only on c, t2 (on c) gets no copy. */
static void test_not_on_own_node(void **state)
{
	struct fx *f = *state;
	struct spec_result r = { 0 };
	struct rm_node *n[5];

	late_setup(f, n, 2);
	f->cl.spec.cap_pct = 100;
	f->cl.spec.slow_node_pct = 1; /* nothing is slow */
	for (int i = 0; i < 5; i++)
		if (i != 2)
			n[i]->capacity.vcores_m = 1000;
	assert_int_equal(pass(f, &r), 0);
	spec_result_free(&r);
}

/* 10 slots: 10% is one copy. A live copy uses the budget; the copy that commits wins. */
static void test_cap_and_win(void **state)
{
	struct fx *f = *state;
	struct spec_result r = { 0 };
	struct rm_node *n[5];
	struct rm_job *j = late_setup(f, n, 2);

	f->cl.spec.slow_task_pct = 50;
	assert_int_equal(spec_cap(&f->cl, 10), 1);
	assert_int_equal(spec_cap(&f->cl, 25), 3); /* 2.5 rounded up */
	assert_int_equal(pass(f, &r), 1);
	assert_int_equal(r.picks[0].task, 2);
	spec_apply(&f->cl, &r);
	struct rm_attempt *copy = r.picks[0].copy, *orig = r.picks[0].orig;
	assert_non_null(copy);
	assert_true(copy->speculative);
	assert_false(orig->speculative);
	assert_int_equal(j->spec_launched, 1);
	assert_int_equal(j->tasks[2].nlive, 2);
	fx_report(f, copy, AR_RUNNING, 0, 0);
	assert_int_equal(pass(f, &r), 0); /* the cap is reached */

	int kills = f->nkill;
	finish(f, copy, 2);
	assert_int_equal(f->nkill, kills + 1); /* the straggler is told to stop */
	fx_report(f, orig, AR_KILLED, 0, 0);
	assert_int_equal(orig->state, ATT_KILLED);
	assert_int_equal(j->tasks[2].nfailed, 0); /* a killed loser is no failure */
	assert_int_equal(j->tasks[2].state, TASK_SUCCEEDED);
	assert_int_equal(j->spec_won, 1);
	assert_int_equal(j->spec_wasted, 0);
	spec_result_free(&r);
}

/* The original finishes first: the copy is killed and counted as wasted. */
static void test_copy_wasted(void **state)
{
	struct fx *f = *state;
	struct spec_result r = { 0 };
	struct rm_node *n[5];
	struct rm_job *j = late_setup(f, n, 2);

	assert_int_equal(pass(f, &r), 1);
	spec_apply(&f->cl, &r);
	struct rm_attempt *copy = r.picks[0].copy, *orig = r.picks[0].orig;
	finish(f, orig, 12);
	fx_report(f, copy, AR_EXITED, 0, 15); /* SIGTERM after the kill */
	assert_int_equal(copy->state, ATT_KILLED);
	assert_int_equal(j->spec_won, 0);
	assert_int_equal(j->spec_wasted, 1);
	spec_result_free(&r);
}

/* Nothing is judged before min_runtime, and a job still placing tasks gets no copies. */
static void test_min_runtime_and_pending(void **state)
{
	struct fx *f = *state;
	struct spec_result r = { 0 };
	struct rm_node *n = fx_node(f, "a", 4, 1000);
	struct rm_node *m = fx_node(f, "b", 4, 1000);
	struct rm_job *j = fx_job(f, 3, 0, 0);

	f->cl.spec.cap_pct = 100;
	run_on(f, j, 0, n, 0.5, 0); /* stuck, but only for half a second */
	finish(f, run_on(f, j, 1, m, 0, 0), 2);
	finish(f, run_on(f, j, 2, m, 0, 0), 2);
	all_placed(f, j);
	assert_int_equal(pass(f, &r), 0);
	j->tasks[0].attempts[0]->start_us = f->now - 5 * S;
	assert_int_equal(pass(f, &r), 1);
	j->cursor = 2; /* pretend task 2 still waits for a slot */
	assert_int_equal(pass(f, &r), 0);
	j->cursor = 3;
	spec_result_free(&r);
}

/*
 * Spark: 8 tasks without progress, 6 finished in 10, 10, 10, 12, 12, 12 s (median 11,
 * 1.5 x 11 = 16.5); t6 has run 15 s, t7 20 s: only t7 is copied. With 5 finished (62.5%
 * < 75%) nothing is.
 */
static void test_spark_rule(void **state)
{
	struct fx *f = *state;
	struct spec_result r = { 0 };
	static const double dur[] = { 10, 10, 10, 12, 12, 12 };
	struct rm_node *n = fx_node(f, "a", 8, 8000);
	struct rm_node *m = fx_node(f, "b", 8, 8000);
	struct rm_job *j = fx_job(f, 8, 0, 0);
	struct rm_attempt *late5 = NULL;

	f->cl.spec.cap_pct = 100;
	for (int i = 0; i < 6; i++) {
		struct rm_attempt *a = run_on(f, j, i, m, 0, -1);
		if (i == 5)
			late5 = a;
		else
			finish(f, a, dur[i]);
	}
	run_on(f, j, 6, n, 15, -1);
	run_on(f, j, 7, n, 20, -1);
	all_placed(f, j);
	late5->start_us = f->now - 2 * S;
	assert_int_equal(pass(f, &r), 0);
	finish(f, late5, dur[5]);
	assert_int_equal(pass(f, &r), 1);
	assert_int_equal(r.picks[0].task, 7);
	assert_true(r.picks[0].rule == SPEC_SPARK);
	assert_ptr_equal(r.picks[0].node, m);
	/* A job may change the multiplier: 1.2 x 11 = 13.2 catches t6 as well. */
	j->spec.speculation.multiplier_pct = 120;
	assert_int_equal(pass(f, &r), 2);
	assert_int_equal(r.picks[0].task, 7); /* the longest running first */
	assert_int_equal(r.picks[1].task, 6);
	spec_result_free(&r);
}

/* Off for the cluster, a job may turn it on; on for the cluster, a job may turn it off. */
static void test_disabled(void **state)
{
	struct fx *f = *state;
	struct spec_result r = { 0 };
	struct rm_node *n[5];
	struct rm_job *j = late_setup(f, n, 2);
	struct spec_conf c;

	f->cl.spec.enabled = false;
	assert_int_equal(pass(f, &r), 0);
	j->spec.speculation.mode = SPECULATE_ON;
	assert_int_equal(pass(f, &r), 1);
	f->cl.spec.enabled = true;
	j->spec.speculation.mode = SPECULATE_OFF;
	assert_int_equal(pass(f, &r), 0);
	assert_false(spec_job_conf(&f->cl.spec, &j->spec, &c));
	spec_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile),
		cmocka_unit_test_setup_teardown(test_late_ranking, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_late_percentile_filter, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_slow_node_avoided, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_not_on_own_node, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_cap_and_win, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_copy_wasted, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_min_runtime_and_pending, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_spark_rule, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_disabled, setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
