/* rmsubmit's command line into a job_spec: the command after --, --wrap, defaults, values
 * and their errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client.h"

#define ARGC(v) ((int)(sizeof(v) / sizeof((v)[0])) - 1)

static void test_command_after_dashes(void **state)
{
	char *argv[] = { "rmsubmit", "-n", "3", "-c", "2", "--", "/usr/bin/loom-revsum",
			 "map", "-x", "", NULL };
	struct submit_opts o;
	char err[512] = "";

	assert_int_equal(submit_parse(ARGC(argv), argv, &o, err, sizeof err), 0);
	assert_int_equal(o.spec.nargv, 4);
	assert_string_equal(o.spec.argv[0], "/usr/bin/loom-revsum");
	assert_string_equal(o.spec.argv[2], "-x"); /* options after -- belong to the command */
	assert_string_equal(o.spec.argv[3], "");
	assert_null(o.spec.argv[4]);
	assert_string_equal(o.spec.name, "loom-revsum");
	assert_int_equal(o.spec.ntasks, 3);
	assert_int_equal(o.spec.res.vcores_m, 2000);
	assert_int_equal(o.spec.res.mem_mb, 512); /* the default */
	assert_false(o.wait);
	assert_null(o.rm);
	submit_opts_free(&o);
}

static void test_command_without_dashes(void **state)
{
	char *argv[] = { "rmsubmit", "-w", "sleep", "10", "--wait", NULL };
	struct submit_opts o;
	char err[512] = "";

	assert_int_equal(submit_parse(ARGC(argv), argv, &o, err, sizeof err), 0);
	assert_true(o.wait);
	assert_int_equal(o.spec.nargv, 3); /* options stop at the command */
	assert_string_equal(o.spec.argv[2], "--wait");
	submit_opts_free(&o);
}

static void test_wrap(void **state)
{
	char *argv[] = { "rmsubmit", "--wrap", "sort data | uniq -c", "--json",
			 "--rm", "10.0.0.1:7420", NULL };
	struct submit_opts o;
	char err[512] = "";
	struct passwd *pw = getpwuid(getuid());

	assert_int_equal(submit_parse(ARGC(argv), argv, &o, err, sizeof err), 0);
	assert_int_equal(o.spec.nargv, 3);
	assert_string_equal(o.spec.argv[0], "/bin/sh");
	assert_string_equal(o.spec.argv[1], "-c");
	assert_string_equal(o.spec.argv[2], "sort data | uniq -c");
	assert_string_equal(o.spec.name, "wrap");
	assert_true(o.json);
	assert_string_equal(o.rm, "10.0.0.1:7420");
	if (pw != NULL)
		assert_string_equal(o.spec.user, pw->pw_name);
	submit_opts_free(&o);
}

static void test_all_flags(void **state)
{
	char *argv[] = { "rmsubmit", "--tasks", "8", "--vcores", "0.25", "--mem", "3G",
			 "--gpus", "2", "-q", "batch", "-J", "my job", "--max-attempts", "5",
			 "--priority", "-7", "--after", "job-3,job-4", "--after", "5",
			 "-o", "/out/./x/", "--workdir", "/", "-e", "A=1", "--env", "B=x=y",
			 "-e", "A=2", "--", "true", NULL };
	struct submit_opts o;
	char err[512] = "";

	assert_int_equal(submit_parse(ARGC(argv), argv, &o, err, sizeof err), 0);
	assert_int_equal(o.spec.ntasks, 8);
	assert_int_equal(o.spec.res.vcores_m, 250);
	assert_int_equal(o.spec.res.mem_mb, 3072);
	assert_int_equal(o.spec.res.gpus, 2);
	assert_string_equal(o.spec.queue, "batch");
	assert_string_equal(o.spec.name, "my job");
	assert_int_equal(o.spec.max_attempts, 5);
	assert_int_equal(o.spec.priority, -7);
	assert_int_equal(o.spec.nafter, 3);
	assert_int_equal(o.spec.after[0], 3);
	assert_int_equal(o.spec.after[2], 5);
	assert_string_equal(o.spec.output_dir, "/out/x");
	assert_string_equal(o.spec.workdir, "/");
	assert_int_equal(o.spec.nenv, 2);
	assert_string_equal(o.spec.env[0], "A=2");
	assert_string_equal(o.spec.env[1], "B=x=y");
	assert_int_equal(o.spec.speculation.mode, SPECULATE_DEFAULT);
	submit_opts_free(&o);
}

/* --label and --no-label: repeatable, duplicates kept once, in order. */
static void test_label_flags(void **state)
{
	char *argv[] = { "rmsubmit", "--label", "ssd", "--no-label", "flaky", "--label", "rack1",
			 "--label", "ssd", "--no-label", "old", "true", NULL };
	struct submit_opts o;
	char err[512] = "";

	assert_int_equal(submit_parse(ARGC(argv), argv, &o, err, sizeof err), 0);
	assert_int_equal(o.spec.nrequire_labels, 2);
	assert_string_equal(o.spec.require_labels[0], "ssd");
	assert_string_equal(o.spec.require_labels[1], "rack1");
	assert_null(o.spec.require_labels[2]);
	assert_int_equal(o.spec.nexclude_labels, 2);
	assert_string_equal(o.spec.exclude_labels[0], "flaky");
	assert_string_equal(o.spec.exclude_labels[1], "old");
	submit_opts_free(&o);
	assert_non_null(strstr(submit_usage, "--label L"));
	assert_non_null(strstr(submit_usage, "--no-label L"));
}

