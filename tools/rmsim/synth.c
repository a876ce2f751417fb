/*
 * Synthetic workloads from a small libconfig file (see tools/rmsim/examples/): a
 * whole-node machine, job arrivals (Poisson, or the submit times of the Google or
 * Alibaba extracts in ../shared/traces/cloud/), task counts, task sizes, durations,
 * users' over-estimation and a queue mix, drawn from one seeded generator. The result is
 * an in-memory trace, so every batch policy, window and metric applies to it as to SWF.
 * The same file gives the same jobs on every run (splitmix64, no libc rand()).
 */
#include "rmsim.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "xmalloc.h"

struct synth_conf {
	int64_t seed, jobs, nodes, procs, users, queues;
	char *arrival, *arrival_file;
	int64_t mean_gap_ms, time_scale_pct;
	char *tasks_dist;
	int64_t tasks_min, tasks_max, task_procs;
	char *dur_dist;
	int64_t dur_min_ms, dur_max_ms;
	int64_t est_max_pct;
	int64_t on_ms, off_ms;
	struct synth_as as;
};

#define F(field) offsetof(struct synth_conf, field)
#define DAY_MS (24LL * 3600 * 1000)

static const struct conf_entry synth_table[] = {
	{ "seed", CONF_INT, 0, INT64_MAX, "1", F(seed), "the generator's seed" },
	{ "jobs", CONF_INT, 1, 10000000, "1000", F(jobs), "how many jobs to generate" },
	{ "nodes.count", CONF_INT, 1, 1000000, "64", F(nodes), "nodes in the machine" },
	{ "nodes.procs", CONF_INT, 1, 4096, "1", F(procs), "processors per node" },
	{ "arrival.kind", CONF_STR, 1, 16, "\"poisson\"", F(arrival),
	  "poisson, onoff (bursty Poisson), google (job_events SUBMIT times) or alibaba (batch_task "
	  "job create times)" },
	{ "arrival.mean_gap", CONF_MS, 1, DAY_MS, "\"60s\"", F(mean_gap_ms),
	  "poisson, onoff: mean time between arrivals (onoff: while on)" },
	{ "arrival.on", CONF_MS, 1000, DAY_MS, "\"10m\"", F(on_ms),
	  "onoff: length of a burst (Poisson arrivals at mean_gap)" },
	{ "arrival.off", CONF_MS, 0, DAY_MS, "\"50m\"", F(off_ms),
	  "onoff: quiet time between bursts (no arrivals)" },
	{ "arrival.file", CONF_STR, 0, 4095, "\"\"", F(arrival_file),
	  "google/alibaba: the trace (.csv or .csv.gz), relative to this file's directory" },
	{ "arrival.time_scale_pct", CONF_INT, 1, 1000000, "100", F(time_scale_pct),
	  "google/alibaba: the recorded gaps times this percentage (50 = twice as dense)" },
	{ "tasks.dist", CONF_STR, 1, 16, "\"uniform\"", F(tasks_dist),
	  "tasks per job: uniform or loguniform over [tasks.min, tasks.max]" },
	{ "tasks.min", CONF_INT, 1, 1000000, "1", F(tasks_min), "fewest tasks in a job" },
	{ "tasks.max", CONF_INT, 1, 1000000, "1", F(tasks_max), "most tasks in a job" },
	{ "tasks.procs", CONF_INT, 1, 4096, "1", F(task_procs), "processors per task" },
	{ "duration.dist", CONF_STR, 1, 16, "\"loguniform\"", F(dur_dist),
	  "run time: uniform, loguniform or exp (mean (min+max)/2, clamped to the range)" },
	{ "duration.min", CONF_MS, 1000, 365 * DAY_MS, "\"10s\"", F(dur_min_ms),
	  "shortest run time (whole seconds)" },
	{ "duration.max", CONF_MS, 1000, 365 * DAY_MS, "\"1d\"", F(dur_max_ms),
	  "longest run time" },
	{ "estimate.max_pct", CONF_INT, 100, 100000, "100", F(est_max_pct),
	  "requested time = run time x uniform(1, max_pct/100): users' over-estimation" },
	{ "users", CONF_INT, 1, 1000000, "1", F(users), "users, drawn uniformly per job" },
	{ "queues", CONF_INT, 1, 64, "1", F(queues), "queues 1..N, drawn uniformly per job" },
	/* --autoscale: one pool of nodes.procs-vcore nodes against nodes.count fixed ones */
	{ "autoscale.min", CONF_INT, 0, 1000000, "0", F(as.min), "--autoscale: pool minimum" },
	{ "autoscale.max", CONF_INT, 1, 1000000, "64", F(as.max), "--autoscale: pool maximum" },
	{ "autoscale.max_step", CONF_INT, 1, 1000000, "16", F(as.max_step),
	  "--autoscale: most nodes asked for in one decision" },
	{ "autoscale.grow_delay", CONF_MS, 0, DAY_MS, "\"10s\"", F(as.grow_delay_ms),
	  "--autoscale: demand unmet this long before nodes are asked for" },
	{ "autoscale.idle_timeout", CONF_MS, 0, DAY_MS, "\"5m\"", F(as.idle_timeout_ms),
	  "--autoscale: a node idle this long is drained and released" },
	{ "autoscale.cooldown", CONF_MS, 0, DAY_MS, "\"1m\"", F(as.cooldown_ms),
	  "--autoscale: no drain this soon after the last grow or drain" },
	{ "autoscale.start_timeout", CONF_MS, 1000, DAY_MS, "\"10m\"", F(as.start_timeout_ms),
	  "--autoscale: a node not up this long after it was asked for is given up" },
	{ "autoscale.boot_delay", CONF_MS, 0, DAY_MS, "\"90s\"", F(as.boot_delay_ms),
	  "--autoscale: from the ask to the node's registration" },
	{ "autoscale.tick", CONF_MS, 100, DAY_MS, "\"10s\"", F(as.tick_ms),
	  "--autoscale: time between two autoscaler decisions (rmd's cron)" },
};
#define NSYNTH (sizeof(synth_table) / sizeof(synth_table[0]))

