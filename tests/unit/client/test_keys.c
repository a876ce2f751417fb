/* rmtop's key table: one action per key and view, the keys people are told about. */
#include <curses.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rmtop.h"

static const unsigned all_views[] = { V_QUEUES, V_JOBS, V_NODES, V_EVENTS, V_DETAIL };

static void test_no_conflicts(void **state)
{
	for (size_t i = 0; i < key_table_n; i++)
		for (size_t k = i + 1; k < key_table_n; k++)
			if (key_table[i].key == key_table[k].key)
				assert_int_equal(key_table[i].views & key_table[k].views, 0);
}

static void test_everywhere(void **state)
{
	for (size_t v = 0; v < sizeof(all_views) / sizeof(all_views[0]); v++) {
		assert_int_equal(keys_action('q', all_views[v]), ACT_QUIT);
		assert_int_equal(keys_action('?', all_views[v]), ACT_HELP);
		assert_int_equal(keys_action('2', all_views[v]), ACT_VIEW_JOBS);
		assert_int_equal(keys_action(KEY_DOWN, all_views[v]), ACT_DOWN);
	}
}

static void test_per_view(void **state)
{
	assert_int_equal(keys_action('k', V_JOBS), ACT_KILL);
	assert_int_equal(keys_action('k', V_NODES), ACT_NONE);
	assert_int_equal(keys_action('d', V_NODES), ACT_DRAIN);
	assert_int_equal(keys_action('d', V_JOBS), ACT_NONE);
	assert_int_equal(keys_action('\n', V_JOBS), ACT_ENTER);
	assert_int_equal(keys_action('\n', V_EVENTS), ACT_NONE);
	assert_int_equal(keys_action('\n', V_NODES), ACT_ENTER); /* a node's attempts */
	assert_int_equal(keys_action('\n', V_DETAIL), ACT_NONE);
	assert_int_equal(keys_action(27, V_DETAIL), ACT_BACK);
	assert_int_equal(keys_action('/', V_EVENTS), ACT_FILTER);
	assert_int_equal(keys_action('s', V_JOBS), ACT_SORT);
	assert_int_equal(keys_action('x', V_JOBS), ACT_NONE);
}

/* Every action has a row with help text, so the help screen lists it. */
static void test_help_covers_actions(void **state)
{
	for (int a = ACT_NONE + 1; a < ACT_MAX; a++) {
		bool helped = false;
		for (size_t i = 0; i < key_table_n; i++)
			if ((int)key_table[i].action == a && key_table[i].help != NULL)
				helped = true;
		/* Down, PgDn and End share the help of the row above them. */
		if (a == ACT_DOWN || a == ACT_PGDN || a == ACT_END)
			continue;
		assert_true(helped);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_conflicts),
		cmocka_unit_test(test_everywhere),
		cmocka_unit_test(test_per_view),
		cmocka_unit_test(test_help_covers_actions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
