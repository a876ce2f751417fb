/* Gangs, reservations and EASY backfill (rm/sched-gang.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

/* A gang that fits starts whole in one pass. */
static void test_gang_whole(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 2, 1000);
	fx_node(f, "n2", 2, 1000);
	struct rm_job *g = fx_job_opt(f, &(struct fx_jobopt){ .ntasks = 4, .gang = true });

	assert_int_equal(fx_pass(f), 4);
	assert_int_equal(g->ntask_state[TASK_RUNNING], 4);
	assert_false(g->queued);
	assert_int_equal(g->nresv, 0);
}

/*
 * n1 runs a 2-task job (60 s limit); n2 and n3 are free. A gang of 6 (first by priority:
 * under loom order short jobs would go first) waits (4 of 6 fit)
 * and reserves all three nodes, free by 00:01:01 (the clock starts at 1 s). A small job
 * with a 30 s limit backfills; one with 120 s, or with no limit, keeps off.
 */
static void test_gang_reservation_and_backfill(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 2, 1000);
	struct rm_job *run = fx_job_opt(f, &(struct fx_jobopt){ .ntasks = 2,
							     .time_limit_ms = 60000 });
	assert_int_equal(fx_pass(f), 2);
	fx_node(f, "n2", 2, 1000);
	fx_node(f, "n3", 2, 1000);
	struct rm_job *g = fx_job_opt(f, &(struct fx_jobopt){ .ntasks = 6, .gang = true,
							   .priority = 1 });
	struct rm_job *s30 = fx_job_opt(f, &(struct fx_jobopt){ .time_limit_ms = 30000 });
	struct rm_job *s120 = fx_job_opt(f, &(struct fx_jobopt){ .time_limit_ms = 120000 });
	struct rm_job *nolim = fx_job_opt(f, &(struct fx_jobopt){ .ntasks = 1 });

	assert_int_equal(fx_pass(f), 1);
	assert_ptr_equal(f->launched[2]->job, s30);
	assert_int_equal(g->ntask_state[TASK_PENDING], 6);
	assert_int_equal(g->nresv, 3);
	assert_ptr_equal(fx_q(f, "root.default")->resv_job, g);
	assert_int_equal(g->resv_start_us, 61000000);
	assert_non_null(strstr(g->reason, "waiting for a gang reservation: 4 of 6 tasks fit now; "
					  "reserved n"));
	assert_non_null(strstr(g->reason, " (free by 00:01:01)"));
	assert_string_equal(s120->reason, "no node has room for (1 vcore, 100M) now");
	assert_string_equal(nolim->reason, "no node has room for (1 vcore, 100M) now");
	assert_true(fx_q(f, "root.default")->starving);
	/* 6 + 1 + 1 tasks waited for room, capped at the cluster's 6 vcores */
	assert_int_equal(fx_q(f, "root.default")->demand.v[QR_VCORES], 6000);

	/* The running job ends: the gang starts whole, its reservation goes. */
	fx_finish(f, f->launched[0]);
	fx_finish(f, f->launched[1]);
	fx_finish(f, f->launched[2]);
	assert_int_equal(run->state, JOB_SUCCEEDED);
	assert_int_equal(fx_pass(f), 6);
	assert_int_equal(g->ntask_state[TASK_RUNNING], 6);
	assert_ptr_not_equal(fx_q(f, "root.default")->resv_job, g);
	assert_int_equal(g->nresv, 0);
}

/* Without time limits on what runs, the shadow time is unknown: nothing backfills. */
static void test_reservation_unknown_end(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 2, 1000);
	fx_job_opt(f, &(struct fx_jobopt){ .ntasks = 1 });
	assert_int_equal(fx_pass(f), 1);
	struct rm_job *big = fx_job_opt(f, &(struct fx_jobopt){ .vcores = 2, .priority = 1 });
	struct rm_job *s = fx_job_opt(f, &(struct fx_jobopt){ .time_limit_ms = 1000 });

	assert_int_equal(fx_pass(f), 0);
	assert_string_equal(big->reason, "no node has room for (2 vcores, 100M) now; reserved n1 "
					 "(free time unknown)");
	assert_int_equal(big->resv_start_us, 0);
	assert_string_equal(s->reason, "no node has room for (1 vcore, 100M) now");
}

/* A job in another leaf keeps off the reservation too; a reservation whose node is gone
 * is made again on the nodes that remain. */
static void test_reservation_across_leaves(void **state)
{
	struct fx *f = *state;
	fx_tree_begin(f);
	fx_queue(f, NULL, "a", 0, 100);
	fx_queue(f, NULL, "b", 0, 100);
	fx_tree_end(f, "a");
	struct rm_node *n1 = fx_node(f, "n1", 2, 1000);
	fx_job_opt(f, &(struct fx_jobopt){ .queue = "a" });
	struct rm_job *big = fx_job_opt(f, &(struct fx_jobopt){ .queue = "a", .vcores = 2 });
	assert_int_equal(fx_pass(f), 1);
	assert_int_equal(big->nresv, 1);
	assert_ptr_equal(big->resv[0], n1);

	struct rm_job *small = fx_job_opt(f, &(struct fx_jobopt){ .queue = "b" });
	assert_int_equal(fx_pass(f), 0); /* b is served first (share 0) but n1 is reserved */
	assert_string_equal(small->reason, "no node has room for (1 vcore, 100M) now");

	struct rm_node *n2 = fx_node(f, "n2", 2, 1000);
	node_set_state(n1, NODE_DRAINING, "test");
	assert_int_equal(fx_pass(f), 1); /* small on n2; big reserves n2 instead */
	assert_ptr_equal(f->launched[1]->job, small);
	assert_ptr_equal(f->launched[1]->node, n2);
	assert_int_equal(big->nresv, 1);
	assert_ptr_equal(big->resv[0], n2);
	assert_ptr_equal(fx_q(f, "root.a")->resv_job, big);
}

/* A reservation of a leaf over its guarantee does not keep a leaf below its own from the
 * room that frees (preemption may have made that room for it). */
static void test_reservation_yields_to_guarantee(void **state)
{
	struct fx *f = *state;
	fx_tree_begin(f);
	fx_queue(f, NULL, "a", 50, 100);
	fx_queue(f, NULL, "b", 50, 100);
	fx_tree_end(f, "b");
	fx_node(f, "n1", 2, 1000);
	fx_node(f, "n2", 2, 1000);
	struct rm_job *fill = fx_job_opt(f, &(struct fx_jobopt){ .queue = "b", .ntasks = 4 });
	assert_int_equal(fx_pass(f), 4);
	struct rm_job *g = fx_job_opt(f, &(struct fx_jobopt){ .queue = "b", .ntasks = 2,
							   .vcores = 2, .gang = true });
	assert_int_equal(fx_pass(f), 0);
	assert_int_equal(g->nresv, 2); /* both nodes, for the gang */

	struct rm_job *a = fx_job_opt(f, &(struct fx_jobopt){ .queue = "a" });
	assert_int_equal(fx_pass(f), 0);
	assert_ptr_equal(f->launched[0]->job, fill);
	fx_finish(f, f->launched[0]);
	assert_int_equal(fx_pass(f), 1);
	assert_ptr_equal(f->launched[4]->job, a); /* a is below its guarantee, b is not */
	assert_ptr_equal(f->launched[4]->node, f->launched[0]->node);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gang_whole, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_gang_reservation_and_backfill, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_reservation_unknown_end, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reservation_across_leaves, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_reservation_yields_to_guarantee, fx_setup,
						fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
