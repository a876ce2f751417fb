/* The job file of rmsubmit -f: a good file, every kind of error with its line, and flags
 * overriding the file (through submit_parse, as rmsubmit does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"

static char dir[] = "/tmp/loom-jobfile-XXXXXX";

/* Writes text to <dir>/name and returns the path (static buffer). */
static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static const char good[] =
	"# a whole job\n"
	"name = \"revenue-map\";\n"
	"tasks = 16;\n"
	"command = [\"loom-revsum\", \"map\", \"/data/sales.csv\"];\n"
	"resources = { vcores = 0.5; memory = \"2G\"; gpus = 1; };\n"
	"max_attempts = 3;\n"
	"priority = -5;\n"
	"queue = \"batch\";\n"
	"output = \"out/../results\";\n"
	"workdir = \"/data\";\n"
	"env = { REGION = \"emea\"; THREADS = 4; };\n"
	"after = ( \"job-3\", 4 );\n"
	"require_labels = [\"ssd\", \"rack1\"];\n"
	"exclude_labels = (\"flaky\");\n"
	"speculation = false;\n"
	"speculation_params = { multiplier_pct = 200; min_runtime_ms = 3000; };\n";

static void test_good_file(void **state)
{
	struct job_spec s;
	char err[512] = "", want[512];
	const char *path = write_file("good.cfg", good);

	spec_init(&s);
	assert_int_equal(jobfile_load(path, &s, err, sizeof err), 0);
	assert_string_equal(s.name, "revenue-map");
	assert_int_equal(s.ntasks, 16);
	assert_int_equal(s.nargv, 3);
	assert_string_equal(s.argv[2], "/data/sales.csv");
	assert_null(s.argv[3]);
	assert_int_equal(s.res.vcores_m, 500);
	assert_int_equal(s.res.mem_mb, 2048);
	assert_int_equal(s.res.gpus, 1);
	assert_int_equal(s.max_attempts, 3);
	assert_int_equal(s.priority, -5);
	assert_string_equal(s.queue, "batch");
	snprintf(want, sizeof want, "%s/results", dir); /* relative to the file, cleaned */
	assert_string_equal(s.output_dir, want);
	assert_string_equal(s.workdir, "/data");
	assert_int_equal(s.nenv, 2);
	assert_string_equal(s.env[0], "REGION=emea");
	assert_string_equal(s.env[1], "THREADS=4");
	assert_int_equal(s.nafter, 2);
	assert_int_equal(s.after[0], 3);
	assert_int_equal(s.after[1], 4);
	assert_int_equal(s.nrequire_labels, 2);
	assert_string_equal(s.require_labels[0], "ssd");
	assert_string_equal(s.require_labels[1], "rack1");
	assert_null(s.require_labels[2]);
	assert_int_equal(s.nexclude_labels, 1);
	assert_string_equal(s.exclude_labels[0], "flaky");
	assert_int_equal(s.speculation.mode, SPECULATE_OFF);
	assert_int_equal(s.speculation.multiplier_pct, 200);
	assert_int_equal(s.speculation.min_runtime_ms, 3000);
	assert_int_equal(s.speculation.quantile_pct, 0);
	assert_int_equal(spec_check(&s, err, sizeof err), 0);
	job_spec_free(&s);
}

/* Loads text and checks that the error is exactly "<path>:<want>". */
static void expect_error(const char *text, const char *want)
{
	struct job_spec s;
	char err[512], full[512];
	const char *path = write_file("bad.cfg", text);

	spec_init(&s);
	assert_int_equal(jobfile_load(path, &s, err, sizeof err), -1);
	snprintf(full, sizeof full, "%s%s", path, want);
	assert_string_equal(err, full);
	job_spec_free(&s);
}

