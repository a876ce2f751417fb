/*
 * rmtop's detail pane: a job's tasks and attempts (nodes, exit codes, reasons) from
 * job_info, and a node's record with its live attempts (id, job, state, progress, start),
 * which conn.c gathers from job_info of the jobs running tasks. A pending job says why it waits: rmd's reason, and
 * whether any node has room for one of its tasks right now.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "mpr.h"
#include "rmtop.h"
#include "timeutil.h"
#include "xmalloc.h"

void detail_clear(struct top *t)
{
	for (size_t i = 0; i < t->ndlines; i++)
		free(t->dlines[i]);
	free(t->dlines);
	t->dlines = NULL;
	t->ndlines = 0;
}

static void add(struct top *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct top *t, const char *fmt, ...)
{
	char b[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	t->dlines = xrealloc(t->dlines, (t->ndlines + 1) * sizeof(*t->dlines));
	t->dlines[t->ndlines++] = xstrdup(b);
}

/* Free resources of a node that takes work. */
static struct res node_free(const struct top_node *n)
{
	struct res r = n->cap;

	res_sub(&r, &n->used);
	return r;
}

/* Whether one task of res fits on some RUNNING node now; names the roomiest node. */
static void why_waiting(struct top *t, const struct res *want)
{
	const struct top_node *best = NULL;
	char a[RES_BUFSZ], b[RES_BUFSZ];

	for (size_t i = 0; i < t->m.nnodes; i++) {
		const struct top_node *n = &t->m.nodes[i];
		struct res f = node_free(n);
		if (strcmp(n->state, "RUNNING") != 0)
			continue;
		if (res_fits(want, &f)) {
			add(t, "  Room: %s has room for a task now; it is placed on the next pass "
			    "unless it waits for other jobs", n->name);
			return;
		}
		if (best == NULL || f.vcores_m > node_free(best).vcores_m)
			best = n;
	}
	if (best == NULL) {
		add(t, "  Room: no node is RUNNING (none registered, or all lost or draining)");
		return;
	}
	struct res f = node_free(best);
	add(t, "  Room: no RUNNING node has %s free for one task (the most free: %s with %s)",
	    res_format(want, a, sizeof(a)), best->name, res_format(&f, b, sizeof(b)));
}

/* True when the attempt is a speculative copy (rmd's with speculation say so). */
static bool is_copy(const msgpack_object *a)
{
	const msgpack_object *v = mpr_get(a, "speculative");

	return v != NULL && v->type == MSGPACK_OBJECT_BOOLEAN && v->via.boolean;
}

static void render_attempt(struct top *t, int64_t task, const msgpack_object *a)
{
	char id[64], node[64], st[16], reason[512];
	int64_t code = 0, sig = 0;

	view_int(a, "exit_code", &code);
	view_int(a, "signal", &sig);
	view_str(a, "id", id, sizeof(id));
	if (is_copy(a))
		strncat(id, " (copy)", sizeof(id) - strlen(id) - 1);
	view_str(a, "node", node, sizeof(node));
	view_str(a, "state", st, sizeof(st));
	view_str(a, "reason", reason, sizeof(reason));
	/* An exit code means something only for a process that ended by itself. */
	if (strcmp(st, "SUCCEEDED") != 0 && strcmp(st, "FAILED") != 0)
		add(t, "  t%-4lld %-18s %-10s %-10s %5s  %s", (long long)task, id, node, st, "-",
		    reason);
	else
		add(t, "  t%-4lld %-18s %-10s %-10s %4lld%s  %s", (long long)task, id, node, st,
		    (long long)(sig ? sig : code), sig ? "s" : " ", reason);
}

static void render_tasks(struct top *t, const msgpack_object *job)
{
	const msgpack_object_array *tasks = view_array(job, "tasks");

	add(t, "%s", "");
	add(t, "  %-5s %-18s %-10s %-10s %5s  %s", "TASK", "ATTEMPT", "NODE", "STATE", "EXIT",
	    "REASON");
	for (uint32_t i = 0; tasks != NULL && i < tasks->size; i++) {
		const msgpack_object *task = &tasks->ptr[i];
		const msgpack_object_array *atts = view_array(task, "attempts");
		int64_t idx = i;
		char st[16], reason[512];
		view_int(task, "index", &idx);
		if (atts == NULL || atts->size == 0) {
			add(t, "  t%-4lld %-18s %-10s %-10s %5s  %s", (long long)idx, "-", "-",
			    view_str(task, "state", st, sizeof(st)), "",
			    view_str(task, "reason", reason, sizeof(reason)));
			continue;
		}
		for (uint32_t k = 0; k < atts->size; k++)
			render_attempt(t, idx, &atts->ptr[k]);
	}
}

