/*
 * Real processes through launch.c and monitor.c, on an event loop without rmd: exit codes,
 * stderr tails, exec failures, the task's environment and progress, kills, the memory
 * limit, leftover processes, and a commit.
 */
#include <errno.h>
#include <event2/event.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent.h"
#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

static struct agent ag;
static char root[64];
static int next_job = 1;

static int setup(void **state)
{
	char err[256], *wd;

	log_open("test", LL_WARN, NULL);
	snprintf(root, sizeof root, "/tmp/agent-launch-XXXXXX");
	if (mkdtemp(root) == NULL)
		return -1;
	wd = xasprintf("work_dir=%s/work", root);
	char *over[] = { wd, "mem_check_interval=100ms", "kill_grace=200ms" };
	if (agent_conf_load(&ag.conf, NULL, over, 3, err, sizeof err) < 0 ||
	    agent_conf_resolve(&ag.conf, err, sizeof err) < 0)
		return -1;
	free(wd);
	agent_init(&ag);
	return 0;
}

static int teardown(void **state)
{
	char err[256];

	agent_cleanup(&ag);
	return remove_tree(root, err, sizeof err);
}

/* Launches argv as a new attempt of a new job; returns its id. */
static struct loom_id launch(char **argv, char **env, const char *output_dir,
			     const char *workdir, int64_t mem_mb)
{
	struct msg_attempt_launch m = { 0 };

	m.id = id_attempt((uint64_t)next_job++, 2, 1);
	m.ntasks = 5;
	m.argv = argv;
	while (argv[m.nargv] != NULL)
		m.nargv++;
	m.env = env;
	m.res.vcores_m = 1000;
	m.res.mem_mb = mem_mb;
	m.output_dir = (char *)(output_dir ? output_dir : "");
	m.workdir = (char *)(workdir ? workdir : "");
	launch_attempt(&ag, &m);
	return m.id;
}

/* Runs the loop until the attempt reaches st (or is gone when st is AS_MAX). */
static struct attempt *wait_for(const struct loom_id *id, enum attempt_state st)
{
	int64_t deadline = mono_ms() + 10000;

	for (;;) {
		struct attempt *a = attempt_find(&ag, id);
		if (st == AS_MAX ? a == NULL : a != NULL && a->state == st)
			return a;
		if (mono_ms() > deadline)
			fail_msg("attempt never reached %s (is %s)", attempt_state_name(st),
				 a ? attempt_state_name(a->state) : "gone");
		event_base_loop(ag.base, EVLOOP_ONCE);
	}
}

static char *slurp(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	static char buf[4096];
	FILE *f = fopen(p, "r");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	free(p);
	return buf;
}

static void test_exit_code_and_tail(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "echo hi; echo one >&2; echo oops >&2; exit 3", NULL };
	struct loom_id id = launch(argv, NULL, NULL, NULL, 0);
	struct attempt *a = wait_for(&id, AS_DONE);

	assert_int_equal(a->rep.state, AR_EXITED);
	assert_int_equal(a->rep.exit_code, 3);
	assert_int_equal(a->rep.signal, 0);
	assert_string_equal(a->rep.reason, "exited with code 3");
	assert_string_equal(a->rep.log_tail, "one\noops");
	assert_true(a->rep.start_us > 0 && a->rep.end_us >= a->rep.start_us);
	assert_true(a->pending); /* no rmd: it waits for the next registration */
	assert_string_equal(slurp(a->dir, "stdout"), "hi\n");
}

static void test_exec_failure(void **state)
{
	char *argv[] = { "no-such-command-xyz", "arg", NULL };
	struct loom_id id = launch(argv, NULL, NULL, NULL, 0);
	struct attempt *a = wait_for(&id, AS_DONE);

	assert_int_equal(a->rep.state, AR_LAUNCH_FAILED);
	assert_string_equal(a->rep.reason,
			    "cannot execute 'no-such-command-xyz': No such file or directory");
}

static void test_bad_workdir(void **state)
{
	char *argv[] = { "true", NULL };
	struct loom_id id = launch(argv, NULL, NULL, "/nonexistent-dir", 0);
	struct attempt *a = wait_for(&id, AS_DONE);

	assert_int_equal(a->rep.state, AR_LAUNCH_FAILED);
	assert_string_equal(a->rep.reason, "cannot change directory to '/nonexistent-dir': "
					   "No such file or directory");
}

