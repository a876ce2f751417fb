/* Bookkeeping after an attempt's report: commit decisions, retries, failures, kills. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

/* Start, exit 0, commit: attempt, task and job all succeed; resources come back. */
static void test_success_path(void **state)
{
	struct fx *f = *state;
	struct rm_node *n = fx_node(f, "n1", 1, 1000);
	struct rm_job *j = fx_job(f, 1, 0, 1);

	fx_pass(f);
	struct rm_attempt *a = f->launched[0];
	assert_int_equal(a->state, ATT_STARTING);
	assert_int_equal(n->nlive, 1);
	fx_report(f, a, AR_RUNNING, 0, 0);
	assert_int_equal(a->state, ATT_RUNNING);
	assert_int_equal(j->state, JOB_RUNNING);
	fx_report(f, a, AR_EXITED, 0, 0);
	assert_int_equal(a->state, ATT_COMMITTING);
	assert_int_equal(j->tasks[0].state, TASK_COMMITTING);
	assert_ptr_equal(f->last_commit_attempt, a);
	assert_true(f->last_commit);
	assert_int_equal(n->used.vcores_m, 0); /* the process is gone */
	fx_report(f, a, AR_EXITED, 0, 0);      /* a repeat asks again */
	assert_int_equal(f->ncommit, 2);
	outcome_committed(&f->cl, a, true, true, "");
	assert_int_equal(a->state, ATT_SUCCEEDED);
	assert_int_equal(j->tasks[0].state, TASK_SUCCEEDED);
	assert_int_equal(j->state, JOB_SUCCEEDED);
	assert_int_equal(n->nlive, 0);
	assert_float_equal(job_progress(j), 1.0, 1e-9);
}

/* The first attempt to exit 0 commits; any other is told to discard. */
static void test_exit_decision(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 2, 1000);
	struct rm_job *j = fx_job(f, 1, 0, 1);

	fx_pass(f);
	struct rm_task *t = &j->tasks[0];
	struct rm_attempt *a = f->launched[0];
	assert_int_equal(attempt_exit_decision(t, a), EXIT_COMMIT);
	struct rm_attempt *b = attempt_start(&f->cl, j, t, a->node); /* a speculative copy */
	fx_report(f, a, AR_EXITED, 0, 0);
	assert_int_equal(f->nkill, 1); /* b is told to stop */
	assert_int_equal(attempt_exit_decision(t, b), EXIT_DISCARD);
	fx_report(f, b, AR_EXITED, 0, 0); /* it finished anyway */
	assert_false(f->last_commit);
	assert_int_equal(b->state, ATT_KILLED);
	assert_int_equal(t->nfailed, 0);
}

/* Failures retry until max_attempts, then fail the task and the job with the details. */
static void test_retries_then_fails(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 2, 1000);
	struct rm_job *j = fx_job(f, 2, 0, 2);

	fx_pass(f);
	struct rm_attempt *a = f->launched[0], *other = f->launched[1];
	fx_report(f, a, AR_EXITED, 3, 0);
	assert_string_equal(a->reason, "exit code 3");
	assert_int_equal(j->tasks[0].state, TASK_PENDING);
	assert_true(task_may_retry(&j->tasks[0], 2));
	assert_int_equal(fx_pass(f), 1);
	struct rm_attempt *b = f->launched[2];
	assert_int_equal(b->id.attempt, 2);
	struct attempt_report r = { .id = b->id, .state = AR_EXITED, .exit_code = 3,
				    .progress = -1 };
	strcpy(r.log_tail, "boom\n");
	outcome_report(&f->cl, b, &r);
	assert_int_equal(j->tasks[0].state, TASK_FAILED);
	assert_int_equal(j->state, JOB_FAILED);
	assert_string_equal(j->reason, "task job-1.t0 failed after 2 attempts: exit code 3 on n1; "
				       "last log lines: boom");
	assert_true(other->kill_sent); /* the job's other attempt is stopped */
	assert_int_equal(j->tasks[1].state, TASK_KILLED);
	fx_report(f, other, AR_KILLED, 0, 0);
	assert_int_equal(other->state, ATT_KILLED);
	assert_int_equal(j->nlive, 0);
}

/* Attempts lost with their node do not count: the task waits again at once. */
static void test_lost_not_counted(void **state)
{
	struct fx *f = *state;
	struct rm_node *n = fx_node(f, "n1", 1, 1000);
	struct rm_job *j = fx_job(f, 1, 0, 1);

	for (int i = 0; i < 3; i++) {
		if (n->state != NODE_RUNNING)
			node_set_state(n, NODE_RUNNING, "re-registered");
		assert_int_equal(fx_pass(f), 1);
		struct rm_attempt *a = f->launched[i];
		if (i == 2) { /* lost while committing: also placed again */
			fx_report(f, a, AR_EXITED, 0, 0);
			assert_int_equal(a->state, ATT_COMMITTING);
		}
		node_lost(&f->cl, n, "no heartbeat for 4.0s");
		assert_int_equal(a->state, ATT_LOST);
		assert_string_equal(a->reason, "node n1 lost: no heartbeat for 4.0s");
		assert_int_equal(j->tasks[0].state, TASK_PENDING);
		assert_int_equal(j->tasks[0].nfailed, 0);
		assert_null(j->tasks[0].committer);
		assert_int_equal(n->used.vcores_m, 0);
	}
	assert_int_equal(j->state, JOB_RUNNING);
}

