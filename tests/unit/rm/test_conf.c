/* rmd's configuration table: defaults are valid and conf/rmd.conf loads against it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rm.h"

static void test_defaults(void **state)
{
	struct rm_conf c;
	char err[256] = "";

	assert_int_equal(conf_defaults(rm_conf_table, rm_conf_n, &c, err, sizeof(err)), 0);
	assert_string_equal(c.client_listen, "127.0.0.1:7420");
	assert_string_equal(c.node_listen, "127.0.0.1:7421");
	assert_string_equal(c.state_dir, "/var/lib/loom/rmd");
	assert_int_equal(c.heartbeat_interval_ms, 500);
	assert_int_equal(c.node_expiry_ms, 4000);
	assert_int_equal(c.max_frame_mb, 16);
	assert_int_equal(c.default_max_attempts, 4);
	assert_int_equal(c.kill_grace_ms, 5000);
	assert_int_equal(c.completed_jobs_kept, 10000);
	assert_string_equal(c.log_level, "info");
	assert_string_equal(c.log_file, "");
	conf_free(rm_conf_table, rm_conf_n, &c);
}

/* The example file loads and says what the defaults say. */
static void test_example_file(void **state)
{
	struct rm_conf d, c;
	char err[256] = "";

	assert_int_equal(conf_defaults(rm_conf_table, rm_conf_n, &d, err, sizeof(err)), 0);
	assert_int_equal(conf_defaults(rm_conf_table, rm_conf_n, &c, err, sizeof(err)), 0);
	c.node_expiry_ms = 1;
	if (conf_load(rm_conf_table, rm_conf_n, &c, LOOM_RMD_CONF, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(c.node_expiry_ms, d.node_expiry_ms);
	assert_string_equal(c.client_listen, d.client_listen);
	assert_int_equal(c.log_timeout_ms, d.log_timeout_ms);
	conf_free(rm_conf_table, rm_conf_n, &c);
	conf_free(rm_conf_table, rm_conf_n, &d);
}

static void test_overrides(void **state)
{
	struct rm_conf c;
	char err[256] = "";

	assert_int_equal(conf_defaults(rm_conf_table, rm_conf_n, &c, err, sizeof(err)), 0);
	assert_int_equal(conf_set(rm_conf_table, rm_conf_n, &c, "client_listen=127.0.0.1:0", err,
				  sizeof(err)), 0);
	assert_string_equal(c.client_listen, "127.0.0.1:0");
	assert_int_equal(conf_set(rm_conf_table, rm_conf_n, &c, "node_expiry=2s", err,
				  sizeof(err)), 0);
	assert_int_equal(c.node_expiry_ms, 2000);
	assert_int_equal(conf_set(rm_conf_table, rm_conf_n, &c, "default_max_attempts=0", err,
				  sizeof(err)), -1);
	assert_int_equal(conf_set(rm_conf_table, rm_conf_n, &c, "no_such_key=1", err,
				  sizeof(err)), -1);
	conf_free(rm_conf_table, rm_conf_n, &c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_overrides),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
