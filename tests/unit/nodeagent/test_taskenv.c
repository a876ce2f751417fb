/* The task's environment: agent env, then job env, then LOOM_* variables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "agent.h"

static const char *find(char **v, const char *key)
{
	size_t n = strlen(key);
	for (; *v != NULL; v++)
		if (strncmp(*v, key, n) == 0 && (*v)[n] == '=')
			return *v + n + 1;
	return NULL;
}

static int count(char **v)
{
	int n = 0;
	while (v[n] != NULL)
		n++;
	return n;
}

static void test_merge_layers(void **state)
{
	char *base[] = { "PATH=/bin", "HOME=/root", "LOOM_JOB_ID=stale", NULL };
	char *job[] = { "HOME=/home/u", "FOO=bar", "novalue", "=nokey", NULL };
	char *loom[] = { "LOOM_JOB_ID=job-7", NULL };
	char *const *layers[] = { job, loom };
	char **env = env_merge(base, layers, 2);

	assert_string_equal(find(env, "PATH"), "/bin");
	assert_string_equal(find(env, "HOME"), "/home/u");
	assert_string_equal(find(env, "FOO"), "bar");
	assert_string_equal(find(env, "LOOM_JOB_ID"), "job-7");
	assert_null(find(env, "novalue"));
	assert_int_equal(count(env), 4); /* replaced in place, junk skipped */
	free(env);
}

static void test_merge_empty(void **state)
{
	char *const *layers[] = { NULL };
	char **env = env_merge(NULL, layers, 1);

	assert_null(env[0]);
	free(env);
}

static void test_loom_vars(void **state)
{
	struct loom_vars lv;
	struct loom_id id = id_attempt(42, 7, 2);

	loom_vars_build(&lv, &id, 10, "/out/_attempts/job-42.t7.a2");
	assert_string_equal(find(lv.v, "LOOM_JOB_ID"), "job-42");
	assert_string_equal(find(lv.v, "LOOM_TASK_INDEX"), "7");
	assert_string_equal(find(lv.v, "LOOM_NUM_TASKS"), "10");
	assert_string_equal(find(lv.v, "LOOM_ATTEMPT"), "2");
	assert_string_equal(find(lv.v, "LOOM_ATTEMPT_ID"), "job-42.t7.a2");
	assert_string_equal(find(lv.v, "LOOM_OUTPUT_DIR"), "/out/_attempts/job-42.t7.a2");
	assert_string_equal(find(lv.v, "LOOM_PROGRESS_FD"), "3");
	assert_int_equal(count(lv.v), 7);
	loom_vars_free(&lv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_layers),
		cmocka_unit_test(test_merge_empty),
		cmocka_unit_test(test_loom_vars),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
