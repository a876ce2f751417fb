/*
 * rmtop's screen: the summary bar, the view tabs, the current view (a list drawn through
 * its vtable, scrolled so only the visible rows are formatted), the detail pane, the help
 * and the prompt line; and the key dispatcher, which maps a key through the key table
 * (keys.c) to one of the actions below. Each draw erases curses' copy of the screen,
 * redraws it and calls doupdate, which sends only what changed, so redrawing everything
 * on each update does not flicker.
 */
#include <curses.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "rmtop.h"
#include "xmalloc.h"

/* The lines above the list: the summary (3, and one more for the autoscaler when rmd has
 * pools) and the tabs (1). */
static int summary_lines(const struct top *t)
{
	return t->m.as_have && t->m.npools > 0 && t->m.sum.have ? 5 : 4;
}

bool text_match(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (n == 0)
		return true;
	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

void view_idx_push(struct view *v, size_t i)
{
	v->idx = xgrow(v->idx, &v->capidx, v->nidx + 1, sizeof(*v->idx));
	v->idx[v->nidx++] = i;
}

static struct view *cur_view(struct top *t)
{
	return t->views[t->cur];
}

/* Re-filters and re-sorts v when the model or its filter/sort changed. */
static void view_refresh(struct top *t, struct view *v)
{
	bool at_end = v->gen == 0 || v->sel + 1 >= v->nidx;

	if (v->gen == t->m.gen + 1)
		return;
	v->nidx = 0;
	v->ops->select(t, v);
	v->gen = t->m.gen + 1;
	if (v->ops->follow && v->nidx > 0 && at_end)
		v->sel = v->nidx - 1; /* a log at its end stays at its end */
	if (v->sel >= v->nidx)
		v->sel = v->nidx > 0 ? v->nidx - 1 : 0;
}

static void invalidate(struct view *v)
{
	v->gen = 0;
}

void ui_init(struct top *t)
{
	static const struct view_ops *const ops[4] = { &view_queues_ops, &view_jobs_ops,
						      &view_nodes_ops, &view_events_ops };

	for (int i = 0; i < 4; i++) {
		t->views[i] = xcalloc(1, sizeof(struct view));
		t->views[i]->ops = ops[i];
	}
	initscr();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_GREEN, -1);
		init_pair(2, COLOR_RED, -1);
		init_pair(3, COLOR_YELLOW, -1);
		init_pair(4, COLOR_CYAN, -1);
	}
}

void ui_free(struct top *t)
{
	endwin();
	for (int i = 0; i < 4; i++) {
		if (t->views[i] == NULL)
			continue;
		free(t->views[i]->idx);
		free(t->views[i]);
	}
	detail_clear(t);
	node_detail_reset(t);
}

/* Writes s on row y from column 0, cut to the width, with attributes. */
static void line(int y, int attr, const char *s)
{
	int w = COLS;

	attron(attr);
	mvaddnstr(y, 0, s, w);
	attroff(attr);
}