/* ---- the generator ------------------------------------------------------------------ */

static uint64_t next64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double unif(uint64_t *s)
{
	return (double)(next64(s) >> 11) * 0x1.0p-53;
}

/* An integer in [lo, hi] from dist ("uniform", "loguniform" or "exp"). */
static int64_t draw(uint64_t *s, const char *dist, int64_t lo, int64_t hi)
{
	double u = unif(s), x;

	if (strcmp(dist, "loguniform") == 0)
		x = exp(log((double)lo) + u * (log((double)hi + 1) - log((double)lo)));
	else if (strcmp(dist, "exp") == 0)
		x = -((double)lo + (double)hi) / 2 * log(1 - u);
	else
		x = (double)lo + u * (double)(hi - lo + 1);
	x = floor(x);
	return x < (double)lo ? lo : x > (double)hi ? hi : (int64_t)x;
}

static bool dist_ok(const char *d, bool exp_ok)
{
	return strcmp(d, "uniform") == 0 || strcmp(d, "loguniform") == 0 ||
	       (exp_ok && strcmp(d, "exp") == 0);
}

/* Arrivals drawn here rather than read from a file. */
static bool poissonish(const struct synth_conf *c)
{
	return strcmp(c->arrival, "poisson") == 0 || strcmp(c->arrival, "onoff") == 0;
}

/* ---- checks beyond the table's ranges ------------------------------------------------- */

static int check(const struct synth_conf *c, const char *path, char *err, size_t errlen)
{
	const char *bad = NULL;

	if (!poissonish(c) && strcmp(c->arrival, "google") != 0 &&
	    strcmp(c->arrival, "alibaba") != 0)
		bad = "arrival.kind: poisson, onoff, google or alibaba";
	else if (!poissonish(c) && c->arrival_file[0] == '\0')
		bad = "arrival.file: needed for google and alibaba arrivals";
	else if (!dist_ok(c->tasks_dist, false))
		bad = "tasks.dist: uniform or loguniform";
	else if (!dist_ok(c->dur_dist, true))
		bad = "duration.dist: uniform, loguniform or exp";
	else if (c->tasks_min > c->tasks_max)
		bad = "tasks.min is above tasks.max";
	else if (c->dur_min_ms > c->dur_max_ms)
		bad = "duration.min is above duration.max";
	else if (c->tasks_max * c->task_procs > c->nodes * c->procs)
		bad = "tasks.max x tasks.procs is more than the machine's processors";
	else if (c->as.min > c->as.max)
		bad = "autoscale.min is above autoscale.max";
	if (bad == NULL)
		return 0;
	snprintf(err, errlen, "%s: %s", path, bad);
	return -1;
}

