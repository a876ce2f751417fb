/* Preferred nodes, delay scheduling and out-of-order placement (rm/sched-node.c,
 * job_take_unplaced in rm/job.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

/* A task goes to its preferred node whatever the rotation; a full one is passed over
 * for the next name on its list. */
static void test_preferred_node(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 4, 1000);
	struct rm_node *n2 = fx_node(f, "n2", 1, 1000);
	struct rm_node *n3 = fx_node(f, "n3", 4, 1000);
	struct rm_job *j = fx_job_opt(f, &(struct fx_jobopt){ .ntasks = 2 });
	fx_prefer(j, 0, "n3");
	fx_prefer(j, 1, "n2");
	fx_prefer(j, 1, "n3");
	struct rm_job *k = fx_job_opt(f, &(struct fx_jobopt){ .ntasks = 1 });
	fx_prefer(k, 0, "n2");
	fx_prefer(k, 0, "n3");

	assert_int_equal(fx_pass(f), 3);
	assert_ptr_equal(f->launched[0]->node, n3);
	assert_ptr_equal(f->launched[1]->node, n2);
	assert_ptr_equal(f->launched[2]->node, n3); /* n2 is full by then */
	assert_int_equal(j->loc_since_us, 0);
}

/* A task whose preferred node is full waits up to locality_wait, then takes any node. */
static void test_delay_then_any(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n2", 2, 1000);
	fx_job_opt(f, &(struct fx_jobopt){ .ntasks = 2 });
	assert_int_equal(fx_pass(f), 2); /* n2 is full */
	struct rm_node *n1 = fx_node(f, "n1", 2, 1000);
	struct rm_job *j = fx_job_opt(f, &(struct fx_jobopt){ .ntasks = 1 });
	fx_prefer(j, 0, "n2");
	int64_t t0 = f->now;

	assert_int_equal(fx_pass(f), 0);
	assert_string_equal(j->reason, "waiting up to 3s for a preferred node (n2)");
	assert_int_equal(j->loc_since_us, t0);
	assert_int_equal(f->sr.wake_us, t0 + 3000000);
	assert_false(fx_q(f, "root.default")->starving); /* waiting by choice */
	f->now += 1000000;
	assert_int_equal(fx_pass(f), 0);
	assert_int_equal(f->sr.wake_us, t0 + 3000000);
	f->now += 2000000;
	assert_int_equal(fx_pass(f), 1);
	assert_ptr_equal(f->launched[2]->node, n1);
}

/*
 * Tasks 0 and 1 prefer n2 (full); 2 and 3 prefer nothing. Tasks 2 and 3 go first, out
 * of order; the cursor stays at 0 with two tasks past it placed. When n2 frees, tasks 0
 * and 1 go there and the cursor moves past all four.
 */
static void test_out_of_order(void **state)
{
	struct fx *f = *state;
	struct rm_node *n2 = fx_node(f, "n2", 2, 1000);
	fx_job_opt(f, &(struct fx_jobopt){ .ntasks = 2 });
	assert_int_equal(fx_pass(f), 2);
	fx_node(f, "n1", 4, 1000);
	struct rm_job *j = fx_job_opt(f, &(struct fx_jobopt){ .ntasks = 4 });
	fx_prefer(j, 0, "n2");
	fx_prefer(j, 1, "n2");

	assert_int_equal(fx_pass(f), 2);
	assert_int_equal(f->launched[2]->id.task, 2);
	assert_int_equal(f->launched[3]->id.task, 3);
	assert_int_equal(j->cursor, 0);
	assert_int_equal(j->nooo, 2);
	assert_int_equal(job_unplaced(j), 2);
	assert_true(job_has_unplaced(j));
	assert_true(j->queued);
	assert_int_equal(fx_pass(f), 0); /* the others still wait for n2 */

	fx_finish(f, f->launched[0]);
	fx_finish(f, f->launched[1]);
	assert_int_equal(fx_pass(f), 2);
	assert_ptr_equal(f->launched[4]->node, n2);
	assert_ptr_equal(f->launched[5]->node, n2);
	assert_int_equal(j->loc_since_us, 0);
	assert_int_equal(j->cursor, 4);
	assert_int_equal(j->nooo, 0);
	assert_int_equal(job_unplaced(j), 0);
	assert_false(j->queued);
}

/* Books task ti as cluster_apply does. */
static void take(struct fx *f, struct rm_job *j, int32_t ti, struct rm_node *n)
{
	assert_true(job_take_unplaced(j, ti));
	attempt_start(&f->cl, j, &j->tasks[ti], n);
}

/* Booking a task out of order: from the middle of the re-queued ones, past the cursor,
 * then at the cursor (which moves past the one placed before); refusing a task that does
 * not wait. */
static void test_take_unplaced(void **state)
{
	struct fx *f = *state;
	struct rm_node *n = fx_node(f, "n1", 3, 1000);
	struct rm_job *j = fx_job(f, 5, 0, 3);

	assert_int_equal(fx_pass(f), 3);
	for (int i = 0; i < 3; i++)
		fx_report(f, f->launched[i], AR_EXITED, 1, 0); /* all three wait again */
	assert_int_equal(job_unplaced(j), 5);
	take(f, j, 1, n);
	assert_int_equal(job_unplaced(j), 4);
	assert_int_equal(j->nrequeue - j->rq_head, 2);
	take(f, j, 4, n);
	assert_int_equal(j->cursor, 3);
	assert_int_equal(j->nooo, 1);
	assert_int_equal(job_unplaced(j), 3);
	take(f, j, 3, n);
	assert_int_equal(j->cursor, 5);
	assert_int_equal(j->nooo, 0);
	assert_int_equal(job_unplaced(j), 2);
	assert_false(job_take_unplaced(j, 4)); /* runs */
	assert_false(job_take_unplaced(j, 7));
	assert_true(job_has_unplaced(j));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_preferred_node, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_delay_then_any, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_take_unplaced, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
