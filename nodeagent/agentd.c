/*
 * nodeagent: the daemon on every machine of a Loom cluster. It registers with rmd, runs
 * the attempts rmd places here, watches them and reports on them. This file is the
 * command line; agent.c holds the loop, rmconn.c the connection, launch.c and monitor.c
 * the processes.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "conf.h"
#include "log.h"
#include "timeutil.h"
#include "xmalloc.h"

#define MAX_OVERRIDES 64

/* Tasks get 0-2 from us by dup2, so 0-2 must never be one of our own descriptors. */
static void keep_std_fds_taken(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0)
			fatal("cannot open /dev/null: %s", strerror(errno));
}

/* ---- command line ------------------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: nodeagent [-c FILE] [-o key=value]... [--dump-config]\n"
		"  -c, --config FILE   configuration file (libconfig syntax)\n"
		"  -o, --set KEY=VALUE override one setting (repeatable)\n"
		"      --dump-config   print the effective configuration and exit\n"
		"  -h, --help          this help\n");
}

struct options {
	const char *config;
	char *overrides[MAX_OVERRIDES];
	int nover;
	bool dump;
};

static void parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "set", required_argument, NULL, 'o' },
		{ "dump-config", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'o':
			if (o->nover == MAX_OVERRIDES)
				fatal("too many -o options");
			o->overrides[o->nover++] = optarg;
			break;
		case 'D': o->dump = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct agent ag = { 0 };
	char err[512];

	parse_args(argc, argv, &o);
	if (agent_conf_load(&ag.conf, o.config, o.overrides, o.nover, err, sizeof err) < 0 ||
	    agent_conf_resolve(&ag.conf, err, sizeof err) < 0) {
		fprintf(stderr, "nodeagent: %s\n", err);
		agent_conf_free(&ag.conf);
		return 1;
	}
	if (o.dump) {
		conf_dump(agent_conf_table, agent_conf_count, &ag.conf, stdout);
		agent_conf_free(&ag.conf);
		return 0;
	}
	const char *lf = ag.conf.log_file[0] ? ag.conf.log_file : NULL;
	if (log_open("nodeagent", (enum log_level)log_level_parse(ag.conf.log_level), lf) < 0)
		log_warn("agent", "cannot open log file %s: %s; logging to stderr", lf,
			 strerror(errno));
	keep_std_fds_taken();
	signal(SIGPIPE, SIG_IGN);
	agent_init(&ag);
	if (rmconn_start(&ag, err, sizeof err) < 0)
		fatal("rm: %s", err);
	log_info("agent", "node %s: %lld.%03lld vcores, %lld MiB, %lld gpus; work_dir %s",
		 ag.conf.name, (long long)(ag.conf.vcores_m / 1000),
		 (long long)(ag.conf.vcores_m % 1000), (long long)ag.conf.memory_mb,
		 (long long)ag.conf.gpus, ag.conf.work_dir);
	event_base_dispatch(ag.base);
	log_info("agent", "exiting");
	agent_cleanup(&ag);
	log_close();
	return 0;
}
