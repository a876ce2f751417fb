/* The queue-aware pass (rm/sched.c, rm/sched-unit.c): guarantees, DRF between queues and
 * users, maximum shares, running-job and user limits, priorities and the leaf's order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

/* Two leaves under root: a and b, with the given guarantees (% of everything). */
static void two_leaves(struct fx *f, double ga, double gb)
{
	fx_tree_begin(f);
	fx_queue(f, NULL, "a", ga, 100);
	fx_queue(f, NULL, "b", gb, 100);
	fx_tree_end(f, "a");
}

/* A queue below its guarantee is served before one at or above its own. With 10 slots,
 * a (10%) gets one, then b (50%) gets five before a is served again. */
static void test_guarantee_first(void **state)
{
	struct fx *f = *state;
	two_leaves(f, 10, 50);
	fx_node(f, "n1", 10, 100000);
	struct rm_job *a = fx_job_opt(f, &(struct fx_jobopt){ .queue = "a", .ntasks = 10 });
	struct rm_job *b = fx_job_opt(f, &(struct fx_jobopt){ .queue = "b", .ntasks = 10 });

	assert_int_equal(fx_pass(f), 10);
	assert_ptr_equal(f->launched[0]->job, a);
	for (int i = 1; i <= 5; i++)
		assert_ptr_equal(f->launched[i]->job, b);
	assert_int_equal(fx_launched_of(f, a), 5); /* then weighted shares even out */
	assert_int_equal(fx_launched_of(f, b), 5);
	assert_int_equal(fx_q(f, "root.b")->used.v[QR_VCORES], 5000);
}

/* Without guarantees, weighted dominant shares: b (weight 2) gets twice a's slots, in
 * the order a, b, b, a, b, b (ties go to the first child). */
static void test_drf_between_queues(void **state)
{
	struct fx *f = *state;
	fx_tree_begin(f);
	fx_queue(f, NULL, "a", 0, 100);
	fx_queue(f, NULL, "b", 0, 100)->weight = 2;
	fx_tree_end(f, "a");
	fx_node(f, "n1", 6, 100000);
	struct rm_job *a = fx_job_opt(f, &(struct fx_jobopt){ .queue = "a", .ntasks = 10 });
	struct rm_job *b = fx_job_opt(f, &(struct fx_jobopt){ .queue = "b", .ntasks = 10 });
	struct rm_job *want[6] = { a, b, b, a, b, b };

	assert_int_equal(fx_pass(f), 6);
	for (int i = 0; i < 6; i++)
		assert_ptr_equal(f->launched[i]->job, want[i]);
}

/* Users of one leaf take turns by dominant share; a memory-heavy user counts by memory. */
static void test_drf_between_users(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 4, 4000);
	struct rm_job *al = fx_job_opt(f, &(struct fx_jobopt){ .user = "alice", .ntasks = 4 });
	struct rm_job *bo = fx_job_opt(f, &(struct fx_jobopt){ .user = "bob", .ntasks = 4,
							    .mem_mb = 1000 });

	/* alice 1/4 of vcores per task, bob 1/4 of memory per task: they alternate. */
	assert_int_equal(fx_pass(f), 4);
	for (int i = 0; i < 4; i++)
		assert_ptr_equal(f->launched[i]->job, i % 2 == 0 ? al : bo);
	struct rm_queue *d = fx_q(f, "root.default");
	assert_int_equal(d->nusers, 2);
}

/* A leaf stops at its maximum share and says so; so does a parent over its leaves. */
static void test_max_share(void **state)
{
	struct fx *f = *state;
	fx_tree_begin(f);
	fx_queue(f, NULL, "prod", 0, 60);
	fx_queue(f, "prod", "etl", 0, 100);
	fx_queue(f, NULL, "a", 0, 40);
	fx_tree_end(f, "a");
	fx_node(f, "n1", 10, 100000);
	struct rm_job *a = fx_job_opt(f, &(struct fx_jobopt){ .queue = "a", .ntasks = 10 });
	struct rm_job *e = fx_job_opt(f, &(struct fx_jobopt){ .queue = "etl", .ntasks = 10 });

	assert_int_equal(fx_pass(f), 10);
	assert_int_equal(fx_launched_of(f, a), 4);
	assert_int_equal(fx_launched_of(f, e), 6);
	assert_string_equal(a->reason, "queue root.a is at its maximum share of vcores (40%)");
	assert_string_equal(e->reason, "queue root.prod is at its maximum share of vcores (60%)");
	assert_false(fx_q(f, "root.a")->starving); /* a limit, not a lack of room */
	const char *was = a->reason;
	assert_int_equal(fx_pass(f), 0);
	assert_ptr_equal(a->reason, was); /* the same text is not set again */
}

