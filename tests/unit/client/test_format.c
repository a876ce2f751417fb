/* Human formatting of the clients: durations, sizes, progress bar and progress line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "client.h"

static void test_durations(void **state)
{
	char b[FMT_BUFSZ];

	assert_string_equal(fmt_dur(850, b, sizeof b), "0s");
	assert_string_equal(fmt_dur(12000, b, sizeof b), "12s");
	assert_string_equal(fmt_dur(185000, b, sizeof b), "3m05s");
	assert_string_equal(fmt_dur(2 * 3600000 + 600000, b, sizeof b), "2h10m");
	assert_string_equal(fmt_dur(3 * 86400000LL + 4 * 3600000, b, sizeof b), "3d04h");
	assert_string_equal(fmt_dur(-5, b, sizeof b), "0s");
	assert_string_equal(fmt_elapsed(12345, b, sizeof b), "12.3s");
	assert_string_equal(fmt_elapsed(61000, b, sizeof b), "1m01s");
	assert_string_equal(fmt_age(10000000, 0, b, sizeof b), "-");
	assert_string_equal(fmt_age(10000000, 7000000, b, sizeof b), "3s");
}

static void test_sizes(void **state)
{
	char b[FMT_BUFSZ];

	assert_string_equal(fmt_mem(512, b, sizeof b), "512M");
	assert_string_equal(fmt_mem(1024, b, sizeof b), "1G");
	assert_string_equal(fmt_mem(1536, b, sizeof b), "1.5G");
	assert_string_equal(fmt_mem(16384, b, sizeof b), "16G");
	assert_string_equal(fmt_mem(2 * 1024 * 1024, b, sizeof b), "2.0T");
	assert_string_equal(fmt_vcores(2000, b, sizeof b), "2");
	assert_string_equal(fmt_vcores(500, b, sizeof b), "0.5");
	assert_string_equal(fmt_vcores(125, b, sizeof b), "0.125");
}

static void test_bar(void **state)
{
	char b[32];

	assert_string_equal(fmt_bar(0.52, 10, b, sizeof b), "[#####.....]");
	assert_string_equal(fmt_bar(0, 10, b, sizeof b), "[..........]");
	assert_string_equal(fmt_bar(1.5, 10, b, sizeof b), "[##########]");
	assert_string_equal(fmt_bar(-1, 4, b, sizeof b), "[....]");
	assert_string_equal(fmt_bar(1, 10, b, 6), "[###]"); /* cut to the buffer */
}

static void test_progress_line(void **state)
{
	struct job_progress p = { .id = "job-7", .state = "RUNNING", .ntasks = 16, .done = 8,
				  .running = 4, .failed = 0, .progress = 0.52,
				  .elapsed_ms = 12345 };
	char b[256];

	assert_string_equal(fmt_progress_line(&p, b, sizeof b),
			    "job-7 RUNNING [#####.....] 52%  tasks 8/16 done, 4 running, 0 failed"
			    "  12.3s");
	p.progress = -1; /* unknown: done/ntasks */
	p.done = 4;
	assert_string_equal(fmt_progress_line(&p, b, sizeof b),
			    "job-7 RUNNING [###.......] 25%  tasks 4/16 done, 4 running, 0 failed"
			    "  12.3s");
	p.progress = 1;
	p.state = "SUCCEEDED";
	p.elapsed_ms = 185000;
	assert_string_equal(fmt_progress_line(&p, b, sizeof b),
			    "job-7 SUCCEEDED [##########] 100%  tasks 4/16 done, 4 running, "
			    "0 failed  3m05s");
}

static void test_argv(void **state)
{
	char *plain[] = { "loom-revsum", "map", "/data/sales.csv" };
	char *odd[] = { "sh", "-c", "echo 'hi' | wc", "" };
	char b[128];

	assert_string_equal(fmt_argv(plain, 3, b, sizeof b), "loom-revsum map /data/sales.csv");
	assert_string_equal(fmt_argv(odd, 4, b, sizeof b),
			    "sh -c 'echo '\\''hi'\\'' | wc' ''");
	assert_string_equal(fmt_argv(plain, 3, b, 8), "loom-re"); /* cut, still terminated */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations), cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_bar),       cmocka_unit_test(test_progress_line),
		cmocka_unit_test(test_argv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
