/*
 * rmsim: replays an SWF trace through one of rmcore's batch policies with a virtual
 * clock and prints the published tables' figures, per window and their mean.
 *
 *   rmsim --trace FILE.swf[.gz] --policy POLICY [--window START:LEN]... [--windows paper]
 *         [--json]
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

struct opts {
	const char *trace;
	const struct batch_policy *pol;
	struct window win[MAX_WINDOWS];
	size_t nwin;
	bool json;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: rmsim --trace FILE.swf[.gz] --policy POLICY [--window START:LEN]..."
		   " [--windows paper] [--json]\n"
		   "  --window START:LEN  replay kept jobs [START, START+LEN) on an empty machine"
		   " (repeatable)\n"
		   "  --windows paper     the ten windows of the RLScheduler tables\n"
		   "  --json              one JSON object instead of a table\n"
		   "policies:\n");
	for (size_t i = 0; i < batch_npolicies; i++)
		fprintf(f, "  %-8s %s\n", batch_policies[i].name, batch_policies[i].help);
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 't': o->trace = optarg; break;
		case 'p':
			if ((o->pol = batch_policy_find(optarg)) == NULL)
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
		case 'h': usage(stdout); exit(0);
		default: die_usage("bad option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (o->trace == NULL)
		die_usage("--trace is required");
	if (o->pol == NULL)
		die_usage("--policy is required");
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct swf_trace t;
	struct metrics *m;
	struct sim_out *out;
	char err[512];
	bool windows;

	parse_args(argc, argv, &o);
	if (swf_load(o.trace, &t, err, sizeof(err)) != 0) {
		fprintf(stderr, "rmsim: %s\n", err);
		return EXIT_USAGE;
	}
	if (t.njobs == 0) {
		fprintf(stderr, "rmsim: %s: no jobs to replay\n", o.trace);
		return EXIT_USAGE;
	}
	windows = o.nwin > 0;
	if (!windows)
		add_window(&o, 0, t.njobs);
	for (size_t i = 0; i < o.nwin; i++)
		if (o.win[i].start > t.njobs || o.win[i].len > t.njobs - o.win[i].start)
			die_usage("window %zu:%zu goes past the %zu kept jobs", o.win[i].start,
				  o.win[i].len, t.njobs);

	m = xcalloc(o.nwin, sizeof(*m));
	for (size_t i = 0; i < o.nwin; i++) {
		out = xcalloc(o.win[i].len, sizeof(*out));
		sim_window(&t, o.pol, o.win[i].start, o.win[i].len, out);
		metrics_compute(out, o.win[i].len, (double)t.max_procs, &m[i]);
		m[i].start = o.win[i].start;
		free(out);
	}
	if (o.json) {
		metrics_print_json(stdout, o.trace, o.pol->name, m, o.nwin);
	} else {
		printf("trace %s: %zu of %zu records kept, %" PRId64 " nodes x %g processors\n"
		       "policy %s: %s\n", o.trace, t.njobs, t.nrecords, t.max_nodes, t.ppn,
		       o.pol->name, o.pol->help);
		metrics_print_text(stdout, m, o.nwin, windows);
	}
	free(m);
	swf_free(&t);
	return 0;
}
