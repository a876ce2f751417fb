/*
 * Finding a node for a task: next fit from a cursor that moves on after each placement
 * (tasks spread over the nodes), label and exclusion checks, nodes where the task already
 * failed avoided when another fits, reserved nodes left to their job unless the task may
 * backfill. Preferred nodes come first, with delay scheduling (Zaharia et al., EuroSys
 * 2010): a job whose next tasks all prefer nodes that have no room waits up to
 * locality_wait for one of them before it takes any node.
 */
#include <string.h>

#include "sched-pass.h"
#include "xmalloc.h"

enum node_fit { FIT_OK, FIT_NO, FIT_RESERVED };

static enum node_fit node_check(const struct pass *p, const struct rm_job *j, size_t ix,
				bool strict, const struct res *want)
{
	const struct sched_node *sn = &p->out->nodes[ix];
	const struct rm_job *holder = sn->node->sched_resv;

	if (!res_fits(want, &sn->free) || !node_labels_ok(sn->node, &j->spec) ||
	    (strict && job_node_excluded(j, sn->node)))
		return FIT_NO;
	if (holder != NULL && !sched_resv_allows(p, j, holder, ix, want))
		return FIT_RESERVED;
	return FIT_OK;
}

bool sched_node_ok(const struct pass *p, const struct rm_job *j, size_t ix, bool strict,
		   const struct res *want)
{
	return node_check(p, j, ix, strict, want) == FIT_OK;
}

long sched_find_node(struct pass *p, const struct rm_job *j, const struct rm_task *t,
		     bool strict, size_t *cursor, bool *resv_skipped)
{
	/* Why: nodes out of vcores or memory leave the active list, so a full cluster is
	 * searched in the time of its few nodes with room. */
	const struct res *w = &j->spec.res;
	bool act = w->vcores_m > 0 && w->mem_mb > 0;
	size_t n = act ? p->nact : p->out->nnodes;
	long fallback = -1;
	size_t fpos = 0;

	if (act && w->mem_mb > p->mem_by_v[w->vcores_m / 1000 < SKY_BUCKETS ?
					     w->vcores_m / 1000 : SKY_BUCKETS - 1])
		return -1; /* no node had that much room as the pass started */

	for (size_t k = 0; k < n; k++) {
		size_t pos = (*cursor + k) % n, ix = act ? p->s->act[pos] : pos;
		enum node_fit f = node_check(p, j, ix, strict, &j->spec.res);
		if (f == FIT_RESERVED)
			*resv_skipped = true;
		if (f != FIT_OK)
			continue;
		if (t->nfailed > 0 && task_failed_on(t, p->out->nodes[ix].node)) {
			if (fallback < 0) {
				fallback = (long)ix;
				fpos = pos;
			}
			continue;
		}
		*cursor = pos + 1;
		return (long)ix;
	}
	if (fallback >= 0)
		*cursor = fpos + 1;
	return fallback;
}

/* ---- node names --------------------------------------------------------------------- */

static size_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

/* Nodes are never removed before the cluster: the table grows with cl->nnodes. */
static void names_build(struct pass *p)
{
	struct sched_scratch *s = p->s;
	const struct cluster *cl = p->cl;
	size_t cap = 64;

	while (cap < 2 * cl->nnodes)
		cap *= 2;
	if (cap > s->capnames) {
		free(s->names);
		s->names = xcalloc(cap, sizeof(*s->names));
		s->capnames = cap;
	}
	memset(s->names, 0xff, s->capnames * sizeof(*s->names)); /* -1: empty */
	for (size_t i = 0; i < cl->nnodes; i++) {
		size_t h = name_hash(cl->nodes[i]->name) & (s->capnames - 1);
		while (s->names[h] >= 0)
			h = (h + 1) & (s->capnames - 1);
		s->names[h] = (int32_t)i;
	}
	s->nnamed = cl->nnodes;
}

long sched_node_named(struct pass *p, const char *name)
{
	struct sched_scratch *s = p->s;

	if (s->nnamed != p->cl->nnodes || s->capnames == 0)
		names_build(p);
	for (size_t h = name_hash(name) & (s->capnames - 1); s->names[h] >= 0;
	     h = (h + 1) & (s->capnames - 1)) {
		const struct rm_node *n = p->cl->nodes[s->names[h]];
		if (strcmp(n->name, name) == 0)
			return n->sched_stamp == p->stamp ? (long)n->sched_ix : -1;
	}
	return -1;
}

/* ---- one task ----------------------------------------------------------------------- */

static bool has_labels(const struct job_spec *s)
{
	return s->nrequire_labels > 0 || s->nexclude_labels > 0;
}

static bool known_nofit(const struct pass *p, const struct res *want)
{
	for (int i = 0; i < p->nnofit; i++)
		if (res_fits(&p->nofit[i], want)) /* want >= a shape that fit nowhere */
			return true;
	return false;
}

