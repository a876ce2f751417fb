/*
 * loom-bench-sched: a benchmark of the scheduler core alone (rmcore: sched_pass +
 * cluster_apply over struct cluster), on one core, with no I/O. The cluster is driven by
 * stub cluster_ops as the unit tests' fixture does; attempts end through the core's
 * outcome path (RUNNING, EXITED 0, committed). Only sched_pass + cluster_apply are timed.
 *
 * It prints:
 *  1. placement throughput with N nodes and M queued tasks over J jobs of mixed shapes,
 *     and the p50/p99 duration of a pass for single-task events (one attempt ends, one
 *     pass runs);
 *  2. the median single-task-event pass time as nodes and pending tasks grow;
 *  3. the memory of the core's records per pending task, per node and per running
 *     attempt (mallinfo2 deltas, glibc).
 *
 * With --queues Q the cluster gets a tree of Q leaf queues of equal guarantees (built
 * with queue_add and installed with cluster_set_queues before any job), and the jobs are
 * spread round-robin over the queues and over --users U users in each, so every pass
 * orders queues and users by dominant share; the table then spans 10k-1M pending tasks.
 *
 * Run it from a RelWithDebInfo build (the project's default build type):
 *   cmake -S . -B build && cmake --build build --target loom-bench-sched
 *   build/bin/loom-bench-sched                        # one default queue, 100 jobs
 *   build/bin/loom-bench-sched --queues 100 --users 4 --events 2000
 *   build/bin/loom-bench-sched --quick [--queues 100] # a smaller run, seconds
 * --cpu-clock times passes by the process's CPU time instead of the wall clock, for
 * steadier figures on a shared machine.
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"
#include "log.h"

/* ---- driver: stub cluster_ops ------------------------------------------------------ */

struct bench {
	struct cluster cl;
	struct sched_result sr;
	int64_t now;
	struct rm_attempt **run; /* live attempts, in no order */
	size_t nrun, caprun;
	uint64_t rng;
	int nqueues;             /* leaf queues q000.. (0: cluster_init's one leaf) */
	int nusers;              /* users per queue */
	int njobs;               /* jobs added so far: the next one's queue and user */
};

static int64_t b_now(void *arg)
{
	return ((struct bench *)arg)->now;
}

static void b_launch(void *arg, struct rm_attempt *a)
{
	struct bench *b = arg;

	if (b->nrun == b->caprun) {
		b->caprun = b->caprun ? b->caprun * 2 : 1024;
		b->run = realloc(b->run, b->caprun * sizeof(*b->run));
		if (b->run == NULL) {
			perror("realloc");
			exit(1);
		}
	}
	b->run[b->nrun++] = a;
}

static void b_kill(void *arg, struct rm_attempt *a, const char *reason)
{
}

static void b_commit(void *arg, struct rm_attempt *a, bool c)
{
}

static void b_schedule(void *arg)
{
}

static const struct cluster_ops b_ops = { b_now, b_launch, b_kill, b_commit, b_schedule, NULL, NULL };

static uint64_t rnd(struct bench *b)
{
	uint64_t x = b->rng; /* xorshift64* */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	b->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* nq leaf queues under root, equal guarantees (their sum at most 100%), maximum 100%. */
static void set_queues(struct bench *b, int nq)
{
	struct queue_tree t;
	struct queue_conf c;
	char name[32], err[256];

	queue_tree_init(&t);
	queue_conf_defaults(&c);
	for (int r = 0; r < QR_N; r++)
		c.guar_pct[r] = floor(10000.0 / nq) / 100;
	for (int i = 0; i < nq; i++) {
		snprintf(name, sizeof(name), "q%03d", i);
		queue_add(&t, t.root, name, &c);
	}
	if (queue_tree_derive(&t, "q000", err, sizeof(err)) < 0 ||
	    cluster_set_queues(&b->cl, &t, err, sizeof(err)) < 0) {
		fprintf(stderr, "loom-bench-sched: queues: %s\n", err);
		exit(1);
	}
}

static void b_init(struct bench *b, uint64_t seed, int nqueues, int nusers)
{
	memset(b, 0, sizeof(*b));
	cluster_init(&b->cl, &b_ops, b);
	b->now = 1000000;
	b->rng = seed ? seed : 88172645463325252ULL;
	b->nqueues = nqueues;
	b->nusers = nusers > 0 ? nusers : 1;
	if (nqueues > 0)
		set_queues(b, nqueues);
}

static void b_free(struct bench *b)
{
	sched_result_free(&b->sr);
	cluster_free(&b->cl);
	free(b->run);
	b->run = NULL;
	b->nrun = b->caprun = 0;
}

static void add_nodes(struct bench *b, size_t n, int vcores, int64_t mem_mb)
{
	char name[64];

	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "node-%06zu", i);
		struct rm_node *nd = cluster_add_node(&b->cl, name);
		nd->capacity.vcores_m = (int64_t)vcores * 1000;
		nd->capacity.mem_mb = mem_mb;
		nd->peer = (struct peer *)b; /* any non-NULL pointer: never dereferenced */
		node_set_state(nd, NODE_RUNNING, "registered");
	}
}