static void draw_summary(struct top *t)
{
	const struct top_model *m = &t->m;
	const struct top_summary *s = &m->sum;
	char b[512], v1[FMT_BUFSZ], v2[FMT_BUFSZ], m1[FMT_BUFSZ], m2[FMT_BUFSZ], dv[FMT_BUFSZ],
		dm[FMT_BUFSZ], g1[64];

	snprintf(b, sizeof(b), "rmtop  %s", t->conn_msg);
	line(0, A_BOLD | (t->ready ? 0 : COLOR_PAIR(2)), b);
	if (!s->have)
		return;
	long long up = (long long)model_node_count(m, "RUNNING"),
		  lost = (long long)model_node_count(m, "LOST"),
		  drain = (long long)model_node_count(m, "DRAINING"),
		  sick = (long long)model_node_count(m, "UNHEALTHY");
	snprintf(b, sizeof(b), "Nodes: %lld up, %lld lost, %lld draining, %lld unhealthy   "
		 "Jobs: %lld running, %lld pending", up, lost, drain, sick,
		 (long long)s->jobs_running, (long long)s->jobs_pending);
	if ((int)strlen(b) > COLS) /* big numbers on a narrow terminal: shorter words */
		snprintf(b, sizeof(b), "Nodes: %lld up, %lld lost, %lld drain, %lld sick  "
			 "Jobs: %lld run, %lld pend", up, lost, drain, sick,
			 (long long)s->jobs_running, (long long)s->jobs_pending);
	line(1, 0, b);
	fmt_vcores(s->used.vcores_m, v1, sizeof(v1));
	fmt_vcores(s->cap.vcores_m, v2, sizeof(v2));
	fmt_mem(s->used.mem_mb, m1, sizeof(m1));
	fmt_mem(s->cap.mem_mb, m2, sizeof(m2));
	fmt_vcores(s->demand.vcores_m, dv, sizeof(dv));
	fmt_mem(s->demand.mem_mb, dm, sizeof(dm));
	snprintf(b, sizeof(b), "Used: vcores %s/%s  mem %s/%s  gpus %lld/%lld   Waiting: %lld "
		 "tasks (%s vcores, %s)", v1, v2, m1, m2, (long long)s->used.gpus,
		 (long long)s->cap.gpus, (long long)s->tasks_pending, dv, dm);
	if ((int)strlen(b) > COLS) { /* narrow: shorter words, no gpus on a cluster without */
		if (s->cap.gpus > 0 || s->used.gpus > 0)
			snprintf(g1, sizeof(g1), "  %lld/%lld gpu", (long long)s->used.gpus,
				 (long long)s->cap.gpus);
		else
			g1[0] = '\0';
		snprintf(b, sizeof(b), "Used: %s/%s vc  %s/%s mem%s  Waiting: %lld tasks (%s vc, %s)",
			 v1, v2, m1, m2, g1, (long long)s->tasks_pending, dv, dm);
	}
	line(2, 0, b);
	if (model_autoscale_line(m, COLS, b, sizeof(b)) != NULL && summary_lines(t) > 4)
		line(3, COLOR_PAIR(4), b);
}

static void draw_tabs(struct top *t)
{
	static const char *const names[4] = { "1 Queues", "2 Jobs", "3 Nodes", "4 Events" };
	int x = 0, y = summary_lines(t) - 1;

	move(y, 0);
	for (int i = 0; i < 4 && x < COLS; i++) {
		int attr = i == t->cur && !t->detail ? A_REVERSE | A_BOLD : 0;
		attron(attr);
		mvaddnstr(y, x, names[i], COLS - x);
		attroff(attr);
		x += (int)strlen(names[i]) + 2;
	}
	if (x < COLS)
		mvaddnstr(y, x, "  ? help  q quit", COLS - x);
}

/* The list of the current view, scrolled so that the selection shows; only the visible
 * rows are formatted, so 10,000 rows cost no more to draw than 20. A view that can say
 * why its selected row waits gets the last line of the area for it. */
static void draw_list(struct top *t, struct view *v, int y0, int h)
{
	char b[1024], why[512];
	const char *w = NULL;
	int attr;

	view_refresh(t, v);
	v->width = COLS;
	v->ops->header(t, v, b, sizeof(b));
	line(y0, A_BOLD | A_UNDERLINE, b);
	h--;
	if (v->ops->why != NULL && v->nidx > 0 && h > 2)
		w = v->ops->why(t, v, v->sel, why, sizeof(why));
	if (w != NULL)
		h--;
	if (h <= 0)
		return;
	if (v->sel < v->top)
		v->top = v->sel;
	if (v->sel >= v->top + (size_t)h)
		v->top = v->sel - (size_t)h + 1;
	if (v->top + (size_t)h > v->nidx) /* no blank rows below the last after a shrink */
		v->top = v->nidx > (size_t)h ? v->nidx - (size_t)h : 0;
	for (int r = 0; r < h && v->top + (size_t)r < v->nidx; r++) {
		size_t i = v->top + (size_t)r;
		attr = 0;
		v->ops->row(t, v, i, b, sizeof(b), &attr);
		line(y0 + 1 + r, i == v->sel ? (int)A_REVERSE : attr, b);
	}
	if (v->nidx == 0)
		line(y0 + 1, A_DIM, v->filter[0] ? "  (no rows match the filter)" : "  (none)");
	if (w != NULL)
		line(y0 + 1 + h, COLOR_PAIR(3) | A_BOLD, w);
}

