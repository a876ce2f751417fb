/*
 * rmsim: replays workloads through rmcore with a virtual clock.
 *
 *   rmsim --trace FILE.swf[.gz] --policy POLICY [--window START:LEN]... [--windows paper]
 *         [--json]                       an SWF trace through a batch policy
 *   rmsim --config FILE.conf --policy POLICY [...]   a synthetic workload, likewise
 *   rmsim --trace FILE.swf[.gz] --policy drf [--queues FILE] [...]
 *                                        the same through rmcore's cluster and its
 *                                        queue-aware scheduler, with preemption
 *   rmsim --config FILE.conf --autoscale [--json]
 *                                        the workload on rmcore's cluster: fixed-size
 *                                        against autoscaled (as_decide), node-seconds and wait
 *   rmsim --pods PODS.csv --nodes NODES.csv [--packing NAME|all] [--json]
 *                                        a multi-resource pod trace on a node list
 *
 * Exit status: 0 done, 2 bad usage or input (the message names the flag or FILE:LINE).
 */
#include "rmsim.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

#define EXIT_USAGE 2
#define MAX_WINDOWS 1024

/* RLScheduler's ten windows (README "Which part of the trace"), 1,024 jobs each. */
static const size_t paper_starts[] = { 1981, 2756, 4299, 8850, 3316,
				       2714, 5228, 7762, 4022, 7085 };
#define PAPER_LEN 1024

struct window {
	size_t start, len;
};

/* --policy drf: not a batch policy but rmcore's own scheduler (drfsim.c). */
static const struct batch_policy drf_policy = {
	.name = "drf", .help = "rmcore's queue-aware scheduler (hierarchical DRF, gang, EASY "
	"for time limits, preemption) on its real cluster; --queues FILE for the tree" };

struct opts {
	const char *trace, *config, *pods, *nodes, *packing, *queues;
	const struct batch_policy *pol;
	struct window win[MAX_WINDOWS];
	size_t nwin;
	bool json, hold, autoscale;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: rmsim --trace FILE.swf[.gz] --policy POLICY [--window START:LEN]..."
		   " [--windows paper] [--json]\n"
		   "       rmsim --config FILE.conf --policy POLICY [--window ...] [--json]\n"
		   "       rmsim --trace FILE.swf[.gz] --policy drf [--queues FILE] [--window ...]"
		   " [--json]\n"
		   "       rmsim --config FILE.conf --autoscale [--json]\n"
		   "       rmsim --pods PODS.csv --nodes NODES.csv [--packing NAME|all] [--hold]"
		   " [--json]\n"
		   "       rmsim --dump-config\n"
		   "  --window START:LEN  replay kept jobs [START, START+LEN) on an empty machine"
		   " (repeatable)\n"
		   "  --windows paper     the ten windows of the RLScheduler tables\n"
		   "  --config FILE       a synthetic workload (--dump-config lists its keys)\n"
		   "  --autoscale         run the config's tasks on rmcore's cluster and scheduler,\n"
		   "                      on nodes.count fixed nodes and on a pool scaled by the\n"
		   "                      autoscaler's policy (autoscale.* keys): node-seconds,\n"
		   "                      peak nodes, mean and p95 task wait, makespan\n"
		   "  --queues FILE       --policy drf: the queue tree, from FILE's `queues` group\n"
		   "                      (rmd.conf's format); SWF queue N goes to leaf \"qN\" if\n"
		   "                      there is one, else to the default leaf\n"
		   "  --hold              pods keep their resources to the end (the cluster fills)\n"
		   "  --json              one JSON object instead of a table\n"
		   "policies:\n");
	for (size_t i = 0; i < batch_npolicies; i++)
		fprintf(f, "  %-10s %s\n", batch_policies[i].name, batch_policies[i].help);
	fprintf(f, "  %-10s %s\n", drf_policy.name, drf_policy.help);
	fprintf(f, "packings (default: all):\n");
	for (size_t i = 0; i < npackings; i++)
		fprintf(f, "  %-10s %s\n", packings[i].name, packings[i].help);
}

static void __attribute__((noreturn, format(printf, 1, 2))) die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("rmsim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (rmsim --help for usage)\n", stderr);
	exit(EXIT_USAGE);
}

static void add_window(struct opts *o, size_t start, size_t len)
{
	if (o->nwin == MAX_WINDOWS)
		die_usage("more than %d windows", MAX_WINDOWS);
	o->win[o->nwin++] = (struct window){ start, len };
}

/* A decimal size_t, all of s. */
static bool parse_size(const char *s, size_t *v)
{
	char *end;
	unsigned long long x;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || x > SIZE_MAX)
		return false;
	*v = (size_t)x;
	return true;
}