static void test_env_progress_commit(void **state)
{
	char *argv[] = { "/bin/sh", "-c",
			 "echo \"$LOOM_JOB_ID $LOOM_TASK_INDEX $LOOM_NUM_TASKS $LOOM_ATTEMPT "
			 "$LOOM_ATTEMPT_ID $LOOM_PROGRESS_FD $FOO\"; "
			 "echo 0.5 >&3; echo junk >&3; echo 0.75 >&3; "
			 "test -d \"$LOOM_OUTPUT_DIR\" && echo part > \"$LOOM_OUTPUT_DIR/data\"",
			 NULL };
	char *env[] = { "FOO=bar", NULL };
	char *out = xasprintf("%s/out", root);
	struct loom_id id = launch(argv, env, out, NULL, 0);
	struct attempt *a = wait_for(&id, AS_DONE);
	char expect[128], idstr[ID_BUFSZ];

	assert_int_equal(a->rep.state, AR_EXITED);
	assert_int_equal(a->rep.exit_code, 0);
	assert_true(attempt_succeeded(a));
	assert_true(a->progress.value == 0.75);
	snprintf(expect, sizeof expect, "job-%llu 2 5 1 %s 3 bar\n", (unsigned long long)id.job,
		 id_format(&id, idstr, sizeof idstr));
	assert_string_equal(slurp(a->dir, "stdout"), expect);

	struct msg_attempt_commit c = { .id = id, .commit = true };
	commit_request(&ag, 0, &c);
	wait_for(&id, AS_MAX);
	char *part = xasprintf("%s/part-00002", out);
	assert_string_equal(slurp(part, "data"), "part\n");
	free(part);
	free(out);
}

static void test_kill_then_sigkill(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "trap '' TERM; sleep 30", NULL };
	struct loom_id id = launch(argv, NULL, NULL, NULL, 0);
	struct attempt *a = wait_for(&id, AS_RUNNING);

	usleep(100 * 1000); /* let the shell set its trap */
	struct msg_node_heartbeat hb;
	heartbeat_build(&ag, 7, &hb); /* the one live attempt, with its resources */
	assert_int_equal(hb.seq, 7);
	assert_int_equal(hb.nattempts, 1);
	assert_int_equal(hb.used.vcores_m, 1000);
	assert_true(hb.attempts[0].progress == -1);
	msg_node_heartbeat_free(&hb);
	monitor_kill(a, AR_KILLED, "preempted", 200);
	assert_int_equal(a->state, AS_KILLING);
	a = wait_for(&id, AS_DONE);
	assert_int_equal(a->rep.state, AR_KILLED);
	assert_int_equal(a->rep.signal, SIGKILL);
	assert_string_equal(a->rep.reason, "preempted");
}

static void test_memory_limit(void **state)
{
	char *argv[] = { "/bin/sh", "-c",
			 "x=$(head -c 60000000 /dev/zero | tr '\\0' a); sleep 30", NULL };
	struct loom_id id = launch(argv, NULL, NULL, NULL, 10);
	struct attempt *a = wait_for(&id, AS_DONE);

	assert_int_equal(a->rep.state, AR_LIMIT_KILLED);
	assert_non_null(strstr(a->rep.reason, "memory limit exceeded: "));
	assert_non_null(strstr(a->rep.reason, " MiB used > 10 MiB allowed"));
}

static void test_leftovers_are_killed(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "sleep 30 & exit 0", NULL };
	struct loom_id id = launch(argv, NULL, NULL, NULL, 0);
	struct attempt *a = wait_for(&id, AS_DONE);
	int64_t deadline = mono_ms() + 5000;

	assert_int_equal(a->rep.exit_code, 0);
	while (kill(-a->pid, 0) == 0 && mono_ms() < deadline)
		usleep(10 * 1000);
	assert_int_equal(kill(-a->pid, 0), -1);
	assert_int_equal(errno, ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_code_and_tail),
		cmocka_unit_test(test_exec_failure),
		cmocka_unit_test(test_bad_workdir),
		cmocka_unit_test(test_env_progress_commit),
		cmocka_unit_test(test_kill_then_sigkill),
		cmocka_unit_test(test_memory_limit),
		cmocka_unit_test(test_leftovers_are_killed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