static void draw_detail(struct top *t, int y0, int h)
{
	if (t->dtop > 0 && (size_t)t->dtop >= t->ndlines)
		t->dtop = t->ndlines > 0 ? (int)t->ndlines - 1 : 0;
	for (int r = 0; r < h && (size_t)(t->dtop + r) < t->ndlines; r++)
		line(y0 + r, r == 0 && t->dtop == 0 ? A_BOLD : 0, t->dlines[t->dtop + r]);
	if (t->ndlines == 0)
		line(y0, A_DIM, "  (loading ...)");
}

static void draw_help(int y0, int h)
{
	char b[256];
	int r = 0;

	line(y0 + r++, A_BOLD, "Keys");
	for (size_t i = 0; i < key_table_n && r < h; i++) {
		if (key_table[i].help == NULL)
			continue;
		/* The label of the row below when it shares the help (Up/Down). */
		const char *also = i + 1 < key_table_n && key_table[i + 1].help == NULL &&
					   key_table[i + 1].action != key_table[i].action
				   ? key_table[i + 1].label
				   : NULL;
		snprintf(b, sizeof(b), "  %-5s%s%-5s %s", key_table[i].label, also ? "/" : " ",
			 also ? also : "", key_table[i].help);
		line(y0 + r++, 0, b);
	}
}

static void draw_status(struct top *t)
{
	char b[512];

	if (t->prompt == P_FILTER)
		snprintf(b, sizeof(b), "filter: %s_", t->pbuf);
	else if (t->prompt == P_CONFIRM)
		snprintf(b, sizeof(b), "%s [y/N]", t->question);
	else
		snprintf(b, sizeof(b), "%s", t->status);
	line(LINES - 1, t->prompt != P_NONE ? A_BOLD : 0, b);
}