/* arrival.file as given when absolute, else next to the config file. */
static char *beside(const char *conf_path, const char *file)
{
	const char *slash = strrchr(conf_path, '/');

	if (file[0] == '/' || slash == NULL)
		return xstrdup(file);
	return xasprintf("%.*s/%s", (int)(slash - conf_path), conf_path, file);
}

static void make_jobs(const struct synth_conf *c, const int64_t *at, size_t nat,
		      struct swf_trace *t)
{
	uint64_t s = (uint64_t)c->seed;
	int64_t now = 0, on_ms = 0; /* onoff: time spent in bursts so far */
	bool onoff = strcmp(c->arrival, "onoff") == 0;
	/* Beyond the recorded arrivals, the pattern repeats one mean gap after its end. */
	int64_t span = nat > 0 ? at[nat - 1] - at[0] : 0;
	int64_t period = nat > 0 ? span + span / (int64_t)nat + 1 : 0;

	t->jobs = xcalloc((size_t)c->jobs, sizeof(*t->jobs));
	for (size_t i = 0; i < (size_t)c->jobs; i++) {
		struct swf_job *j = &t->jobs[i];
		int64_t tasks = draw(&s, c->tasks_dist, c->tasks_min, c->tasks_max);

		if (onoff) { /* Poisson in burst time, each finished burst followed by off */
			on_ms += (int64_t)llround(-(double)c->mean_gap_ms * log(1 - unif(&s)));
			now = (on_ms + on_ms / c->on_ms * c->off_ms) / 1000;
		} else if (nat == 0) {
			now += (int64_t)llround(-(double)c->mean_gap_ms / 1000 * log(1 - unif(&s)));
		}
		else if (!onoff)
			now = at[i % nat] - at[0] + (int64_t)(i / nat) * period;
		j->id = (int64_t)i + 1;
		j->submit = nat == 0 ? now : now * c->time_scale_pct / 100;
		j->run = draw(&s, c->dur_dist, c->dur_min_ms / 1000, c->dur_max_ms / 1000);
		j->req = (int64_t)ceil((double)j->run *
				       (1 + unif(&s) * (double)(c->est_max_pct - 100) / 100));
		j->procs = tasks * c->task_procs;
		j->nodes = (int32_t)((j->procs + c->procs - 1) / c->procs);
		j->user = draw(&s, "uniform", 1, c->users);
		j->queue = draw(&s, "uniform", 1, c->queues);
		j->line = 0;
	}
	t->njobs = t->nrecords = (size_t)c->jobs;
	t->max_nodes = c->nodes;
	t->max_procs = c->nodes * c->procs;
	t->max_jobs = t->max_records = c->jobs;
	t->unix_start = -1;
	t->ppn = (double)c->procs;
}

int synth_load(const char *path, struct swf_trace *t, struct synth_as *as, char *err,
	       size_t errlen)
{
	struct synth_conf c;
	int64_t *at = NULL;
	size_t nat = 0;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (conf_defaults(synth_table, NSYNTH, &c, err, errlen) != 0)
		return -1;
	if (conf_load(synth_table, NSYNTH, &c, path, err, errlen) == 0 &&
	    check(&c, path, err, errlen) == 0) {
		char *file = beside(path, c.arrival_file);
		rc = poissonish(&c) ? 0
		   : arrivals_load(file, strcmp(c.arrival, "google") == 0, &at, &nat, err, errlen);
		free(file);
	}
	if (rc == 0)
		make_jobs(&c, at, nat, t);
	if (rc == 0 && as != NULL) {
		*as = c.as;
		as->task_procs = c.task_procs;
	}
	free(at);
	conf_free(synth_table, NSYNTH, &c);
	return rc;
}

void synth_dump_defaults(FILE *f)
{
	struct synth_conf c;
	char err[256];

	if (conf_defaults(synth_table, NSYNTH, &c, err, sizeof(err)) == 0)
		conf_dump(synth_table, NSYNTH, &c, f);
	conf_free(synth_table, NSYNTH, &c);
}
