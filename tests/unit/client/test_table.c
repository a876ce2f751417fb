/* Aligned tables: column widths, "-" for empty cells, notes, truncation to a width. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

/* Prints t at width into a string (caller frees). */
static char *render(const struct table *t, int width)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	table_print(t, f, width);
	fclose(f);
	return buf;
}

static struct table *sample(void)
{
	static const char *const hdr[] = { "JOB", "STATE", "REASON" };
	struct table *t = table_new(hdr, 3);

	table_row(t);
	table_cell(t, "job-7");
	table_cell(t, "RUNNING");
	table_cell(t, NULL);
	table_row(t);
	table_cell(t, "job-12");
	table_cellf(t, "%s", "FAILED");
	table_cell(t, "task job-12.t3 failed after 4 attempts: exit code 3");
	return t;
}

static void test_alignment(void **state)
{
	struct table *t = sample();
	char *s = render(t, 0);

	assert_string_equal(s, "JOB     STATE    REASON\n"
			       "job-7   RUNNING  -\n"
			       "job-12  FAILED   task job-12.t3 failed after 4 attempts: exit code 3\n");
	free(s);
	table_free(t);
}

static void test_truncation(void **state)
{
	struct table *t = sample();
	char *s = render(t, 40); /* 17 columns before REASON leave 23 */

	assert_string_equal(s, "JOB     STATE    REASON\n"
			       "job-7   RUNNING  -\n"
			       "job-12  FAILED   task job-12.t3 faile...\n");
	free(s);
	table_free(t);
	t = sample();
	s = render(t, 10); /* too narrow: the last column keeps a readable minimum */
	assert_non_null(strstr(s, "job-12  FAILED   task job-...\n"));
	free(s);
	table_free(t);
}

static void test_notes_and_control_chars(void **state)
{
	static const char *const hdr[] = { "A", "B" };
	struct table *t = table_new(hdr, 2);
	char *s;

	table_row(t);
	table_cell(t, "x\ny");
	table_cell(t, "");
	table_note(t, "    first note");
	table_note(t, "      second");
	table_row(t);
	table_cell(t, "z"); /* a missing cell shows "-" too */
	s = render(t, 0);
	assert_string_equal(s, "A    B\n"
			       "x y  -\n"
			       "    first note\n"
			       "      second\n"
			       "z    -\n");
	free(s);
	table_free(t);
}

static void test_empty(void **state)
{
	static const char *const hdr[] = { "NODE", "STATE" };
	struct table *t = table_new(hdr, 2);
	char *s = render(t, 80);

	assert_string_equal(s, "NODE  STATE\n");
	free(s);
	table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_notes_and_control_chars),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
