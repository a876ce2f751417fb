/*
 * Stand-in node agents for rmcore's real cluster on a virtual clock, shared by the
 * replays that drive struct cluster (autosim.c, drfsim.c). The cluster_ops here do what
 * tests/unit/rm/fixture.c does: a launch is remembered and, after the run time its owner
 * gives, the attempt reports RUNNING then exit 0; a commit succeeds at once. A kill is
 * remembered too: the attempt reports KILLED after its grace (preempt_grace for an
 * attempt taken back by preemption, none otherwise), unless it finished before that.
 * Nodes are registered with any non-NULL peer, the fixture's way.
 */
#include "rmsim.h"

#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

#define US 1000000LL

/* ---- the run heap (by end time, then launch order) --------------------------------- */

static bool before(const struct simdrv_run *a, const struct simdrv_run *b)
{
	return a->end_us != b->end_us ? a->end_us < b->end_us : a->seq < b->seq;
}

static void heap_push(struct simdrv *d, struct simdrv_run r)
{
	size_t i = d->nheap++;

	d->heap = xgrow(d->heap, &d->capheap, d->nheap, sizeof(*d->heap));
	while (i > 0 && before(&r, &d->heap[(i - 1) / 2])) {
		d->heap[i] = d->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	d->heap[i] = r;
}

static struct simdrv_run heap_pop(struct simdrv *d)
{
	struct simdrv_run top = d->heap[0], last = d->heap[--d->nheap];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= d->nheap)
			break;
		if (c + 1 < d->nheap && before(&d->heap[c + 1], &d->heap[c]))
			c++;
		if (!before(&d->heap[c], &last))
			break;
		d->heap[i] = d->heap[c];
		i = c;
	}
	if (d->nheap > 0)
		d->heap[i] = last;
	return top;
}

/* ---- cluster_ops: the agents ------------------------------------------------------- */

static int64_t ops_now(void *arg)
{
	return ((struct simdrv *)arg)->now;
}

static void ops_launch(void *arg, struct rm_attempt *a)
{
	struct simdrv *d = arg;

	heap_push(d, (struct simdrv_run){ d->now + d->run_us(d->owner, a), d->now, d->seq++,
					  a->id });
	if (d->early_running) {
		d->started = xgrow(d->started, &d->capstarted, d->nstarted + 1,
				   sizeof(*d->started));
		d->started[d->nstarted++] = a->id;
	}
	if (d->launched != NULL)
		d->launched(d->owner, a);
}

static void ops_kill(void *arg, struct rm_attempt *a, const char *reason)
{
	struct simdrv *d = arg;

	(void)reason;
	d->nkills++;
	d->kills = xgrow(d->kills, &d->capkills, d->nkill + 1, sizeof(*d->kills));
	d->kills[d->nkill++] = (struct simdrv_kill){ d->now, a->id };
}

static void ops_commit(void *arg, struct rm_attempt *a, bool commit)
{
	struct simdrv *d = arg;

	if (!commit)
		return;
	d->commits = xgrow(d->commits, &d->capcommits, d->ncommits + 1, sizeof(*d->commits));
	d->commits[d->ncommits++] = a->id;
}

static void ops_schedule(void *arg)
{
	(void)arg; /* a pass follows every instant anyway */
}

static const struct cluster_ops simdrv_ops = { ops_now, ops_launch, ops_kill, ops_commit,
					       ops_schedule, NULL, NULL };

/* ---- driving ----------------------------------------------------------------------- */

void simdrv_init(struct simdrv *d, int64_t (*run_us)(void *, const struct rm_attempt *),
		 void (*launched)(void *, const struct rm_attempt *), void *owner)
{
	memset(d, 0, sizeof(*d));
	d->run_us = run_us;
	d->launched = launched;
	d->owner = owner;
	cluster_init(&d->cl, &simdrv_ops, d);
}

