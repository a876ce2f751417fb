/*
 * rmsubmit's command line into a job_spec. One table names every flag for getopt and says
 * how it changes the spec. Two passes: the first finds -f (and checks the syntax), the job
 * file is loaded, then the second applies the flags over the file's values.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "xmalloc.h"

const char submit_usage[] =
	"usage: rmsubmit [options] [--] COMMAND [ARGS...]\n"
	"       rmsubmit [options] --wrap 'shell command'\n"
	"       rmsubmit [options] -f JOBFILE\n"
	"\n"
	"Submits a job to rmd and prints its id (job-7) on stdout.\n"
	"\n"
	"  -n, --tasks N          partitions of the job (default 1)\n"
	"  -c, --vcores X         vcores per task, e.g. 2 or 0.5 (default 1)\n"
	"  -m, --mem SIZE         memory per task, e.g. 256M, 4G; MiB without suffix\n"
	"                         (default 512M)\n"
	"      --gpus N           gpus per task (default 0)\n"
	"  -q, --queue Q          leaf queue (default: rmd's default queue)\n"
	"  -J, --name NAME        job name (default: the command's base name)\n"
	"      --max-attempts N   attempts per task, 1..100 (default: the cluster's)\n"
	"      --priority N       -1000..1000, higher first (default 0)\n"
	"      --after JOBID      start after that job succeeded (repeatable)\n"
	"      --label L          run only on nodes with label L (repeatable: all of them)\n"
	"      --no-label L       never run on nodes with label L (repeatable)\n"
	"      --speculate        copy straggling tasks (LATE with progress reports, else\n"
	"                         Spark's rule); on unless rmd's speculation = false\n"
	"      --no-speculate     never copy this job's tasks (e.g. side effects)\n"
	"      --gang             start all tasks together or none (e.g. MPI, parameter\n"
	"                         servers); rmd reserves nodes until they all fit\n"
	"  -t, --time LIMIT       kill an attempt running longer than LIMIT: 90s, 10m, 2h,\n"
	"                         1d, or Slurm's MM, MM:SS, HH:MM:SS, D-HH[:MM[:SS]]\n"
	"      --prefer T=NODE[,NODE...]\n"
	"                         task T (0..tasks-1) would rather run on these nodes\n"
	"                         (where its data is); repeatable\n"
	"  -o, --output DIR       output directory (made absolute)\n"
	"      --workdir DIR      working directory of the tasks (made absolute)\n"
	"  -e, --env K=V          extra environment (repeatable)\n"
	"  -f, --file JOBFILE     read the job from a libconfig file; flags override it\n"
	"      --wrap CMD         run CMD with /bin/sh -c\n"
	"      --rm HOST:PORT     rmd's address (default $LOOM_RM, else 127.0.0.1:7420)\n"
	"  -w, --wait             wait for the job to end, showing progress on stderr\n"
	"      --json             print rmd's reply as JSON (with --wait: the final job)\n"
	"  -h, --help             this help\n"
	"\n"
	"Exit: 0 submitted (--wait: succeeded), 1 rejected or (--wait) failed or killed,\n"
	"2 bad usage or job file, 3 rmd unreachable.\n";

typedef int (*flag_fn)(struct job_spec *s, const char *v, char *err, size_t errlen);

/* One flag: getopt's view of it, and what it does to the spec (NULL: handled in pass 1). */
struct flag {
	const char *name;
	int code;      /* short option character, or a value >= 256 */
	bool arg;
	flag_fn apply;
};

enum { F_GPUS = 256, F_MAX_ATTEMPTS, F_PRIORITY, F_AFTER, F_WORKDIR, F_WRAP, F_RM, F_JSON,
       F_SPECULATE, F_NO_SPECULATE, F_LABEL, F_NO_LABEL, F_GANG, F_TIME, F_PREFER };

/* A whole number in [min, max] for flag name. */
static int parse_num(const char *name, const char *v, long long min, long long max,
		     long long *out, char *err, size_t errlen)
{
	char *end;

	*out = strtoll(v, &end, 10);
	if (end == v || *end != '\0') {
		snprintf(err, errlen, "--%s: '%s' is not a whole number", name, v);
		return -1;
	}
	if (*out < min || *out > max) {
		snprintf(err, errlen, "--%s must be %lld..%lld, not %s", name, min, max, v);
		return -1;
	}
	return 0;
}

#define INT_FLAG(fn, flagname, field, type, lo, hi)                                   \
	static int fn(struct job_spec *s, const char *v, char *err, size_t errlen)     \
	{                                                                               \
		long long n;                                                            \
		if (parse_num(flagname, v, lo, hi, &n, err, errlen) < 0)                \
			return -1;                                                      \
		s->field = (type)n;                                                     \
		return 0;                                                               \
	}
INT_FLAG(f_tasks, "tasks", ntasks, int32_t, 1, PROTO_MAX_TASKS)
INT_FLAG(f_gpus, "gpus", res.gpus, int64_t, 0, 1024)
INT_FLAG(f_max_attempts, "max-attempts", max_attempts, int32_t, 1, 100)
INT_FLAG(f_priority, "priority", priority, int32_t, -1000, 1000)

