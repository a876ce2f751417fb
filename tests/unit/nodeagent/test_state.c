/* The attempt state setter: legal moves happen, illegal ones are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "agent.h"
#include "log.h"

static void test_names(void **state)
{
	assert_string_equal(attempt_state_name(AS_STARTING), "STARTING");
	assert_string_equal(attempt_state_name(AS_COMMITTING), "COMMITTING");
	assert_string_equal(attempt_state_name(AS_MAX), "?");
}

static void test_table(void **state)
{
	assert_true(attempt_transition_ok(AS_STARTING, AS_RUNNING));
	assert_true(attempt_transition_ok(AS_STARTING, AS_DONE));      /* launch failed */
	assert_true(attempt_transition_ok(AS_STARTING, AS_KILLING));   /* killed before exec */
	assert_true(attempt_transition_ok(AS_RUNNING, AS_FINISHING));
	assert_true(attempt_transition_ok(AS_RUNNING, AS_DONE));       /* exited 0 */
	assert_true(attempt_transition_ok(AS_KILLING, AS_FINISHING));
	assert_true(attempt_transition_ok(AS_FINISHING, AS_DONE));
	assert_true(attempt_transition_ok(AS_DONE, AS_COMMITTING));
	assert_false(attempt_transition_ok(AS_DONE, AS_RUNNING));
	assert_false(attempt_transition_ok(AS_COMMITTING, AS_DONE));
	assert_false(attempt_transition_ok(AS_RUNNING, AS_STARTING));
	assert_false(attempt_transition_ok(AS_FINISHING, AS_KILLING));
	assert_false(attempt_transition_ok(AS_RUNNING, AS_RUNNING));
	assert_false(attempt_transition_ok(AS_MAX, AS_DONE));
}

static void test_setter(void **state)
{
	struct attempt a;

	memset(&a, 0, sizeof a);
	strcpy(a.idstr, "job-1.t0.a1");
	a.state = AS_STARTING;
	assert_int_equal(attempt_set_state(&a, AS_RUNNING, "exec succeeded"), 0);
	assert_int_equal(a.state, AS_RUNNING);
	assert_int_equal(attempt_set_state(&a, AS_KILLING, "killed on request"), 0);
	assert_int_equal(attempt_set_state(&a, AS_RUNNING, "bug"), -1);
	assert_int_equal(a.state, AS_KILLING); /* unchanged */
	assert_int_equal(attempt_set_state(&a, AS_FINISHING, NULL), 0);
	assert_int_equal(attempt_set_state(&a, AS_DONE, ""), 0);
	assert_int_equal(attempt_set_state(&a, AS_COMMITTING, "commit"), 0);
	assert_int_equal(attempt_set_state(&a, AS_DONE, "bug"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_setter),
	};
	log_open("test", LL_ERROR, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