/* --speculate and --no-speculate: the last one given wins. */
static void test_speculate_flags(void **state)
{
	char *on[] = { "rmsubmit", "--no-speculate", "--speculate", "true", NULL };
	char *off[] = { "rmsubmit", "--speculate", "--no-speculate", "true", NULL };
	struct submit_opts o;
	char err[512] = "";

	assert_int_equal(submit_parse(ARGC(on), on, &o, err, sizeof err), 0);
	assert_int_equal(o.spec.speculation.mode, SPECULATE_ON);
	submit_opts_free(&o);
	assert_int_equal(submit_parse(ARGC(off), off, &o, err, sizeof err), 0);
	assert_int_equal(o.spec.speculation.mode, SPECULATE_OFF);
	submit_opts_free(&o);
}

static void test_relative_output_made_absolute(void **state)
{
	char *argv[] = { "rmsubmit", "-o", "results/../out", "--", "true", NULL };
	struct submit_opts o;
	char err[512] = "", cwd[1024], want[1100];

	assert_non_null(getcwd(cwd, sizeof cwd));
	snprintf(want, sizeof want, "%s/out", strcmp(cwd, "/") == 0 ? "" : cwd);
	assert_int_equal(submit_parse(ARGC(argv), argv, &o, err, sizeof err), 0);
	assert_string_equal(o.spec.output_dir, want);
	submit_opts_free(&o);
}

/* argv (NULL-terminated) must fail with exactly want. */
static void expect_error(char **argv, const char *want)
{
	struct submit_opts o;
	char err[512] = "";
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	assert_int_equal(submit_parse(argc, argv, &o, err, sizeof err), -1);
	assert_string_equal(err, want);
	submit_opts_free(&o);
}

static void test_errors(void **state)
{
	expect_error((char *[]){ "rmsubmit", NULL },
		     "no command: give -- COMMAND [ARGS...], --wrap 'shell command' or a job "
		     "file (-f) with command or shell");
	expect_error((char *[]){ "rmsubmit", "-n", "x", "true", NULL },
		     "--tasks: 'x' is not a whole number");
	expect_error((char *[]){ "rmsubmit", "-n", "0", "true", NULL },
		     "--tasks must be 1..1000000, not 0");
	expect_error((char *[]){ "rmsubmit", "-c", "0", "true", NULL },
		     "--vcores: vcores '0' is not a positive number (e.g. 2 or 0.5)");
	expect_error((char *[]){ "rmsubmit", "-m", "0", "true", NULL },
		     "--mem must be more than 0");
	expect_error((char *[]){ "rmsubmit", "--max-attempts", "101", "true", NULL },
		     "--max-attempts must be 1..100, not 101");
	expect_error((char *[]){ "rmsubmit", "--priority", "1001", "true", NULL },
		     "--priority must be -1000..1000, not 1001");
	expect_error((char *[]){ "rmsubmit", "--after", "job-x", "true", NULL },
		     "--after: 'job-x' is not a job id (e.g. job-3)");
	expect_error((char *[]){ "rmsubmit", "--label", "", "true", NULL },
		     "--label: label '' must be 1 to 63 characters long");
	expect_error((char *[]){ "rmsubmit", "--label", "ssd", "--no-label", "ssd", "true", NULL },
		     "--no-label: label 'ssd' is both required and excluded");
	expect_error((char *[]){ "rmsubmit", "-e", "1X=2", "true", NULL },
		     "--env: environment '1X=2' is not NAME=VALUE (NAME: letters, digits, _)");
	expect_error((char *[]){ "rmsubmit", "--wrap", "x", "true", NULL },
		     "give either a command or --wrap, not both");
	expect_error((char *[]){ "rmsubmit", "--wrap", "", NULL },
		     "--wrap: the shell command is empty");
	expect_error((char *[]){ "rmsubmit", "--", "", NULL }, "the command is an empty string");
	expect_error((char *[]){ "rmsubmit", "--frobnicate", "true", NULL },
		     "unknown option '--frobnicate'");
	expect_error((char *[]){ "rmsubmit", "-Z", "true", NULL }, "unknown option '-Z'");
	expect_error((char *[]){ "rmsubmit", "-n", NULL }, "option '-n' needs a value");
	expect_error((char *[]){ "rmsubmit", "-f", "/nonexistent.cfg", NULL },
		     "cannot read job file '/nonexistent.cfg': No such file or directory");
}

static void test_help(void **state)
{
	char *argv[] = { "rmsubmit", "-n", "bogus", "--help", NULL };
	struct submit_opts o;
	char err[512] = "";

	/* --help wins over everything else, even values that would be errors. */
	assert_int_equal(submit_parse(ARGC(argv), argv, &o, err, sizeof err), 0);
	assert_true(o.help);
	submit_opts_free(&o);
	assert_non_null(strstr(submit_usage, "--wrap CMD"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_after_dashes),
		cmocka_unit_test(test_command_without_dashes),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_all_flags),
		cmocka_unit_test(test_label_flags),
		cmocka_unit_test(test_speculate_flags),
		cmocka_unit_test(test_relative_output_made_absolute),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
