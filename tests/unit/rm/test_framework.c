/* Framework jobs in the core: ALLOCATED containers, launches, final outcomes, releases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

/* A placement allocates (the hook is told, nothing is launched), holding resources. */
static void test_allocated(void **state)
{
	struct fx *f = *state;
	struct rm_node *n = fx_node(f, "n1", 4, 1000);
	struct rm_job *j = fx_fw_job(f, "fw", 2);

	assert_int_equal(fx_pass(f), 2);
	assert_int_equal(f->nallocated, 2);
	assert_int_equal(f->nlaunch, 0);
	struct rm_attempt *a = f->allocated[0];
	assert_int_equal(a->state, ATT_ALLOCATED);
	assert_true(attempt_live(a));
	assert_string_equal(attempt_state_names[ATT_ALLOCATED], "ALLOCATED");
	assert_int_equal(n->used.vcores_m, 2000);
	assert_int_equal(n->nlive, 2);
	assert_int_equal(j->nlive, 2);
	assert_int_equal(j->tasks[0].state, TASK_RUNNING);
	/* Stored states keep their numbers: ALLOCATED is the last. */
	assert_int_equal(ATT_LOST, 6);
	assert_int_equal(ATT_ALLOCATED, 7);
}

static void test_transitions(void **state)
{
	assert_true(attempt_transition_legal(ATT_ALLOCATED, ATT_STARTING));
	assert_true(attempt_transition_legal(ATT_ALLOCATED, ATT_KILLED));
	assert_true(attempt_transition_legal(ATT_ALLOCATED, ATT_LOST));
	assert_false(attempt_transition_legal(ATT_ALLOCATED, ATT_RUNNING));
	assert_false(attempt_transition_legal(ATT_ALLOCATED, ATT_SUCCEEDED));
	assert_false(attempt_transition_legal(ATT_ALLOCATED, ATT_FAILED));
	assert_false(attempt_transition_legal(ATT_RUNNING, ATT_ALLOCATED));
	assert_false(attempt_transition_legal(ATT_STARTING, ATT_ALLOCATED));
}

/* A launch copies argv and env onto the attempt and sends it; exit 0 succeeds at once. */
static void test_launch_exit_zero(void **state)
{
	struct fx *f = *state;
	struct rm_node *n = fx_node(f, "n1", 4, 1000);
	struct rm_job *j = fx_fw_job(f, "fw", 1);
	char *argv[] = { "sh", "-c", "exit 0", NULL }, *env[] = { "A=1", NULL };

	fx_pass(f);
	struct rm_attempt *a = f->allocated[0];
	attempt_launch(&f->cl, a, argv, 3, env, 1, "/tmp");
	assert_int_equal(a->state, ATT_STARTING);
	assert_int_equal(f->nlaunch, 1);
	assert_ptr_equal(f->launched[0], a);
	assert_string_equal(a->argv[2], "exit 0");
	assert_string_equal(a->env[0], "A=1");
	assert_string_equal(a->workdir, "/tmp");
	fx_report(f, a, AR_RUNNING, 0, 0);
	assert_int_equal(j->state, JOB_RUNNING);
	fx_report(f, a, AR_EXITED, 0, 0);
	assert_int_equal(a->state, ATT_SUCCEEDED);
	assert_int_equal(f->ncommit, 0); /* nothing to commit */
	assert_int_equal(j->tasks[0].state, TASK_SUCCEEDED);
	assert_int_equal(j->state, JOB_SUCCEEDED);
	assert_int_equal(n->used.vcores_m, 0);
	/* A second launch of a non-ALLOCATED attempt does nothing. */
	attempt_launch(&f->cl, a, argv, 3, NULL, 0, "");
	assert_int_equal(f->nlaunch, 1);
}

/* A failure is final: no retry, the job does not fail, siblings go on. */
static void test_failure_final(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 4, 1000);
	struct rm_job *j = fx_fw_job(f, "fw", 2);
	char *argv[] = { "false", NULL };

	fx_pass(f);
	struct rm_attempt *a = f->allocated[0], *b = f->allocated[1];
	attempt_launch(&f->cl, a, argv, 1, NULL, 0, "");
	attempt_launch(&f->cl, b, argv, 1, NULL, 0, "");
	fx_report(f, a, AR_RUNNING, 0, 0);
	fx_report(f, b, AR_RUNNING, 0, 0);
	fx_report(f, a, AR_EXITED, 3, 0);
	assert_int_equal(a->state, ATT_FAILED);
	assert_int_equal(a->exit_code, 3);
	assert_int_equal(a->task->state, TASK_FAILED);
	assert_int_equal(j->state, JOB_RUNNING);
	assert_int_equal(b->state, ATT_RUNNING); /* not killed */
	assert_int_equal(f->nkill, 0);
	assert_int_equal(fx_pass(f), 0); /* not placed again */
	assert_int_equal(a->task->nattempts, 1);
	fx_report(f, b, AR_EXITED, 0, 0);
	assert_int_equal(j->state, JOB_SUCCEEDED); /* every task final */
}

