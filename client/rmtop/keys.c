/*
 * rmtop's keys: one table from key to action, per view (htop's Action.c). The help screen
 * is generated from it, and a unit test checks it has no two actions for one key in a
 * view.
 */
#include <curses.h>
#include <stddef.h>

#include "rmtop.h"

#define LIST (V_QUEUES | V_JOBS | V_NODES | V_EVENTS)

const struct key_binding key_table[] = {
	{ 'q', "q", ACT_QUIT, V_ALL, "quit" },
	{ '?', "?", ACT_HELP, V_ALL, "this help (any key closes it)" },
	{ 'h', "h", ACT_HELP, V_ALL, NULL },
	{ '1', "1", ACT_VIEW_QUEUES, V_ALL, "summary and queues" },
	{ '2', "2", ACT_VIEW_JOBS, V_ALL, "jobs" },
	{ '3', "3", ACT_VIEW_NODES, V_ALL, "nodes" },
	{ '4', "4", ACT_VIEW_EVENTS, V_ALL, "events (a scrolling log)" },
	{ '\t', "Tab", ACT_NEXT_VIEW, V_ALL, "next view" },
	{ KEY_UP, "Up", ACT_UP, V_ALL, "move the selection" },
	{ KEY_DOWN, "Down", ACT_DOWN, V_ALL, NULL },
	{ KEY_PPAGE, "PgUp", ACT_PGUP, V_ALL, "a page up / down" },
	{ KEY_NPAGE, "PgDn", ACT_PGDN, V_ALL, NULL },
	{ KEY_HOME, "Home", ACT_HOME, V_ALL, "first / last row" },
	{ KEY_END, "End", ACT_END, V_ALL, NULL },
	{ '\n', "Enter", ACT_ENTER, V_JOBS | V_NODES, "details: tasks, attempts, why it waits" },
	{ KEY_ENTER, "Enter", ACT_ENTER, V_JOBS | V_NODES, NULL },
	{ 27, "Esc", ACT_BACK, V_DETAIL, "back to the list" },
	{ KEY_BACKSPACE, "Bksp", ACT_BACK, V_DETAIL, NULL },
	{ KEY_LEFT, "Left", ACT_BACK, V_DETAIL, NULL },
	{ '/', "/", ACT_FILTER, LIST, "filter rows (Enter applies, empty clears)" },
	{ 's', "s", ACT_SORT, V_JOBS | V_NODES, "cycle the sort order" },
	{ 'k', "k", ACT_KILL, V_JOBS | V_DETAIL, "kill the selected job (asks first)" },
	{ 'd', "d", ACT_DRAIN, V_NODES | V_DETAIL, "drain the selected node (asks first)" },
	{ 'r', "r", ACT_REFRESH, V_ALL, "fetch everything again" },
};
const size_t key_table_n = sizeof(key_table) / sizeof(key_table[0]);

enum top_action keys_action(int key, unsigned view)
{
	for (size_t i = 0; i < key_table_n; i++)
		if (key_table[i].key == key && (key_table[i].views & view) != 0)
			return key_table[i].action;
	return ACT_NONE;
}
