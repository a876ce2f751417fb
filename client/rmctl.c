/*
 * rmctl: one table of verbs (each in its own cmd-*.c file, as tmux's commands are), the
 * global options, the generic option parsing of a verb, and the one request helper every
 * verb uses so that errors and exit codes come out the same way.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "log.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_jobs_entry, &cmd_job_entry,    &cmd_kill_entry, &cmd_nodes_entry,
	&cmd_drain_entry, &cmd_undrain_entry, &cmd_queues_entry, &cmd_autoscale_entry,
	&cmd_logs_entry, &cmd_wait_entry,   &cmd_status_entry, &cmd_help_entry, NULL,
};

static const char global_usage[] =
	"usage: rmctl [--rm HOST:PORT] [--json] COMMAND [ARGS...]\n"
	"\n"
	"  --rm HOST:PORT   rmd's address (default $LOOM_RM, else 127.0.0.1:7420)\n"
	"  --json           print rmd's replies as JSON, for scripts\n"
	"  -h, --help       this help\n";

const struct cmd_entry *cmd_find(const char *name)
{
	for (const struct cmd_entry *const *e = cmd_table; *e != NULL; e++)
		if (strcmp((*e)->name, name) == 0)
			return *e;
	return NULL;
}

void cmd_usage(const struct cmd_entry *e, FILE *out)
{
	fprintf(out, "usage: rmctl %s%s%s\n  %s\n", e->name, e->usage[0] ? " " : "", e->usage,
		e->summary);
}

void rmctl_usage(FILE *out)
{
	fputs(global_usage, out);
	fputs("\ncommands:\n", out);
	for (const struct cmd_entry *const *e = cmd_table; *e != NULL; e++)
		fprintf(out, "  %s %s\n        %s\n", (*e)->name, (*e)->usage, (*e)->summary);
	fputs("\nExit: 0 done, 1 refused or not found, 2 bad usage, 3 rmd unreachable.\n", out);
}

int cmd_parse(const struct cmd_entry *e, int argc, char **argv, struct cmd_args *a, char *err,
	      size_t errlen)
{
	static const struct option none[] = { { NULL, 0, NULL, 0 } };
	char so[64];
	int c;

	memset(a, 0, sizeof *a);
	snprintf(so, sizeof so, ":%s", e->opts != NULL ? e->opts : ""); /* ':' reports a
									  * missing value */
	optind = 0; /* glibc: start a fresh scan (it permutes, so options may follow args) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, so, e->longopts ? e->longopts : none, NULL)) != -1) {
		if (c == '?' || c == ':' || c <= 0 || c >= 128) {
			if (c == '?' && optopt > 0 && optopt < 128)
				snprintf(err, errlen, "%s: unknown option '-%c'", e->name, optopt);
			else
				snprintf(err, errlen, c == ':' ? "%s: option '%s' needs a value"
							       : "%s: unknown option '%s'",
					 e->name, argv[optind - 1]);
			return -1;
		}
		a->opt[c] = optarg != NULL ? optarg : "";
	}
	a->argc = argc - optind;
	a->argv = argv + optind;
	if (a->argc < e->min_args || (e->max_args >= 0 && a->argc > e->max_args)) {
		snprintf(err, errlen, "%s: %s", e->name,
			 a->argc < e->min_args ? "missing arguments" : "too many arguments");
		return -1;
	}
	return 0;
}

int rmctl_connect(struct rmctl *ctx)
{
	char err[1024];

	if (ctx->conn != NULL)
		return EXIT_OK;
	ctx->conn = loom_connect_blocking(ctx->addr, "rmctl", err, sizeof err);
	if (ctx->conn != NULL)
		return EXIT_OK;
	fprintf(stderr, "rmctl: %s\n", err);
	return EXIT_NOCONN;
}

int rmctl_call(struct rmctl *ctx, int type, loom_build_fn build, const void *arg,
	       msgpack_unpacked *reply)
{
	struct msg_error e;
	char err[1024];

	msgpack_unpacked_init(reply);
	if (rmctl_connect(ctx) != EXIT_OK)
		return EXIT_NOCONN;
	msgpack_unpacked_destroy(reply); /* loom_call initializes it again */
	int st = loom_call(ctx->conn, type, build, arg, reply, &e);
	if (st == LOOM_OK)
		return EXIT_OK;
	fprintf(stderr, "rmctl: %s\n", error_text(&e, err, sizeof err));
	return st == LOOM_EREPLY ? EXIT_FAIL : EXIT_NOCONN;
}

const msgpack_object *rmctl_payload(const msgpack_unpacked *reply, const char *key)
{
	const msgpack_object *v = mpr_get(&reply->data, key);

	if (v == NULL)
		fprintf(stderr, "rmctl: rmd's reply has no '%s'\n", key);
	return v;
}

/* Global options, before the verb. Returns the index of the verb, or -1 (usage). */
static int parse_global(int argc, char **argv, struct rmctl *ctx, bool *help)
{
	static const struct option lo[] = {
		{ "rm", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", lo, NULL)) != -1) {
		switch (c) {
		case 'r': ctx->addr = optarg; break;
		case 'j': ctx->json = true; break;
		case 'h': *help = true; break;
		default:
			fprintf(stderr, c == ':' ? "rmctl: option '%s' needs a value\n"
						 : "rmctl: unknown option '%s'\n", argv[optind - 1]);
			return -1;
		}
	}
	return optind;
}

int rmctl_main(int argc, char **argv)
{
	struct rmctl ctx = { NULL, false, NULL };
	struct cmd_args args;
	bool help = false;
	char err[512], host[PROTO_NAME_MAX];
	int port;

	signal(SIGPIPE, SIG_IGN);
	log_open("rmctl", LL_WARN, NULL); /* common/ code's warnings name this program */
	int first = parse_global(argc, argv, &ctx, &help);
	if (first < 0 || (first >= argc && !help)) {
		rmctl_usage(stderr);
		return EXIT_USAGE;
	}
	if (help) {
		rmctl_usage(stdout);
		return EXIT_OK;
	}
	const struct cmd_entry *e = cmd_find(argv[first]);
	if (e == NULL) {
		fprintf(stderr, "rmctl: unknown command '%s'\n", argv[first]);
		rmctl_usage(stderr);
		return EXIT_USAGE;
	}
	if (first + 1 < argc && (strcmp(argv[first + 1], "-h") == 0 ||
				 strcmp(argv[first + 1], "--help") == 0)) {
		cmd_usage(e, stdout);
		return EXIT_OK;
	}
	if (cmd_parse(e, argc - first, argv + first, &args, err, sizeof err) < 0) {
		fprintf(stderr, "rmctl %s\n", err);
		cmd_usage(e, stderr);
		return EXIT_USAGE;
	}
	ctx.addr = loom_addr_choose(ctx.addr);
	if (loom_addr_parse(ctx.addr, host, sizeof host, &port, err, sizeof err) < 0) {
		fprintf(stderr, "rmctl: %s\n", err);
		return EXIT_USAGE;
	}
	int rc = e->exec(&ctx, &args);
	loom_conn_close(ctx.conn);
	if (fflush(stdout) != 0 && errno != EPIPE && rc == EXIT_OK) {
		fprintf(stderr, "rmctl: writing the output: %s\n", strerror(errno));
		rc = EXIT_FAIL; /* e.g. a full disk: the output is not all there */
	}
	return rc;
}
