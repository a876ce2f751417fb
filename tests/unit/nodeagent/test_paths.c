/* Attempt paths come from canonical ids only, so no path traversal is possible. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "agent.h"
#include "xmalloc.h"

static void test_id_validation(void **state)
{
	assert_true(attempt_id_valid("job-1.t0.a1"));
	assert_true(attempt_id_valid("job-42.t7.a2"));
	assert_false(attempt_id_valid(NULL));
	assert_false(attempt_id_valid(""));
	assert_false(attempt_id_valid("job-42"));
	assert_false(attempt_id_valid("job-42.t7"));
	assert_false(attempt_id_valid("42.t7.a2"));       /* parses, but not canonical */
	assert_false(attempt_id_valid("job-042.t7.a2"));
	assert_false(attempt_id_valid("job-1.t0.a1/../../etc"));
	assert_false(attempt_id_valid("../job-1.t0.a1"));
	assert_false(attempt_id_valid("job-1.t0.a0"));
}

static void test_attempt_paths(void **state)
{
	char *p = attempt_path("/w/attempts", "job-1.t0.a1", NULL);
	assert_string_equal(p, "/w/attempts/job-1.t0.a1");
	free(p);
	p = attempt_path("/w/attempts", "job-1.t0.a1", "stderr");
	assert_string_equal(p, "/w/attempts/job-1.t0.a1/stderr");
	free(p);
	assert_null(attempt_path("/w/attempts", "../../etc/passwd", "stdout"));
}

static void test_output_paths(void **state)
{
	char *p = attempt_output_path("/data/out/", "/w/attempts/job-1.t3.a1", "job-1.t3.a1");
	assert_string_equal(p, "/data/out/_attempts/job-1.t3.a1");
	free(p);
	p = attempt_output_path("", "/w/attempts/job-1.t3.a1", "job-1.t3.a1");
	assert_string_equal(p, "/w/attempts/job-1.t3.a1");
	free(p);
	p = commit_part_path("/data/out/", 3);
	assert_string_equal(p, "/data/out/part-00003");
	free(p);
	p = commit_part_path("/data/out", 123456);
	assert_string_equal(p, "/data/out/part-123456");
	free(p);
}

static void test_mkdir(void **state)
{
	char tmpl[] = "/tmp/agent-paths-XXXXXX";
	struct stat st;

	assert_non_null(mkdtemp(tmpl));
	char *deep = xasprintf("%s/a/b/c", tmpl);
	assert_int_equal(mkdir_leaf(deep, 0755), 0);
	assert_int_equal(stat(deep, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(mkdir_leaf(deep, 0755), 0); /* existing is fine */
	char err[256];
	assert_int_equal(remove_tree(tmpl, err, sizeof err), 0);
	assert_int_equal(stat(tmpl, &st), -1);
	free(deep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_validation),
		cmocka_unit_test(test_attempt_paths),
		cmocka_unit_test(test_output_paths),
		cmocka_unit_test(test_mkdir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
