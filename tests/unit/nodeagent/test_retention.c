/* Log retention: only old directories of attempts no longer tracked are removed. */
#include <setjmp.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent.h"

static char root[] = "/tmp/loom-retention.XXXXXX";

/* An attempt-like directory with stdout and stderr, all last changed age_s ago. */
static void make(const char *name, int64_t age_s)
{
	char p[512];
	struct timespec ts[2] = { { time(NULL) - age_s, 0 }, { time(NULL) - age_s, 0 } };

	snprintf(p, sizeof(p), "%s/%s", root, name);
	assert_int_equal(mkdir(p, 0755), 0);
	for (const char *const *leaf = (const char *const[]){ "stdout", "stderr", NULL }; *leaf;
	     leaf++) {
		char f[600];
		snprintf(f, sizeof(f), "%s/%s", p, *leaf);
		FILE *fp = fopen(f, "w");
		assert_non_null(fp);
		fputs("log\n", fp);
		fclose(fp);
		assert_int_equal(utimensat(AT_FDCWD, f, ts, 0), 0);
	}
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

static bool exists(const char *name)
{
	char p[512];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", root, name);
	return stat(p, &st) == 0;
}

static void test_sweep(void **state)
{
	char *keep[] = { "job-1.t2.a1" };

	assert_non_null(mkdtemp(root));
	make("job-1.t0.a1", 7200);  /* old, forgotten: goes */
	make("job-1.t1.a1", 60);    /* recent: stays */
	make("job-1.t2.a1", 7200);  /* old but still tracked: stays */
	make("not-an-attempt", 7200); /* not ours: stays */
	assert_int_equal(retention_sweep(root, keep, 1, (int64_t)time(NULL), 3600), 1);
	assert_false(exists("job-1.t0.a1"));
	assert_true(exists("job-1.t1.a1"));
	assert_true(exists("job-1.t2.a1"));
	assert_true(exists("not-an-attempt"));
	/* A log written recently keeps an old directory. */
	make("job-2.t0.a1", 7200);
	char f[600];
	snprintf(f, sizeof(f), "%s/job-2.t0.a1/stderr", root);
	assert_int_equal(utimensat(AT_FDCWD, f, NULL, 0), 0);
	assert_int_equal(retention_sweep(root, keep, 1, (int64_t)time(NULL), 3600), 0);
	assert_true(exists("job-2.t0.a1"));

	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
