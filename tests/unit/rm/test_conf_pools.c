/* The autoscale pools of rmd.conf (conf-pools.c): values, defaults and file:line errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "autoscale-run.h"

/* Writes text to a temporary file; returns its path (static buffer). */
static const char *write_conf(const char *text)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/loom-pools-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_pools_parse(void **state)
{
	struct as_state s;
	char err[256] = "";
	const char *p = write_conf(
		"pools = ( { name = \"a\"; labels = [\"ssd\"]; node = { vcores = 2; memory = \"1G\"; };\n"
		"  max = 5; grow_delay = \"2s\"; hook = \"hooks/a\"; hook_retries = 1; },\n"
		"  { name = \"b\"; hook = \"/bin/b\"; } );\n");

	assert_int_equal(pools_load(p, &s, err, sizeof(err)), 0);
	assert_int_equal(s.npools, 2);
	assert_string_equal(s.pools[0].c.name, "a");
	assert_string_equal(s.pools[0].c.labels[0], "ssd");
	assert_int_equal(s.pools[0].c.node.vcores_m, 2000);
	assert_int_equal(s.pools[0].c.node.mem_mb, 1024);
	assert_int_equal(s.pools[0].c.max, 5);
	assert_int_equal(s.pools[0].c.grow_delay_us, 2000000);
	assert_int_equal(s.pools[0].c.hook_retries, 1);
	assert_string_equal(s.pools[0].c.hook, "/tmp/hooks/a"); /* from the file's directory */
	assert_string_equal(s.pools[1].c.hook, "/bin/b");
	assert_int_equal(s.pools[1].c.node.vcores_m, 4000);    /* defaults */
	assert_int_equal(s.pools[1].c.idle_timeout_us, 300000000);
	as_state_free(&s);
	unlink(p);
}

static void test_pools_errors(void **state)
{
	struct as_state s;
	char err[256] = "";
	const char *p = write_conf("pools = ( { name = \"a\"; hook = \"/x\";\n  max = 0; } );\n");

	assert_int_equal(pools_load(p, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: pools: max"));
	unlink(p);
	p = write_conf("pools = ( { name = \"a\"; hook = \"/x\"; colour = 3; } );\n");
	assert_int_equal(pools_load(p, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown setting 'colour'"));
	unlink(p);
	p = write_conf("pools = ( { name = \"a\"; } );\n");
	assert_int_equal(pools_load(p, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "needs a name and a hook"));
	unlink(p);
	p = write_conf("pools = ( { name = \"a\"; hook = \"/x\"; min = 3; max = 2; } );\n");
	assert_int_equal(pools_load(p, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "min 3 is above max 2"));
	unlink(p);
	assert_int_equal(pools_load(NULL, &s, err, sizeof(err)), 0);
	assert_int_equal(s.npools, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pools_parse),
		cmocka_unit_test(test_pools_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