/* Prefixes a helper's message with the flag it came from. */
static int flag_err(int rc, const char *flag, char *err, size_t errlen)
{
	if (rc < 0) {
		char *m = xstrdup(err);
		snprintf(err, errlen, "%s: %s", flag, m);
		free(m);
	}
	return rc;
}

static int f_vcores(struct job_spec *s, const char *v, char *err, size_t errlen)
{
	return flag_err(res_parse_vcores(v, &s->res.vcores_m, err, errlen), "--vcores", err,
			errlen);
}

static int f_mem(struct job_spec *s, const char *v, char *err, size_t errlen)
{
	if (flag_err(res_parse_mem(v, &s->res.mem_mb, err, errlen), "--mem", err, errlen) < 0)
		return -1;
	if (s->res.mem_mb <= 0) {
		snprintf(err, errlen, "--mem must be more than 0");
		return -1;
	}
	return 0;
}

static int f_queue(struct job_spec *s, const char *v, char *err, size_t errlen)
{
	return spec_set_name(s->queue, sizeof s->queue, "--queue", v, err, errlen);
}

static int f_name(struct job_spec *s, const char *v, char *err, size_t errlen)
{
	return spec_set_name(s->name, sizeof s->name, "--name", v, err, errlen);
}

static int f_output(struct job_spec *s, const char *v, char *err, size_t errlen)
{
	return spec_set_path(&s->output_dir, NULL, v, "--output", err, errlen);
}

static int f_workdir(struct job_spec *s, const char *v, char *err, size_t errlen)
{
	return spec_set_path(&s->workdir, NULL, v, "--workdir", err, errlen);
}

static int f_env(struct job_spec *s, const char *v, char *err, size_t errlen)
{
	return flag_err(spec_add_env(s, v, err, errlen), "--env", err, errlen);
}

static int f_speculate(struct job_spec *s, const char *v, char *err, size_t errlen)
{
	s->speculation.mode = SPECULATE_ON;
	return 0;
}

static int f_no_speculate(struct job_spec *s, const char *v, char *err, size_t errlen)
{
	s->speculation.mode = SPECULATE_OFF;
	return 0;
}

/* --after job-3 (also "job-3,job-4"). */
static int f_after(struct job_spec *s, const char *v, char *err, size_t errlen)
{
	char *list = xstrdup(v), *save = NULL;
	int rc = 0;

	for (char *id = strtok_r(list, ",", &save); id != NULL && rc == 0;
	     id = strtok_r(NULL, ",", &save))
		rc = flag_err(spec_add_after(s, id, err, errlen), "--after", err, errlen);
	free(list);
	return rc;
}

static int f_label(struct job_spec *s, const char *v, char *err, size_t errlen)
{
	return flag_err(spec_add_label(s, false, v, err, errlen), "--label", err, errlen);
}

static int f_no_label(struct job_spec *s, const char *v, char *err, size_t errlen)
{
	return flag_err(spec_add_label(s, true, v, err, errlen), "--no-label", err, errlen);
}

static int f_gang(struct job_spec *s, const char *v, char *err, size_t errlen)
{
	s->gang = true;
	return 0;
}

static int f_time(struct job_spec *s, const char *v, char *err, size_t errlen)
{
	return flag_err(spec_parse_time_limit(v, &s->time_limit_ms, err, errlen), "--time", err,
			errlen);
}

static int f_prefer(struct job_spec *s, const char *v, char *err, size_t errlen)
{
	return flag_err(spec_parse_prefer(s, v, err, errlen), "--prefer", err, errlen);
}

static const struct flag flags[] = {
	{ "tasks", 'n', true, f_tasks },
	{ "vcores", 'c', true, f_vcores },
	{ "mem", 'm', true, f_mem },
	{ "gpus", F_GPUS, true, f_gpus },
	{ "queue", 'q', true, f_queue },
	{ "name", 'J', true, f_name },
	{ "max-attempts", F_MAX_ATTEMPTS, true, f_max_attempts },
	{ "priority", F_PRIORITY, true, f_priority },
	{ "after", F_AFTER, true, f_after },
	{ "label", F_LABEL, true, f_label },
	{ "no-label", F_NO_LABEL, true, f_no_label },
	{ "speculate", F_SPECULATE, false, f_speculate },
	{ "no-speculate", F_NO_SPECULATE, false, f_no_speculate },
	{ "gang", F_GANG, false, f_gang },
	{ "time", 't', true, f_time },
	{ "prefer", F_PREFER, true, f_prefer },
	{ "output", 'o', true, f_output },
	{ "workdir", F_WORKDIR, true, f_workdir },
	{ "env", 'e', true, f_env },
	{ "file", 'f', true, NULL },
	{ "wrap", F_WRAP, true, NULL },
	{ "rm", F_RM, true, NULL },
	{ "wait", 'w', false, NULL },
	{ "json", F_JSON, false, NULL },
	{ "help", 'h', false, NULL },
};
#define NFLAGS (sizeof flags / sizeof flags[0])

