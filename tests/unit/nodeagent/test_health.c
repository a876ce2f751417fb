/* The health script's verdict: ERROR lines, exit codes, signals, timeouts, exec errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "agent.h"

#define EXITED(code) ((code) << 8) /* a wait status as waitpid() gives it */

static void verdict(const char *out, int wstatus, bool timed_out, const char *exec_err,
		    bool want_ok, const char *want_reason)
{
	char reason[256];
	bool ok;

	health_verdict(out, strlen(out), wstatus, timed_out, exec_err, &ok, reason,
		       sizeof reason);
	assert_int_equal(ok, want_ok);
	assert_string_equal(reason, want_reason);
}

static void test_verdicts(void **state)
{
	verdict("all good\n", EXITED(0), false, NULL, true, "");
	verdict("", EXITED(0), false, NULL, true, "");
	verdict("checking\nERROR disk /data is full\nmore\n", EXITED(0), false, NULL, false,
		"ERROR disk /data is full");
	verdict("ERROR: no newline", EXITED(0), false, NULL, false, "ERROR: no newline");
	verdict("an ERROR mid-line is not one\n", EXITED(0), false, NULL, true, "");
	verdict("", EXITED(2), false, NULL, false, "health script exited with code 2");
	/* an ERROR line says more than the exit code */
	verdict("ERROR fan\n", EXITED(1), false, NULL, false, "ERROR fan");
	verdict("", SIGKILL, false, NULL, false, "health script killed by signal 9");
	verdict("ERROR late\n", SIGKILL, true, NULL, false, "health script timed out");
	verdict("", EXITED(127), false, "cannot execute '/x': No such file or directory", false,
		"health script: cannot execute '/x': No such file or directory");
}

/* A long reason is cut to the buffer, never overflowing it. */
static void test_long_line(void **state)
{
	char out[600], reason[64];
	bool ok;

	memset(out, 'x', sizeof out);
	memcpy(out, "ERROR ", 6);
	health_verdict(out, sizeof out, EXITED(0), false, NULL, &ok, reason, sizeof reason);
	assert_false(ok);
	assert_int_equal(strlen(reason), sizeof reason - 1);
	assert_memory_equal(reason, "ERROR xxx", 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_long_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