static struct rm_job *add_job(struct bench *b, int32_t ntasks, int64_t vcores, int64_t mem_mb)
{
	char *argv[] = { "true", NULL };
	struct job_spec s = { .argv = argv, .nargv = 1, .ntasks = ntasks, .max_attempts = 4 };

	s.res.vcores_m = vcores * 1000;
	s.res.mem_mb = mem_mb;
	snprintf(s.name, sizeof(s.name), "bench");
	if (b->nqueues > 0) { /* round-robin over queues, then over each queue's users */
		snprintf(s.queue, sizeof(s.queue), "q%03d", b->njobs % b->nqueues);
		snprintf(s.user, sizeof(s.user), "u%d", b->njobs / b->nqueues % b->nusers);
	}
	b->njobs++;
	return cluster_add_job(&b->cl, &s);
}

/* njobs jobs of ntasks tasks each, each job its own shape: 1-4 vcores, 1-8 GiB. */
static void add_mixed_jobs(struct bench *b, int njobs, int32_t ntasks)
{
	for (int i = 0; i < njobs; i++)
		add_job(b, ntasks, 1 + (int64_t)(rnd(b) % 4), 1024 * (1 + (int64_t)(rnd(b) % 8)));
}

/* Ends one random live attempt through the outcome path: running, exited 0, committed. */
static void complete_one(struct bench *b)
{
	if (b->nrun == 0)
		return;
	size_t i = (size_t)(rnd(b) % b->nrun);
	struct rm_attempt *a = b->run[i];
	b->run[i] = b->run[--b->nrun];

	struct attempt_report r = { .id = a->id, .state = AR_RUNNING, .progress = -1 };
	b->now += 10;
	outcome_report(&b->cl, a, &r);
	r.state = AR_EXITED;
	outcome_report(&b->cl, a, &r);
	outcome_committed(&b->cl, a, true, true, "");
}

/* The clock passes are timed by: wall (CLOCK_MONOTONIC), or with --cpu-clock this
 * process's CPU time, which a shared, loaded machine disturbs far less (it leaves out the
 * time the process waited for a CPU). */
