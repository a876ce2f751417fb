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

/* --gang, --time and --prefer (repeatable, adding up per task). */
static void test_sched_flags(void **state)
{
	char *argv[] = { "rmsubmit", "--gang", "-t", "1:30:00", "--prefer", "2=node-3",
			 "--prefer", "0=node-1,node-2", "--prefer", "2=node-4,node-3", "-n", "3",
			 "-q", "root.prod.etl", "true", NULL };
	struct submit_opts o;
	char err[512] = "";

	assert_int_equal(submit_parse(ARGC(argv), argv, &o, err, sizeof err), 0);
	assert_true(o.spec.gang);
	assert_int_equal(o.spec.time_limit_ms, 5400000);
	assert_string_equal(o.spec.queue, "root.prod.etl");
	assert_int_equal(o.spec.nprefer, 3);
	assert_int_equal(o.spec.prefer[0].n, 2);
	assert_string_equal(o.spec.prefer[0].nodes[1], "node-2");
	assert_int_equal(o.spec.prefer[1].n, 0);
	assert_int_equal(o.spec.prefer[2].n, 2); /* node-3 once */
	assert_string_equal(o.spec.prefer[2].nodes[0], "node-3");
	assert_string_equal(o.spec.prefer[2].nodes[1], "node-4");
	submit_opts_free(&o);
	assert_non_null(strstr(submit_usage, "--gang"));
	assert_non_null(strstr(submit_usage, "--time LIMIT"));
	assert_non_null(strstr(submit_usage, "--prefer T=NODE"));
}

/* Every form of a time limit, and what is refused. */
static void test_time_forms(void **state)
{
	static const struct { const char *in; int64_t sec; } ok[] = {
		{ "90s", 90 }, { "10m", 600 }, { "2h", 7200 }, { "1d", 86400 },
		{ "30", 1800 }, { "90:00", 5400 }, { "5:07", 307 }, { "1:02:03", 3723 },
		{ "2-0", 172800 }, { "1-12", 129600 }, { "1-02:30", 95400 },
		{ "0-00:00:01", 1 }, { "366d", 366 * 86400 },
	};
	static const char *bad[] = { "0", "0s", "00:00", "-5", "-1m", "", "abc", "10x", "1.5h",
				     "1:60", "1:2:3:4", "25-24", "1-", "-", "10 m", "1d2h", "367d",
				     "9999999999", ":30", "1::2" };
	int64_t ms;
	char err[256];

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		if (spec_parse_time_limit(ok[i].in, &ms, err, sizeof err) != 0)
			fail_msg("'%s' refused: %s", ok[i].in, err);
		assert_int_equal(ms, ok[i].sec * 1000);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (spec_parse_time_limit(bad[i], &ms, err, sizeof err) == 0)
			fail_msg("'%s' accepted", bad[i]);
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
	expect_error((char *[]){ "rmsubmit", "--time", "0", "true", NULL },
		     "--time: time limit '0' must be more than 0");
	expect_error((char *[]){ "rmsubmit", "--time", "-10m", "true", NULL },
		     "--time: time limit '-10m' must be more than 0");
	expect_error((char *[]){ "rmsubmit", "--time", "soon", "true", NULL },
		     "--time: 'soon' is not a time limit (e.g. 90s, 10m, 2h, 1d, or Slurm's MM, "
		     "MM:SS, HH:MM:SS, D-HH:MM:SS)");
	expect_error((char *[]){ "rmsubmit", "--time", "400d", "true", NULL },
		     "--time: time limit '400d' is longer than the maximum of 366 days");
	expect_error((char *[]){ "rmsubmit", "--prefer", "node-1", "true", NULL },
		     "--prefer: 'node-1' is not TASK=NODE[,NODE...] (e.g. 3=node-1,node-2)");
	expect_error((char *[]){ "rmsubmit", "--prefer", "x=node-1", "true", NULL },
		     "--prefer: 'x=node-1' is not TASK=NODE[,NODE...] (e.g. 3=node-1,node-2)");
	expect_error((char *[]){ "rmsubmit", "--prefer", "1=,", "true", NULL },
		     "--prefer: '1=,' names no node (e.g. 3=node-1,node-2)");
	expect_error((char *[]){ "rmsubmit", "--prefer", "1=a b", "true", NULL },
		     "--prefer: node name 'a b' may not hold spaces or control characters");
	expect_error((char *[]){ "rmsubmit", "-n", "4", "--prefer", "4=node-1", "true", NULL },
		     "prefer: task 4 does not exist: the job has 4 tasks (0..3)");
	expect_error((char *[]){ "rmsubmit", "--prefer", "1=node-1", "true", NULL },
		     "prefer: task 1 does not exist: the job has 1 task (0..0)");
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
		cmocka_unit_test(test_sched_flags),
		cmocka_unit_test(test_time_forms),
		cmocka_unit_test(test_relative_output_made_absolute),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