void detail_render_job(struct top *t, const msgpack_object *job)
{
	char id[64], name[128], st[16], user[64], q[64], reason[1024], argv[512], r[RES_BUFSZ];
	int64_t n = 0, done = 0, run = 0, pend = 0, failed = 0;
	double progress = 0;
	struct res res;

	detail_clear(t);
	memset(&res, 0, sizeof(res));
	view_int(job, "ntasks", &n);
	view_int(job, "tasks_done", &done);
	view_int(job, "tasks_running", &run);
	view_int(job, "tasks_pending", &pend);
	view_int(job, "tasks_failed", &failed);
	view_double(job, "progress", &progress);
	view_res(job, "res", &res);
	add(t, "%s  %s  %s   user %s  queue %s   (Esc: back, k: kill)",
	    view_str(job, "id", id, sizeof(id)), view_str(job, "name", name, sizeof(name)),
	    view_str(job, "state", st, sizeof(st)), view_str(job, "user", user, sizeof(user)),
	    view_str(job, "queue", q, sizeof(q)));
	add(t, "  Reason: %s", view_str(job, "reason", reason, sizeof(reason)));
	add(t, "  Tasks: %lld (done %lld, running %lld, pending %lld, failed %lld)  %.0f%%  "
	    "each %s", (long long)n, (long long)done, (long long)run, (long long)pend,
	    (long long)failed, progress * 100, res_format(&res, r, sizeof(r)));
	add(t, "  Command: %s", view_strlist(job, "argv", " ", argv, sizeof(argv)));
	int64_t launched, won;
	if (view_int(job, "spec_launched", &launched) && launched > 0 &&
	    view_int(job, "spec_won", &won))
		add(t, "  Speculative copies: %lld launched, %lld won", (long long)launched,
		    (long long)won);
	if (strcmp(st, "PENDING") == 0 || pend > 0) {
		add(t, "  Why waiting: %s", reason);
		why_waiting(t, &res);
	}
	render_tasks(t, job);
}

static int by_start(const void *a, const void *b)
{
	const struct top_natt *x = a, *y = b;

	if (x->start_us != y->start_us)
		return x->start_us < y->start_us ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* The node's live attempts (gathered by conn.c from job_info), oldest first. */
static void render_node_attempts(struct top *t)
{
	char bar[32], age[FMT_BUFSZ], id[64];

	add(t, "%s", "");
	if (t->nnatt == 0) {
		add(t, "  %s", t->nd_scanned ? "No attempts running here."
					     : "(asking rmd for this node's attempts ...)");
		return;
	}
	qsort(t->natt, t->nnatt, sizeof(*t->natt), by_start);
	add(t, "  %-24s %-10s %-10s %-17s %s", "ATTEMPT", "JOB", "STATE", "PROGRESS", "STARTED");
	for (size_t i = 0; i < t->nnatt; i++) {
		const struct top_natt *a = &t->natt[i];
		snprintf(id, sizeof(id), "%s%s", a->id, a->copy ? " (copy)" : "");
		fmt_bar(a->progress, 10, bar, sizeof(bar));
		if (a->start_us > 0)
			fmt_age(wall_us(), a->start_us, age, sizeof(age));
		add(t, "  %-24s %-10s %-10s %s %3.0f%% %s%s", id, a->job, a->state, bar,
		    a->progress * 100, a->start_us > 0 ? age : "-", a->start_us > 0 ? " ago" : "");
	}
}

void detail_render_node(struct top *t)
{
	const struct top_node *n = NULL;
	char a[RES_BUFSZ], b[RES_BUFSZ], hb[FMT_BUFSZ];

	for (size_t i = 0; i < t->m.nnodes && n == NULL; i++)
		if (strcmp(t->m.nodes[i].name, t->detail_id) == 0)
			n = &t->m.nodes[i];
	detail_clear(t);
	if (n == NULL) {
		add(t, "%s: no longer known to rmd", t->detail_id);
		return;
	}
	add(t, "%s  %s   host %s   (Esc: back, d: drain)", n->name, n->state, n->host);
	add(t, "  Reason: %s", n->reason[0] ? n->reason : "-");
	add(t, "  Capacity: %s", res_format(&n->cap, a, sizeof(a)));
	add(t, "  Reserved: %s", res_format(&n->used, b, sizeof(b)));
	add(t, "  Running attempts: %lld", (long long)n->attempts);
	add(t, "  Last heartbeat: %s ago", fmt_elapsed(n->hb_age_ms, hb, sizeof(hb)));
	add(t, "  Labels: %s", n->labels[0] ? n->labels : "-");
	if (strcmp(n->state, "RUNNING") != 0)
		add(t, "  Takes no new work while %s.", n->state);
	const struct top_asnode *as = model_asnode(&t->m, n->name);
	if (as != NULL && as->why[0] != '\0')
		add(t, "  Autoscale: pool %s, %s; not released: %s", as->pool, as->state, as->why);
	else if (as != NULL)
		add(t, "  Autoscale: pool %s, %s; being released", as->pool, as->state);
	render_node_attempts(t);
}
