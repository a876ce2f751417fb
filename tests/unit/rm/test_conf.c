/* rmd's configuration table: defaults are valid and conf/rmd.conf loads against it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf-queues.h"
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
	assert_int_equal(c.locality_wait_ms, 3000);
	assert_true(c.preemption);
	assert_int_equal(c.preempt_after_ms, 5000);
	assert_int_equal(c.preempt_grace_ms, 10000);
	assert_int_equal(c.default_estimate_ms, 3600000);
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
	assert_int_equal(c.locality_wait_ms, d.locality_wait_ms);
	assert_int_equal(c.default_estimate_ms, d.default_estimate_ms);
	conf_free(rm_conf_table, rm_conf_n, &c);
	conf_free(rm_conf_table, rm_conf_n, &d);
}

/* The file as shipped has no queues (one leaf, default); its commented example loads. */
static void test_example_queues(void **state)
{
	struct queue_tree t;
	char err[512] = "", line[512], path[] = "/tmp/loom-rmdconf-XXXXXX";
	bool in = false;

	if (conf_queues_load(LOOM_RMD_CONF, &t, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(t.nleaves, 1);
	assert_string_equal(t.dflt->path, "root.default");
	queue_tree_free(&t);
	FILE *in_f = fopen(LOOM_RMD_CONF, "r");
	int fd = mkstemp(path);
	assert_non_null(in_f);
	assert_true(fd >= 0);
	FILE *out = fdopen(fd, "w");
	while (fgets(line, sizeof(line), in_f) != NULL) {
		in = in || strncmp(line, "# queues = {", 12) == 0;
		if (in)
			fputs(line + 2, out);
		in = in && strncmp(line, "# };", 4) != 0;
	}
	fclose(in_f);
	fclose(out);
	if (conf_queues_load(path, &t, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_string_equal(t.dflt->path, "root.batch");
	assert_int_equal(t.nleaves, 3);
	assert_non_null(queue_find(&t, "root.prod.adhoc"));
	queue_tree_free(&t);
	unlink(path);
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
		cmocka_unit_test(test_example_queues),
		cmocka_unit_test(test_overrides),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
