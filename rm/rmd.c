/*
 * rmd: the resource manager daemon. main() reads the configuration, binds the two ports
 * and runs one libevent loop; everything else happens in callbacks on that loop. Periodic
 * chores live in one cron timer with named periods; work caused by messages (placement,
 * freeing closed connections) runs once at the end of a loop turn.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoscale-run.h"
#include "conf-queues.h"
#include "framework.h"
#include "log.h"
#include "rm.h"
#include "timeutil.h"
#include "xmalloc.h"

#define CRON_TICK_MS 100

static void trim_jobs(struct rmd *rmd)
{
	cluster_trim(&rmd->cl);
}

static void spec_cron(struct rmd *rmd)
{
	spec_run(rmd, false); /* its own period is spec_interval */
}

/* Kills attempts past their time limit (limits.c); half a second late at most. */
static void limits_cron(struct rmd *rmd)
{
	int64_t next;

	if (!rmd->recovering) /* adopted attempts' start times come back with their nodes */
		cluster_time_limits(&rmd->cl, &next);
}

/* The cron's chores, each run when its period has passed (Redis's run_with_period). */
static const struct cron_job {
	const char *name;
	int64_t period_ms;
	void (*fn)(struct rmd *rmd);
} cron_jobs[] = {
	{ "node-expiry", 100, nodes_check_expiry },
	{ "node-health", 200, health_tick },
	{ "log-timeouts", 1000, logs_check_timeouts },
	{ "job-retention", 5000, trim_jobs },
	{ "speculation", 100, spec_cron },
	{ "snapshot", 1000, journal_tick },
	{ "autoscale", 200, autoscale_tick },
	{ "time-limits", 500, limits_cron },
	{ "frameworks", 200, framework_tick },
};
_Static_assert(sizeof(cron_jobs) / sizeof(cron_jobs[0]) <=
		       sizeof(((struct rmd *)0)->cron_last) / sizeof(int64_t),
	       "rmd.cron_last needs a slot per cron job");

static void cron_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rmd *rmd = arg;
	int64_t now = mono_ms();

	for (size_t i = 0; i < sizeof(cron_jobs) / sizeof(cron_jobs[0]); i++) {
		if (now - rmd->cron_last[i] < cron_jobs[i].period_ms)
			continue;
		rmd->cron_last[i] = now;
		cron_jobs[i].fn(rmd);
	}
}

static void later_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rmd *rmd = arg;
	unsigned todo = rmd->later;

	rmd->later = 0;
	if ((todo & LATER_SCHED) && !rmd->stopping)
		place_pass(rmd);
	if ((todo | rmd->later) & LATER_EVENTS) {
		rmd->later &= ~(unsigned)LATER_EVENTS; /* flushed now, with what the pass did */
		events_flush(rmd);
	}
	if (todo & LATER_REAP)
		conns_reap(rmd);
}

void rmd_later(struct rmd *rmd, unsigned what)
{
	if (rmd->later == 0 && rmd->ev_later != NULL)
		event_active(rmd->ev_later, EV_TIMEOUT, 0);
	rmd->later |= what;
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct rmd *rmd = arg;

	log_info("rmd", "received %s; shutting down", strsignal((int)sig));
	rmd->stopping = true;
	event_base_loopexit(rmd->base, NULL);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: rmd [-c FILE] [-o key=value]... [--dump-config]\n"
		   "  -c, --config FILE   read the configuration from FILE\n"
		   "  -o, --option K=V    set one configuration key (after the file)\n"
		   "      --dump-config   print the resulting configuration and exit\n"
		   "  -h, --help          show this help\n");
}