void simdrv_free(struct simdrv *d)
{
	sched_result_free(&d->sr);
	cluster_free(&d->cl);
	free(d->heap);
	free(d->commits);
	free(d->kills);
	free(d->started);
	memset(d, 0, sizeof(*d));
}

void simdrv_node_up(struct simdrv *d, const char *name, int64_t vcores_m, int64_t mem_mb)
{
	struct rm_node *n = cluster_find_node(&d->cl, name);

	if (n == NULL)
		n = cluster_add_node(&d->cl, name);
	n->capacity.vcores_m = vcores_m;
	n->capacity.mem_mb = mem_mb;
	n->peer = (struct peer *)d;
	node_set_state(n, NODE_RUNNING, "registered");
}

void simdrv_commits(struct simdrv *d)
{
	for (size_t i = 0; i < d->ncommits; i++) {
		struct rm_attempt *a = cluster_attempt(&d->cl, &d->commits[i]);
		if (a != NULL && a->state == ATT_COMMITTING)
			outcome_committed(&d->cl, a, true, true, NULL);
	}
	d->ncommits = 0;
}

void simdrv_report_started(struct simdrv *d)
{
	for (size_t i = 0; i < d->nstarted; i++) {
		struct rm_attempt *a = cluster_attempt(&d->cl, &d->started[i]);
		struct attempt_report rep = { .id = d->started[i], .state = AR_RUNNING,
					      .progress = -1, .start_us = d->now };
		if (a != NULL && a->state == ATT_STARTING)
			outcome_report(&d->cl, a, &rep);
	}
	d->nstarted = 0;
}

/* The run ended: RUNNING (if not said yet), then exit 0. */
static void finish(struct simdrv *d, const struct simdrv_run *r)
{
	struct rm_attempt *a = cluster_attempt(&d->cl, &r->id);
	struct attempt_report rep = { .id = r->id, .state = AR_RUNNING, .progress = -1,
				      .start_us = r->start_us };

	if (a == NULL || !attempt_live(a))
		return;
	outcome_report(&d->cl, a, &rep);
	rep.state = AR_EXITED;
	rep.end_us = d->now;
	outcome_report(&d->cl, a, &rep);
}

/* When a kill asked at k->at_us takes effect; attempts gone since count as due. */
static int64_t kill_due(const struct simdrv *d, const struct simdrv_kill *k)
{
	const struct rm_attempt *a = cluster_attempt(&d->cl, &k->id);

	if (a == NULL || !attempt_live(a) || !a->preempted)
		return k->at_us;
	return k->at_us + d->cl.sc.preempt_grace_ms * 1000;
}

/* Attempts whose kill is due report KILLED; the rest wait, in the order asked. */
static void end_kills(struct simdrv *d)
{
	size_t keep = 0;

	for (size_t i = 0; i < d->nkill; i++) {
		struct simdrv_kill k = d->kills[i];
		struct rm_attempt *a;
		if (kill_due(d, &k) > d->now) {
			d->kills[keep++] = k;
			continue;
		}
		a = cluster_attempt(&d->cl, &k.id);
		if (a != NULL && attempt_live(a) && a->state != ATT_COMMITTING) {
			struct attempt_report rep = { .id = k.id, .state = AR_KILLED,
						      .progress = -1, .end_us = d->now };
			outcome_report(&d->cl, a, &rep);
		}
	}
	d->nkill = keep;
}

void simdrv_step(struct simdrv *d)
{
	while (d->nheap > 0 && d->heap[0].end_us <= d->now) {
		struct simdrv_run r = heap_pop(d);
		finish(d, &r);
		d->last_end_us = d->now;
	}
	end_kills(d);
	simdrv_commits(d);
}

int64_t simdrv_next(const struct simdrv *d)
{
	int64_t at = d->nheap > 0 ? d->heap[0].end_us : INT64_MAX;

	for (size_t i = 0; i < d->nkill; i++) {
		int64_t due = kill_due(d, &d->kills[i]);
		if (due < at)
			at = due;
	}
	return at;
}