/* At most max_running_jobs jobs hold resources; one that holds some may place more. */
static void test_max_running_jobs(void **state)
{
	struct fx *f = *state;
	fx_tree_begin(f);
	fx_queue(f, NULL, "a", 0, 100)->max_running_jobs = 2;
	fx_tree_end(f, "a");
	fx_node(f, "n1", 10, 100000);
	struct rm_job *j1 = fx_job_opt(f, &(struct fx_jobopt){ .ntasks = 3 });
	struct rm_job *j2 = fx_job_opt(f, &(struct fx_jobopt){ .ntasks = 3 });
	struct rm_job *j3 = fx_job_opt(f, &(struct fx_jobopt){ .ntasks = 1 });

	assert_int_equal(fx_pass(f), 6);
	assert_int_equal(fx_launched_of(f, j1) + fx_launched_of(f, j2), 6);
	assert_int_equal(j3->ntask_state[TASK_PENDING], 1);
	assert_string_equal(j3->reason, "queue root.a is at its limit of 2 running jobs");
	assert_int_equal(fx_q(f, "root.a")->running_jobs, 2);
	assert_int_equal(fx_pass(f), 0); /* still, on the next pass */
	/* j1 ends: j3 may start. */
	for (int i = 0; i < 6; i++)
		if (f->launched[i]->job == j1)
			fx_finish(f, f->launched[i]);
	assert_int_equal(j1->state, JOB_SUCCEEDED);
	assert_int_equal(fx_pass(f), 1);
	assert_ptr_equal(f->launched[6]->job, j3);
}

/* A user at the leaf's per-user job limit waits while another user's job runs. */
static void test_user_running_jobs(void **state)
{
	struct fx *f = *state;
	fx_tree_begin(f);
	fx_queue(f, NULL, "a", 0, 100)->user_max_running_jobs = 1;
	fx_tree_end(f, "a");
	fx_node(f, "n1", 10, 100000);
	struct rm_job *a1 = fx_job_opt(f, &(struct fx_jobopt){ .user = "alice" });
	struct rm_job *a2 = fx_job_opt(f, &(struct fx_jobopt){ .user = "alice" });
	struct rm_job *b1 = fx_job_opt(f, &(struct fx_jobopt){ .user = "bob" });

	assert_int_equal(fx_pass(f), 2);
	assert_int_equal(fx_launched_of(f, a1), 1);
	assert_int_equal(fx_launched_of(f, b1), 1);
	assert_string_equal(a2->reason, "user alice is at the queue's limit of 1 running job");
}

/* A user holds at most user_max_pct of the leaf's maximum. */
static void test_user_max_share(void **state)
{
	struct fx *f = *state;
	fx_tree_begin(f);
	fx_queue(f, NULL, "a", 0, 80)->user_max_pct = 50;
	fx_tree_end(f, "a");
	fx_node(f, "n1", 10, 100000);
	struct rm_job *j = fx_job_opt(f, &(struct fx_jobopt){ .user = "alice", .ntasks = 10 });

	assert_int_equal(fx_pass(f), 4); /* 50% of 80% of 10 vcores */
	assert_string_equal(j->reason, "user alice is at its limit of 50% of queue root.a's "
				       "maximum share of vcores");
}

/* Inside a user: priority first; under loom order, little work per task first. */
static void test_priority_and_order(void **state)
{
	struct fx *f = *state;
	fx_tree_begin(f);
	fx_queue(f, NULL, "a", 0, 100)->order = QORDER_LOOM;
	fx_queue(f, NULL, "b", 0, 100)->order = QORDER_FIFO;
	fx_tree_end(f, "a");
	struct rm_node *n = fx_node(f, "n1", 1, 100000);
	struct rm_job *lo = fx_job_opt(f, &(struct fx_jobopt){ .queue = "b" });
	struct rm_job *hi = fx_job_opt(f, &(struct fx_jobopt){ .queue = "b", .priority = 5 });
	assert_int_equal(fx_pass(f), 1);
	assert_ptr_equal(f->launched[0]->job, hi);
	/* the one node is full: no reservation, the next free slot goes by the order */
	assert_string_equal(lo->reason, "no node has room for (1 vcore, 100M) now");

	fx_finish(f, f->launched[0]);
	struct rm_job *lng = fx_job_opt(f, &(struct fx_jobopt){ .queue = "a",
							     .time_limit_ms = 36000000 });
	struct rm_job *shrt = fx_job_opt(f, &(struct fx_jobopt){ .queue = "a",
							      .time_limit_ms = 60000 });
	n->capacity.vcores_m = 2000;
	assert_int_equal(fx_pass(f), 2); /* a (first child) is served first */
	assert_ptr_equal(f->launched[1]->job, shrt);
	(void)lng;
}

/* A job waits for the job it runs after, and fails with it even when no node has room
 * (the walk stops early then). */
static void test_deps_when_full(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 2, 1000);
	struct rm_job *a = fx_job(f, 2, 0, 1);
	struct rm_job *b = fx_job(f, 1, 0, 1);
	b->spec.after[b->spec.nafter++] = a->id;

	assert_int_equal(fx_pass(f), 2);
	assert_string_equal(b->reason, "waiting for job-1");
	fx_report(f, f->launched[0], AR_EXITED, 1, 0); /* a fails; its other attempt is killed */
	assert_int_equal(a->state, JOB_FAILED);
	assert_int_equal(fx_pass(f), 0);               /* n1 still full: the kill is not confirmed */
	assert_int_equal(f->sr.ndep, 1);
	assert_int_equal(b->state, JOB_FAILED);
	assert_string_equal(b->reason, "dependency job-1 failed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_guarantee_first, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_drf_between_queues, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_drf_between_users, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_max_share, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_max_running_jobs, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_user_running_jobs, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_user_max_share, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_priority_and_order, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_deps_when_full, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
