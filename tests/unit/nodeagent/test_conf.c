/* conf/nodeagent.conf loads, and holds every setting at its default. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agent.h"

static const char *example = LOOM_SOURCE_DIR "/conf/nodeagent.conf";

static void test_example_loads(void **state)
{
	struct agent_conf c;
	char err[512] = "";

	int rc = agent_conf_load(&c, example, NULL, 0, err, sizeof err);
	if (rc < 0)
		fail_msg("%s", err);
	assert_string_equal(c.rm, "127.0.0.1:7421");
	assert_int_equal(c.kill_grace_ms, 5000);
	assert_int_equal(c.reconnect_min_ms, 100);
	assert_int_equal(c.max_frame_mb, 16);
	assert_true(c.mem_enforce);
	agent_conf_free(&c);
}

/* Every key of the table appears in the example, with the table's default value. */
static void test_example_matches_table(void **state)
{
	struct agent_conf def, file;
	char err[512], a[4096], b[4096];
	FILE *fa = fmemopen(a, sizeof a, "w"), *fb = fmemopen(b, sizeof b, "w");

	assert_int_equal(agent_conf_load(&def, NULL, NULL, 0, err, sizeof err), 0);
	assert_int_equal(agent_conf_load(&file, example, NULL, 0, err, sizeof err), 0);
	conf_dump(agent_conf_table, agent_conf_count, &def, fa);
	conf_dump(agent_conf_table, agent_conf_count, &file, fb);
	fclose(fa);
	fclose(fb);
	assert_string_equal(a, b);
	FILE *f = fopen(example, "r");
	char text[8192];
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	for (size_t i = 0; i < agent_conf_count; i++) {
		char key[80];
		snprintf(key, sizeof key, "\n%s = ", agent_conf_table[i].key);
		if (strstr(text, key) == NULL)
			fail_msg("%s is missing from %s", agent_conf_table[i].key, example);
	}
	agent_conf_free(&def);
	agent_conf_free(&file);
}

static void test_overrides_and_resolve(void **state)
{
	struct agent_conf c;
	char err[512];
	char *over[] = { "vcores=0.5", "memory=2G", "labels=[\"ssd\"]", "name=n1",
			 "work_dir=rel/dir" };

	assert_int_equal(agent_conf_load(&c, NULL, over, 5, err, sizeof err), 0);
	assert_int_equal(agent_conf_resolve(&c, err, sizeof err), 0);
	assert_int_equal(c.vcores_m, 500);
	assert_int_equal(c.memory_mb, 2048);
	assert_string_equal(c.labels[0], "ssd");
	assert_string_equal(c.name, "n1");
	assert_true(c.work_dir[0] == '/');
	agent_conf_free(&c);

	char *detect[] = { "name=" };
	assert_int_equal(agent_conf_load(&c, NULL, detect, 1, err, sizeof err), 0);
	assert_int_equal(agent_conf_resolve(&c, err, sizeof err), 0);
	assert_true(c.vcores_m >= 1000);
	assert_true(c.memory_mb > 0);
	assert_true(c.name[0] != '\0');
	agent_conf_free(&c);

	char *bad[] = { "reconnect_min=10s", "reconnect_max=1s" };
	assert_int_equal(agent_conf_load(&c, NULL, bad, 2, err, sizeof err), 0);
	assert_int_equal(agent_conf_resolve(&c, err, sizeof err), -1);
	agent_conf_free(&c);
	char *unknown[] = { "bogus=1" };
	assert_int_equal(agent_conf_load(&c, NULL, unknown, 1, err, sizeof err), -1);
	agent_conf_free(&c);
}

static void test_meminfo(void **state)
{
	assert_int_equal(meminfo_total_mb("MemTotal:       24568416 kB\nMemFree: 1 kB\n"), 23992);
	assert_int_equal(meminfo_total_mb("MemFree: 1 kB\n"), -1);
	assert_int_equal(meminfo_total_mb("MemTotal: junk"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_loads),
		cmocka_unit_test(test_example_matches_table),
		cmocka_unit_test(test_overrides_and_resolve),
		cmocka_unit_test(test_meminfo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
