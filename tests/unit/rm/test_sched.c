/* Placement basics of the pass (rm/sched*.c) with the default single-leaf tree: what
 * fits, order by priority and age, dependencies, retries, labels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

/* Places what fits and no more; the rest waits for the next pass. */
static void test_fits(void **state)
{
	struct fx *f = *state;
	struct rm_node *n = fx_node(f, "n1", 2, 1000);
	struct rm_job *j = fx_job(f, 3, 0, 1);

	assert_int_equal(fx_pass(f), 2);
	assert_int_equal(n->used.vcores_m, 2000);
	assert_int_equal(j->ntask_state[TASK_RUNNING], 2);
	assert_int_equal(j->cursor, 2);
	assert_int_equal(fx_pass(f), 0);
	assert_true(j->queued);
}

/* Memory limits placement as much as vcores. */
static void test_fits_memory(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 8, 250);
	fx_job(f, 4, 0, 1);

	assert_int_equal(fx_pass(f), 2);
}

/* Equal priorities: older job first, lower task index first. */
static void test_fifo_order(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 3, 1000);
	struct rm_job *a = fx_job(f, 2, 0, 1);
	struct rm_job *b = fx_job(f, 2, 0, 1);

	assert_int_equal(fx_pass(f), 3);
	assert_ptr_equal(f->launched[0]->job, a);
	assert_int_equal(f->launched[0]->id.task, 0);
	assert_ptr_equal(f->launched[1]->job, a);
	assert_int_equal(f->launched[1]->id.task, 1);
	assert_ptr_equal(f->launched[2]->job, b);
	assert_int_equal(f->launched[2]->id.task, 0);
	assert_false(a->queued); /* nothing left to place */
	assert_true(b->queued);
}

/* A higher priority goes first even when submitted later. */
static void test_priority(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 1, 1000);
	fx_job(f, 1, 0, 1);
	struct rm_job *hi = fx_job(f, 1, 10, 1);

	assert_int_equal(fx_pass(f), 1);
	assert_ptr_equal(f->launched[0]->job, hi);
	assert_ptr_equal(f->cl.q_head->q_prev, NULL);
}

/* A job waits for the jobs it runs after, and fails when one of them fails. */
static void test_deps(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 4, 1000);
	struct rm_job *a = fx_job(f, 1, 0, 1);
	struct rm_job *b = fx_job(f, 1, 0, 1);
	b->spec.after[b->spec.nafter++] = a->id;
	struct rm_job *c = fx_job(f, 1, 0, 1);
	c->spec.after[c->spec.nafter++] = b->id;

	assert_int_equal(fx_pass(f), 1); /* only a */
	assert_ptr_equal(f->launched[0]->job, a);
	fx_report(f, f->launched[0], AR_EXITED, 0, 0);
	outcome_committed(&f->cl, f->launched[0], true, true, "");
	assert_int_equal(a->state, JOB_SUCCEEDED);
	assert_int_equal(fx_pass(f), 1); /* now b */
	assert_ptr_equal(f->launched[1]->job, b);
	fx_report(f, f->launched[1], AR_EXITED, 1, 0);
	assert_int_equal(b->state, JOB_FAILED);
	assert_int_equal(fx_pass(f), 0);
	assert_int_equal(f->sr.ndep, 1);
	assert_int_equal(c->state, JOB_FAILED);
	assert_string_equal(c->reason, "dependency job-2 failed");
}

/* A task that failed on one node goes to another when another can take it; a kill by
 * the RM does not count and does not mark the node. */
static void test_retry_prefers_other_node(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 1, 1000);
	fx_node(f, "n2", 1, 1000);
	struct rm_job *j = fx_job(f, 1, 0, 3);

	assert_int_equal(fx_pass(f), 1);
	struct rm_attempt *a = f->launched[0];
	fx_report(f, a, AR_EXITED, 3, 0);
	assert_int_equal(j->tasks[0].state, TASK_PENDING);
	for (int i = 1; i <= 3; i++) { /* whatever the rotation */
		assert_int_equal(fx_pass(f), 1);
		struct rm_attempt *b = f->launched[i];
		assert_ptr_not_equal(b->node, a->node);
		attempt_kill(&f->cl, b, "test");
		fx_report(f, b, AR_KILLED, 0, 0);
		assert_int_equal(b->state, ATT_KILLED);
		assert_int_equal(j->tasks[0].nfailed, 1);
	}
}

/* With nowhere else to go, a retry reuses the node where it failed. */
static void test_retry_same_node_when_alone(void **state)
{
	struct fx *f = *state;
	struct rm_node *n1 = fx_node(f, "n1", 1, 1000);
	fx_job(f, 1, 0, 3);

	assert_int_equal(fx_pass(f), 1);
	fx_report(f, f->launched[0], AR_EXITED, 3, 0);
	assert_int_equal(fx_pass(f), 1);
	assert_ptr_equal(f->launched[1]->node, n1);
}

/* Nothing fits: too large for every node, no node at all, or nodes not schedulable. */
static void test_nothing_fits(void **state)
{
	struct fx *f = *state;
	struct rm_job *j = fx_job(f, 2, 0, 1);

	assert_int_equal(fx_pass(f), 0); /* no nodes */
	struct rm_node *n = fx_node(f, "n1", 1, 50);
	assert_int_equal(fx_pass(f), 0); /* 100 MiB does not fit in 50 */
	n->capacity.mem_mb = 1000;
	n->peer = NULL;
	assert_int_equal(fx_pass(f), 0); /* disconnected */
	n->peer = (struct peer *)f;
	node_set_state(n, NODE_DRAINING, "test");
	assert_int_equal(fx_pass(f), 0); /* draining */
	assert_int_equal(j->ntask_state[TASK_PENDING], 2);
}