/* Releasing an ALLOCATED container ends it at once (nothing to kill on the node). */
static void test_release_allocated(void **state)
{
	struct fx *f = *state;
	struct rm_node *n = fx_node(f, "n1", 4, 1000);
	struct rm_job *j = fx_fw_job(f, "fw", 2);

	fx_pass(f);
	struct rm_attempt *a = f->allocated[0];
	attempt_kill(&f->cl, a, "released");
	assert_int_equal(f->nkill, 0);
	assert_int_equal(a->state, ATT_KILLED);
	assert_int_equal(a->task->state, TASK_KILLED);
	assert_int_equal(n->used.vcores_m, 1000);
	assert_int_equal(j->state, JOB_PENDING);
	assert_int_equal(fx_pass(f), 0); /* not placed again */
	attempt_kill(&f->cl, f->allocated[1], "released");
	assert_int_equal(j->state, JOB_SUCCEEDED);
}

/* Released whole: the job is KILLED, running containers are killed, allocated ones end. */
static void test_release_whole(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 2, 1000);
	struct rm_job *j = fx_fw_job(f, "fw", 3); /* room for two: one waits */
	char *argv[] = { "sleep", "30", NULL };

	assert_int_equal(fx_pass(f), 2);
	struct rm_attempt *a = f->allocated[0], *b = f->allocated[1];
	attempt_launch(&f->cl, a, argv, 2, NULL, 0, "");
	fx_report(f, a, AR_RUNNING, 0, 0);
	job_end(&f->cl, j, JOB_KILLED, "released by framework fw");
	assert_int_equal(j->state, JOB_KILLED);
	assert_int_equal(f->nkill, 1); /* the running one */
	assert_true(a->kill_sent);
	assert_int_equal(b->state, ATT_KILLED);
	assert_int_equal(j->tasks[2].state, TASK_KILLED);
	fx_report(f, a, AR_KILLED, 0, 15);
	assert_int_equal(a->state, ATT_KILLED);
}

/* A lost node's containers end LOST and are final. */
static void test_node_lost(void **state)
{
	struct fx *f = *state;
	struct rm_node *n = fx_node(f, "n1", 1, 1000);
	struct rm_job *j = fx_fw_job(f, "fw", 1);

	fx_pass(f);
	struct rm_attempt *a = f->allocated[0];
	node_lost(&f->cl, n, "no heartbeat");
	assert_int_equal(a->state, ATT_LOST);
	assert_int_equal(j->tasks[0].state, TASK_KILLED);
	assert_int_equal(j->state, JOB_SUCCEEDED);
	fx_node(f, "n2", 1, 1000);
	assert_int_equal(fx_pass(f), 0);
}

/* A preempted container ends KILLED and final: rmd does not place it again. */
static void test_preempted(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 1, 1000);
	struct rm_job *j = fx_fw_job(f, "fw", 1);
	char *argv[] = { "sleep", "30", NULL };

	fx_pass(f);
	struct rm_attempt *a = f->allocated[0];
	attempt_launch(&f->cl, a, argv, 2, NULL, 0, "");
	fx_report(f, a, AR_RUNNING, 0, 0);
	a->preempted = true;
	attempt_kill(&f->cl, a, "preempted: queue root.a is below its guarantee");
	assert_int_equal(f->nkill, 1);
	fx_report(f, a, AR_KILLED, 0, 15);
	assert_int_equal(a->state, ATT_KILLED);
	assert_int_equal(j->tasks[0].state, TASK_KILLED);
	assert_int_equal(j->state, JOB_SUCCEEDED);
	assert_int_equal(fx_pass(f), 0);
}

/* Built-in jobs beside framework jobs are unchanged: launched, committed. */
static void test_builtin_unchanged(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 4, 1000);
	struct rm_job *b = fx_job(f, 1, 0, 2);
	fx_fw_job(f, "fw", 1);

	assert_int_equal(fx_pass(f), 2);
	assert_int_equal(f->nlaunch, 1);
	assert_int_equal(f->nallocated, 1);
	struct rm_attempt *a = f->launched[0];
	assert_ptr_equal(a->job, b);
	assert_null(a->argv);
	fx_report(f, a, AR_EXITED, 1, 0);
	assert_int_equal(b->tasks[0].state, TASK_PENDING); /* retried */
}

/* After a restart: a task whose container ended is final, a never-placed one waits. */
static void test_recovered(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 1, 1000);
	struct rm_job *j = fx_fw_job(f, "fw", 2);

	assert_int_equal(fx_pass(f), 1);
	struct rm_attempt *a = f->allocated[0];
	/* As a replay leaves it: the attempt ended, its task waits again. */
	attempt_set_state(a, ATT_KILLED, "ended before the restart");
	task_requeue(&f->cl, j, a->task, "replayed");
	assert_int_equal(j->tasks[0].state, TASK_PENDING);
	outcome_fw_recovered(&f->cl, j);
	assert_int_equal(j->tasks[0].state, TASK_KILLED);
	assert_int_equal(j->tasks[1].state, TASK_PENDING);
	assert_true(job_has_unplaced(j));
	assert_int_equal(fx_pass(f), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_allocated, fx_setup, fx_teardown),
		cmocka_unit_test(test_transitions),
		cmocka_unit_test_setup_teardown(test_launch_exit_zero, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_failure_final, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_release_allocated, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_release_whole, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_node_lost, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_preempted, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_builtin_unchanged, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_recovered, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
