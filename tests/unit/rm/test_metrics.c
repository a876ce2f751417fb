/* The Prometheus text exposition writers: numbers, escaping, families, histograms. */
#include <event2/buffer.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"

/* The buffer's text (freed by the caller), and the buffer emptied. */
static char *text(struct evbuffer *b)
{
	size_t n = evbuffer_get_length(b);
	char *s = malloc(n + 1);

	evbuffer_remove(b, s, n);
	s[n] = '\0';
	return s;
}

static void expect(struct evbuffer *b, const char *want)
{
	char *got = text(b);

	assert_string_equal(got, want);
	free(got);
}

static void test_values(void **state)
{
	char b[64];

	assert_string_equal(prom_value(0, b, sizeof(b)), "0");
	assert_string_equal(prom_value(42, b, sizeof(b)), "42");
	assert_string_equal(prom_value(-3, b, sizeof(b)), "-3");
	assert_string_equal(prom_value(0.25, b, sizeof(b)), "0.25");
	assert_string_equal(prom_value(0.1, b, sizeof(b)), "0.1");
	assert_string_equal(prom_value(INFINITY, b, sizeof(b)), "+Inf");
	assert_string_equal(prom_value(-INFINITY, b, sizeof(b)), "-Inf");
	assert_string_equal(prom_value(NAN, b, sizeof(b)), "NaN");
	assert_string_equal(prom_value(4294967296.0 * 1024, b, sizeof(b)), "4398046511104");
	assert_true(strtod(prom_value(1.0 / 3, b, sizeof(b)), NULL) == 1.0 / 3);
}

static void test_family_and_samples(void **state)
{
	struct evbuffer *b = evbuffer_new();
	struct prom_label l[2] = { { "state", "RUNNING" }, { "node", "a\"b\\c\nd" } };

	prom_family(b, "loom_x", "gauge", "Help with \\ and\nnewline.");
	prom_sample(b, "loom_x", NULL, 0, 1);
	prom_sample(b, "loom_x", l, 1, 2);
	prom_sample(b, "loom_x", l, 2, 3.5);
	expect(b, "# HELP loom_x Help with \\\\ and\\nnewline.\n"
		  "# TYPE loom_x gauge\n"
		  "loom_x 1\n"
		  "loom_x{state=\"RUNNING\"} 2\n"
		  "loom_x{state=\"RUNNING\",node=\"a\\\"b\\\\c\\nd\"} 3.5\n");
	prom_single(b, "loom_y_total", "counter", "A counter.", 7);
	expect(b, "# HELP loom_y_total A counter.\n# TYPE loom_y_total counter\nloom_y_total 7\n");
	evbuffer_free(b);
}

static void test_histogram(void **state)
{
	static const double bounds[] = { 0.001, 0.01, 0.1 };
	struct evbuffer *b = evbuffer_new();
	struct prom_hist h;

	prom_hist_init(&h, bounds, 3);
	prom_hist_observe(&h, 0.0005);
	prom_hist_observe(&h, 0.001); /* le is inclusive */
	prom_hist_observe(&h, 0.05);
	prom_hist_observe(&h, 2);
	prom_hist_write(b, "loom_pass_seconds", "Pass time.", &h);
	expect(b, "# HELP loom_pass_seconds Pass time.\n"
		  "# TYPE loom_pass_seconds histogram\n"
		  "loom_pass_seconds_bucket{le=\"0.001\"} 2\n"
		  "loom_pass_seconds_bucket{le=\"0.01\"} 2\n"
		  "loom_pass_seconds_bucket{le=\"0.1\"} 3\n"
		  "loom_pass_seconds_bucket{le=\"+Inf\"} 4\n"
		  "loom_pass_seconds_sum 2.0515\n"
		  "loom_pass_seconds_count 4\n");
	evbuffer_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_family_and_samples),
		cmocka_unit_test(test_histogram),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
