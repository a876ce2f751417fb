/* The state machines: legal and illegal transitions, and the setters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

static void test_names_complete(void **state)
{
	for (int s = 0; s < NODE_STATE_MAX; s++)
		assert_non_null(node_state_names[s]);
	for (int s = 0; s < JOB_STATE_MAX; s++)
		assert_non_null(job_state_names[s]);
	for (int s = 0; s < TASK_STATE_MAX; s++)
		assert_non_null(task_state_names[s]);
	for (int s = 0; s < ATT_STATE_MAX; s++)
		assert_non_null(attempt_state_names[s]);
	assert_string_equal(node_state_names[NODE_DECOMMISSIONED], "DECOMMISSIONED");
	assert_string_equal(attempt_state_names[ATT_LOST], "LOST");
}

static void test_node_transitions(void **state)
{
	assert_true(node_transition_legal(NODE_NEW, NODE_RUNNING));
	assert_true(node_transition_legal(NODE_RUNNING, NODE_LOST));
	assert_true(node_transition_legal(NODE_LOST, NODE_RUNNING)); /* re-registered */
	assert_true(node_transition_legal(NODE_RUNNING, NODE_DRAINING));
	assert_true(node_transition_legal(NODE_DRAINING, NODE_DECOMMISSIONED));
	assert_false(node_transition_legal(NODE_DECOMMISSIONED, NODE_RUNNING));
	assert_false(node_transition_legal(NODE_RUNNING, NODE_NEW));
	assert_false(node_transition_legal(NODE_LOST, NODE_DRAINING));
	assert_false(node_transition_legal(NODE_NEW, NODE_STATE_MAX));
	for (int s = 0; s < NODE_STATE_MAX; s++)
		assert_false(node_transition_legal(s, s));
}

static void test_job_transitions(void **state)
{
	assert_true(job_transition_legal(JOB_PENDING, JOB_RUNNING));
	assert_true(job_transition_legal(JOB_PENDING, JOB_KILLED));
	assert_true(job_transition_legal(JOB_PENDING, JOB_FAILED));
	assert_true(job_transition_legal(JOB_RUNNING, JOB_SUCCEEDED));
	assert_false(job_transition_legal(JOB_PENDING, JOB_SUCCEEDED));
	assert_false(job_transition_legal(JOB_RUNNING, JOB_PENDING));
	for (int to = 0; to < JOB_STATE_MAX; to++) {
		assert_false(job_transition_legal(JOB_SUCCEEDED, to));
		assert_false(job_transition_legal(JOB_FAILED, to));
		assert_false(job_transition_legal(JOB_KILLED, to));
	}
}

static void test_task_transitions(void **state)
{
	assert_true(task_transition_legal(TASK_PENDING, TASK_RUNNING));
	assert_true(task_transition_legal(TASK_RUNNING, TASK_PENDING)); /* retry */
	assert_true(task_transition_legal(TASK_RUNNING, TASK_COMMITTING));
	assert_true(task_transition_legal(TASK_COMMITTING, TASK_SUCCEEDED));
	assert_true(task_transition_legal(TASK_COMMITTING, TASK_PENDING)); /* node lost */
	assert_false(task_transition_legal(TASK_PENDING, TASK_SUCCEEDED));
	assert_false(task_transition_legal(TASK_RUNNING, TASK_SUCCEEDED));
	assert_false(task_transition_legal(TASK_SUCCEEDED, TASK_KILLED));
	assert_false(task_transition_legal(TASK_KILLED, TASK_PENDING));
}

static void test_attempt_transitions(void **state)
{
	assert_true(attempt_transition_legal(ATT_STARTING, ATT_RUNNING));
	assert_true(attempt_transition_legal(ATT_RUNNING, ATT_COMMITTING));
	assert_true(attempt_transition_legal(ATT_COMMITTING, ATT_SUCCEEDED));
	assert_true(attempt_transition_legal(ATT_COMMITTING, ATT_LOST));
	assert_true(attempt_transition_legal(ATT_STARTING, ATT_FAILED));
	assert_false(attempt_transition_legal(ATT_RUNNING, ATT_SUCCEEDED));
	assert_false(attempt_transition_legal(ATT_RUNNING, ATT_STARTING));
	for (int to = 0; to < ATT_STATE_MAX; to++) {
		assert_false(attempt_transition_legal(ATT_SUCCEEDED, to));
		assert_false(attempt_transition_legal(ATT_FAILED, to));
		assert_false(attempt_transition_legal(ATT_KILLED, to));
		assert_false(attempt_transition_legal(ATT_LOST, to));
	}
}

/* The setters change state and reason, and keep the counts that views read. */
static void test_setters(void **state)
{
	struct fx f;
	fx_init(&f);
	struct rm_node *n = fx_node(&f, "n1", 2, 1000);
	assert_int_equal(n->state, NODE_RUNNING);
	assert_string_equal(n->reason, "registered");
	assert_int_equal(node_set_state(n, NODE_LOST, "no heartbeat for 4.0s"), 0);
	assert_string_equal(n->reason, "no heartbeat for 4.0s");

	struct rm_job *j = fx_job(&f, 2, 0, 1);
	assert_int_equal(f.cl.njob_state[JOB_PENDING], 1);
	assert_int_equal(job_set_state(&f.cl, j, JOB_RUNNING, "test"), 0);
	assert_int_equal(f.cl.njob_state[JOB_PENDING], 0);
	assert_int_equal(f.cl.njob_state[JOB_RUNNING], 1);
	assert_int_equal(j->start_us, f.now);

	assert_int_equal(task_set_state(j, &j->tasks[1], TASK_RUNNING, "placed"), 0);
	assert_int_equal(j->ntask_state[TASK_PENDING], 1);
	assert_int_equal(j->ntask_state[TASK_RUNNING], 1);
	fx_free(&f);
}

#ifdef NDEBUG
/* Without assertions an illegal transition is refused and changes nothing. */
static void test_setters_refuse_illegal(void **state)
{
	struct fx f;
	fx_init(&f);
	struct rm_node *n = fx_node(&f, "n1", 2, 1000);
	node_set_state(n, NODE_DRAINING, "drain");
	node_set_state(n, NODE_DECOMMISSIONED, "gone");
	assert_int_equal(node_set_state(n, NODE_RUNNING, "again"), -1);
	assert_int_equal(n->state, NODE_DECOMMISSIONED);
	assert_string_equal(n->reason, "gone");

	struct rm_job *j = fx_job(&f, 1, 0, 1);
	assert_int_equal(job_set_state(&f.cl, j, JOB_SUCCEEDED, "too soon"), -1);
	assert_int_equal(j->state, JOB_PENDING);
	assert_int_equal(task_set_state(j, &j->tasks[0], TASK_SUCCEEDED, "too soon"), -1);
	assert_int_equal(j->ntask_state[TASK_PENDING], 1);
	fx_free(&f);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_complete),
		cmocka_unit_test(test_node_transitions),
		cmocka_unit_test(test_job_transitions),
		cmocka_unit_test(test_task_transitions),
		cmocka_unit_test(test_attempt_transitions),
		cmocka_unit_test(test_setters),
#ifdef NDEBUG
		cmocka_unit_test(test_setters_refuse_illegal),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