/* getopt's tables, made from flags[]: "+:n:c:..." (stop at the command, report ':'). */
static void getopt_tables(struct option *lo, char *so)
{
	size_t n = 0;

	so[n++] = '+';
	so[n++] = ':';
	for (size_t i = 0; i < NFLAGS; i++) {
		lo[i] = (struct option){ flags[i].name, flags[i].arg ? required_argument
								       : no_argument, NULL,
					 flags[i].code };
		if (flags[i].code < 256) {
			so[n++] = (char)flags[i].code;
			if (flags[i].arg)
				so[n++] = ':';
		}
	}
	so[n] = '\0';
	lo[NFLAGS] = (struct option){ NULL, 0, NULL, 0 };
}

static const struct flag *flag_by_code(int code)
{
	for (size_t i = 0; i < NFLAGS; i++)
		if (flags[i].code == code)
			return &flags[i];
	return NULL;
}

/* The getopt loop of one pass; pass 1 records the flags that are not spec fields, pass 2
 * applies the others in command-line order. Returns the index of the command, or -1. */
static int parse_pass(int pass, int argc, char **argv, struct submit_opts *o, const char **file,
		      const char **wrap, char *err, size_t errlen)
{
	struct option lo[NFLAGS + 1];
	char so[2 * NFLAGS + 3];
	int c;

	getopt_tables(lo, so);
	optind = 0; /* glibc: start over, forgetting any earlier scan */
	opterr = 0;
	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		const struct flag *f = flag_by_code(c);
		if (c == '?' && optopt > 0 && optopt < 256) {
			snprintf(err, errlen, "unknown option '-%c'", optopt);
			return -1;
		}
		if (c == '?' || c == ':') {
			snprintf(err, errlen, c == '?' ? "unknown option '%s'"
						       : "option '%s' needs a value", argv[optind - 1]);
			return -1;
		}
		if (pass == 2) {
			if (f != NULL && f->apply != NULL && f->apply(&o->spec, optarg, err, errlen) < 0)
				return -1;
			continue;
		}
		switch (c) {
		case 'f': *file = optarg; break;
		case F_WRAP: *wrap = optarg; break;
		case F_RM: o->rm = optarg; break;
		case 'w': o->wait = true; break;
		case F_JSON: o->json = true; break;
		case 'h': o->help = true; break;
		}
	}
	return optind;
}

/* The command: after the options, or --wrap; either replaces the job file's. */
static int set_command(struct submit_opts *o, int argc, char **argv, int first,
		       const char *wrap, char *err, size_t errlen)
{
	if (first < argc && wrap != NULL) {
		snprintf(err, errlen, "give either a command or --wrap, not both");
		return -1;
	}
	if (wrap != NULL && wrap[0] == '\0') {
		snprintf(err, errlen, "--wrap: the shell command is empty");
		return -1;
	}
	if (wrap != NULL)
		spec_set_shell(&o->spec, wrap);
	else if (first < argc)
		spec_set_argv(&o->spec, argv + first, argc - first);
	if (o->spec.name[0] == '\0' && wrap != NULL)
		snprintf(o->spec.name, sizeof o->spec.name, "wrap"); /* as Slurm names them */
	else if (o->spec.name[0] == '\0' && o->spec.nargv > 0) {
		const char *base = strrchr(o->spec.argv[0], '/');
		base = base != NULL && base[1] != '\0' ? base + 1 : o->spec.argv[0];
		snprintf(o->spec.name, sizeof o->spec.name, "%s", base);
	}
	return 0;
}

static void set_user(struct job_spec *s)
{
	struct passwd *pw = getpwuid(getuid());

	if (pw != NULL && strlen(pw->pw_name) < sizeof s->user)
		snprintf(s->user, sizeof s->user, "%s", pw->pw_name);
	else /* no passwd entry (a bare container): the uid still names someone */
		snprintf(s->user, sizeof s->user, "uid%u", (unsigned)getuid());
}

int submit_parse(int argc, char **argv, struct submit_opts *o, char *err, size_t errlen)
{
	const char *file = NULL, *wrap = NULL;
	int first;

	memset(o, 0, sizeof *o);
	spec_init(&o->spec);
	first = parse_pass(1, argc, argv, o, &file, &wrap, err, errlen);
	if (first < 0 || o->help)
		return first < 0 ? -1 : 0;
	if (file != NULL && jobfile_load(file, &o->spec, err, errlen) < 0)
		return -1;
	if (parse_pass(2, argc, argv, o, &file, &wrap, err, errlen) < 0 ||
	    set_command(o, argc, argv, first, wrap, err, errlen) < 0)
		return -1;
	set_user(&o->spec);
	return spec_check(&o->spec, err, errlen);
}

void submit_opts_free(struct submit_opts *o)
{
	job_spec_free(&o->spec);
}
