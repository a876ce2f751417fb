/* rmtop's events view: the cluster's events as a scrolling log, newest at the bottom. */
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rmtop.h"

static size_t e_nrows(struct top *t, struct view *v)
{
	return v->nidx;
}

/* "job_state job-3 RUNNING -> SUCCEEDED on node-1: all tasks succeeded" */
static void e_text(const struct msg_event *e, char *buf, size_t len)
{
	snprintf(buf, len, "%-14s %-14s %s%s%s%s%s%s%s", e->kind, e->object, e->from,
		 e->from[0] ? " -> " : "", e->to, e->node[0] && strcmp(e->node, e->object) ? " on " : "",
		 strcmp(e->node, e->object) ? e->node : "", e->text[0] ? ": " : "", e->text);
}

static void e_select(struct top *t, struct view *v)
{
	char text[1400];

	for (size_t i = 0; i < t->m.nevents; i++) {
		e_text(model_event(&t->m, i), text, sizeof(text));
		if (text_match(text, v->filter))
			view_idx_push(v, i);
	}
}

static void e_header(struct top *t, struct view *v, char *buf, size_t len)
{
	snprintf(buf, len, "%-8s %-14s %-14s %s", "TIME", "KIND", "OBJECT", "WHAT");
}

static void e_row(struct top *t, struct view *v, size_t i, char *buf, size_t len, int *attr)
{
	const struct msg_event *e = model_event(&t->m, v->idx[i]);
	time_t s = (time_t)(e->time_us / 1000000);
	struct tm tm;
	char hms[16], text[1400];

	localtime_r(&s, &tm);
	strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	e_text(e, text, sizeof(text));
	snprintf(buf, len, "%-8s %s", hms, text);
	if (strcmp(e->to, "LOST") == 0 || strcmp(e->to, "FAILED") == 0)
		*attr = COLOR_PAIR(2);
	else if (strcmp(e->to, "SUCCEEDED") == 0)
		*attr = COLOR_PAIR(1);
}

const struct view_ops view_events_ops = {
	.name = "events",
	.bit = V_EVENTS,
	.nrows = e_nrows,
	.select = e_select,
	.header = e_header,
	.row = e_row,
	.follow = true,
};
