/* Table-driven config: defaults, files (good and bad, with line numbers), -o overrides, and
 * a dump that loads back to the same values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

struct cfg {
	int64_t port;
	bool verbose;
	char *name;
	int64_t hb_ms;
	int64_t mem_mb;
	int64_t vcores_m;
	char **labels;
	char *log_level;
	int64_t log_max_mb;
	int64_t big;
	int64_t expiry_ms;
};

#define O(f) offsetof(struct cfg, f)
static const struct conf_entry table[] = {
	{ "port", CONF_INT, 1, 65535, "7420", O(port), "TCP port" },
	{ "verbose", CONF_BOOL, 0, 0, "false", O(verbose), "log more" },
	{ "name", CONF_STR, 1, 32, "\"loom\"", O(name), "cluster name" },
	{ "heartbeat_interval", CONF_MS, 100, 600000, "1s", O(hb_ms), "between heartbeats" },
	{ "mem", CONF_MEM_MB, 0, 1 << 20, "4G", O(mem_mb), "memory to offer" },
	{ "vcores", CONF_VCORES_M, 0, 1000000, "2", O(vcores_m), "cores to offer" },
	{ "labels", CONF_STRLIST, 0, 0, NULL, O(labels), "node labels" },
	{ "log.level", CONF_STR, 0, 0, "info", O(log_level), "error, warn, info or debug" },
	{ "log.max_size", CONF_MEM_MB, 1, 1024, "64M", O(log_max_mb), "rotate after" },
	{ "big", CONF_INT, 0, INT64_MAX, "5000000000", O(big), "a large number" },
	{ "node.expiry", CONF_MS, 0, 86400000, "2m", O(expiry_ms), "node lost after" },
};
#define N (sizeof table / sizeof table[0])

static char path[64];

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	snprintf(path, sizeof path, "/tmp/loom-test-conf-%d.conf", (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	unlink(path);
	return 0;
}

static void load_defaults(struct cfg *c)
{
	char err[256];
	memset(c, 0, sizeof *c);
	assert_int_equal(conf_defaults(table, N, c, err, sizeof err), 0);
}

static void test_defaults(void **state)
{
	struct cfg c;
	load_defaults(&c);
	assert_int_equal(c.port, 7420);
	assert_false(c.verbose);
	assert_string_equal(c.name, "loom");
	assert_int_equal(c.hb_ms, 1000);
	assert_int_equal(c.mem_mb, 4096);
	assert_int_equal(c.vcores_m, 2000);
	assert_null(c.labels);
	assert_string_equal(c.log_level, "info");
	assert_int_equal(c.log_max_mb, 64);
	assert_int_equal(c.big, 5000000000LL);
	assert_int_equal(c.expiry_ms, 120000);
	conf_free(table, N, &c);
	assert_null(c.name);
}

static void test_good(void **state)
{
	struct cfg c;
	char err[256];

	load_defaults(&c);
	write_file("# a comment\n"
		   "port = 9000;\n"
		   "verbose = true;\n"
		   "name = \"prod\";\n"
		   "heartbeat_interval = \"500ms\";\n"
		   "mem = \"1.5G\";\n"
		   "vcores = 0.5;\n"
		   "labels = [\"ssd\", \"gpu\"];\n"
		   "log = { level = \"debug\"; max_size = 128; };\n"
		   "big = 6000000000L;\n"
		   "node: { expiry = \"1h\"; };\n");
	assert_int_equal(conf_load(table, N, &c, path, err, sizeof err), 0);
	assert_int_equal(c.port, 9000);
	assert_true(c.verbose);
	assert_string_equal(c.name, "prod");
	assert_int_equal(c.hb_ms, 500);
	assert_int_equal(c.mem_mb, 1536);
	assert_int_equal(c.vcores_m, 500);
	assert_string_equal(c.labels[0], "ssd");
	assert_string_equal(c.labels[1], "gpu");
	assert_null(c.labels[2]);
	assert_string_equal(c.log_level, "debug");
	assert_int_equal(c.log_max_mb, 128);
	assert_int_equal(c.big, 6000000000LL);
	assert_int_equal(c.expiry_ms, 3600000);
	conf_free(table, N, &c);
}

static void test_units(void **state)
{
	struct cfg c;
	char err[256];
	static const struct { const char *text; int64_t ms, mb, vm; } cases[] = {
		{ "heartbeat_interval = 250; mem = 512; vcores = 3;", 250, 512, 3000 },
		{ "heartbeat_interval = \"5s\"; mem = \"512M\"; vcores = \"1.5\";", 5000, 512,
		  1500 },
		{ "heartbeat_interval = \"2m\"; mem = \"2G\"; vcores = 0.25;", 120000, 2048, 250 },
		{ "heartbeat_interval = \"1.5s\"; mem = \"1T\"; vcores = 0;", 1500, 1048576, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		load_defaults(&c);
		write_file(cases[i].text);
		if (conf_load(table, N, &c, path, err, sizeof err) < 0)
			fail_msg("case %zu: %s", i, err);
		assert_int_equal(c.hb_ms, cases[i].ms);
		assert_int_equal(c.mem_mb, cases[i].mb);
		assert_int_equal(c.vcores_m, cases[i].vm);
		conf_free(table, N, &c);
	}
}

/* Loads text and expects err to be "<path>:<suffix>". */
static void expect_error(const char *text, const char *suffix)
{
	struct cfg c;
	char err[256], want[512];

	load_defaults(&c);
	write_file(text);
	assert_int_equal(conf_load(table, N, &c, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:%s", path, suffix);
	assert_string_equal(err, want);
	/* nothing was applied */
	assert_int_equal(c.port, 7420);
	assert_string_equal(c.name, "loom");
	conf_free(table, N, &c);
}

static void test_errors(void **state)
{
	expect_error("port = 1;\nname = \"x\";\n\n\nhearbeat_interval = 5;\n",
		     "5: unknown setting 'hearbeat_interval'");
	expect_error("port = 1;\nlog = {\n  level = \"info\";\n  levle = \"x\";\n};\n",
		     "4: unknown setting 'log.levle'");
	expect_error("port = 2;\nheartbeat_interval = 50;\n",
		     "2: heartbeat_interval: 50ms is below the minimum 100ms");
	expect_error("port = 2;\nheartbeat_interval = \"2h\";\n",
		     "2: heartbeat_interval: 2h is above the maximum 10m");
	expect_error("port = \"abc\";\n", "1: port: expected an integer");
	expect_error("port = 1.5;\n", "1: port: expected an integer");
	expect_error("port = 70000;\n", "1: port: 70000 is above the maximum 65535");
	expect_error("\nverbose = 1;\n", "2: verbose: expected true or false");
	expect_error("name = \"\";\n", "1: name: must be 1 to 32 characters long");
	expect_error("mem = \"lots\";\n",
		     "1: mem: expected a size (512M, 4G; MiB by default)");
	expect_error("heartbeat_interval = \"5 parsecs\";\n",
		     "1: heartbeat_interval: expected a duration (500ms, 5s, 2m, 1h)");
	expect_error("labels = [1, 2];\n", "1: labels: entry 1 is not a string");
	expect_error("vcores = true;\n", "1: vcores: expected a number of vcores (2, 0.5)");
	expect_error("log = 5;\n", "1: unknown setting 'log'");
	expect_error("port = 1;\nname = = 2;\n", "2: syntax error");
}

static void test_missing_file(void **state)
{
	struct cfg c;
	char err[256];
	load_defaults(&c);
	assert_int_equal(conf_load(table, N, &c, "/nonexistent/loom.conf", err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot read /nonexistent/loom.conf"));
	conf_free(table, N, &c);
}

static void test_set(void **state)
{
	struct cfg c;
	char err[256];

	load_defaults(&c);
	assert_int_equal(conf_set(table, N, &c, "port=8080", err, sizeof err), 0);
	assert_int_equal(c.port, 8080);
	assert_int_equal(conf_set(table, N, &c, "heartbeat_interval=5s", err, sizeof err), 0);
	assert_int_equal(c.hb_ms, 5000);
	assert_int_equal(conf_set(table, N, &c, "heartbeat_interval=\"2s\"", err, sizeof err), 0);
	assert_int_equal(c.hb_ms, 2000);
	assert_int_equal(conf_set(table, N, &c, "mem=8G", err, sizeof err), 0);
	assert_int_equal(c.mem_mb, 8192);
	assert_int_equal(conf_set(table, N, &c, "vcores=0.5", err, sizeof err), 0);
	assert_int_equal(c.vcores_m, 500);
	assert_int_equal(conf_set(table, N, &c, "verbose=true", err, sizeof err), 0);
	assert_true(c.verbose);
	assert_int_equal(conf_set(table, N, &c, "name=123", err, sizeof err), 0);
	assert_string_equal(c.name, "123");
	assert_int_equal(conf_set(table, N, &c, "log.level=debug", err, sizeof err), 0);
	assert_string_equal(c.log_level, "debug");
	assert_int_equal(conf_set(table, N, &c, "labels=[\"a\", \"b\"]", err, sizeof err), 0);
	assert_string_equal(c.labels[1], "b");
	assert_int_equal(conf_set(table, N, &c, "labels=solo", err, sizeof err), 0);
	assert_string_equal(c.labels[0], "solo");
	assert_null(c.labels[1]);

	assert_int_equal(conf_set(table, N, &c, "prot=1", err, sizeof err), -1);
	assert_string_equal(err, "unknown setting 'prot'");
	assert_int_equal(conf_set(table, N, &c, "port=0", err, sizeof err), -1);
	assert_string_equal(err, "port: 0 is below the minimum 1");
	assert_int_equal(conf_set(table, N, &c, "port", err, sizeof err), -1);
	assert_int_equal(conf_set(table, N, &c, "verbose=maybe", err, sizeof err), -1);
	assert_int_equal(c.port, 8080);
	conf_free(table, N, &c);
}

static void assert_cfg_equal(const struct cfg *a, const struct cfg *b)
{
	assert_int_equal(a->port, b->port);
	assert_int_equal(a->verbose, b->verbose);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->hb_ms, b->hb_ms);
	assert_int_equal(a->mem_mb, b->mem_mb);
	assert_int_equal(a->vcores_m, b->vcores_m);
	assert_string_equal(a->log_level, b->log_level);
	assert_int_equal(a->log_max_mb, b->log_max_mb);
	assert_int_equal(a->big, b->big);
	assert_int_equal(a->expiry_ms, b->expiry_ms);
	assert_true((a->labels == NULL) == (b->labels == NULL));
	for (int i = 0; a->labels && (a->labels[i] || b->labels[i]); i++)
		assert_string_equal(a->labels[i], b->labels[i]);
}

/* Dumps c, loads the dump over the defaults, and expects the same values. */
static void dump_reload(struct cfg *c)
{
	struct cfg d;
	char err[256];
	FILE *f = fopen(path, "w");
	conf_dump(table, N, c, f);
	fclose(f);
	load_defaults(&d);
	if (conf_load(table, N, &d, path, err, sizeof err) < 0)
		fail_msg("reloading the dump: %s", err);
	assert_cfg_equal(c, &d);
	conf_free(table, N, &d);
}

static void test_dump(void **state)
{
	struct cfg c;
	char err[256];

	load_defaults(&c);
	dump_reload(&c);
	const char *sets[] = { "port=1", "name=we \"quote\" \\ and\ttab", "heartbeat_interval=1234",
			       "mem=1536", "vcores=0.125", "labels=[\"x\", \"y z\"]",
			       "big=9000000000", "node.expiry=0", "log.max_size=1G" };
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
		if (conf_set(table, N, &c, sets[i], err, sizeof err) < 0)
			fail_msg("%s: %s", sets[i], err);
	dump_reload(&c);
	FILE *f = fopen(path, "r");
	char text[4096];
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	assert_non_null(strstr(text, "# TCP port\nport = 1;"));
	assert_non_null(
		strstr(text, "log = {\n  # error, warn, info or debug\n  level = \"info\";"));
	conf_free(table, N, &c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults), cmocka_unit_test(test_good),
		cmocka_unit_test(test_units),    cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_file), cmocka_unit_test(test_set),
		cmocka_unit_test(test_dump),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
