/*
 * loom-mapreduce: a MapReduce engine that runs on Loom as a framework, through the public
 * libloom API only. It splits the inputs into M line-aligned ranges, runs a map task per
 * range in its own container, shuffles the "key<TAB>value" lines by key into R partitions
 * on the shared working directory, runs R reduce tasks, and commits exactly one output
 * per partition. See README.md.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mr.h"
#include "util.h"

enum opt_kind { O_STR, O_INT, O_DBL, O_MEM, O_MS, O_FLAG, O_FILES, O_APPEND };

/* One command-line option: its kind, where it goes and, for numbers, its range. */
struct opt {
	const char *name;
	enum opt_kind kind;
	size_t off;
	int64_t min, max;
	const char *help;
};

#define F(field) offsetof(struct mr_opts, field)
static const struct opt opts[] = {
	{ "--input", O_FILES, F(inputs), 0, 0, "FILE...   input files (lines)" },
	{ "--maps", O_INT, F(maps), 1, 100000, "M         map tasks (splits)" },
	{ "--reduces", O_INT, F(reduces), 1, 10000, "R         reduce partitions" },
	{ "--map", O_STR, F(map_cmd), 0, 0, "CMD       map command (sh -c): lines in, key<TAB>value out" },
	{ "--reduce", O_STR, F(reduce_cmd), 0, 0, "CMD       reduce command: sorted key<TAB>value in" },
	{ "--output", O_STR, F(output), 0, 0, "DIR       where part-NNNNN files are committed" },
	{ "--workdir", O_STR, F(workdir), 0, 0, "DIR       shared working directory (shuffle)" },
	{ "--vcores", O_DBL, F(vcores), 0, 1024, "N         vcores per task (default 1)" },
	{ "--mem", O_MEM, F(mem_mb), 1, INT64_MAX, "SIZE      memory per task, e.g. 256M (default)" },
	{ "--queue", O_STR, F(queue), 0, 0, "QUEUE     leaf queue (default: rmd's)" },
	{ "--rm", O_STR, F(rm), 0, 0, "ADDR      rmd address (default $LOOM_RM)" },
	{ "--name", O_STR, F(name), 0, 0, "NAME      framework name (default generated)" },
	{ "--priority", O_INT, F(priority), -1000, 1000, "N         container priority" },
	{ "--max-attempts", O_INT, F(max_attempts), 1, 100, "N         failures per task before the job fails (4)" },
	{ "--spec-min", O_MS, F(spec_min_ms), 0, INT64_MAX, "MS        least run time before a speculative copy (1000)" },
	{ "--no-speculation", O_FLAG, F(no_speculation), 0, 0, "          never launch speculative copies" },
	{ "--keep-shuffle", O_FLAG, F(keep_shuffle), 0, 0, "          keep <workdir>/shuffle after success" },
	{ "--env", O_APPEND, F(env), 0, 0, "KEY=VALUE extra environment for every task" },
	{ "--task-bin", O_STR, F(task_bin), 0, 0, "PATH      the runner (default: loom-mr-task beside us)" },
};
#undef F

static _Noreturn void usage(int code)
{
	FILE *f = code ? stderr : stdout;

	fprintf(f, "usage: loom-mapreduce --input FILE... --maps M --reduces R --map CMD "
		   "--reduce CMD --output DIR --workdir DIR [options]\n");
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		fprintf(f, "  %-16s %s\n", opts[i].name, opts[i].help);
	exit(code);
}

/* "256M", "2G", "512K" or plain MiB. */
static int parse_mem(const char *s, int64_t *mb)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	int64_t mult = *end == 'G' ? 1024 : 1;

	if (end == s || v < 0 || (*end && strchr("KMG", *end) == NULL) || (*end && end[1]))
		return -1;
	*mb = *end == 'K' ? (v + 1023) / 1024 : v * mult;
	return 0;
}