/* Defaults, then the file, then -o overrides in order. Returns 0, 1 (exit 0) or -1. */
static int load_config(struct rm_conf *conf, struct as_state *pools, struct queue_tree *qt,
		       const char **path, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "option", required_argument, NULL, 'o' },
		{ "dump-config", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL;
	char **opts = xcalloc((size_t)argc + 1, sizeof(*opts));
	int nopts = 0, c, rc = 0, dump = 0;
	char err[512];

	while ((c = getopt_long(argc, argv, "c:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': file = optarg; break;
		case 'o': opts[nopts++] = optarg; break;
		case 'D': dump = 1; break;
		case 'h': usage(stdout); free(opts); return 1;
		default: usage(stderr); free(opts); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rmd: unexpected argument '%s'\n", argv[optind]);
		rc = -1;
	} else if (conf_defaults(rm_conf_table, rm_conf_n, conf, err, sizeof(err)) < 0 ||
		   (file && conf_load(rm_conf_table, rm_conf_n, conf, file, err, sizeof(err)) < 0) ||
		   pools_load(file, pools, err, sizeof(err)) < 0) {
		fprintf(stderr, "rmd: %s\n", err);
		rc = -1;
	} else if (conf_queues_load(file, qt, err, sizeof(err)) < 0) {
		fprintf(stderr, "rmd: %s\n", err);
		rc = -1;
	}
	for (int i = 0; rc == 0 && i < nopts; i++) {
		if (conf_set(rm_conf_table, rm_conf_n, conf, opts[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "rmd: -o %s\n", err);
			rc = -1;
		}
	}
	free(opts);
	if (rc == 0 && dump) {
		conf_dump(rm_conf_table, rm_conf_n, conf, stdout);
		as_state_free(pools);
		queue_tree_free(qt);
		return 1;
	}
	*path = file; /* an argv string: lives as long as the process (SIGHUP rereads it) */
	return rc;
}

static void rmd_init(struct rmd *rmd)
{
	rmd->base = event_base_new();
	if (rmd->base == NULL)
		fatal("cannot create the event loop");
	cluster_init(&rmd->cl, &rm_cluster_ops, rmd);
	rmd->cl.default_max_attempts = (int32_t)rmd->conf.default_max_attempts;
	rmd->cl.completed_kept = (size_t)rmd->conf.completed_jobs_kept;
	health_configure(rmd);
	spec_configure(rmd);
	sched_configure(rmd);
	mpw_init(&rmd->w);
	metrics_init(rmd);
	events_start(rmd);
	framework_start(rmd);
	rmd->ev_later = event_new(rmd->base, -1, 0, later_cb, rmd);
	rmd->ev_cron = event_new(rmd->base, -1, EV_PERSIST, cron_cb, rmd);
	rmd->ev_sig[0] = evsignal_new(rmd->base, SIGINT, signal_cb, rmd);
	rmd->ev_sig[1] = evsignal_new(rmd->base, SIGTERM, signal_cb, rmd);
	struct timeval tick = tv_from_ms(CRON_TICK_MS);
	event_add(rmd->ev_cron, &tick);
	event_add(rmd->ev_sig[0], NULL);
	event_add(rmd->ev_sig[1], NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Closes everything and frees every byte (so that leak checkers see a clean exit). */
static void rmd_free(struct rmd *rmd)
{
	rmd->stopping = true;
	autoscale_stop(rmd); /* kills hooks still running: the next rmd asks again */
	listen_stop(rmd);
	logs_free(rmd);
	conns_close_all(rmd);
	http_stop(rmd);
	/* Closed peers are freed by zero-delay timers: let them run. */
	for (int i = 0; i < 3; i++)
		event_base_loop(rmd->base, EVLOOP_NONBLOCK);
	conns_reap(rmd);
	recover_free(rmd); /* after the connections: nothing is journaled any more */
	framework_stop(rmd);
	events_stop(rmd);
	metrics_free(rmd);
	event_free(rmd->ev_later);
	event_free(rmd->ev_cron);
	event_free(rmd->ev_sig[0]);
	event_free(rmd->ev_sig[1]);
	cluster_free(&rmd->cl);
	sched_result_free(&rmd->sr);
	spec_result_free(&rmd->spec);
	preempt_run_free(rmd);
	mpw_free(&rmd->w);
	event_base_free(rmd->base);
	conf_free(rm_conf_table, rm_conf_n, &rmd->conf);
}

int main(int argc, char **argv)
{
	struct rmd *rmd = xcalloc(1, sizeof(*rmd));
	struct as_state pools = { 0 };
	struct queue_tree qt = { 0 };
	const char *conf_path = NULL;
	char err[512];
	int rc = load_config(&rmd->conf, &pools, &qt, &conf_path, argc, argv), level;

	if (rc != 0) {
		as_state_free(&pools);
		queue_tree_free(&qt);
		conf_free(rm_conf_table, rm_conf_n, &rmd->conf);
		free(rmd);
		return rc > 0 ? 0 : 2;
	}
	if ((level = log_level_parse(rmd->conf.log_level)) < 0) {
		fprintf(stderr, "rmd: log_level: '%s' is not error, warn, info or debug\n",
			rmd->conf.log_level);
		as_state_free(&pools);
		queue_tree_free(&qt);
		conf_free(rm_conf_table, rm_conf_n, &rmd->conf);
		free(rmd);
		return 2;
	}
	if (log_open("rmd", (enum log_level)level,
		     rmd->conf.log_file[0] ? rmd->conf.log_file : NULL) < 0)
		fprintf(stderr, "rmd: cannot open log file %s: %s; logging to stderr\n",
			rmd->conf.log_file, strerror(errno));
	rmd_init(rmd);
	rmd->conf_path = conf_path;
	autoscale_start(rmd, &pools, conf_path);
	/* Before recovery: replayed jobs find their queues. */
	queues_start(rmd, &qt);
	/* Why before listening: no agent may register before the state is rebuilt. */
	if (recover_open(rmd, err, sizeof(err)) < 0)
		fatal("state store: %s", err);
	if (listen_start(rmd, err, sizeof(err)) < 0)
		fatal("%s", err);
	log_info("rmd", "ready: clients on port %d, nodes on port %d, state in %s",
		 rmd->port[PORT_CLIENT], rmd->port[PORT_NODE], rmd->conf.state_dir);
	event_base_dispatch(rmd->base);
	rmd_free(rmd);
	free(rmd);
	log_info("rmd", "stopped");
	log_close();
	return 0;
}
