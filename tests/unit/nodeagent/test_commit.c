/* Output commit: one atomic rename that never replaces a partition; discard removes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent.h"
#include "xmalloc.h"

static char root[64];

static int setup(void **state)
{
	snprintf(root, sizeof root, "/tmp/agent-commit-XXXXXX");
	return mkdtemp(root) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char err[256];
	return remove_tree(root, err, sizeof err);
}

static char *mk(const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel);
	assert_int_equal(mkdir_p(p, 0755), 0);
	return p;
}

static void touch(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("data\n", f);
	fclose(f);
	free(p);
}

static void test_rename_into_place(void **state)
{
	char err[512];
	struct stat st;
	char *a1 = mk("out/_attempts/job-1.t0.a1");
	char *a2 = mk("out/_attempts/job-1.t0.a2");
	char *dst = xasprintf("%s/out/part-00000", root);

	touch(a1, "x");
	assert_int_equal(commit_rename(a1, dst, err, sizeof err), 0);
	assert_int_equal(stat(dst, &st), 0);
	/* A second attempt of the same partition is refused, even into an empty dir. */
	assert_int_equal(commit_rename(a2, dst, err, sizeof err), -2);
	assert_non_null(strstr(err, "already committed"));
	char *empty_dst = mk("out/part-00001");
	assert_int_equal(commit_rename(a2, empty_dst, err, sizeof err), -2);
	free(a1);
	free(a2);
	free(dst);
	free(empty_dst);
}

static void test_remove_tree(void **state)
{
	char err[512];
	struct stat st;
	char *d = mk("gone/a/b");
	char *top = xasprintf("%s/gone", root);

	char *link = xasprintf("%s/link", d);
	touch(d, "f");
	assert_int_equal(symlink("/etc", link), 0);
	free(link);
	assert_int_equal(remove_tree(top, err, sizeof err), 0);
	assert_int_equal(stat(top, &st), -1);
	assert_int_equal(stat("/etc", &st), 0); /* the symlink was removed, not followed */
	assert_int_equal(remove_tree(top, err, sizeof err), 0); /* absent: success */
	free(d);
	free(top);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rename_into_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_tree, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
