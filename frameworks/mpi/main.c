/*
 * loom-mpirun: the command line, the event loop and the way out. It asks Loom for a gang of
 * N containers, then runs Open MPI's mpirun here with those containers' nodes as its hosts;
 * mpirun's remote starts of orted become container launches (see README.md).
 *
 *   loom-mpirun -n N [--vcores V] [--mem SIZE] [--queue Q] ... -- PROGRAM ARGS...
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpirun.h"

static const char usage_text[] =
	"usage: loom-mpirun -n N [options] -- PROGRAM [ARGS...]\n"
	"Runs an Open MPI program in N Loom containers allocated as one gang (all or none).\n"
	"  -n, --np N         MPI processes, one container each (1..4096)\n"
	"  --vcores V         vcores per container (default 1)\n"
	"  --mem SIZE         memory per container: 512M, 2G (default: rmd's)\n"
	"  --gpus N           GPUs per container\n"
	"  --queue Q          Loom queue (default: rmd's)\n"
	"  --name NAME        framework and request name (default: generated)\n"
	"  --time DURATION    time limit per container: 90s, 10m, 2h\n"
	"  --prefer NODE      preferred node (repeatable, <= 16)\n"
	"  --label LABEL      nodes must carry LABEL (repeatable, <= 16)\n"
	"  --mca KEY VALUE    passed to mpirun as --mca KEY VALUE (repeatable)\n"
	"  --mpirun PATH      Open MPI's mpirun (default: mpirun in PATH)\n"
	"  --rm ADDR          rmd's address (default: $LOOM_RM, else 127.0.0.1:7420)\n"
	"  -v, --verbose      say what happens on stderr\n"
	"Exit status: mpirun's; 1 when no job could be started.\n";

static void say(const char *fmt, va_list ap)
{
	fputs("loom-mpirun: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void lmr_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}

void lmr_log(const struct lmr *m, const char *fmt, ...)
{
	va_list ap;

	if (!m->o.verbose)
		return;
	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}

void *lmr_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p) {
		lmr_err("out of memory");
		abort();
	}
	return p;
}

/* "512", "512M", "2G", "1T" -> MB; -1 when malformed. */
static int64_t parse_mb(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	int64_t mul = 1;

	if (end == s || v <= 0)
		return -1;
	if (*end == 'G' || *end == 'g')
		mul = 1024, end++;
	else if (*end == 'T' || *end == 't')
		mul = 1024 * 1024, end++;
	else if (*end == 'M' || *end == 'm')
		end++;
	return *end || v > INT64_MAX / mul ? -1 : v * mul;
}

/* "90", "90s", "10m", "2h" -> ms; -1 when malformed. */
static int64_t parse_ms(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	int64_t mul = 1000;

	if (end == s || v <= 0)
		return -1;
	if (*end == 'm')
		mul = 60000, end++;
	else if (*end == 'h')
		mul = 3600000, end++;
	else if (*end == 's')
		end++;
	return *end || v > INT64_MAX / mul ? -1 : v * mul;
}

/* One option's setter: returns 0, or -1 with an error printed. */
typedef int (*opt_fn)(struct lmr_opts *o, const char *v);

static int set_n(struct lmr_opts *o, const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);

	o->n = (int)n;
	return *end || n < 1 || n > 4096 ? -1 : 0;
}

static int set_vcores(struct lmr_opts *o, const char *v)
{
	char *end;

	o->res.vcores = strtod(v, &end);
	return *end || !(o->res.vcores > 0 && o->res.vcores <= 1024) ? -1 : 0;
}

static int set_mem(struct lmr_opts *o, const char *v)
{
	return (o->res.memory_mb = parse_mb(v)) < 0 ? -1 : 0;
}

static int set_gpus(struct lmr_opts *o, const char *v)
{
	char *end;

	o->res.gpus = strtoll(v, &end, 10);
	return *end || o->res.gpus < 0 || o->res.gpus > 1024 ? -1 : 0;
}

static int set_time(struct lmr_opts *o, const char *v)
{
	return (o->time_limit_ms = parse_ms(v)) < 0 ? -1 : 0;
}

static int set_prefer(struct lmr_opts *o, const char *v)
{
	if (o->nprefer >= 16 || !*v)
		return -1;
	o->prefer[o->nprefer++] = v;
	return 0;
}

static int set_label(struct lmr_opts *o, const char *v)
{
	if (o->nlabels >= 16 || !*v)
		return -1;
	o->labels[o->nlabels++] = v;
	return 0;
}

static int set_queue(struct lmr_opts *o, const char *v) { o->queue = v; return *v ? 0 : -1; }
static int set_name(struct lmr_opts *o, const char *v) { o->name = v; return *v ? 0 : -1; }
static int set_mpirun(struct lmr_opts *o, const char *v) { o->mpirun = v; return *v ? 0 : -1; }
static int set_rm(struct lmr_opts *o, const char *v) { o->addr = v; return *v ? 0 : -1; }