static void parse_window(struct opts *o, const char *arg)
{
	char buf[64];
	char *colon;
	size_t start, len;

	if (strlen(arg) >= sizeof(buf) || (colon = strchr(strcpy(buf, arg), ':')) == NULL)
		die_usage("--window wants START:LEN, not '%s'", arg);
	*colon = '\0';
	if (!parse_size(buf, &start) || !parse_size(colon + 1, &len) || len == 0)
		die_usage("--window wants START:LEN with LEN >= 1, not '%s'", arg);
	add_window(o, start, len);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "trace", required_argument, NULL, 't' },
		{ "policy", required_argument, NULL, 'p' },
		{ "window", required_argument, NULL, 'w' },
		{ "windows", required_argument, NULL, 'W' },
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "pods", required_argument, NULL, 'P' },
		{ "nodes", required_argument, NULL, 'n' },
		{ "packing", required_argument, NULL, 'k' },
		{ "dump-config", no_argument, NULL, 'd' },
		{ "hold", no_argument, NULL, 'H' },
		{ "autoscale", no_argument, NULL, 'A' },
		{ "queues", required_argument, NULL, 'Q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 't': o->trace = optarg; break;
		case 'p':
			if (strcmp(optarg, drf_policy.name) == 0)
				o->pol = &drf_policy;
			else if ((o->pol = batch_policy_find(optarg)) == NULL)
				die_usage("unknown policy '%s'", optarg);
			break;
		case 'w': parse_window(o, optarg); break;
		case 'W':
			if (strcmp(optarg, "paper") != 0)
				die_usage("--windows knows only 'paper', not '%s'", optarg);
			for (size_t i = 0; i < sizeof(paper_starts) / sizeof(*paper_starts); i++)
				add_window(o, paper_starts[i], PAPER_LEN);
			break;
		case 'j': o->json = true; break;
		case 'c': o->config = optarg; break;
		case 'P': o->pods = optarg; break;
		case 'n': o->nodes = optarg; break;
		case 'k':
			if (strcmp(optarg, "all") != 0 && packing_find(optarg) == NULL)
				die_usage("unknown packing '%s'", optarg);
			o->packing = optarg;
			break;
		case 'd': synth_dump_defaults(stdout); exit(0);
		case 'H': o->hold = true; break;
		case 'A': o->autoscale = true; break;
		case 'Q': o->queues = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: die_usage("bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if ((o->trace != NULL) + (o->config != NULL) + (o->pods != NULL) != 1)
		die_usage("--trace is required (or --config, or --pods), and only one of them");
	if (o->pods != NULL) {
		if (o->queues != NULL)
			die_usage("--queues is for --policy drf");
		if (o->nodes == NULL)
			die_usage("--pods needs --nodes");
		if (o->pol != NULL || o->nwin > 0)
			die_usage("--policy and --window are for --trace and --config");
		return;
	}
	if (o->nodes != NULL || o->packing != NULL || o->hold)
		die_usage("--nodes, --packing and --hold are for --pods");
	if (o->autoscale) {
		if (o->config == NULL)
			die_usage("--autoscale needs --config");
		if (o->pol != NULL || o->nwin > 0 || o->queues != NULL)
			die_usage("--autoscale takes no --policy, --window or --queues");
		return;
	}
	if (o->pol == NULL)
		die_usage("--policy is required");
	if (o->queues != NULL && o->pol != &drf_policy)
		die_usage("--queues is for --policy drf");
}

/* Replays each packing policy (or the one asked for) and prints a row per policy. */
static int run_pods(const struct opts *o)
{
	struct pods w;
	struct pods_stats st;
	char err[512];
	bool first = true;

	if (pods_load(&w, o->pods, o->nodes, err, sizeof(err)) != 0) {
		fprintf(stderr, "rmsim: %s\n", err);
		return EXIT_USAGE;
	}
	if (o->json)
		printf("{\"pods\":%zu,\"nodes\":%zu,\"gpus\":%lld,\"vcores\":%lld,\"hold\":%s,"
		       "\"packings\":[", w.npods, w.nnodes, (long long)(w.total.gpus / 1000),
		       (long long)(w.total.vcores_m / 1000), o->hold ? "true" : "false");
	else
		pods_print_head(stdout, o->pods, &w);
	for (size_t i = 0; i < npackings; i++) {
		if (o->packing != NULL && strcmp(o->packing, "all") != 0 &&
		    strcmp(o->packing, packings[i].name) != 0)
			continue;
		pods_replay(&w, &packings[i], o->hold, &st);
		if (o->json)
			pods_print_json(stdout, packings[i].name, &st, first);
		else
			pods_print_row(stdout, packings[i].name, &st);
		first = false;
	}
	if (o->json)
		printf("]}\n");
	pods_free(&w);
	return 0;
}

/* The synthetic workload on a fixed cluster and on an autoscaled one. */
static int run_autoscale(const struct opts *o)
{
	struct swf_trace t;
	struct synth_as as;
	struct asim_out fixed, scaled;
	char err[512];

	if (synth_load(o->config, &t, &as, err, sizeof(err)) != 0) {
		fprintf(stderr, "rmsim: %s\n", err);
		return EXIT_USAGE;
	}
	if (t.njobs == 0 || as.task_procs > (int64_t)t.ppn) {
		fprintf(stderr, "rmsim: %s: %s\n", o->config, t.njobs == 0 ? "no jobs to replay"
			: "--autoscale: tasks.procs is more than nodes.procs (a task spans one node)");
		swf_free(&t);
		return EXIT_USAGE;
	}
	asim_run(&t, &as, &fixed, &scaled);
	asim_print(stdout, o->json, o->config, &t, &as, &fixed, &scaled);
	swf_free(&t);
	return 0;
}

/* One window through the batch policy or, for drf, rmcore's scheduler; fills m. */
static int replay_window(const struct opts *o, const struct swf_trace *t,
			 const struct window *w, struct metrics *m)
{
	struct sim_out *out = xcalloc(w->len, sizeof(*out));
	struct leafq *lq = NULL;
	size_t nlq = 0;
	uint64_t preempted = 0;
	char err[512];

	if (o->pol != &drf_policy) {
		sim_window(t, o->pol, w->start, w->len, out);
	} else if (drf_window(t, o->queues, w->start, w->len, out, &lq, &nlq, &preempted, err,
			      sizeof(err)) < 0) {
		fprintf(stderr, "rmsim: window %zu:%zu: %s\n", w->start, w->len, err);
		qstats_free(lq, nlq);
		free(out);
		return -1;
	}
	metrics_compute(out, w->len, (double)t->max_procs, m);
	m->start = w->start;
	m->preemptions = preempted;
	m->lq = lq;
	m->nlq = nlq;
	free(out);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct swf_trace t;
	struct metrics *m;
	char err[512];
	bool windows;

	parse_args(argc, argv, &o);
	if (o.pods != NULL)
		return run_pods(&o);
	if (o.autoscale)
		return run_autoscale(&o);
	if ((o.trace != NULL ? swf_load(o.trace, &t, err, sizeof(err))
			     : synth_load(o.config, &t, NULL, err, sizeof(err))) != 0) {
		fprintf(stderr, "rmsim: %s\n", err);
		return EXIT_USAGE;
	}
	if (t.njobs == 0) {
		fprintf(stderr, "rmsim: %s: no jobs to replay\n", o.trace ? o.trace : o.config);
		return EXIT_USAGE;
	}
	windows = o.nwin > 0;
	if (!windows)
		add_window(&o, 0, t.njobs);
	for (size_t i = 0; i < o.nwin; i++)
		if (o.win[i].start > t.njobs || o.win[i].len > t.njobs - o.win[i].start)
			die_usage("window %zu:%zu goes past the %zu kept jobs", o.win[i].start,
				  o.win[i].len, t.njobs);

	if (o.queues != NULL && drf_check_queues(o.queues, err, sizeof(err)) < 0) {
		fprintf(stderr, "rmsim: %s\n", err);
		swf_free(&t);
		return EXIT_USAGE;
	}
	m = xcalloc(o.nwin, sizeof(*m));
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < o.nwin; i++)
		rc = replay_window(&o, &t, &o.win[i], &m[i]); /* a stall is rmcore's bug */
	const char *src = o.trace != NULL ? o.trace : o.config;
	if (rc == 0 && o.json) {
		metrics_print_json(stdout, src, o.pol->name, m, o.nwin);
	} else if (rc == 0) {
		printf("%s %s: %zu of %zu records kept, %" PRId64 " nodes x %g processors\n"
		       "policy %s: %s\n", o.trace ? "trace" : "synthetic", src, t.njobs,
		       t.nrecords, t.max_nodes, t.ppn, o.pol->name, o.pol->help);
		metrics_print_text(stdout, m, o.nwin, windows);
	}
	for (size_t i = 0; i < o.nwin; i++)
		metrics_free(&m[i]);
	free(m);
	swf_free(&t);
	return rc == 0 ? 0 : 1;
}