static int set_number(const struct opt *o, const char *v, void *dst)
{
	int64_t n;
	char *end;

	if (o->kind == O_DBL) {
		double d = strtod(v, &end);
		if (end == v || *end || d <= 0 || d > (double)o->max)
			return -1;
		*(double *)dst = d;
		return 0;
	}
	if ((o->kind == O_MEM ? parse_mem(v, &n) : mr_parse_i64(v, &n)) < 0 || n < o->min ||
	    n > o->max)
		return -1;
	*(int64_t *)dst = n;
	return 0;
}

/* Applies option o at argv[i]; returns how many arguments it used. */
static int apply(struct mr_opts *mo, const struct opt *o, int argc, char **argv, int i)
{
	void *dst = (char *)mo + o->off;
	int used = 1;

	if (o->kind == O_FLAG) {
		*(bool *)dst = true;
		return 0;
	}
	if (o->kind == O_FILES) {
		size_t *n = &mo->ninputs;
		while (i + used < argc && strncmp(argv[i + used], "--", 2) != 0) {
			mo->inputs = mr_realloc(mo->inputs, (*n + 1) * sizeof *mo->inputs);
			mo->inputs[(*n)++] = argv[i + used++];
		}
		return used - 1;
	}
	if (i + 1 >= argc)
		mr_die(2, "%s needs a value", o->name);
	if (o->kind == O_STR)
		*(const char **)dst = argv[i + 1];
	else if (o->kind == O_APPEND) {
		mo->env = mr_realloc(mo->env, (mo->nenv + 2) * sizeof *mo->env);
		mo->env[mo->nenv++] = argv[i + 1];
		mo->env[mo->nenv] = NULL;
	} else if (set_number(o, argv[i + 1], dst) < 0)
		mr_die(2, "%s: bad value '%s'", o->name, argv[i + 1]);
	return 1;
}

static void parse_args(int argc, char **argv, struct mr_opts *mo)
{
	for (int i = 1; i < argc; i++) {
		const struct opt *o = NULL;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			usage(0);
		for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++)
			if (strcmp(argv[i], opts[k].name) == 0)
				o = &opts[k];
		if (o == NULL) {
			mr_warn("unknown option '%s'", argv[i]);
			usage(2);
		}
		i += apply(mo, o, argc, argv, i);
	}
}

static void require(bool ok, const char *what)
{
	if (!ok) {
		mr_warn("%s is required", what);
		usage(2);
	}
}

/* The absolute form of a directory, created if missing. */
static char *abs_dir(const char *flag, const char *path)
{
	char buf[PATH_MAX];

	if (mr_mkdir_p(path) < 0 || realpath(path, buf) == NULL)
		mr_die(2, "%s %s: %s", flag, path, strerror(errno));
	return mr_strdup(buf);
}

/* The runner is installed beside the engine unless --task-bin says otherwise. */
static char *default_task_bin(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	char *slash;

	if (n <= 0)
		mr_die(1, "cannot find my own path (/proc/self/exe): %s; give --task-bin",
		       strerror(errno));
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	*slash = '\0';
	return mr_asprintf("%s/loom-mr-task", buf);
}

static bool dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool empty = true;

	while (d != NULL && empty && (e = readdir(d)) != NULL)
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	if (d != NULL)
		closedir(d);
	return empty;
}

