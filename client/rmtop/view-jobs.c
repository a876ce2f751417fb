/*
 * rmtop's jobs view: state, queue, user, name, a progress bar, the tasks done/running/
 * pending/failed, speculative copies (launched/won/wasted), age, and why a job waits (or
 * rmd's reason). Narrow screens drop the name and shorten the bar first. Sorting and filtering work on an index array, so
 * 10,000 jobs cost one sort per update, and drawing formats only the visible rows.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "rmtop.h"
#include "timeutil.h"

static const char *const job_sorts[] = { "newest", "state", "user", "progress", NULL };

/* qsort has no context argument: the jobs being sorted, for the comparators. */
static const struct top_job *sorting;

static int state_rank(const char *s)
{
	static const char *const order[] = { "RUNNING", "PENDING", "FAILED", "KILLED",
					     "SUCCEEDED" };
	for (int i = 0; i < 5; i++)
		if (strcmp(s, order[i]) == 0)
			return i;
	return 5;
}

static int id_num(const struct top_job *j)
{
	return atoi(j->id + (strncmp(j->id, "job-", 4) == 0 ? 4 : 0));
}

static int by_newest(const void *a, const void *b)
{
	return id_num(&sorting[*(const size_t *)b]) - id_num(&sorting[*(const size_t *)a]);
}

static int by_state(const void *a, const void *b)
{
	int d = state_rank(sorting[*(const size_t *)a].state) -
		state_rank(sorting[*(const size_t *)b].state);
	return d != 0 ? d : by_newest(a, b);
}

static int by_user(const void *a, const void *b)
{
	int d = strcmp(sorting[*(const size_t *)a].user, sorting[*(const size_t *)b].user);
	return d != 0 ? d : by_newest(a, b);
}

static int by_progress(const void *a, const void *b)
{
	double d = sorting[*(const size_t *)b].progress - sorting[*(const size_t *)a].progress;
	return d > 0 ? 1 : d < 0 ? -1 : by_newest(a, b);
}

static size_t j_nrows(struct top *t, struct view *v)
{
	return v->nidx;
}

static void j_select(struct top *t, struct view *v)
{
	static int (*const cmp[])(const void *, const void *) = { by_newest, by_state, by_user,
								   by_progress };
	char text[512];

	for (size_t i = 0; i < t->m.njobs; i++) {
		const struct top_job *j = &t->m.jobs[i];
		snprintf(text, sizeof(text), "%s %s %s %s %s %s", j->id, j->name, j->user, j->queue,
			 j->state, j->reason);
		if (text_match(text, v->filter))
			view_idx_push(v, i);
	}
	sorting = t->m.jobs;
	if (v->nidx > 1)
		qsort(v->idx, v->nidx, sizeof(*v->idx), cmp[v->sort]);
}

/* Column widths for a screen width; lower-priority columns go or narrow first. */
struct jlayout {
	int queue, user, name, bar; /* name 0 = not shown */
};

static struct jlayout layout(int width)
{
	if (width == 0 || width >= 130)
		return (struct jlayout){ 10, 8, 14, 10 };
	if (width >= 100)
		return (struct jlayout){ 8, 8, 10, 10 };
	return (struct jlayout){ 7, 7, 0, 5 }; /* 80 columns: no name, a short bar */
}

static void j_header(struct top *t, struct view *v, char *buf, size_t len)
{
	struct jlayout l = layout(v->width);

	snprintf(buf, len, "%-9s %-9s %-*s %-*s %-*s%s%-*s %-11s %-5s %5s %s", "JOB", "STATE",
		 l.queue, "QUEUE", l.user, "USER", l.name, l.name ? "NAME" : "", l.name ? " " : "",
		 l.bar + 7, "PROGRESS", "D/R/P/F", "SPEC", "AGE", "WHY");
}

static int state_attr(const char *s)
{
	if (strcmp(s, "RUNNING") == 0)
		return COLOR_PAIR(1);
	if (strcmp(s, "FAILED") == 0 || strcmp(s, "KILLED") == 0)
		return COLOR_PAIR(2);
	if (strcmp(s, "PENDING") == 0)
		return COLOR_PAIR(3);
	return 0;
}

static void j_row(struct top *t, struct view *v, size_t i, char *buf, size_t len, int *attr)
{
	const struct top_job *j = &t->m.jobs[v->idx[i]];
	struct jlayout l = layout(v->width);
	char bar[32], age[FMT_BUFSZ], tasks[48], spec[48], why[256];
	const char *w = model_job_why(&t->m, j, why, sizeof(why));
	const char *leaf = strrchr(j->queue, '.'); /* leaf names are unique: "etl" suffices */

	fmt_bar(j->progress, l.bar, bar, sizeof(bar));
	fmt_age(wall_us(), j->submit_us, age, sizeof(age));
	snprintf(tasks, sizeof(tasks), "%lld/%lld/%lld/%lld", (long long)j->done,
		 (long long)j->running, (long long)j->pending, (long long)j->failed);
	/* Speculative copies: launched/won/wasted, "-" for none. */
	if (j->spec_launched > 0)
		snprintf(spec, sizeof(spec), "%lld/%lld/%lld", (long long)j->spec_launched,
			 (long long)j->spec_won, (long long)j->spec_wasted);
	else
		snprintf(spec, sizeof(spec), "-");
	snprintf(buf, len, "%-9s %-9s %-*.*s %-*.*s %-*.*s%s%s %3.0f%% %-11s %-5s %5s %s", j->id,
		 j->state, l.queue, l.queue, leaf != NULL ? leaf + 1 : j->queue, l.user, l.user, j->user, l.name, l.name,
		 l.name ? j->name : "", l.name ? " " : "", bar, j->progress * 100, tasks, spec, age,
		 w != NULL ? w : j->reason);
	*attr = state_attr(j->state);
}

/* The selected job's reason to wait, in full under the list. */
static const char *j_why(struct top *t, struct view *v, size_t i, char *buf, size_t len)
{
	const struct top_job *j = &t->m.jobs[v->idx[i]];
	char why[256];

	if (model_job_why(&t->m, j, why, sizeof(why)) == NULL)
		return NULL;
	snprintf(buf, len, "%s waits: %s", j->id, why);
	return buf;
}

static const char *j_row_id(struct top *t, struct view *v, size_t i)
{
	return t->m.jobs[v->idx[i]].id;
}

const struct view_ops view_jobs_ops = {
	.name = "jobs",
	.bit = V_JOBS,
	.nrows = j_nrows,
	.select = j_select,
	.header = j_header,
	.row = j_row,
	.row_id = j_row_id,
	.sorts = job_sorts,
	.why = j_why,
};