/* Keeps the smallest shapes: a new one replaces those it is smaller than. */
static void add_nofit(struct pass *p, const struct res *want)
{
	int k = 0;

	for (int i = 0; i < p->nnofit; i++)
		if (!res_fits(want, &p->nofit[i]))
			p->nofit[k++] = p->nofit[i];
	p->nnofit = k;
	if (p->nnofit < NOFIT_MAX)
		p->nofit[p->nnofit++] = *want;
}

static void take(struct pass *p, struct rm_job *j, int32_t ti, size_t ix)
{
	sched_it_take(p, j, ti);
	sched_place(p, j, ti, ix);
}

/*
 * Task ti on any node that can take it. Why the shape cache has two conditions: a node
 * that refused a shape for want of room refuses it to every job, but labels and
 * exclusions are the job's own; and a reserved node refuses only jobs it does not
 * allow (sched_resv_allows), so with reservations about only such plain jobs may trust
 * the cache.
 */
static enum unit_result anywhere(struct pass *p, struct rm_job *j, int32_t ti, bool strict)
{
	const struct res *want = &j->spec.res;
	bool own = !strict && !has_labels(&j->spec), skipped = false;
	bool plain = own && (p->nheld == 0 ||
			     (j->spec.time_limit_ms == 0 && j->queue->resv_job != j &&
			      !sched_below_guarantee(p, j->queue)));
	long ix = -1;

	if (!plain || !known_nofit(p, want))
		ix = sched_find_node(p, j, &j->tasks[ti], strict, &p->cursor, &skipped);
	if (ix >= 0) {
		take(p, j, ti, (size_t)ix);
		return UNIT_PLACED;
	}
	if (own && !known_nofit(p, want))
		add_nofit(p, want);
	return sched_no_room(p, j, 0, 1, strict);
}

/* A preferred node of task t that can take it now, or -1. */
static long preferred(struct pass *p, const struct rm_job *j, int32_t t, bool strict)
{
	const struct task_pref *pr = &j->spec.prefer[t];

	for (int i = 0; i < pr->n; i++) {
		long ix = sched_node_named(p, pr->nodes[i]);
		if (ix >= 0 && sched_node_ok(p, j, (size_t)ix, strict, &j->spec.res) &&
		    !(j->tasks[t].nfailed > 0 &&
		      task_failed_on(&j->tasks[t], p->out->nodes[ix].node)))
			return ix;
	}
	return -1;
}

/*
 * Looks at the job's next LOC_SCAN tasks: the first with a preferred node that fits is
 * placed there. Otherwise *ti is the task to place anywhere: one without preferences,
 * or the head once the job has waited locality_wait; UNIT_LIMIT while it waits.
 */
static enum unit_result locality(struct pass *p, struct rm_job *j, bool strict, int32_t *ti)
{
	struct sched_it it;
	int32_t t, nopref = -1;
	const char *want = NULL;
	int64_t wait = p->cl->sc.locality_wait_us;

	sched_it_start(p, j, &it);
	for (int k = 0; k < LOC_SCAN && (t = sched_it_next(p, j, &it)) >= 0; k++) {
		if (t >= j->spec.nprefer || j->spec.prefer[t].n == 0) {
			nopref = nopref < 0 ? t : nopref;
			continue;
		}
		if (want == NULL)
			want = j->spec.prefer[t].nodes[0];
		long ix = preferred(p, j, t, strict);
		if (ix >= 0) {
			take(p, j, t, (size_t)ix);
			j->loc_since_us = 0;
			return UNIT_PLACED;
		}
	}
	if (nopref >= 0 || want == NULL) {
		*ti = nopref >= 0 ? nopref : *ti;
		return UNIT_DONE;
	}
	if (j->loc_since_us == 0)
		j->loc_since_us = p->now;
	int64_t until = j->loc_since_us + wait;
	if (p->now >= until)
		return UNIT_DONE; /* waited long enough: any node */
	sched_reason(j, "waiting up to %gs for a preferred node (%s)", (double)wait / 1e6, want);
	if (p->out->wake_us == 0 || until < p->out->wake_us)
		p->out->wake_us = until;
	return UNIT_LIMIT;
}

enum unit_result sched_single(struct pass *p, struct rm_job *j, bool strict)
{
	struct sched_it it;
	int32_t ti;

	sched_it_start(p, j, &it);
	ti = sched_it_next(p, j, &it);
	if (j->spec.nprefer > 0 && p->cl->sc.locality_wait_us >= 0) {
		enum unit_result r = locality(p, j, strict, &ti);
		if (r != UNIT_DONE)
			return r;
	}
	return anywhere(p, j, ti, strict);
}
