/* /proc/PID/stat parsing and RSS accounting per attempt session. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent.h"

/* A real line, with a comm holding spaces and parentheses. */
static const char *sample =
	"4242 (my (odd) task) S 4200 4242 4242 0 -1 4194560 1180 0 0 0 3 1 0 0 20 0 1 0 "
	"1234567 12345678 2560 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";

static void test_parse_sample(void **state)
{
	struct proc_stat st;

	assert_int_equal(procstat_parse(sample, strlen(sample), &st), 0);
	assert_int_equal(st.pid, 4242);
	assert_int_equal(st.ppid, 4200);
	assert_int_equal(st.pgrp, 4242);
	assert_int_equal(st.session, 4242);
	assert_int_equal(st.rss_pages, 2560);
}

static void test_parse_rejects_junk(void **state)
{
	struct proc_stat st;
	const char *cut = "12 (sh) S 1 12 12 0";

	assert_int_equal(procstat_parse("", 0, &st), -1);
	assert_int_equal(procstat_parse("garbage", 7, &st), -1);
	assert_int_equal(procstat_parse(cut, strlen(cut), &st), -1);
	assert_int_equal(procstat_parse("(x) S 1 2 3", 11, &st), -1);
}

static void test_account(void **state)
{
	pid_t leaders[2] = { 100, 200 };
	int64_t rss[2] = { 0, 0 };
	struct proc_stat in_session = { 150, 100, 150, 100, 10 }; /* own group, same session */
	struct proc_stat in_group = { 201, 200, 200, 200, 5 };
	struct proc_stat other = { 300, 1, 300, 300, 1000 };

	procstat_account(&in_session, leaders, 2, rss, 4);
	procstat_account(&in_group, leaders, 2, rss, 4);
	procstat_account(&other, leaders, 2, rss, 4);
	assert_int_equal(rss[0], 40);
	assert_int_equal(rss[1], 20);
}

/* The scan finds this test process's own session. */
static void test_scan_self(void **state)
{
	pid_t sid = getsid(0);
	int64_t rss = 0;

	procstat_scan(&sid, 1, &rss);
	assert_true(rss > 0);
}

static void test_over_limit_reason(void **state)
{
	char why[128];

	assert_false(monitor_over_limit(512, 512, why, sizeof why));
	assert_false(monitor_over_limit(900, 0, why, sizeof why));
	assert_true(monitor_over_limit(612, 512, why, sizeof why));
	assert_string_equal(why, "memory limit exceeded: 612 MiB used > 512 MiB allowed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_sample),
		cmocka_unit_test(test_parse_rejects_junk),
		cmocka_unit_test(test_account),
		cmocka_unit_test(test_scan_self),
		cmocka_unit_test(test_over_limit_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