void ui_draw(struct top *t)
{
	if (t->once)
		return;
	erase();
	draw_summary(t);
	draw_tabs(t);
	int y0 = summary_lines(t), h = LINES - y0 - 1;
	if (t->help)
		draw_help(y0, h);
	else if (t->detail)
		draw_detail(t, y0, h);
	else
		draw_list(t, cur_view(t), y0, h);
	draw_status(t);
	/* erase + one doupdate: curses sends only the cells that changed (no clear(), which
	 * would repaint the whole terminal and flicker). */
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- actions ------------------------------------------------------------------------ */

static void show_view(struct top *t, int i)
{
	t->cur = i;
	t->detail = false;
	t->help = false;
	detail_clear(t);
	node_detail_reset(t);
}

static void move_sel(struct top *t, long delta)
{
	struct view *v = cur_view(t);
	long page = LINES - summary_lines(t) - 2;

	if (delta == 2 || delta == -2)
		delta = delta > 0 ? page : -page;
	if (t->detail) {
		t->dtop += (int)delta;
		if (t->dtop < 0)
			t->dtop = 0;
		return;
	}
	long s = (long)v->sel + delta;
	if (s >= (long)v->nidx)
		s = (long)v->nidx - 1;
	v->sel = s < 0 ? 0 : (size_t)s;
}

static const char *selected_id(struct top *t)
{
	struct view *v = cur_view(t);

	if (v->ops->row_id == NULL || v->nidx == 0)
		return NULL;
	return v->ops->row_id(t, v, v->sel);
}

static void enter(struct top *t)
{
	const char *id = selected_id(t);

	if (id == NULL)
		return;
	detail_clear(t);
	snprintf(t->detail_id, sizeof(t->detail_id), "%s", id);
	t->detail = true;
	t->detail_is_node = cur_view(t)->ops->bit == V_NODES;
	t->dtop = 0;
	if (t->detail_is_node) {
		node_detail_reset(t);
		detail_render_node(t);
	}
	fetch_mark(t, F_DETAIL);
}

/* Asks before kill and drain; "y" carries it out (ui_key). */
static void confirm(struct top *t, enum top_action a)
{
	const char *id = t->detail ? t->detail_id : selected_id(t);
	bool node = t->detail ? t->detail_is_node : cur_view(t)->ops->bit == V_NODES;

	if (id == NULL || (a == ACT_KILL) == node) {
		snprintf(t->status, sizeof(t->status), "%s", a == ACT_KILL ? "select a job to kill"
									 : "select a node to drain");
		return;
	}
	snprintf(t->target, sizeof(t->target), "%s", id);
	snprintf(t->question, sizeof(t->question), "%s %s?", a == ACT_KILL ? "Kill job"
									   : "Drain node", id);
	t->pending = a;
	t->prompt = P_CONFIRM;
}

static void sort_next(struct top *t)
{
	struct view *v = cur_view(t);
	int n = 0;

	if (v->ops->sorts == NULL)
		return;
	while (v->ops->sorts[n] != NULL)
		n++;
	v->sort = (v->sort + 1) % n;
	invalidate(v);
	snprintf(t->status, sizeof(t->status), "sorted by %s", v->ops->sorts[v->sort]);
}

static void act(struct top *t, enum top_action a)
{
	switch (a) {
	case ACT_QUIT: t->quit = true; event_base_loopbreak(t->base); break;
	case ACT_HELP: t->help = true; break;
	case ACT_VIEW_QUEUES: show_view(t, 0); break;
	case ACT_VIEW_JOBS: show_view(t, 1); break;
	case ACT_VIEW_NODES: show_view(t, 2); fetch_mark(t, F_NODES); break;
	case ACT_VIEW_EVENTS: show_view(t, 3); break;
	case ACT_NEXT_VIEW: show_view(t, (t->cur + 1) % 4); break;
	case ACT_UP: move_sel(t, -1); break;
	case ACT_DOWN: move_sel(t, 1); break;
	case ACT_PGUP: move_sel(t, -2); break;
	case ACT_PGDN: move_sel(t, 2); break;
	case ACT_HOME: move_sel(t, -1000000000L); break;
	case ACT_END: move_sel(t, 1000000000L); break;
	case ACT_ENTER: enter(t); break;
	case ACT_BACK: t->detail = false; detail_clear(t); node_detail_reset(t); break;
	case ACT_FILTER:
		t->prompt = P_FILTER;
		snprintf(t->pbuf, sizeof(t->pbuf), "%s", cur_view(t)->filter);
		break;
	case ACT_SORT: sort_next(t); break;
	case ACT_KILL: case ACT_DRAIN: confirm(t, a); break;
	case ACT_REFRESH: fetch_mark(t, F_ALL); break;
	default: break;
	}
}

/* A key while the prompt line is active. */
static void prompt_key(struct top *t, int ch)
{
	size_t n = strlen(t->pbuf);

	if (t->prompt == P_CONFIRM) {
		t->prompt = P_NONE;
		if (ch == 'y' || ch == 'Y') {
			if (t->pending == ACT_KILL)
				conn_kill_job(t, t->target);
			else
				conn_drain_node(t, t->target);
		} else {
			snprintf(t->status, sizeof(t->status), "cancelled");
		}
		return;
	}
	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		struct view *v = cur_view(t);
		snprintf(v->filter, sizeof(v->filter), "%.*s", (int)sizeof(v->filter) - 1, t->pbuf);
		v->sel = v->top = 0;
		invalidate(v);
		t->prompt = P_NONE;
		snprintf(t->status, sizeof(t->status), v->filter[0] ? "filter: %s" : "%s",
			 v->filter[0] ? v->filter : "filter cleared");
	} else if (ch == 27) {
		t->prompt = P_NONE;
	} else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && n > 0) {
		t->pbuf[n - 1] = '\0';
	} else if (isprint(ch) && n + 1 < sizeof(t->pbuf)) {
		t->pbuf[n] = (char)ch;
		t->pbuf[n + 1] = '\0';
	}
}

void ui_key(struct top *t, int ch)
{
	if (ch == '\r')
		ch = '\n'; /* nonl(): Enter arrives as CR */
	if (t->prompt != P_NONE) {
		prompt_key(t, ch);
	} else if (t->help) {
		t->help = false; /* any key closes the help; q also quits */
		if (ch == 'q')
			act(t, ACT_QUIT);
	} else {
		act(t, keys_action(ch, t->detail ? V_DETAIL : cur_view(t)->ops->bit));
	}
	ui_draw(t);
}