/* Checks the options, fills defaults and makes every path absolute. */
static void setup(struct mr_job *j)
{
	struct mr_opts *o = &j->o;
	char buf[PATH_MAX];

	require(o->ninputs > 0, "--input");
	require(o->maps > 0, "--maps");
	require(o->reduces > 0, "--reduces");
	require(o->map_cmd != NULL, "--map");
	require(o->reduce_cmd != NULL, "--reduce");
	require(o->output != NULL, "--output");
	require(o->workdir != NULL, "--workdir");
	for (size_t i = 0; i < o->ninputs; i++) {
		if (realpath(o->inputs[i], buf) == NULL)
			mr_die(2, "--input %s: %s", o->inputs[i], strerror(errno));
		o->inputs[i] = mr_strdup(buf);
	}
	o->workdir = abs_dir("--workdir", o->workdir);
	o->output = abs_dir("--output", o->output);
	if (!dir_is_empty(o->output))
		mr_die(2, "--output %s: holds files already (give an empty or new directory)",
		       o->output);
	j->shuffle = mr_asprintf("%s/shuffle", o->workdir);
	if (access(j->shuffle, F_OK) == 0)
		mr_die(2, "--workdir %s: %s exists already (another job's? remove it)", o->workdir,
		       j->shuffle);
	o->task_bin = o->task_bin ? mr_strdup(o->task_bin) : default_task_bin();
	if (access(o->task_bin, X_OK) < 0)
		mr_die(2, "the task runner %s: %s", o->task_bin, strerror(errno));
	char *att[2] = { mr_asprintf("%s/_attempts", j->shuffle),
			 mr_asprintf("%s/_attempts", o->output) };
	for (int i = 0; i < 2; i++) {
		if (mr_mkdir_p(att[i]) < 0)
			mr_die(1, "cannot create %s: %s", att[i], strerror(errno));
		free(att[i]);
	}
}

static void free_job(struct mr_job *j)
{
	struct mr_task *sets[2] = { j->maps, j->reduces };
	int64_t counts[2] = { j->o.maps, j->o.reduces };

	for (int s = 0; s < 2; s++) {
		for (int64_t i = 0; s < 2 && sets[s] && i < counts[s]; i++) {
			for (size_t k = 0; k < sets[s][i].natt; k++)
				free(sets[s][i].att[k]);
			free(sets[s][i].att);
			free(sets[s][i].segs);
		}
		free(sets[s]);
	}
	for (size_t i = 0; i < j->o.ninputs; i++)
		free(j->o.inputs[i]);
	free(j->o.inputs);
	free(j->o.env);
	free((char *)j->o.workdir);
	free((char *)j->o.output);
	free((char *)j->o.task_bin);
	free(j->shuffle);
	free(j->early);
	free(j->last_report);
	if (j->tick)
		event_free(j->tick);
	if (j->retry)
		event_free(j->retry);
}

int main(int argc, char **argv)
{
	struct mr_job j = { .exit_code = -1, .start_ms = mr_now_ms() };
	struct loom_fw_cbs cbs = mr_callbacks;

	j.o = (struct mr_opts){ .vcores = 1, .mem_mb = 256, .max_attempts = 4,
				.spec_min_ms = 1000 };
	parse_args(argc, argv, &j.o);
	setup(&j);
	plan_splits(&j);
	j.base = event_base_new();
	if (j.base == NULL)
		mr_die(1, "cannot create an event loop");
	cbs.arg = &j;
	char host[64] = "host", *name = NULL;
	if (j.o.name == NULL) {
		/* unique among live frameworks, and says what it is in rmctl's lists */
		gethostname(host, sizeof host - 1);
		j.o.name = name = mr_asprintf("mapreduce-%s-%ld", host, (long)getpid());
	}
	j.fo = (struct loom_fw_opts){ .addr = j.o.rm, .name = j.o.name, .queue = j.o.queue };
	j.cbs = cbs;
	j.fw = loom_fw_start(j.base, &j.fo, &j.cbs);
	if (j.fw == NULL)
		mr_die(2, "cannot start the framework: bad --rm or --name");
	event_base_dispatch(j.base);
	if (j.exit_code < 0) {
		job_log(&j, "FAILED: the event loop ended early");
		j.exit_code = 1;
	}
	loom_fw_free(j.fw);
	/* libloom frees its connection on a later turn of the loop: give it those turns */
	event_base_loop(j.base, EVLOOP_NONBLOCK);
	event_base_loop(j.base, EVLOOP_NONBLOCK);
	int code = j.exit_code;
	free(name);
	free_job(&j);
	event_base_free(j.base);
	return code;
}
