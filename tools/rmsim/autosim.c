/*
 * --autoscale: a synthetic workload through rmcore's real cluster (struct cluster,
 * sched_pass, outcome_report / outcome_committed, rm_node_drain) with a virtual clock,
 * once on a fixed machine of nodes.count nodes and once on one autoscaled pool driven by
 * as_decide, the policy code rmd runs. simdrv.c's cluster_ops stand in for the agents:
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

struct boot {
	int64_t at_us;
	char *name;
};

struct asim {
	struct simdrv d;      /* the cluster and its stand-in agents */
	const struct swf_trace *t;
	const struct synth_as *as;
	double *wait;
	size_t nwait, capwait;
	struct boot *boots;
	size_t nboots, capboots;
	int32_t live, peak;   /* nodes paid for */
	double node_us;
	uint64_t nnames;
};

/* An attempt runs its job's run time (job ids are 1.. in trace order). */
static int64_t run_us(void *arg, const struct rm_attempt *a)
{
	return ((struct asim *)arg)->t->jobs[a->job->id - 1].run * US;
}

static void launched(void *arg, const struct rm_attempt *a)
{
	struct asim *s = arg;

	s->wait = xgrow(s->wait, &s->capwait, s->nwait + 1, sizeof(*s->wait));
	s->wait[s->nwait++] = (double)(s->d.now - a->job->submit_us) / US;
}

/* A registered node of procs vcores. */
static void node_up(struct asim *s, const char *name)
{
	simdrv_node_up(&s->d, name, (int64_t)s->t->ppn * 1000, (int64_t)s->t->ppn * 1024);
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
	cluster_add_job(&s->d.cl, &spec);
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
					s->d.now + s->as->boot_delay_ms * 1000, xstrdup(names[k]) };
			}
			as_add_done(p, a->count, names, (size_t)a->count, s->d.now);
			for (int32_t k = 0; k < a->count; k++)
				free(names[k]);
			free(names);
			s->live += a->count;
		} else if (a->kind == AS_DRAIN) {
			struct rm_node *n = cluster_find_node(&s->d.cl, a->node);
			if (n != NULL && rm_node_drain(&s->d.cl, n, -1, a->reason, err, sizeof(err)) < 0)
				log_error("rmsim", "%s", err);
		} else {
			struct rm_node *n = cluster_find_node(&s->d.cl, a->node);
			if (n != NULL && n->state != NODE_DECOMMISSIONED && n->state != NODE_LOST)
				node_lost(&s->d.cl, n, "released by the autoscaler");
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
		if (b->at_us > s->d.now) {
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

/* The next instant something happens, never before now. */
static int64_t next_at(const struct asim *s, const struct as_state *st, size_t next,
		       int64_t next_tick)
{
	int64_t at = simdrv_next(&s->d);

	if (next < s->t->njobs)
		at = min64(at, s->t->jobs[next].submit * US);
	for (size_t i = 0; i < s->nboots; i++)
		at = min64(at, s->boots[i].at_us);
	if (st != NULL)
		at = min64(at, next_tick);
	if (at == INT64_MAX) {
		log_error("rmsim", "tasks wait that no node can ever take");
		abort();
	}
	return at < s->d.now ? s->d.now : at;
}

/* True once every job ended and (autoscaled) the pool settled at its minimum. */
static bool settled(const struct asim *s, const struct as_state *st, size_t next)
{
	const struct cluster *cl = &s->d.cl;
	int32_t counts[ASN_STATE_MAX] = { 0 };

	if (next < s->t->njobs || cl->njob_state[JOB_SUCCEEDED] + cl->njob_state[JOB_FAILED] !=
					  (int32_t)s->t->njobs)
		return false;
	if (st == NULL)
		return true;
	as_pool_counts(&st->pools[0], counts);
	return counts[ASN_STARTING] == 0 && counts[ASN_DRAINING] == 0 &&
	       counts[ASN_RELEASING] == 0 && counts[ASN_UP] <= st->pools[0].c.min;
}

static void summarise(struct asim *s, const struct as_state *st, int64_t t0,
		      struct asim_out *o)
{
	int64_t last_end = s->d.last_end_us;

	if (st == NULL) /* the fixed machine is paid for up to the last completion */
		s->node_us = (double)s->t->max_nodes * (double)(last_end - t0);
	memset(o, 0, sizeof(*o));
	o->tasks = s->nwait;
	o->jobs_failed = (size_t)s->d.cl.njob_state[JOB_FAILED];
	o->node_s = s->node_us / US;
	o->peak = s->peak;
	o->makespan_s = (double)(last_end - t0) / US;
	qsort(s->wait, s->nwait, sizeof(*s->wait), cmp_double);
	for (size_t i = 0; i < s->nwait; i++)
		o->mean_wait_s += s->wait[i] / (double)s->nwait;
	if (s->nwait > 0) /* nearest rank */
		o->p95_wait_s = s->wait[(size_t)ceil(0.95 * (double)s->nwait) - 1];
	o->kills = s->d.nkills;
	if (st != NULL) {
		o->grows = st->pools[0].grows;
		o->drains = st->pools[0].drains;
	}
}

/* One replay: autoscaled when st is not NULL, else nodes.count fixed nodes. */
static void replay(const struct swf_trace *t, const struct synth_as *as, struct as_state *st,
		   struct asim_out *o)
{
	struct asim s = { .t = t, .as = as };
	struct as_result res = { 0 };
	size_t next = 0;
	int64_t t0 = t->jobs[0].submit * US, next_tick = t0;
	char name[64];

	simdrv_init(&s.d, run_us, launched, &s);
	s.d.cl.completed_kept = t->njobs; /* never trimmed: nothing calls cluster_trim */
	s.d.now = s.d.last_end_us = t0;
	if (st == NULL) {
		for (int64_t i = 0; i < t->max_nodes; i++) {
			snprintf(name, sizeof(name), "node-%" PRId64, i + 1);
			node_up(&s, name);
		}
		s.live = s.peak = (int32_t)t->max_nodes;
	}
	for (;;) {
		while (next < t->njobs && t->jobs[next].submit * US <= s.d.now)
			submit(&s, &t->jobs[next++]);
		simdrv_step(&s.d);
		if (st != NULL) {
			do_boots(&s, st);
			if (s.d.now >= next_tick) {
				nodes_failures_tick(&s.d.cl);
				as_decide(st, &s.d.cl, s.d.now, &res);
				apply_actions(&s, st, &res);
				next_tick += as->tick_ms * 1000;
			}
		}
		sched_pass(&s.d.cl, &s.d.sr);
		cluster_apply(&s.d.cl, &s.d.sr);
		simdrv_commits(&s.d);
		if (s.live > s.peak)
			s.peak = s.live;
		if (settled(&s, st, next))
			break;
		int64_t at = next_at(&s, st, next, next_tick);
		s.node_us += (double)s.live * (double)(at - s.d.now);
		s.d.now = at;
	}
	summarise(&s, st, t0, o);
	for (size_t i = 0; i < s.nboots; i++)
		free(s.boots[i].name);
	free(s.boots);
	free(s.wait);
	as_result_free(&res);
	simdrv_free(&s.d);
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