/* Signals, launch failures and limit kills are failures with their own reasons. */
static void test_report_reasons(void **state)
{
	struct attempt_report r = { .state = AR_EXITED, .signal = 9 };
	char buf[128];

	attempt_report_reason(&r, buf, sizeof(buf));
	assert_string_equal(buf, "killed by signal 9");
	r.state = AR_LAUNCH_FAILED;
	strcpy(r.reason, "no such file");
	attempt_report_reason(&r, buf, sizeof(buf));
	assert_string_equal(buf, "launch failed: no such file");
	r.state = AR_LIMIT_KILLED;
	strcpy(r.reason, "memory 300 MiB over its limit of 256 MiB");
	attempt_report_reason(&r, buf, sizeof(buf));
	assert_string_equal(buf, "memory 300 MiB over its limit of 256 MiB");
}

/* A failed commit is a counted failure; the task tries again. */
static void test_commit_failure(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 1, 1000);
	struct rm_job *j = fx_job(f, 1, 0, 2);

	fx_pass(f);
	struct rm_attempt *a = f->launched[0];
	fx_report(f, a, AR_EXITED, 0, 0);
	outcome_committed(&f->cl, a, true, false, "rename: file exists");
	assert_int_equal(a->state, ATT_FAILED);
	assert_string_equal(a->reason, "commit failed: rename: file exists");
	assert_int_equal(j->tasks[0].nfailed, 1);
	assert_int_equal(j->tasks[0].state, TASK_PENDING);
	assert_null(j->tasks[0].committer);
}

/* A partition found in place (an earlier commit whose answer was lost) completes the task
 * and counts no failure. */
static void test_already_committed(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 1, 1000);
	struct rm_job *j = fx_job(f, 1, 0, 2);

	fx_pass(f);
	struct rm_attempt *a = f->launched[0];
	fx_report(f, a, AR_EXITED, 0, 0);
	outcome_already_committed(&f->cl, a);
	assert_int_equal(a->state, ATT_SUCCEEDED);
	assert_int_equal(j->tasks[0].state, TASK_SUCCEEDED);
	assert_int_equal(j->tasks[0].nfailed, 0);
	assert_int_equal(j->state, JOB_SUCCEEDED);
}

/* Killing a job stops its live attempts and ends its tasks; a kill is not a failure. */
static void test_job_kill(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 1, 1000);
	struct rm_job *j = fx_job(f, 3, 0, 1);

	fx_pass(f);
	job_end(&f->cl, j, JOB_KILLED, "killed by rmctl: test");
	assert_int_equal(j->state, JOB_KILLED);
	assert_int_equal(f->nkill, 1);
	assert_int_equal(j->ntask_state[TASK_KILLED], 3);
	assert_false(j->queued);
	fx_report(f, f->launched[0], AR_KILLED, 0, 0);
	assert_int_equal(f->launched[0]->state, ATT_KILLED);
	assert_string_equal(f->launched[0]->reason, "job-1 KILLED: killed by rmctl: test");
	assert_int_equal(fx_pass(f), 0);
}

/* Submission checks: queue, dependencies, resources against the nodes. */
static void test_validate(void **state)
{
	struct fx *f = *state;
	char *argv[] = { "true", NULL };
	struct job_spec s = { .argv = argv, .nargv = 1, .ntasks = 1 };
	char field[64], msg[256];

	s.res.vcores_m = 4000;
	assert_int_equal(job_validate(&f->cl, &s, field, 64, msg, 256), 0); /* no nodes yet */
	fx_node(f, "n1", 2, 1000);
	assert_int_equal(job_validate(&f->cl, &s, field, 64, msg, 256), -1);
	assert_string_equal(field, "res");
	assert_non_null(strstr(msg, "larger than any node (largest: 2 vcores"));
	s.res.vcores_m = 1000;
	strcpy(s.queue, "gold");
	assert_int_equal(job_validate(&f->cl, &s, field, 64, msg, 256), -1);
	assert_string_equal(msg, "unknown queue 'gold' (leaves: root.default)");
	strcpy(s.queue, "default");
	s.after[s.nafter++] = 7;
	assert_int_equal(job_validate(&f->cl, &s, field, 64, msg, 256), -1);
	assert_string_equal(field, "after");
	s.nafter = 0;
	assert_int_equal(job_validate(&f->cl, &s, field, 64, msg, 256), 0);
}

/* Only the newest finished jobs are kept; a dropped job's end is still known. */
static void test_trim(void **state)
{
	struct fx *f = *state;
	f->cl.completed_kept = 2;
	for (int i = 0; i < 4; i++)
		job_end(&f->cl, fx_job(f, 1, 0, 1), JOB_KILLED, "test");
	cluster_trim(&f->cl);
	assert_null(cluster_job(&f->cl, 1));
	assert_null(cluster_job(&f->cl, 2));
	assert_non_null(cluster_job(&f->cl, 3));
	assert_int_equal(cluster_job_state(&f->cl, 1), JOB_KILLED);
	assert_int_equal(cluster_job_state(&f->cl, 9), -1);
	assert_int_equal(f->cl.njob_state[JOB_KILLED], 2);
}

/* Progress is the mean over tasks of done (1), the running attempt's share, or 0. */
static void test_progress(void **state)
{
	struct fx *f = *state;
	fx_node(f, "n1", 4, 1000);
	struct rm_job *j = fx_job(f, 4, 0, 1);

	fx_pass(f);
	f->launched[0]->progress = 0.5;
	fx_report(f, f->launched[1], AR_EXITED, 0, 0);
	outcome_committed(&f->cl, f->launched[1], true, true, "");
	assert_float_equal(job_progress(j), (0.5 + 1.0) / 4, 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_success_path, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_exit_decision, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_retries_then_fails, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_lost_not_counted, fx_setup, fx_teardown),
		cmocka_unit_test(test_report_reasons),
		cmocka_unit_test_setup_teardown(test_commit_failure, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_already_committed, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_job_kill, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_validate, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_trim, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_progress, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