static void test_errors_with_lines(void **state)
{
	expect_error("name = \"x\";\ntasks = ;\n", ":2: syntax error");
	expect_error("name = \"x\";\n\ntaks = 16;\n",
		     ":3: unknown key 'taks' (known: name, tasks, command, shell, resources, "
		     "max_attempts, priority, queue, output, workdir, env, after, require_labels, "
		     "exclude_labels, speculation, speculation_params, gang, time_limit, prefer)");
	expect_error("tasks = \"16\";\n", ":1: tasks: must be an integer, not a string");
	expect_error("\ntasks = 0;\n", ":2: tasks: must be 1..1000000, not 0");
	expect_error("priority = 5000;\n", ":1: priority: must be -1000..1000, not 5000");
	expect_error("max_attempts = 0;\n", ":1: max_attempts: must be 1..100, not 0");
	expect_error("speculation = 1;\n", ":1: speculation: must be true or false, not an integer");
	expect_error("speculation_params = { multiplier_pct = 50; };\n",
		     ":1: speculation_params.multiplier_pct: must be 100..10000, not 50");
	expect_error("command = [];\n", ":1: command: must be a non-empty list of strings, "
					"e.g. [\"prog\", \"arg\"]");
	expect_error("command = (\"a\", 1);\n",
		     ":1: command: element 1 must be a string, not an integer");
	expect_error("shell = \"\";\n", ":1: shell: is empty");
	expect_error("resources = {\n  vcores = 1;\n  mem = \"1G\";\n};\n",
		     ":3: unknown key 'mem' (known: vcores, memory, gpus)");
	expect_error("resources = {\n  memory = \"lots\";\n};\n",
		     ":2: resources.memory: memory 'lots' is not a size (e.g. 512M, 4G; MiB by "
		     "default)");
	expect_error("resources = { vcores = -1; };\n",
		     ":1: resources.vcores: vcores '-1' is not a positive number (e.g. 2 or 0.5)");
	expect_error("resources = { gpus = 2000; };\n",
		     ":1: resources.gpus: must be 0..1024, not 2000");
	expect_error("resources = 4;\n", ":1: resources: must be a group, e.g. { vcores = 1; "
					 "memory = \"512M\"; }");
	expect_error("env = {\n  REGION = true;\n};\n",
		     ":2: env.REGION: must be a string, not a boolean");
	expect_error("after = [\"banana\"];\n",
		     ":1: after: 'banana' is not a job id (e.g. job-3)");
	expect_error("require_labels = \"ssd\";\n",
		     ":1: require_labels: must be a list of labels, e.g. [\"ssd\"]");
	expect_error("exclude_labels = [\"\"];\n",
		     ":1: exclude_labels: label '' must be 1 to 63 characters long");
	expect_error("exclude_labels = (\"ssd\", 3);\n",
		     ":1: exclude_labels: element 1 must be a string, not an integer");
	expect_error("require_labels = [\"ssd\"];\nexclude_labels = [\"ssd\"];\n",
		     ":2: exclude_labels: label 'ssd' is both required and excluded");
	expect_error("command = [\"a\"];\nshell = \"b\";\n",
		     ": give either command or shell, not both");
}

static const char sched[] =
	"tasks = 3;\n"
	"command = [\"etl\"];\n"
	"gang = true;\n"
	"time_limit = \"1-00:30\";\n"
	"prefer = ( (\"node-1\", \"node-2\"), (), [\"node-3\"] );\n";

/* gang, time_limit and prefer (list index = task index), then --prefer adding to it. */
static void test_sched_keys(void **state)
{
	const char *path = write_file("sched.cfg", sched);
	char *argv[] = { "rmsubmit", "-f", (char *)path, "--prefer", "1=node-9", NULL };
	struct submit_opts o;
	char err[512] = "";

	assert_int_equal(submit_parse(5, argv, &o, err, sizeof err), 0);
	assert_true(o.spec.gang);
	assert_int_equal(o.spec.time_limit_ms, (24 * 3600 + 1800) * 1000LL);
	assert_int_equal(o.spec.nprefer, 3);
	assert_int_equal(o.spec.prefer[0].n, 2);
	assert_string_equal(o.spec.prefer[0].nodes[0], "node-1");
	assert_int_equal(o.spec.prefer[1].n, 1); /* the flag's */
	assert_string_equal(o.spec.prefer[1].nodes[0], "node-9");
	assert_string_equal(o.spec.prefer[2].nodes[0], "node-3");
	submit_opts_free(&o);

	expect_error("gang = \"yes\";\n", ":1: gang: must be true or false, not a string");
	expect_error("time_limit = 600;\n", ":1: time_limit: must be a string such as \"10m\" "
					      "or \"1:30:00\", not an integer");
	expect_error("\ntime_limit = \"0\";\n", ":2: time_limit: time limit '0' must be more "
						 "than 0");
	expect_error("time_limit = \"later\";\n", ":1: time_limit: 'later' is not a time limit "
		     "(e.g. 90s, 10m, 2h, 1d, or Slurm's MM, MM:SS, HH:MM:SS, D-HH:MM:SS)");
	expect_error("prefer = \"node-1\";\n", ":1: prefer: must be a list of node lists, e.g. "
						 "((\"node-1\"), (\"node-2\"))");
	expect_error("prefer = ( \"node-1\" );\n",
		     ":1: prefer: task 0: must be a list of node names, not a string");
	expect_error("prefer = ( (), (\"a\", 3) );\n",
		     ":1: prefer: task 1: node 1 must be a string, not an integer");
	expect_error("prefer = ( (\"\") );\n",
		     ":1: prefer: task 0: node name '' must be 1 to 127 characters long");
}

