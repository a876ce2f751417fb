/* The stderr tail sent with a failed attempt, and reading the end of a log file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent.h"

static void trim(const char *in, bool cut, int lines, char *out, size_t outsz)
{
	log_tail_trim(in, strlen(in), cut, lines, out, outsz);
}

static void test_last_lines(void **state)
{
	char out[64];

	trim("a\nb\nc\nd\n", false, 2, out, sizeof out);
	assert_string_equal(out, "c\nd");
	trim("a\nb\n", false, 10, out, sizeof out);
	assert_string_equal(out, "a\nb");
	trim("only\n\n\n", false, 10, out, sizeof out);
	assert_string_equal(out, "only");
	trim("", false, 10, out, sizeof out);
	assert_string_equal(out, "");
}

static void test_cut_drops_partial_line(void **state)
{
	char out[64];

	trim("tial line\nwhole\n", true, 10, out, sizeof out);
	assert_string_equal(out, "whole");
	trim("no newline at all", true, 10, out, sizeof out); /* nothing better to show */
	assert_string_equal(out, "no newline at all");
}

static void test_size_bound_and_controls(void **state)
{
	char out[8];

	trim("first line\nabc\x01\x7f\n", false, 10, out, sizeof out);
	assert_string_equal(out, "abc??");
	trim("0123456789abcdef", false, 10, out, sizeof out);
	assert_int_equal(strlen(out), 7);
	assert_string_equal(out, "9abcdef");
	/* A cut inside a UTF-8 sequence is skipped past. */
	trim("x\xc3\xa9\xc3\xa9\xc3\xa9z", false, 10, out, 5);
	assert_string_equal(out, "\xc3\xa9z");
}

static void test_file_tail(void **state)
{
	char path[] = "/tmp/agent-tail-XXXXXX";
	int fd = mkstemp(path);
	char *data, err[256];
	size_t len;
	int64_t size;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello world\n", 12), 12);
	close(fd);
	assert_int_equal(file_tail(path, 6, &data, &len, &size, err, sizeof err), 0);
	assert_int_equal(len, 6);
	assert_int_equal(size, 12);
	assert_memory_equal(data, "world\n", 6);
	free(data);
	assert_int_equal(file_tail(path, 100, &data, &len, &size, err, sizeof err), 0);
	assert_int_equal(len, 12);
	free(data);
	unlink(path);
	assert_int_equal(file_tail(path, 100, &data, &len, &size, err, sizeof err), -1);
	assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_last_lines),
		cmocka_unit_test(test_cut_drops_partial_line),
		cmocka_unit_test(test_size_bound_and_controls),
		cmocka_unit_test(test_file_tail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