static const struct opt {
	const char *name, *alias, *what; /* what: the expected value, for errors */
	opt_fn set;
} opts[] = {
	{ "--np", "-n", "a number of processes 1..4096", set_n },
	{ "--vcores", NULL, "a positive number of vcores", set_vcores },
	{ "--mem", NULL, "a size such as 512M or 2G", set_mem },
	{ "--gpus", NULL, "a number of GPUs 0..1024", set_gpus },
	{ "--time", NULL, "a duration such as 90s, 10m or 2h", set_time },
	{ "--prefer", NULL, "a node name (at most 16)", set_prefer },
	{ "--label", NULL, "a label (at most 16)", set_label },
	{ "--queue", NULL, "a queue name", set_queue },
	{ "--name", NULL, "a name", set_name },
	{ "--mpirun", NULL, "a path", set_mpirun },
	{ "--rm", NULL, "HOST:PORT", set_rm },
};

static const struct opt *find_opt(const char *a)
{
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (!strcmp(a, opts[i].name) || (opts[i].alias && !strcmp(a, opts[i].alias)))
			return &opts[i];
	return NULL;
}

/* Parses argv into o; returns 0, 1 for --help, or -1 with the error printed. */
static int parse_args(int argc, char **argv, struct lmr_opts *o)
{
	int i;

	o->mca = lmr_calloc((size_t)argc, sizeof *o->mca);
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const struct opt *op = find_opt(argv[i]);

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			o->verbose = true;
		} else if (!strcmp(argv[i], "--mca")) {
			if (i + 2 >= argc || !*argv[i + 1])
				return lmr_err("--mca wants KEY VALUE"), -1;
			o->mca[o->nmca++] = argv[++i];
			o->mca[o->nmca++] = argv[++i];
		} else if (!op) {
			return lmr_err("unknown option '%s' (try --help)", argv[i]), -1;
		} else if (i + 1 >= argc || op->set(o, argv[++i]) < 0) {
			return lmr_err("%s wants %s, got '%s'", op->name, op->what,
				       i < argc ? argv[i] : ""), -1;
		}
	}
	if (o->n == 0)
		return lmr_err("-n N is required: how many MPI processes (try --help)"), -1;
	if (i >= argc - 1)
		return lmr_err("no program: loom-mpirun -n N [options] -- PROGRAM [ARGS...]"), -1;
	o->prog = argv + i + 1;
	return 0;
}

/* How long rmd may take to confirm the unregistration. */
static const struct timeval unregister_wait = { 10, 0 };

static void on_quit_timer(evutil_socket_t fd, short what, void *arg)
{
	struct lmr *m = arg;

	lmr_err("rmd did not answer the unregistration; leaving (rmd releases the "
		"containers after its framework_grace)");
	event_base_loopexit(m->base, NULL);
}

void lmr_finish(struct lmr *m, int code)
{
	if (!m->stopping)
		m->exit_code = code;
	m->stopping = true;
	if (m->child > 0) {
		kill(m->child, SIGTERM); /* lmr_reap calls us again once it is gone */
		return;
	}
	if (m->unregistering)
		return;
	m->unregistering = true;
	if (!m->fw || m->fw_closed || loom_fw_stop(m->fw) != LOOM_OK) {
		event_base_loopexit(m->base, NULL);
		return;
	}
	lmr_log(m, "unregistering");
	m->quit = evtimer_new(m->base, on_quit_timer, m);
	evtimer_add(m->quit, &unregister_wait);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct lmr *m = arg;

	if (sig == SIGCHLD) {
		lmr_reap(m);
		return;
	}
	if (m->stopping && m->child > 0) { /* asked twice: mpirun does not listen */
		kill(m->child, SIGKILL);
		return;
	}
	lmr_err("%s: stopping", strsignal((int)sig));
	lmr_finish(m, 128 + (int)sig);
}

static void add_signals(struct lmr *m)
{
	static const int sigs[3] = { SIGCHLD, SIGINT, SIGTERM };

	for (int i = 0; i < 3; i++) {
		m->sigs[i] = evsignal_new(m->base, sigs[i], on_signal, m);
		evsignal_add(m->sigs[i], NULL);
	}
}

static void free_all(struct lmr *m)
{
	lmr_relay_free(m);
	lmr_cleanup_dir(m);
	loom_fw_free(m->fw);
	for (int i = 0; i < 3; i++)
		if (m->sigs[i])
			event_free(m->sigs[i]);
	if (m->quit)
		event_free(m->quit);
	if (m->drain)
		event_free(m->drain);
	event_base_free(m->base);
	free(m->conts);
	free(m->nodes);
	free(m->o.mca);
}

int main(int argc, char **argv)
{
	struct lmr m = { .exit_code = 1 };
	int rc = parse_args(argc, argv, &m.o);

	if (rc != 0) {
		if (rc > 0)
			fputs(usage_text, stdout);
		free(m.o.mca);
		return rc > 0 ? 0 : 2;
	}
	if (m.o.res.vcores == 0)
		m.o.res.vcores = 1;
	if (!m.o.mpirun)
		m.o.mpirun = "mpirun";
	signal(SIGPIPE, SIG_IGN);
	m.base = event_base_new();
	if (!m.base)
		return lmr_err("cannot create an event loop"), 1;
	add_signals(&m);
	if (lmr_fw_start(&m) == 0)
		event_base_dispatch(m.base);
	rc = m.exit_code;
	free_all(&m);
	return rc;
}