/* More prefer entries than tasks: the file loads, the check refuses it. */
static void test_prefer_past_tasks(void **state)
{
	const char *path = write_file("bad2.cfg", "tasks = 1;\ncommand = [\"x\"];\n"
						  "prefer = ( (), (\"node-1\") );\n");
	char *argv[] = { "rmsubmit", "-f", (char *)path, NULL };
	struct submit_opts o;
	char err[512] = "";

	assert_int_equal(submit_parse(3, argv, &o, err, sizeof err), -1);
	assert_string_equal(err, "prefer: task 1 does not exist: the job has 1 task (0..0)");
	submit_opts_free(&o);
}

static void test_unreadable(void **state)
{
	struct job_spec s;
	char err[512];

	spec_init(&s);
	assert_int_equal(jobfile_load("/nonexistent/x.cfg", &s, err, sizeof err), -1);
	assert_string_equal(err, "cannot read job file '/nonexistent/x.cfg': No such file or "
				 "directory");
	job_spec_free(&s);
}

static void test_flags_override_file(void **state)
{
	const char *path = write_file("over.cfg", good);
	char *argv[] = { "rmsubmit", "-f", (char *)path, "-n", "4", "--mem", "1G",
			 "--queue", "default", "-e", "REGION=apac", "--after", "job-9",
			 "--", "other", "arg", NULL };
	struct submit_opts o;
	char err[512] = "";

	assert_int_equal(submit_parse(16, argv, &o, err, sizeof err), 0);
	assert_int_equal(o.spec.ntasks, 4);           /* flag */
	assert_int_equal(o.spec.res.mem_mb, 1024);    /* flag */
	assert_int_equal(o.spec.res.vcores_m, 500);   /* file */
	assert_string_equal(o.spec.queue, "default"); /* flag */
	assert_string_equal(o.spec.name, "revenue-map"); /* file */
	assert_int_equal(o.spec.nenv, 2);
	assert_string_equal(o.spec.env[0], "REGION=apac"); /* replaced, same place */
	assert_int_equal(o.spec.nafter, 3);           /* lists add up */
	assert_int_equal(o.spec.after[2], 9);
	assert_int_equal(o.spec.nrequire_labels, 2);  /* the file's labels stay */
	assert_int_equal(o.spec.nexclude_labels, 1);
	assert_int_equal(o.spec.nargv, 2);            /* the command line's command */
	assert_string_equal(o.spec.argv[0], "other");
	submit_opts_free(&o);
}

static void test_file_error_through_submit(void **state)
{
	const char *path = write_file("bad2.cfg", "tasks = 2;\nbogus = 1;\n");
	char *argv[] = { "rmsubmit", "-f", (char *)path, NULL };
	struct submit_opts o;
	char err[512], want[512];

	assert_int_equal(submit_parse(3, argv, &o, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:2: unknown key 'bogus'", path);
	assert_memory_equal(err, want, strlen(want));
	submit_opts_free(&o);
}

static int setup(void **state)
{
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	const char *names[] = { "good.cfg", "bad.cfg", "over.cfg", "bad2.cfg", "sched.cfg" };
	char path[256];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_errors_with_lines),
		cmocka_unit_test(test_sched_keys),
		cmocka_unit_test(test_prefer_past_tasks),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_flags_override_file),
		cmocka_unit_test(test_file_error_through_submit),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
