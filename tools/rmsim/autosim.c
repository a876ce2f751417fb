/*
 * --autoscale: a synthetic workload through rmcore's real cluster (struct cluster,
 * sched_pass, outcome_report / outcome_committed, rm_node_drain) with a virtual clock,
 * once on a fixed machine of nodes.count nodes and once on one autoscaled pool driven by
 * as_decide, the policy code rmd runs. The cluster_ops below stand in for the agents:
 * a launch is remembered, and the attempt reports RUNNING then exit 0 after the job's run
 * time; a commit succeeds at once. The autoscaler's hooks succeed at once: an add names
 * its nodes, which register boot_delay later; a remove forgets the node.
 *
 * A node is paid for from the moment it is asked for to the moment it is removed (the
 * fixed machine: from the first arrival to the last completion). Task wait is from the
 * job's submission to the task's launch.
 */
#include "rmsim.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "autoscale.h"
#include "core.h"
#include "failures.h"
#include "log.h"
#include "xmalloc.h"

#define US 1000000LL

struct run { /* an attempt that ends at end_us (seq: launch order, for ties) */
	int64_t end_us, start_us;
	uint64_t seq;
	struct loom_id id;
};

struct boot {
	int64_t at_us;
	char *name;
};

struct asim {
	struct cluster cl;
	struct sched_result sr;
	const struct swf_trace *t;
	const struct synth_as *as;
	int64_t now;
	struct run *heap;
	size_t nheap, capheap;
	uint64_t seq;
	struct loom_id *commits;
	size_t ncommits, capcommits;
	double *wait;
	size_t nwait, capwait;
	struct boot *boots;
	size_t nboots, capboots;
	int32_t live, peak;   /* nodes paid for */
	double node_us;
	uint64_t nnames, nkills;
};

/* ---- the run heap (by end time, then launch order) --------------------------------- */

static bool before(const struct run *a, const struct run *b)
{
	return a->end_us != b->end_us ? a->end_us < b->end_us : a->seq < b->seq;
}

