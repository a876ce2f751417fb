/* Ids: parse and format job, task and attempt ids; refuse the malformed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "id.h"

static void test_parse_format(void **state)
{
	struct loom_id id;
	char buf[ID_BUFSZ];
	const char *good[] = { "job-42", "job-42.t7", "job-42.t7.a2", "job-1.t0.a1" };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_int_equal(id_parse(good[i], &id), 0);
		assert_string_equal(id_format(&id, buf, sizeof buf), good[i]);
	}
	assert_int_equal(id_parse("42", &id), 0);
	assert_true(id_is_job(&id));
	assert_int_equal(id.job, 42);
	assert_int_equal(id_parse("job-42.t7.a2", &id), 0);
	assert_true(id_is_attempt(&id));
	assert_false(id_is_task(&id));
	assert_int_equal(id.task, 7);
	assert_int_equal(id.attempt, 2);
}

static void test_bad(void **state)
{
	struct loom_id id;
	const char *bad[] = { "", "job-", "job-0", "job-x", "job-1.", "job-1.t", "job-1.a1",
			      "job-1.t1.a0", "job-1.t1.a", "job-1 ", "-1", "job-1.t99999999",
			      "job-99999999999999999999999" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(id_parse(bad[i], &id), -1);
}

static void test_ctors(void **state)
{
	struct loom_id j = id_job(3), t = id_task(3, 0), a = id_attempt(3, 0, 1);
	assert_true(id_is_job(&j));
	assert_true(id_is_task(&t));
	assert_true(id_is_attempt(&a));
	assert_false(id_is_job(&t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_ctors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
