/* rmctl's verb table: lookup, the entries themselves, generic option parsing, and the exit
 * codes of usage errors (which need no rmd). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "client.h"

#define ARGC(v) ((int)(sizeof(v) / sizeof((v)[0])) - 1)

static void test_lookup(void **state)
{
	const char *verbs[] = { "jobs", "job", "kill", "nodes", "drain", "undrain", "logs",
				"status", "help", "queues" };

	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
		const struct cmd_entry *e = cmd_find(verbs[i]);
		assert_non_null(e);
		assert_string_equal(e->name, verbs[i]);
	}
	assert_null(cmd_find("jo"));  /* no prefixes: "job" and "jobs" would be ambiguous */
	assert_null(cmd_find("JOBS"));
	assert_null(cmd_find(""));
	assert_ptr_equal(cmd_find("logs"), &cmd_logs_entry);
	assert_ptr_equal(cmd_find("autoscale"), &cmd_autoscale_entry);
}

static void test_entries_complete(void **state)
{
	int n = 0;

	for (const struct cmd_entry *const *e = cmd_table; *e != NULL; e++, n++) {
		assert_non_null((*e)->usage);
		assert_non_null((*e)->summary);
		assert_non_null((*e)->exec);
		assert_true((*e)->max_args < 0 || (*e)->max_args >= (*e)->min_args);
		for (const struct cmd_entry *const *o = e + 1; *o != NULL; o++)
			assert_string_not_equal((*e)->name, (*o)->name);
	}
	assert_int_equal(n, 12); /* jobs job kill nodes drain undrain queues autoscale logs wait
				  * status help */
}

/* rmctl drain NODE --timeout 30s --reason TEXT */
static void test_parse_drain(void **state)
{
	char *argv[] = { "drain", "node-1", "--timeout", "30s", "--reason", "disk swap", NULL };
	struct cmd_args a;
	char err[256];

	assert_int_equal(cmd_parse(&cmd_drain_entry, ARGC(argv), argv, &a, err, sizeof err), 0);
	assert_int_equal(a.argc, 1);
	assert_string_equal(a.argv[0], "node-1");
	assert_string_equal(a.opt['t'], "30s");
	assert_string_equal(a.opt['r'], "disk swap");
	char *none[] = { "undrain", NULL };
	assert_int_equal(cmd_parse(&cmd_undrain_entry, ARGC(none), none, &a, err, sizeof err), -1);
}

/* rmctl queues [list | reload] [--json] */
static void test_parse_queues(void **state)
{
	char *argv[] = { "queues", "reload", "--json", NULL };
	char *two[] = { "queues", "reload", "now", NULL };
	struct cmd_args a;
	char err[256];

	assert_int_equal(cmd_parse(&cmd_queues_entry, ARGC(argv), argv, &a, err, sizeof err), 0);
	assert_int_equal(a.argc, 1);
	assert_string_equal(a.argv[0], "reload");
	assert_string_equal(a.opt['j'], "");
	assert_int_equal(cmd_parse(&cmd_queues_entry, ARGC(two), two, &a, err, sizeof err), -1);
	assert_string_equal(err, "queues: too many arguments");
}

static void test_parse_options(void **state)
{
	char *argv[] = { "jobs", "--state", "running", "-u", "ann", "--all", NULL };
	struct cmd_args a;
	char err[256];

	assert_int_equal(cmd_parse(&cmd_jobs_entry, ARGC(argv), argv, &a, err, sizeof err), 0);
	assert_string_equal(a.opt['s'], "running");
	assert_string_equal(a.opt['u'], "ann");
	assert_string_equal(a.opt['a'], "");
	assert_null(a.opt['r']);
	assert_int_equal(a.argc, 0);
}

static void test_parse_args_after_options(void **state)
{
	char *argv[] = { "kill", "job-7", "--reason", "wrong input", NULL };
	struct cmd_args a;
	char err[256];

	assert_int_equal(cmd_parse(&cmd_kill_entry, ARGC(argv), argv, &a, err, sizeof err), 0);
	assert_int_equal(a.argc, 1);
	assert_string_equal(a.argv[0], "job-7");
	assert_string_equal(a.opt['r'], "wrong input");
}

static void test_parse_errors(void **state)
{
	struct cmd_args a;
	char err[256];
	char *v1[] = { "kill", NULL };
	char *v2[] = { "job", "job-1", "job-2", NULL };
	char *v3[] = { "nodes", "--wide", NULL };
	char *v4[] = { "logs", "job-1.t0", "--bytes", NULL };

	assert_int_equal(cmd_parse(&cmd_kill_entry, 1, v1, &a, err, sizeof err), -1);
	assert_string_equal(err, "kill: missing arguments");
	assert_int_equal(cmd_parse(&cmd_job_entry, 3, v2, &a, err, sizeof err), -1);
	assert_string_equal(err, "job: too many arguments");
	assert_int_equal(cmd_parse(&cmd_nodes_entry, 2, v3, &a, err, sizeof err), -1);
	assert_string_equal(err, "nodes: unknown option '--wide'");
	assert_int_equal(cmd_parse(&cmd_logs_entry, 3, v4, &a, err, sizeof err), -1);
	assert_string_equal(err, "logs: option '--bytes' needs a value");
}

static void test_main_exit_codes(void **state)
{
	char *unknown[] = { "rmctl", "frobnicate", NULL };
	char *none[] = { "rmctl", NULL };
	char *help[] = { "rmctl", "help", NULL };
	char *help_verb[] = { "rmctl", "help", "logs", NULL };
	char *bad_id[] = { "rmctl", "job", "seven", NULL };
	char *bad_state[] = { "rmctl", "jobs", "--state", "sleeping", NULL };
	char *bad_addr[] = { "rmctl", "--rm", "nowhere", "status", NULL };
	char *refused[] = { "rmctl", "--rm", "127.0.0.1:1", "status", NULL };
	char *bad_sub[] = { "rmctl", "--rm", "127.0.0.1:1", "queues", "relaod", NULL };
	char *queues_refused[] = { "rmctl", "--rm", "127.0.0.1:1", "queues", "--json", NULL };

	assert_int_equal(rmctl_main(ARGC(unknown), unknown), EXIT_USAGE);
	assert_int_equal(rmctl_main(ARGC(none), none), EXIT_USAGE);
	assert_int_equal(rmctl_main(ARGC(help), help), EXIT_OK);
	assert_int_equal(rmctl_main(ARGC(help_verb), help_verb), EXIT_OK);
	assert_int_equal(rmctl_main(ARGC(bad_id), bad_id), EXIT_USAGE);
	assert_int_equal(rmctl_main(ARGC(bad_state), bad_state), EXIT_USAGE);
	assert_int_equal(rmctl_main(ARGC(bad_addr), bad_addr), EXIT_USAGE);
	assert_int_equal(rmctl_main(ARGC(refused), refused), EXIT_NOCONN);
	assert_int_equal(rmctl_main(ARGC(bad_sub), bad_sub), EXIT_USAGE); /* before connecting */
	assert_int_equal(rmctl_main(ARGC(queues_refused), queues_refused), EXIT_NOCONN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_entries_complete),
		cmocka_unit_test(test_parse_drain),
		cmocka_unit_test(test_parse_queues),
		cmocka_unit_test(test_parse_options),
		cmocka_unit_test(test_parse_args_after_options),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_main_exit_codes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