static void heap_push(struct asim *s, struct run r)
{
	size_t i = s->nheap++;

	s->heap = xgrow(s->heap, &s->capheap, s->nheap, sizeof(*s->heap));
	while (i > 0 && before(&r, &s->heap[(i - 1) / 2])) {
		s->heap[i] = s->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->heap[i] = r;
}

static struct run heap_pop(struct asim *s)
{
	struct run top = s->heap[0], last = s->heap[--s->nheap];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= s->nheap)
			break;
		if (c + 1 < s->nheap && before(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!before(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->nheap > 0)
		s->heap[i] = last;
	return top;
}

/* ---- cluster_ops: the agents ------------------------------------------------------- */

static int64_t ops_now(void *arg)
{
	return ((struct asim *)arg)->now;
}

static void ops_launch(void *arg, struct rm_attempt *a)
{
	struct asim *s = arg;
	int64_t run = s->t->jobs[a->job->id - 1].run; /* job ids are 1.. in trace order */

	heap_push(s, (struct run){ s->now + run * US, s->now, s->seq++, a->id });
	s->wait = xgrow(s->wait, &s->capwait, s->nwait + 1, sizeof(*s->wait));
	s->wait[s->nwait++] = (double)(s->now - a->job->submit_us) / US;
}

static void ops_kill(void *arg, struct rm_attempt *a, const char *reason)
{
	(void)a;
	(void)reason;
	((struct asim *)arg)->nkills++;
}

static void ops_commit(void *arg, struct rm_attempt *a, bool commit)
{
	struct asim *s = arg;

	if (!commit)
		return;
	s->commits = xgrow(s->commits, &s->capcommits, s->ncommits + 1, sizeof(*s->commits));
	s->commits[s->ncommits++] = a->id;
}

static void ops_schedule(void *arg)
{
	(void)arg; /* a pass follows every event anyway */
}

static const struct cluster_ops sim_ops = { ops_now, ops_launch, ops_kill, ops_commit,
					    ops_schedule, NULL };

/* Commits asked for during the last step succeed now. */
static void do_commits(struct asim *s)
{
	for (size_t i = 0; i < s->ncommits; i++) {
		struct rm_attempt *a = cluster_attempt(&s->cl, &s->commits[i]);
		if (a != NULL && a->state == ATT_COMMITTING)
			outcome_committed(&s->cl, a, true, true, NULL);
	}
	s->ncommits = 0;
}

static void finish(struct asim *s, const struct run *r)
{
	struct rm_attempt *a = cluster_attempt(&s->cl, &r->id);
	struct attempt_report rep = { .id = r->id, .state = AR_RUNNING, .progress = -1,
				      .start_us = r->start_us };

	if (a == NULL || !attempt_live(a))
		return;
	outcome_report(&s->cl, a, &rep);
	rep.state = AR_EXITED;
	rep.end_us = s->now;
	outcome_report(&s->cl, a, &rep);
}

/* A registered node of procs vcores (the fixture's way: any non-NULL peer). */
static void node_up(struct asim *s, const char *name)
{
	struct rm_node *n = cluster_find_node(&s->cl, name);

	if (n == NULL)
		n = cluster_add_node(&s->cl, name);
	n->capacity.vcores_m = (int64_t)s->t->ppn * 1000;
	n->capacity.mem_mb = (int64_t)s->t->ppn * 1024;
	n->peer = (struct peer *)s;
	node_set_state(n, NODE_RUNNING, "registered");
}

static void submit(struct asim *s, const struct swf_job *j)
{
	char *argv[] = { "sim", NULL };
	int64_t tp = s->as->task_procs;
	struct job_spec spec = { .argv = argv, .nargv = 1, .ntasks = (int32_t)(j->procs / tp),
				 .max_attempts = 1, .output_dir = "", .workdir = "" };

	spec.res.vcores_m = tp * 1000;
	spec.res.mem_mb = tp * 1024;
	snprintf(spec.name, sizeof(spec.name), "job%" PRId64, j->id);
	cluster_add_job(&s->cl, &spec);
}

/* ---- the autoscaler's actions, carried out at once ---------------------------------- */

static void apply_actions(struct asim *s, struct as_state *st, struct as_result *res)
{
	char err[256];

	for (size_t i = 0; i < res->n; i++) {
		struct as_action *a = &res->a[i];
		struct as_pool *p = &st->pools[a->pool];
		if (a->kind == AS_ADD) {
			char **names = xcalloc((size_t)a->count, sizeof(*names));
			for (int32_t k = 0; k < a->count; k++) {
				names[k] = xasprintf("%s-%" PRIu64, p->c.name, ++s->nnames);
				s->boots = xgrow(s->boots, &s->capboots, s->nboots + 1,
						 sizeof(*s->boots));
				s->boots[s->nboots++] = (struct boot){
					s->now + s->as->boot_delay_ms * 1000, xstrdup(names[k]) };
			}
			as_add_done(p, a->count, names, (size_t)a->count, s->now);
			for (int32_t k = 0; k < a->count; k++)
				free(names[k]);
			free(names);
			s->live += a->count;
		} else if (a->kind == AS_DRAIN) {
			struct rm_node *n = cluster_find_node(&s->cl, a->node);
			if (n != NULL && rm_node_drain(&s->cl, n, -1, a->reason, err, sizeof(err)) < 0)
				log_error("rmsim", "%s", err);
		} else {
			struct rm_node *n = cluster_find_node(&s->cl, a->node);
			if (n != NULL && n->state != NODE_DECOMMISSIONED && n->state != NODE_LOST)
				node_lost(&s->cl, n, "released by the autoscaler");
			as_released(p, a->node);
			s->live--;
		}
	}
}

/* Boots whose time has come: the node registers if its pool still wants it. */
static void do_boots(struct asim *s, struct as_state *st)
{
	size_t k = 0, idx;

	for (size_t i = 0; i < s->nboots; i++) {
		struct boot *b = &s->boots[i];
		if (b->at_us > s->now) {
			s->boots[k++] = *b;
			continue;
		}
		if (as_node_pool(st, b->name, &idx) != NULL)
			node_up(s, b->name);
		free(b->name);
	}
	s->nboots = k;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* One replay: autoscaled when st is not NULL, else nodes.count fixed nodes. */
static void replay(const struct swf_trace *t, const struct synth_as *as, struct as_state *st,
		   struct asim_out *o)
{
	struct asim s = { .t = t, .as = as };
	struct as_result res = { 0 };
	size_t next = 0;
	int64_t t0 = t->jobs[0].submit * US, next_tick = t0, last_end = t0;
	char name[64];

	cluster_init(&s.cl, &sim_ops, &s);
	s.cl.completed_kept = t->njobs; /* never trimmed: nothing calls cluster_trim */
	s.now = t0;
	if (st == NULL) {
		for (int64_t i = 0; i < t->max_nodes; i++) {
			snprintf(name, sizeof(name), "node-%" PRId64, i + 1);
			node_up(&s, name);
		}
		s.live = s.peak = (int32_t)t->max_nodes;
	}
	for (;;) {
		while (next < t->njobs && t->jobs[next].submit * US <= s.now)
			submit(&s, &t->jobs[next++]);
		while (s.nheap > 0 && s.heap[0].end_us <= s.now) {
			struct run r = heap_pop(&s);
			finish(&s, &r);
			last_end = s.now;
		}
		do_commits(&s);
		if (st != NULL) {
			do_boots(&s, st);
			if (s.now >= next_tick) {
				nodes_failures_tick(&s.cl);
				as_decide(st, &s.cl, s.now, &res);
				apply_actions(&s, st, &res);
				next_tick += as->tick_ms * 1000;
			}
		}
		sched_pass(&s.cl, &s.sr);
		cluster_apply(&s.cl, &s.sr);
		do_commits(&s);
		if (s.live > s.peak)
			s.peak = s.live;

		bool done = next == t->njobs && s.cl.njob_state[JOB_SUCCEEDED] +
			    s.cl.njob_state[JOB_FAILED] == (int32_t)t->njobs;
		int32_t counts[ASN_STATE_MAX] = { 0 };
		if (st != NULL)
			as_pool_counts(&st->pools[0], counts);
		if (done && (st == NULL || (counts[ASN_STARTING] == 0 &&
					    counts[ASN_DRAINING] == 0 &&
					    counts[ASN_RELEASING] == 0 &&
					    counts[ASN_UP] <= st->pools[0].c.min)))
			break;
		int64_t at = INT64_MAX;
		if (next < t->njobs)
			at = t->jobs[next].submit * US;
		if (s.nheap > 0)
			at = min64(at, s.heap[0].end_us);
		for (size_t i = 0; i < s.nboots; i++)
			at = min64(at, s.boots[i].at_us);
		if (st != NULL)
			at = min64(at, next_tick);
		if (at == INT64_MAX) {
			log_error("rmsim", "tasks wait that no node can ever take");
			abort();
		}
		if (at < s.now)
			at = s.now;
		s.node_us += (double)s.live * (double)(at - s.now);
		s.now = at;
	}
	if (st == NULL) /* the fixed machine is paid for up to the last completion */
		s.node_us = (double)t->max_nodes * (double)(last_end - t0);

	memset(o, 0, sizeof(*o));
	o->tasks = s.nwait;
	o->jobs_failed = (size_t)s.cl.njob_state[JOB_FAILED];
	o->node_s = s.node_us / US;
	o->peak = s.peak;
	o->makespan_s = (double)(last_end - t0) / US;
	qsort(s.wait, s.nwait, sizeof(*s.wait), cmp_double);
	for (size_t i = 0; i < s.nwait; i++)
		o->mean_wait_s += s.wait[i] / (double)s.nwait;
	if (s.nwait > 0) /* nearest rank */
		o->p95_wait_s = s.wait[(size_t)ceil(0.95 * (double)s.nwait) - 1];
	o->kills = s.nkills;
	if (st != NULL) {
		o->grows = st->pools[0].grows;
		o->drains = st->pools[0].drains;
	}

	for (size_t i = 0; i < s.nboots; i++)
		free(s.boots[i].name);
	free(s.boots);
	free(s.heap);
	free(s.commits);
	free(s.wait);
	as_result_free(&res);
	sched_result_free(&s.sr);
	cluster_free(&s.cl);
}

void asim_run(const struct swf_trace *t, const struct synth_as *as, struct asim_out *fixed,
	      struct asim_out *scaled)
{
	struct as_state st = { .pools = xcalloc(1, sizeof(struct as_pool)), .npools = 1 };
	struct as_pool_conf *c = &st.pools[0].c;

	log_open("rmsim", LL_ERROR, NULL);
	replay(t, as, NULL, fixed);
	c->name = xstrdup("sim");
	c->node.vcores_m = (int64_t)t->ppn * 1000;
	c->node.mem_mb = (int64_t)t->ppn * 1024;
	c->min = (int32_t)as->min;
	c->max = (int32_t)as->max;
	c->max_step = (int32_t)as->max_step;
	c->grow_delay_us = as->grow_delay_ms * 1000;
	c->idle_timeout_us = as->idle_timeout_ms * 1000;
	c->cooldown_us = as->cooldown_ms * 1000;
	c->start_timeout_us = as->start_timeout_ms * 1000;
	replay(t, as, &st, scaled);
	as_state_free(&st);
}

static void print_json_one(FILE *f, const char *key, const struct asim_out *o)
{
	fprintf(f, "\"%s\":{\"tasks\":%zu,\"node_seconds\":%.0f,\"peak_nodes\":%d,"
		   "\"mean_wait_s\":%.2f,\"p95_wait_s\":%.2f,\"makespan_s\":%.0f,"
		   "\"jobs_failed\":%zu,\"kills\":%" PRIu64 ",\"grows\":%" PRIu64
		   ",\"drains\":%" PRIu64 "}", key, o->tasks, o->node_s, o->peak, o->mean_wait_s,
		o->p95_wait_s, o->makespan_s, o->jobs_failed, o->kills, o->grows, o->drains);
}

void asim_print(FILE *f, bool json, const char *src, const struct swf_trace *t,
		const struct synth_as *as, const struct asim_out *fx, const struct asim_out *sc)
{
	double saved = fx->node_s > 0 ? 1 - sc->node_s / fx->node_s : 0;

	if (json) {
		fprintf(f, "{\"config\":\"%s\",\"jobs\":%zu,\"node_vcores\":%g,", src, t->njobs,
			t->ppn);
		print_json_one(f, "fixed", fx);
		fputc(',', f);
		print_json_one(f, "autoscaled", sc);
		fprintf(f, ",\"node_seconds_saved\":%.4f,\"mean_wait_cost_s\":%.2f}\n", saved,
			sc->mean_wait_s - fx->mean_wait_s);
		return;
	}
	fprintf(f, "synthetic %s: %zu jobs, %zu tasks; nodes of %g vcores\n"
		   "autoscaled pool: min %" PRId64 ", max %" PRId64 ", max_step %" PRId64
		   ", grow_delay %gs, idle_timeout %gs, cooldown %gs, boot_delay %gs, tick %gs\n",
		src, t->njobs, fx->tasks, t->ppn, as->min, as->max, as->max_step,
		(double)as->grow_delay_ms / 1000, (double)as->idle_timeout_ms / 1000,
		(double)as->cooldown_ms / 1000, (double)as->boot_delay_ms / 1000,
		(double)as->tick_ms / 1000);
	fprintf(f, "%-12s %12s %6s %12s %12s %12s\n", "cluster", "node-s", "peak",
		"mean wait s", "p95 wait s", "makespan s");
	fprintf(f, "%-12s %12.0f %6d %12.2f %12.2f %12.0f\n", "fixed", fx->node_s, fx->peak,
		fx->mean_wait_s, fx->p95_wait_s, fx->makespan_s);
	fprintf(f, "%-12s %12.0f %6d %12.2f %12.2f %12.0f\n", "autoscaled", sc->node_s,
		sc->peak, sc->mean_wait_s, sc->p95_wait_s, sc->makespan_s);
	fprintf(f, "autoscaling saves %.1f%% of node-seconds for %+.2f s of mean task wait "
		   "(%" PRIu64 " grows, %" PRIu64 " drains)\n", 100 * saved,
		sc->mean_wait_s - fx->mean_wait_s, sc->grows, sc->drains);
}