static clockid_t bench_clock = CLOCK_MONOTONIC;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(bench_clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One timed pass + apply; returns seconds, *npl the placements. */
static double timed_pass(struct bench *b, size_t *npl)
{
	double t0 = now_s();
	sched_pass(&b->cl, &b->sr);
	cluster_apply(&b->cl, &b->sr);
	double t1 = now_s();
	*npl = b->sr.npl;
	return t1 - t0;
}

static size_t pending_tasks(const struct cluster *cl)
{
	size_t n = 0;
	for (const struct rm_job *j = cl->q_head; j != NULL; j = j->q_next)
		n += (j->nrequeue - j->rq_head) + (size_t)(j->spec.ntasks - j->cursor);
	return n;
}

static size_t queued_jobs(const struct cluster *cl)
{
	size_t n = 0;
	for (const struct rm_job *j = cl->q_head; j != NULL; j = j->q_next)
		n++;
	return n;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

/* The q-th quantile (0..1) of v[0..n) (sorts v), nearest rank. */
static double quantile(double *v, size_t n, double q)
{
	qsort(v, n, sizeof(*v), cmp_double);
	size_t k = (size_t)(q * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

static size_t heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd; /* small blocks + mmapped ones */
}

/* ---- 1. throughput ----------------------------------------------------------------- */

struct opts {
	size_t nodes;
	size_t tasks;
	int jobs;       /* 0: 100, or with queues 2 a user */
	int queues;     /* leaf queues; 0 = the one default leaf */
	int users;      /* per queue */
	size_t k;       /* completions per throughput round */
	size_t rounds;  /* throughput rounds */
	size_t events;  /* single-task events */
	int table;
	int quick;
	uint64_t seed;
};

static void bench_main(const struct opts *o)
{
	struct bench b;
	size_t npl, heap0, heap1, heap2, heap3;
	int32_t per_job = (int32_t)(o->tasks / (size_t)o->jobs);

	b_init(&b, o->seed, o->queues, o->users);
	/* The driver's own list of live attempts, sized up front so the heap deltas below
	 * count only the core's records. */
	b.caprun = o->tasks;
	b.run = malloc(b.caprun * sizeof(*b.run));
	printf("== 1. placement throughput: %zu nodes (32 vcores, 128 GiB), %d jobs x %d tasks "
	       "(%zu queued; per job one shape of 1-4 vcores, 1-8 GiB)\n",
	       o->nodes, o->jobs, per_job, (size_t)per_job * (size_t)o->jobs);
	if (o->queues > 0)
		printf("   in %d leaf queues of equal guarantees, %d users each (jobs round-robin)\n",
		       o->queues, o->users);
	else
		printf("   in the one default queue\n");

	heap0 = heap_used();
	add_nodes(&b, o->nodes, 32, 128 * 1024);
	heap1 = heap_used();
	add_mixed_jobs(&b, o->jobs, per_job);
	heap2 = heap_used();

	double tfill = timed_pass(&b, &npl);
	heap3 = heap_used();
	size_t nfill = npl;
	printf("initial pass (empty cluster, fills it): %zu placements in %.3f ms = %.0f "
	       "placements/s\n", npl, tfill * 1e3, (double)npl / tfill);
	printf("after fill: %zu running, %zu pending in %zu queued jobs\n", b.nrun,
	       pending_tasks(&b.cl), queued_jobs(&b.cl));

	/* Rounds of K completions then one pass. */
	double tsum = 0, *rt = malloc(o->rounds * sizeof(double));
	size_t plsum = 0;
	for (size_t r = 0; r < o->rounds; r++) {
		for (size_t i = 0; i < o->k; i++)
			complete_one(&b);
		rt[r] = timed_pass(&b, &npl);
		tsum += rt[r];
		plsum += npl;
	}
	printf("steady state, %zu rounds of (complete %zu random attempts, one pass): "
	       "%zu placements in %.3f ms of pass+apply = %.0f placements/s; "
	       "pass p50 %.3f ms, p99 %.3f ms\n",
	       o->rounds, o->k, plsum, tsum * 1e3, tsum > 0 ? (double)plsum / tsum : 0.0,
	       quantile(rt, o->rounds, 0.5) * 1e3, quantile(rt, o->rounds, 0.99) * 1e3);
	free(rt);

	/* Single-task events. */
	double *et = malloc(o->events * sizeof(double));
	double esum = 0;
	size_t epl = 0, zero = 0;
	for (size_t e = 0; e < o->events; e++) {
		complete_one(&b);
		et[e] = timed_pass(&b, &npl);
		esum += et[e];
		epl += npl;
		zero += npl == 0;
	}
	printf("single-task events (complete 1 attempt, one pass) x %zu: %zu placements "
	       "(%zu passes placed nothing), %.0f placements/s of pass time\n",
	       o->events, epl, zero, esum > 0 ? (double)epl / esum : 0.0);
	double p50 = quantile(et, o->events, 0.5), p99 = quantile(et, o->events, 0.99);
	double pmax = et[o->events - 1];
	printf("  pass+apply duration: p50 %.3f ms, p99 %.3f ms, max %.3f ms, mean %.3f ms\n",
	       p50 * 1e3, p99 * 1e3, pmax * 1e3, esum / (double)o->events * 1e3);
	printf("  still %zu running, %zu pending in %zu queued jobs\n", b.nrun,
	       pending_tasks(&b.cl), queued_jobs(&b.cl));
	double tput = (double)(plsum + nfill) / (tsum + tfill);
	printf("goal > 100,000 placements/s: %s (steady-state rounds: %.0f/s; "
	       "incl. initial fill: %.0f/s)\n",
	       tsum > 0 && (double)plsum / tsum > 100000 ? "MET" : "MISSED",
	       tsum > 0 ? (double)plsum / tsum : 0.0, tput);
	printf("goal p99 < 1 ms for single-task events: %s (p99 %.3f ms)\n",
	       p99 < 1e-3 ? "MET" : "MISSED", p99 * 1e3);
	free(et);

	printf("\n== 3. memory of the core's records (mallinfo2 deltas)\n");
	printf("per node: %.0f bytes (%zu nodes, %zu bytes)\n",
	       (double)(heap1 - heap0) / (double)o->nodes, o->nodes, heap1 - heap0);
	printf("per pending task: %.1f bytes (%zu tasks in %d jobs, %zu bytes; incl. the "
	       "jobs' records)\n",
	       (double)(heap2 - heap1) / (double)((size_t)per_job * (size_t)o->jobs),
	       (size_t)per_job * (size_t)o->jobs, o->jobs, heap2 - heap1);
	printf("per placed (running) attempt: %.1f bytes (%zu placements of the fill pass, "
	       "%zu bytes; incl. the pass's scratch arrays;\n"
	       "  excludes the benchmark's own list of live attempts)\n",
	       nfill ? (double)(heap3 - heap2) / (double)nfill : 0.0, nfill, heap3 - heap2);
	printf("struct sizes: rm_node %zu, rm_job %zu, rm_task %zu, rm_attempt %zu, "
	       "sched_node %zu, placement %zu\n",
	       sizeof(struct rm_node), sizeof(struct rm_job), sizeof(struct rm_task),
	       sizeof(struct rm_attempt), sizeof(struct sched_node), sizeof(struct placement));
	b_free(&b);
}

/* ---- 2. table ---------------------------------------------------------------------- */

/*
 * One cell: n nodes exactly filled by 4-vcore/16-GiB tasks (8 per node; one job, or with
 * queues one job per queue), then mixed jobs holding `pending` tasks (100, or with queues
 * one per user of every queue). Each sample ends one random attempt and times one pass.
 * Returns the median seconds; *real_pending what was pending at the start.
 */
static double cell(const struct opts *o, size_t n, size_t pending, size_t samples,
		   uint64_t seed, size_t *real_pending, double *p99)
{
	struct bench b;
	size_t npl;
	int fills = o->queues > 0 ? o->queues : 1;
	int want = o->queues > 0 ? o->queues * o->users : 100;
	int njobs = pending >= (size_t)want ? want : (int)pending;

	b_init(&b, seed, o->queues, o->users);
	add_nodes(&b, n, 32, 128 * 1024);
	for (int i = 0; i < fills; i++) /* the remainder goes to the first job */
		add_job(&b, (int32_t)(n * 8 / (size_t)fills + (i == 0 ? n * 8 % (size_t)fills : 0)),
			4, 16 * 1024);
	timed_pass(&b, &npl);
	add_mixed_jobs(&b, njobs, (int32_t)(pending / (size_t)njobs));
	*real_pending = pending_tasks(&b.cl);
	timed_pass(&b, &npl); /* places nothing: full */

	double *t = malloc(samples * sizeof(double));
	for (size_t s = 0; s < samples; s++) {
		complete_one(&b);
		t[s] = timed_pass(&b, &npl);
	}
	double med = quantile(t, samples, 0.5);
	*p99 = quantile(t, samples, 0.99);
	free(t);
	b_free(&b);
	return med;
}

static void bench_table(const struct opts *o)
{
	size_t nodes[] = { 1000, 10000, 100000 };
	size_t pend_fifo[] = { 1000, 10000, 100000, 1000000 };
	size_t pend_queues[] = { 10000, 100000, 1000000 };
	size_t *pend = o->queues > 0 ? pend_queues : pend_fifo;
	size_t nn = 3, np = o->queues > 0 ? 3 : 4;

	if (o->quick) {
		nn = 2;
		np--;
	}
	if (o->queues > 0)
		printf("\n== 2. median pass+apply time (ms) of a single-task event, by nodes x "
		       "pending tasks (%d queues x %d users, a mixed job each; cluster full: 8 x "
		       "4-vcore tasks a node, one filler job a queue)\n", o->queues, o->users);
	else
		printf("\n== 2. median pass+apply time (ms) of a single-task event, by nodes x "
		       "pending tasks (100 queued jobs, mixed shapes; cluster full: 8 x 4-vcore "
		       "tasks a node)\n");
	printf("%-10s", "nodes");
	for (size_t j = 0; j < np; j++)
		printf(" %12zu", pend[j]);
	printf("   <- pending tasks\n");
	for (size_t i = 0; i < nn; i++) {
		size_t samples = nodes[i] >= 100000 ? 31 : 101;
		printf("%-10zu", nodes[i]);
		fflush(stdout);
		double p99s[4];
		for (size_t j = 0; j < np; j++) {
			size_t rp;
			double t = cell(o, nodes[i], pend[j], samples, o->seed + i * 7 + j, &rp,
					&p99s[j]);
			printf(" %12.3f", t * 1e3);
			fflush(stdout);
		}
		printf("   (p99:");
		for (size_t j = 0; j < np; j++)
			printf(" %.3f", p99s[j] * 1e3);
		printf("; %zu samples a cell)\n", samples);
	}
	if (o->quick)
		printf("(--quick: table capped at 10k nodes and 100k pending)\n");
}

static void usage(void)
{
	fprintf(stderr,
		"usage: loom-bench-sched [--nodes N] [--tasks M] [--jobs J] [--k K] "
		"[--rounds R] [--events E] [--no-table] [--quick] [--seed S]\n"
		"                        [--queues Q [--users U]] [--cpu-clock]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = { .nodes = 10000, .tasks = 1000000, .k = 1000, .users = 4,
			  .rounds = 100, .events = 20000, .table = 1, .seed = 1 };

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--quick") == 0) {
			o.quick = 1;
			o.nodes = 1000;
			o.tasks = 100000;
			o.rounds = 20;
			o.events = 2000;
			o.k = 100;
		} else if (strcmp(a, "--no-table") == 0) {
			o.table = 0;
		} else if (strcmp(a, "--cpu-clock") == 0) {
			bench_clock = CLOCK_PROCESS_CPUTIME_ID;
		} else if (v == NULL) {
			usage();
		} else if (strcmp(a, "--nodes") == 0) {
			o.nodes = strtoull(v, NULL, 10), i++;
		} else if (strcmp(a, "--tasks") == 0) {
			o.tasks = strtoull(v, NULL, 10), i++;
		} else if (strcmp(a, "--jobs") == 0) {
			o.jobs = atoi(v), i++;
		} else if (strcmp(a, "--k") == 0) {
			o.k = strtoull(v, NULL, 10), i++;
		} else if (strcmp(a, "--rounds") == 0) {
			o.rounds = strtoull(v, NULL, 10), i++;
		} else if (strcmp(a, "--events") == 0) {
			o.events = strtoull(v, NULL, 10), i++;
		} else if (strcmp(a, "--seed") == 0) {
			o.seed = strtoull(v, NULL, 10), i++;
		} else if (strcmp(a, "--queues") == 0) {
			o.queues = atoi(v), i++;
		} else if (strcmp(a, "--users") == 0) {
			o.users = atoi(v), i++;
		} else {
			usage();
		}
	}
	if (o.jobs == 0)
		o.jobs = o.queues > 0 ? 2 * o.queues * o.users : 100;
	if (o.nodes == 0 || o.jobs <= 0 || o.tasks < (size_t)o.jobs || o.rounds == 0 ||
	    o.events == 0 || o.queues < 0 || o.queues > 4096 || o.users <= 0)
		usage();
	log_open("loom-bench-sched", LL_ERROR, NULL);
	printf("passes timed by %s\n", bench_clock == CLOCK_MONOTONIC ? "the wall clock"
	       : "this process's CPU time (--cpu-clock)");
	bench_main(&o);
	if (o.table)
		bench_table(&o);
	return 0;
}
