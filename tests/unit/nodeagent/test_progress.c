/* Progress lines from LOOM_PROGRESS_FD: what is accepted, what is ignored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "agent.h"

static void test_parse_line(void **state)
{
	double v = -1;

	assert_true(progress_parse_line("0.5", 3, &v));
	assert_true(v == 0.5);
	assert_true(progress_parse_line("  1 \r", 5, &v));
	assert_true(v == 1.0);
	assert_true(progress_parse_line("0", 1, &v));
	assert_true(v == 0.0);
	assert_false(progress_parse_line("", 0, &v));
	assert_false(progress_parse_line("1.5", 3, &v));
	assert_false(progress_parse_line("-0.1", 4, &v));
	assert_false(progress_parse_line("nan", 3, &v));
	assert_false(progress_parse_line("0.5x", 4, &v));
	assert_false(progress_parse_line("50%", 3, &v));
	assert_false(progress_parse_line("inf", 3, &v));
}

static void test_feed_keeps_last_valid(void **state)
{
	struct progress p;

	progress_init(&p);
	assert_true(p.value == -1);
	progress_feed(&p, "0.1\n0.2\njunk\n", 13);
	assert_true(p.value == 0.2);
	/* A line split across reads counts once complete. */
	progress_feed(&p, "0.", 2);
	assert_true(p.value == 0.2);
	progress_feed(&p, "75\n", 3);
	assert_true(p.value == 0.75);
	/* A line without its newline is not taken yet. */
	progress_feed(&p, "0.9", 3);
	assert_true(p.value == 0.75);
}

static void test_overlong_line_is_skipped(void **state)
{
	struct progress p;
	char big[1000];

	progress_init(&p);
	memset(big, '0', sizeof big);
	big[1] = '.';
	progress_feed(&p, big, sizeof big); /* "0.000...": valid, but far too long */
	progress_feed(&p, "5\n", 2);
	assert_true(p.value == -1);
	assert_true(p.len < sizeof p.line);
	progress_feed(&p, "0.25\n", 5);
	assert_true(p.value == 0.25);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_line),
		cmocka_unit_test(test_feed_keeps_last_valid),
		cmocka_unit_test(test_overlong_line_is_skipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