/* A small job behind a large one that does not fit still runs. */
static void test_skips_job_that_does_not_fit(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 2, 1000);
	struct rm_job *big = fx_job(f, 1, 5, 1);
	big->spec.res.vcores_m = 4000;
	struct rm_job *small = fx_job(f, 1, 0, 1);

	assert_int_equal(fx_pass(f), 1);
	assert_ptr_equal(f->launched[0]->job, small);
}

/* Tasks spread over the nodes rather than filling one first. */
static void test_spreads(void **state)
{
	struct fx *f = *state;
	struct rm_node *n1 = fx_node(f, "n1", 4, 1000);
	struct rm_node *n2 = fx_node(f, "n2", 4, 1000);
	fx_job(f, 2, 0, 1);

	assert_int_equal(fx_pass(f), 2);
	assert_int_equal(n1->used.vcores_m, 1000);
	assert_int_equal(n2->used.vcores_m, 1000);
}

/* Many tasks, few slots: one pass fills every slot, no more. */
static void test_large_job(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 4; i++) {
		char name[8] = "n0";
		name[1] = (char)('0' + i);
		fx_node(f, name, 8, 64000);
	}
	struct rm_job *j = fx_job(f, 10000, 0, 1);

	assert_int_equal(fx_pass(f), 32);
	assert_int_equal(j->cursor, 32);
	assert_int_equal(fx_pass(f), 0);
	fx_report(f, f->launched[5], AR_EXITED, 0, 0);
	outcome_committed(&f->cl, f->launched[5], true, true, "");
	assert_int_equal(fx_pass(f), 1);
	assert_int_equal(j->cursor, 33);
}

/* A required label: only the labelled node takes the job's tasks. */
static void test_require_label(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 4, 4000);
	struct rm_node *ssd = fx_node(f, "n2", 2, 4000);
	fx_node(f, "n3", 4, 4000);
	fx_node_label(ssd, "ssd");
	fx_node_label(ssd, "rack1");
	struct rm_job *j = fx_job(f, 4, 0, 1);
	fx_job_label(j, false, "ssd");
	fx_job_label(j, false, "rack1");

	assert_int_equal(fx_pass(f), 2); /* n2 holds two; the others do not qualify */
	for (int i = 0; i < 2; i++)
		assert_ptr_equal(f->launched[i]->node, ssd);
	assert_true(j->queued);
	assert_int_equal(fx_pass(f), 0);

	/* A job needing a label no node has waits; it does not block an unlabelled one. */
	struct rm_job *gpu = fx_job(f, 1, 0, 1);
	fx_job_label(gpu, false, "gpu");
	struct rm_job *any = fx_job(f, 1, 0, 1);
	assert_int_equal(fx_pass(f), 1);
	assert_ptr_equal(f->launched[2]->job, any);
	assert_ptr_not_equal(f->launched[2]->node, ssd);
	assert_true(gpu->queued);
	assert_int_equal(gpu->ntask_state[TASK_PENDING], 1);
}

/* An excluded label: the job's tasks go everywhere but the labelled node. */
static void test_exclude_label(void **state)
{
	struct fx *f = *state;
	struct rm_node *flaky = fx_node(f, "n1", 8, 8000);
	struct rm_node *n2 = fx_node(f, "n2", 2, 8000);
	fx_node_label(flaky, "flaky");
	fx_node_label(n2, "ssd");
	struct rm_job *j = fx_job(f, 3, 0, 1);
	fx_job_label(j, true, "flaky");

	assert_int_equal(fx_pass(f), 2);
	for (int i = 0; i < 2; i++)
		assert_ptr_equal(f->launched[i]->node, n2);
	assert_int_equal(flaky->nlive, 0);
	assert_true(j->queued);

	/* node_labels_ok and job_validate agree with the pass. */
	assert_false(node_labels_ok(flaky, &j->spec));
	assert_true(node_labels_ok(n2, &j->spec));
	char field[64], msg[256];
	struct rm_job *gpu = fx_job(f, 1, 0, 1);
	fx_job_label(gpu, false, "gpu");
	assert_int_equal(job_validate(&f->cl, &gpu->spec, field, sizeof field, msg, sizeof msg),
			 -1);
	assert_string_equal(field, "require_labels");
	assert_string_equal(msg, "no node has label 'gpu'");
	assert_int_equal(job_validate(&f->cl, &j->spec, field, sizeof field, msg, sizeof msg), 0);
	struct rm_job *none = fx_job(f, 1, 0, 1);
	fx_job_label(none, false, "ssd");
	fx_job_label(none, true, "flaky");
	assert_int_equal(job_validate(&f->cl, &none->spec, field, sizeof field, msg, sizeof msg),
			 0);
	fx_job_label(none, true, "ssd");
	assert_int_equal(job_validate(&f->cl, &none->spec, field, sizeof field, msg, sizeof msg),
			 -1);
	assert_string_equal(field, "exclude_labels");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fits, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fits_memory, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fifo_order, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_priority, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_deps, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_retry_prefers_other_node, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_retry_same_node_when_alone, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_nothing_fits, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_skips_job_that_does_not_fit, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_spreads, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_large_job, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_require_label, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_exclude_label, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
